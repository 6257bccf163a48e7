package semver

import (
	"errors"
	"strings"
)

// MaxLen is the longest version string Parse accepts, in bytes.
const MaxLen = 256

// Parse errors. Each describes the problem only; callers add the input.
var (
	ErrEmpty      = errors.New("version string is empty")
	ErrTooLong    = errors.New("version string is longer than 256 bytes")
	ErrNumber     = errors.New("major, minor and patch must be numbers")
	ErrTooMany    = errors.New("more than three numeric parts")
	ErrIdentifier = errors.New("pre-release and build identifiers must be non-empty [0-9A-Za-z-]")
)

// Version is a parsed semantic version. The zero value is not valid.
type Version struct {
	// Major, Minor and Patch are digit strings without leading zeros ("" is 0).
	Major, Minor, Patch string
	// Prerelease is the part after '-' ("" when absent).
	Prerelease string
	// Build is the part after '+' ("" when absent).
	Build string

	raw string
}

// Parse parses s as described in the package documentation.
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, ErrEmpty
	}
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	v := Version{raw: s}
	rest := strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		v.Build = rest[i+1:]
		if !validIdentifiers(v.Build) {
			return Version{}, ErrIdentifier
		}
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		v.Prerelease = rest[i+1:]
		if !validIdentifiers(v.Prerelease) {
			return Version{}, ErrIdentifier
		}
		rest = rest[:i]
	}
	parts := strings.Split(rest, ".")
	if len(parts) > 3 {
		return Version{}, ErrTooMany
	}
	nums := [3]string{}
	for i, p := range parts {
		if !isDigits(p) {
			return Version{}, ErrNumber
		}
		nums[i] = strings.TrimLeft(p, "0")
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	return v, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validIdentifiers reports whether s is a non-empty dot-separated list of
// non-empty [0-9A-Za-z-] identifiers.
func validIdentifiers(s string) bool {
	if s == "" {
		return false
	}
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c == '-', '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		default:
			return false
		}
		prevDot = false
	}
	return !prevDot
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// IsPrerelease reports whether v has a pre-release part.
func (v Version) IsPrerelease() bool { return v.Prerelease != "" }

// Compare returns -1, 0 or +1 as v has lower, equal or higher precedence
// than w. Build metadata is ignored.
func (v Version) Compare(w Version) int {
	if c := compareNumber(v.Major, w.Major); c != 0 {
		return c
	}
	if c := compareNumber(v.Minor, w.Minor); c != 0 {
		return c
	}
	if c := compareNumber(v.Patch, w.Patch); c != 0 {
		return c
	}
	return ComparePrerelease(v.Prerelease, w.Prerelease)
}

// Compare parses a and b and compares them.
func Compare(a, b string) (int, error) {
	va, err := Parse(a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// compareNumber compares digit strings without leading zeros by value.
func compareNumber(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// ComparePrerelease compares two pre-release strings (without the '-') by
// SemVer precedence; "" (no pre-release) sorts after any pre-release.
func ComparePrerelease(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	for {
		ai, arest, aMore := strings.Cut(a, ".")
		bi, brest, bMore := strings.Cut(b, ".")
		if c := compareIdentifier(ai, bi); c != 0 {
			return c
		}
		switch {
		case !aMore && !bMore:
			return 0
		case !aMore:
			return -1
		case !bMore:
			return 1
		}
		a, b = arest, brest
	}
}

// compareIdentifier orders numeric identifiers by value and before
// alphanumeric ones, which compare in ASCII order.
func compareIdentifier(a, b string) int {
	an, bn := isDigits(a), isDigits(b)
	switch {
	case an && bn:
		return compareNumber(strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0"))
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}
