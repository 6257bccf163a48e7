// Package redact removes credentials from text: the secrets a session may
// send (bearer tokens, basic credentials encoded and decoded) that it has
// seen, and the user-info of anything written like a URL. Registry access
// and promotion use it so that no credential reaches an error, a log or a
// result.
package redact

import (
	"encoding/base64"
	"slices"
	"strings"
	"sync"
)

// Placeholder replaces each secret.
const Placeholder = "[REDACTED]"

// MinSecretLen is the shortest string taken as a secret; shorter ones
// would blank ordinary words.
const MinSecretLen = 4

// Redactor knows secrets and removes them from text. The zero value is
// ready to use, a nil *Redactor redacts nothing secret (it still strips
// URL user-info), and it is safe for concurrent use.
type Redactor struct {
	mu      sync.Mutex
	secrets []string
}

// Add records secrets, longest first so that a secret containing another
// is replaced whole.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= MinSecretLen && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// AddAuthorization records the credentials of an Authorization header
// value: a bearer token, or basic credentials both encoded and decoded.
func (r *Redactor) AddAuthorization(v string) {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		r.Add(v)
		return
	}
	cred = strings.TrimSpace(cred)
	r.Add(cred)
	if strings.EqualFold(scheme, "basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			_, pass, _ := strings.Cut(string(dec), ":")
			r.Add(string(dec), pass)
		}
	}
}

// String returns s with every known secret and every URL user-info
// replaced.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.Lock()
		for _, secret := range r.secrets {
			s = strings.ReplaceAll(s, secret, Placeholder)
		}
		r.mu.Unlock()
	}
	return StripUserinfo(s)
}

// Contains reports whether s holds a known secret.
func (r *Redactor) Contains(s string) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

// StripUserinfo replaces the user-info ("user:pass@") of anything written
// like a URL ("scheme://user:pass@host/…").
func StripUserinfo(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := strings.IndexAny(s, "/?# \t\n\"'")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			b.WriteString(Placeholder + "@")
			s = s[at+1:]
		}
	}
}
