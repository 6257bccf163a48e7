package php

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Entry is one package of an installed.json or composer.lock.
type Entry struct {
	// Name is the Composer name, "vendor/name".
	Name string
	// Version is the version with a leading "v" removed.
	Version string
	// Licenses are the declared licences.
	Licenses []string
	// Dev is set for development packages (composer.lock "packages-dev",
	// installed.json "dev-package-names").
	Dev bool
}

// ErrNotComposer is matched by the error for JSON of the wrong shape: an
// installed.json that is neither an array nor an object with "packages", a
// composer.lock without "packages".
var ErrNotComposer = errors.New("not a Composer package list")

// MaxProblems is how many problems a [ParseError] keeps; it counts the rest.
const MaxProblems = 5

// ParseError reports the package entries that were skipped; the good
// entries are returned with it.
type ParseError struct {
	// Entries is the number of package entries read.
	Entries int
	// Skipped is the number of entries skipped as malformed.
	Skipped int
	// Problems are the first [MaxProblems] problems, in file order.
	Problems []string
	// More is the number of problems beyond Problems.
	More int
}

func (e *ParseError) add(format string, args ...any) {
	e.Skipped++
	if len(e.Problems) >= MaxProblems {
		e.More++
		return
	}
	e.Problems = append(e.Problems, fmt.Sprintf(format, args...))
}

// Error says how many entries were skipped and lists the problems kept.
func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "php: %d of %d package entries skipped (%s", e.Skipped, e.Entries, strings.Join(e.Problems, "; "))
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	b.WriteString(")")
	return b.String()
}

// rawPackage is a package entry as Composer writes it.
type rawPackage struct {
	Name    json.RawMessage `json:"name"`
	Version json.RawMessage `json:"version"`
	License json.RawMessage `json:"license"`
}

// ParseInstalled reads a vendor/composer/installed.json of Composer 1 (an
// array of packages) or Composer 2 (an object with "packages" and
// "dev-package-names"). Malformed entries are skipped and reported in a
// [*ParseError] returned with the good ones.
func ParseInstalled(b []byte) ([]Entry, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, jsonError(err)
		}
		return convert([]section{{"", list, false}}, nil)
	}
	var doc struct {
		Packages []json.RawMessage `json:"packages"`
		DevNames json.RawMessage   `json:"dev-package-names"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, jsonError(err)
	}
	if doc.Packages == nil {
		return nil, fmt.Errorf("php: installed.json: %w: no \"packages\" array", ErrNotComposer)
	}
	var devNames []string
	var devErr error
	if len(doc.DevNames) > 0 && string(doc.DevNames) != "null" {
		if err := json.Unmarshal(doc.DevNames, &devNames); err != nil {
			devErr = fmt.Errorf("php: dev-package-names is not a list of names; development packages are not marked: %w", jsonError(err))
		}
	}
	dev := make(map[string]bool, len(devNames))
	for _, n := range devNames {
		dev[strings.ToLower(n)] = true
	}
	entries, err := convert([]section{{"packages", doc.Packages, false}}, dev)
	return entries, errors.Join(devErr, err)
}

// ParseLock reads a composer.lock: "packages", and "packages-dev" marked
// Dev. Malformed entries are skipped and reported in a [*ParseError]
// returned with the good ones.
func ParseLock(b []byte) ([]Entry, error) {
	var doc struct {
		Packages    []json.RawMessage `json:"packages"`
		PackagesDev []json.RawMessage `json:"packages-dev"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, jsonError(err)
	}
	if doc.Packages == nil && doc.PackagesDev == nil {
		return nil, fmt.Errorf("php: composer.lock: %w: no \"packages\" array", ErrNotComposer)
	}
	return convert([]section{{"packages", doc.Packages, false}, {"packages-dev", doc.PackagesDev, true}}, nil)
}

type section struct {
	name string
	list []json.RawMessage
	dev  bool
}

func convert(sections []section, devNames map[string]bool) ([]Entry, error) {
	var (
		out []Entry
		pe  ParseError
	)
	for _, s := range sections {
		for i, raw := range s.list {
			pe.Entries++
			where := fmt.Sprintf("%s[%d]", s.name, i)
			if s.name == "" {
				where = fmt.Sprintf("[%d]", i)
			}
			var rp rawPackage
			if err := json.Unmarshal(raw, &rp); err != nil {
				pe.add("%s: not a package object", where)
				continue
			}
			name, ok := jsonString(rp.Name)
			if !ok || name == "" {
				pe.add("%s: no name", where)
				continue
			}
			version, ok := jsonString(rp.Version)
			if !ok || version == "" {
				pe.add("%s: package %q has no version", where, name)
				continue
			}
			if !validToken(name) || !validToken(version) {
				pe.add("%s: package %q: name or version with blanks or control characters", where, name)
				continue
			}
			out = append(out, Entry{
				Name:     name,
				Version:  NormalizeVersion(version),
				Licenses: licenses(rp.License),
				Dev:      s.dev || devNames[strings.ToLower(name)],
			})
		}
	}
	if pe.Skipped > 0 {
		return out, &pe
	}
	return out, nil
}

// NormalizeVersion removes a leading "v" or "V" followed by a digit:
// "v5.4.1" → "5.4.1". Other versions are returned unchanged.
func NormalizeVersion(v string) string {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}

func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return strings.TrimSpace(s), true
}

// licenses reads a "license" field: an array of strings, or one string.
// Anything else gives none.
func licenses(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		s, ok := jsonString(raw)
		if !ok || s == "" {
			return nil
		}
		list = []string{s}
	}
	var out []string
	for _, l := range list {
		if l = strings.TrimSpace(l); l != "" && validText(l) {
			out = append(out, l)
		}
	}
	return out
}

// validToken reports whether s is valid text without blanks.
func validToken(s string) bool {
	return validText(s) && !strings.ContainsAny(s, " \u00a0")
}

// validText rejects strings with control characters or invalid UTF-8.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("php: invalid JSON at byte %d: %w", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("php: %w: %v", ErrNotComposer, err)
	}
	return fmt.Errorf("php: invalid JSON: %w", err)
}
