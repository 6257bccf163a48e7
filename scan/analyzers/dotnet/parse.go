package dotnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Entry is one NuGet package of a deps.json or packages.lock.json.
type Entry struct {
	Name    string
	Version string
}

// ErrNotDotnet is matched by the error for JSON of the wrong shape: a
// deps.json without a "libraries" object, a packages.lock.json without a
// "dependencies" object.
var ErrNotDotnet = errors.New("not a .NET dependency file")

// MaxProblems is how many problems a [ParseError] keeps; it counts the rest.
const MaxProblems = 5

// ParseError reports the entries that were skipped; the good entries are
// returned with it.
type ParseError struct {
	// Entries is the number of entries read.
	Entries int
	// Skipped is the number of entries skipped as malformed.
	Skipped int
	// Problems are the first [MaxProblems] problems.
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
	fmt.Fprintf(&b, "dotnet: %d of %d entries skipped (%s", e.Skipped, e.Entries, strings.Join(e.Problems, "; "))
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	b.WriteString(")")
	return b.String()
}

func (e *ParseError) orNil() error {
	if e.Skipped == 0 {
		return nil
	}
	return e
}

// ParseDeps reads a *.deps.json and returns its libraries of type
// "package", sorted by key.
func ParseDeps(b []byte) ([]Entry, error) {
	var doc struct {
		Libraries map[string]json.RawMessage `json:"libraries"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, jsonError(err)
	}
	if doc.Libraries == nil {
		return nil, fmt.Errorf("dotnet: deps.json: %w: no \"libraries\" object", ErrNotDotnet)
	}
	var (
		out []Entry
		pe  ParseError
	)
	for _, key := range slices.Sorted(maps.Keys(doc.Libraries)) {
		pe.Entries++
		var lib struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(doc.Libraries[key], &lib); err != nil {
			pe.add("libraries[%q]: not a library object", key)
			continue
		}
		if !strings.EqualFold(lib.Type, "package") {
			continue
		}
		name, version, ok := strings.Cut(key, "/")
		if !ok || !validToken(name) || !validToken(version) || strings.Contains(version, "/") {
			pe.add("libraries[%q]: not \"Name/Version\"", key)
			continue
		}
		out = append(out, Entry{Name: name, Version: version})
	}
	return out, pe.orNil()
}

// ParseLock reads a packages.lock.json and returns its packages, each
// name and version once (compared without regard to case), sorted by name.
func ParseLock(b []byte) ([]Entry, error) {
	var doc struct {
		Dependencies map[string]map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, jsonError(err)
	}
	if doc.Dependencies == nil {
		return nil, fmt.Errorf("dotnet: packages.lock.json: %w: no \"dependencies\" object", ErrNotDotnet)
	}
	var (
		out  []Entry
		pe   ParseError
		seen = map[Entry]bool{}
	)
	for _, fw := range slices.Sorted(maps.Keys(doc.Dependencies)) {
		deps := doc.Dependencies[fw]
		for _, name := range slices.Sorted(maps.Keys(deps)) {
			pe.Entries++
			var dep struct {
				Type     string `json:"type"`
				Resolved string `json:"resolved"`
			}
			if err := json.Unmarshal(deps[name], &dep); err != nil {
				pe.add("dependencies[%q][%q]: not a dependency object", fw, name)
				continue
			}
			if strings.EqualFold(dep.Type, "Project") {
				continue
			}
			if !validToken(name) || !validToken(dep.Resolved) {
				pe.add("dependencies[%q][%q]: no resolved version", fw, name)
				continue
			}
			key := Entry{strings.ToLower(name), strings.ToLower(dep.Resolved)}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, Entry{Name: name, Version: dep.Resolved})
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, pe.orNil()
}

// validToken reports whether s is non-empty valid UTF-8 without blanks or
// control characters.
func validToken(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == 0xa0 {
			return false
		}
	}
	return true
}

func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("dotnet: invalid JSON at byte %d: %w", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("dotnet: %w: %v", ErrNotDotnet, err)
	}
	return fmt.Errorf("dotnet: invalid JSON: %w", err)
}
