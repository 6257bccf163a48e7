package rust

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/portcullis-oci/portcullis/scan"
)

// MaxTOMLNesting bounds how deeply arrays and tables may nest in a
// Cargo.lock (real ones nest two deep). The TOML parser recurses once per
// level, so deeper input is refused before it is parsed.
const MaxTOMLNesting = 32

// MaxTOMLLineDots bounds the dots outside strings on one line: the parts
// of a dotted key or table name (real Cargo.lock lines have none). The
// parser's time grows with the square of a key's parts.
const MaxTOMLLineDots = 64

// ErrNotCargoLock is matched by the error for a file that is not a
// Cargo.lock: invalid TOML, or nesting deeper than [MaxTOMLNesting].
var ErrNotCargoLock = errors.New("not a Cargo.lock")

// Registries whose packages are crates.io packages.
const (
	CratesIORegistry = "registry+https://github.com/rust-lang/crates.io-index"
	CratesIOSparse   = "sparse+https://index.crates.io/"
)

// LockPackage is one [[package]] of a Cargo.lock.
type LockPackage struct {
	Name    string
	Version string
	// Source is the package's source as the lock file states it; empty for
	// path (workspace) crates.
	Source string
}

// Package converts a lock file package to a package read from path.
func (p LockPackage) Package(path string) scan.Package {
	var quals []string
	kind, loc, _ := strings.Cut(p.Source, "+")
	switch {
	case p.Source == CratesIORegistry || p.Source == CratesIOSparse:
	case kind == "registry" || kind == "sparse":
		quals = []string{"repository_url", loc}
	case kind == "git":
		if u, err := url.Parse(loc); err == nil {
			commit := u.Fragment
			u.Fragment, u.RawQuery = "", ""
			v := "git+" + u.String()
			if commit != "" {
				v += "@" + commit
			}
			quals = []string{"vcs_url", v}
		}
	}
	return scan.Package{
		Name:    p.Name,
		Version: p.Version,
		Type:    scan.TypeCargo,
		PURL:    scan.NewPURL(scan.TypeCargo, "", p.Name, p.Version, quals...),
		Paths:   []string{path},
	}
}

// ParseCargoLock reads a Cargo.lock of any format version (1 to 4) and
// returns its packages that have a source, in file order. Packages without
// a valid name or version are skipped and reported in the error.
func ParseCargoLock(b []byte) ([]LockPackage, error) {
	if err := checkNesting(b); err != nil {
		return nil, err
	}
	var doc struct {
		Package []struct {
			Name    any `toml:"name"`
			Version any `toml:"version"`
			Source  any `toml:"source"`
		} `toml:"package"`
	}
	if _, err := toml.Decode(string(b), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("rust: %w: line %d: %s", ErrNotCargoLock, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("rust: %w: %v", ErrNotCargoLock, err)
	}
	var (
		out     []LockPackage
		skipped []string
	)
	for i, p := range doc.Package {
		name, _ := p.Name.(string)
		version, _ := p.Version.(string)
		src, _ := p.Source.(string)
		if !validToken(name) || !validToken(version) || (src != "" && !validToken(src)) {
			skipped = append(skipped, fmt.Sprintf("package %d: no valid name, version and source", i+1))
			continue
		}
		if src == "" {
			continue // a path crate of the workspace
		}
		out = append(out, LockPackage{Name: name, Version: version, Source: src})
	}
	if len(skipped) > 0 {
		n := len(skipped)
		more := ""
		if n > 5 {
			more = fmt.Sprintf("; and %d more", n-5)
			skipped = skipped[:5]
		}
		return out, fmt.Errorf("rust: Cargo.lock: %d of %d packages skipped (%s%s)", n, len(doc.Package), strings.Join(skipped, "; "), more)
	}
	return out, nil
}

// checkNesting refuses TOML whose arrays and inline tables nest deeper
// than MaxTOMLNesting, or whose lines have more than MaxTOMLLineDots dots
// outside strings, skipping strings and comments.
func checkNesting(b []byte) error {
	depth, line, dots := 0, 1, 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\n':
			line++
			dots = 0
		case '.':
			dots++
			if dots > MaxTOMLLineDots {
				return fmt.Errorf("rust: %w: line %d: more than %d dots outside strings", ErrNotCargoLock, line, MaxTOMLLineDots)
			}
		case '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			i--
		case '"', '\'':
			multi := i+2 < len(b) && b[i+1] == c && b[i+2] == c
			if multi {
				i += 3
				for i < len(b) && !(b[i] == c && i+2 < len(b) && b[i+1] == c && b[i+2] == c) {
					if b[i] == '\\' && c == '"' {
						i++
					} else if b[i] == '\n' {
						line++
						dots = 0
					}
					i++
				}
				i += 2
				continue
			}
			i++
			for i < len(b) && b[i] != c && b[i] != '\n' {
				if b[i] == '\\' && c == '"' {
					i++
				}
				i++
			}
			if i < len(b) && b[i] == '\n' {
				line++
				dots = 0
			}
		case '[', '{':
			depth++
			if depth > MaxTOMLNesting {
				return fmt.Errorf("rust: %w: line %d: arrays or tables nested deeper than %d", ErrNotCargoLock, line, MaxTOMLNesting)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}
