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
	ErrIdentifier = errors.New("pre-release and build identifiers must be non-empty [0-9A-Za-z-]")
	// ErrTooBig is returned by ParseNPM for a major, minor or patch above
	// JavaScript's Number.MAX_SAFE_INTEGER, which node-semver rejects.
	ErrTooBig = errors.New("version number is larger than 9007199254740991")
)

// Version is a parsed semantic version. The zero value is not valid.
type Version struct {
	// Major, Minor and Patch are digit strings without leading zeros ("" is 0).
	Major, Minor, Patch string
	// Prerelease is the part after '-' ("" when absent).
	Prerelease string
	// Build is the part after '+' ("" when absent).
	Build string

	// extra holds numeric parts after the patch, dot-separated as written
	// ("4.5" in 1.2.3.4.5); "" when absent.
	extra string
	raw   string
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
	rest := s
	if rest[0] == 'v' {
		rest = rest[1:]
	}
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
	var nums [3]string
	for i := 0; ; i++ {
		part, more := rest, false
		if j := strings.IndexByte(rest, '.'); j >= 0 {
			part, rest, more = rest[:j], rest[j+1:], true
		}
		if !isDigits(part) {
			return Version{}, ErrNumber
		}
		if i < 3 {
			nums[i] = strings.TrimLeft(part, "0")
		}
		if !more {
			break
		}
		if i == 2 {
			// Numeric parts after the patch.
			if !validNumbers(rest) {
				return Version{}, ErrNumber
			}
			v.extra = rest
			break
		}
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	return v, nil
}

// validNumbers reports whether s is a non-empty dot-separated list of
// digit strings.
func validNumbers(s string) bool {
	for {
		part, rest, more := strings.Cut(s, ".")
		if !isDigits(part) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
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

func isIdentChar(c byte) bool {
	return c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
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
		case isIdentChar(c):
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

// Extra returns the numeric parts after the patch as written ("4.5" for
// 1.2.3.4.5), or "" when there are none.
func (v Version) Extra() string { return v.extra }

// Compare returns -1, 0 or +1 as v has lower, equal or higher precedence
// than w. Build metadata is ignored.
func (v Version) Compare(w Version) int {
	if c := v.CompareRelease(w); c != 0 {
		return c
	}
	return ComparePrerelease(v.Prerelease, w.Prerelease)
}

// CompareRelease compares only the numeric parts of v and w (major, minor,
// patch and any further numeric parts), ignoring pre-release and build.
func (v Version) CompareRelease(w Version) int {
	if c := compareNumber(v.Major, w.Major); c != 0 {
		return c
	}
	if c := compareNumber(v.Minor, w.Minor); c != 0 {
		return c
	}
	if c := compareNumber(v.Patch, w.Patch); c != 0 {
		return c
	}
	return compareExtra(v.extra, w.extra)
}

// compareExtra compares dot-separated digit lists by value, a missing part
// counting as 0.
func compareExtra(a, b string) int {
	for a != "" || b != "" {
		var ap, bp string
		ap, a, _ = strings.Cut(a, ".")
		bp, b, _ = strings.Cut(b, ".")
		if c := compareNumber(strings.TrimLeft(ap, "0"), strings.TrimLeft(bp, "0")); c != 0 {
			return c
		}
	}
	return 0
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
	return CompareIdentifiers(a, b)
}

// CompareIdentifiers compares two non-empty dot-separated identifier lists
// by SemVer's pre-release rules: identifier by identifier, numeric ones by
// value and before alphanumeric ones, which compare in ASCII order, and a
// list after its own prefix.
func CompareIdentifiers(a, b string) int {
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
