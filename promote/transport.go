package promote

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/portcullis-oci/portcullis/internal/redact"
)

// retryTransport retries requests answered 408, 429 or 5xx, or failing to
// connect, when their body can be replayed; it waits with a doubling backoff
// or what Retry-After asks for, whichever is longer.
type retryTransport struct {
	base          http.RoundTripper
	retries       int
	backoff       time.Duration
	maxRetryAfter time.Duration
	clock         Clock
}

func retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests ||
		code == http.StatusInternalServerError || code == http.StatusBadGateway ||
		code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	wait := t.backoff
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if attempt >= t.retries || !replayable || req.Context().Err() != nil {
			return resp, err
		}
		d := wait
		switch {
		case err != nil:
			if !transient(err) {
				return resp, err
			}
		case retryable(resp.StatusCode):
			if ra := retryAfter(resp.Header.Get("Retry-After"), t.clock.Now()); ra > d {
				d = min(ra, t.maxRetryAfter)
			}
			// Drain a bounded amount so the connection can be reused.
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			resp.Body.Close()
		default:
			return resp, nil
		}
		if serr := t.clock.Sleep(req.Context(), d); serr != nil {
			return nil, serr
		}
		wait *= 2
	}
}

// retryAfter parses a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 1<<20)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// errDryRun is returned for any write attempted in a dry run.
var errDryRun = errors.New("promote: dry run: refusing to write")

// readOnlyTransport fails every request that is not GET or HEAD.
type readOnlyTransport struct{ base http.RoundTripper }

func (t readOnlyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s", errDryRun, req.Method)
	}
	return t.base.RoundTrip(req)
}

// counter counts, for one promotion, what was written to the target
// repository: blobs uploaded and their bytes, blobs mounted, blobs the
// target already had, manifests written.
type counter struct {
	host   string // the target registry host
	repo   string // the target repository path, "/v2/REPO/"
	copied atomic.Int64
	bytes  atomic.Int64
	mount  atomic.Int64
	skip   atomic.Int64
	mfst   atomic.Int64
}

// promotionKey carries a promotion's redactor and counter in the context
// of its requests.
type promotionKey struct{}

type promotionState struct {
	red *redactor
	cnt *counter
}

func withPromotion(ctx context.Context, red *redactor, cnt *counter) context.Context {
	return context.WithValue(ctx, promotionKey{}, &promotionState{red: red, cnt: cnt})
}

// observer shows a promotion the requests made for it: the credentials
// sent (to remove them from errors) and, on the target's transport, what
// was written. It holds no state of its own, so a transport built over it
// serves any number of promotions.
type observer struct {
	base   http.RoundTripper
	target bool
}

func (o observer) RoundTrip(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(promotionKey{}).(*promotionState)
	if st == nil {
		return o.base.RoundTrip(req)
	}
	if v := req.Header.Get("Authorization"); v != "" {
		st.red.AddAuthorization(v)
	}
	c := st.cnt
	target := o.target && c != nil && req.URL.Host == c.host && strings.HasPrefix(req.URL.Path, c.repo)
	if target && req.Body != nil && req.Body != http.NoBody && (req.Method == http.MethodPatch || req.Method == http.MethodPut) && strings.Contains(req.URL.Path, "/blobs/uploads/") {
		req.Body = &countingBody{rc: req.Body, n: &c.bytes}
	}
	resp, err := o.base.RoundTrip(req)
	if err != nil || !target {
		return resp, err
	}
	p := req.URL.Path
	switch {
	case req.Method == http.MethodHead && strings.Contains(p, "/blobs/") && resp.StatusCode == http.StatusOK:
		c.skip.Add(1)
	case req.Method == http.MethodPost && req.URL.Query().Get("mount") != "" && resp.StatusCode == http.StatusCreated:
		c.mount.Add(1)
	case req.Method == http.MethodPut && strings.Contains(p, "/blobs/uploads/") && resp.StatusCode == http.StatusCreated:
		c.copied.Add(1)
	case req.Method == http.MethodPut && strings.Contains(p, "/manifests/") && resp.StatusCode/100 == 2:
		c.mfst.Add(1)
	}
	return resp, nil
}

// transportCacheTTL is how long an authenticated transport is reused; its
// token is refreshed by go-containerregistry when the registry refuses it
// before then.
const transportCacheTTL = 5 * time.Minute

// transportCacheMax bounds the transports kept.
const transportCacheMax = 64

// transportCache keeps authenticated transports by registry, scopes,
// credentials and role, so that promotion after promotion does not ping
// the registry and fetch a token again.
type transportCache struct {
	mu sync.Mutex
	m  map[string]cachedTransport
}

type cachedTransport struct {
	rt      http.RoundTripper
	created time.Time
}

func newTransportCache() *transportCache { return &transportCache{m: map[string]cachedTransport{}} }

func (c *transportCache) get(key string, now time.Time) http.RoundTripper {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.Sub(e.created) > transportCacheTTL || now.Before(e.created) {
		return nil
	}
	return e.rt
}

func (c *transportCache) put(key string, rt http.RoundTripper, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= transportCacheMax {
		for k, e := range c.m {
			if now.Sub(e.created) > transportCacheTTL || now.Before(e.created) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= transportCacheMax {
			clear(c.m)
		}
	}
	c.m[key] = cachedTransport{rt: rt, created: now}
}

// transportKey identifies a transport: the registry (and whether it is
// reached over plain HTTP), a digest of the credentials (never the
// credentials themselves), the role, dry run, and the scopes.
func transportKey(reg name.Registry, cfg *authn.AuthConfig, target, dryRun bool, scopes []string) string {
	h := sha256.New()
	for _, s := range []string{cfg.Username, cfg.Password, cfg.Auth, cfg.IdentityToken, cfg.RegistryToken} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	sorted := slices.Sorted(slices.Values(scopes))
	return fmt.Sprintf("%s|%s|%x|%t|%t|%s", reg.Scheme(), reg.RegistryStr(), h.Sum(nil), target, dryRun, strings.Join(sorted, " "))
}

type countingBody struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

// redactor removes known credentials and URL user-info from messages.
type redactor = redact.Redactor

// redactedError stands in for an error whose message held a credential,
// still matching the sentinels the original matched.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool {
	switch target {
	case ErrDenied, ErrTagExists, ErrInvalidRequest, context.Canceled, context.DeadlineExceeded, errDryRun:
		return errors.Is(e.err, target)
	}
	return false
}

// clean returns err with every known credential removed from its message.
func clean(r *redactor, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// transient reports whether a transport error is worth retrying: a
// connection reset or cut short. Dial and TLS failures are not (go-
// containerregistry's ping tries HTTPS before plain HTTP on local
// registries, and that must fail fast).
func transient(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
