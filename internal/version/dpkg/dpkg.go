package dpkg

import (
	"errors"
	"strconv"
	"strings"
)

// MaxLen is the longest version string Parse accepts, in bytes.
const MaxLen = 256

// Version is a parsed Debian version. The zero value is not a valid version.
type Version struct {
	// Epoch is the number before the first ':' (0 when absent).
	Epoch int
	// Upstream is the upstream version: everything between the epoch and the
	// last '-'.
	Upstream string
	// Revision is the Debian revision after the last '-' ("" when absent).
	Revision string

	hasEpoch    bool
	hasRevision bool
}

// Parse errors. Each describes the problem only; callers add the input.
var (
	ErrEmpty             = errors.New("version string is empty")
	ErrTooLong           = errors.New("version string is longer than 256 bytes")
	ErrEmbeddedSpace     = errors.New("version string has embedded spaces")
	ErrEpochEmpty        = errors.New("epoch in version is empty")
	ErrEpochNotNumber    = errors.New("epoch in version is not number")
	ErrEpochNegative     = errors.New("epoch in version is negative")
	ErrEpochTooBig       = errors.New("epoch in version is too big")
	ErrNothingAfterColon = errors.New("nothing after colon in version number")
	ErrUpstreamEmpty     = errors.New("upstream version is empty")
	ErrNoLeadingDigit    = errors.New("version number does not start with digit")
	ErrUpstreamChar      = errors.New("invalid character in version number")
	ErrRevisionChar      = errors.New("invalid character in revision number")
)

// maxEpoch is dpkg's INT_MAX bound on the epoch.
const maxEpoch = 1<<31 - 1

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// Parse parses s the way dpkg's parseversion does, treating dpkg's warnings
// (an upstream version not starting with a digit, characters outside the
// allowed sets) as errors too, so that every accepted version has a
// well-defined place in dpkg's order. Leading and trailing white space is
// ignored. A trailing '-' with nothing after it gives an empty revision, as
// in dpkg; see [Valid] for the stricter Dpkg::Version rule.
func Parse(s string) (Version, error) {
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	// Trim leading and trailing space.
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	s = s[i:j]
	if s == "" {
		return Version{}, ErrEmpty
	}
	for k := 0; k < len(s); k++ {
		if isSpace(s[k]) {
			return Version{}, ErrEmbeddedSpace
		}
	}
	var v Version
	if colon := strings.IndexByte(s, ':'); colon >= 0 {
		ep := s[:colon]
		if ep == "" {
			return Version{}, ErrEpochEmpty
		}
		// strtol accepts an optional sign; the whole prefix must be a number.
		digits := ep
		neg := false
		if digits[0] == '-' || digits[0] == '+' {
			neg = digits[0] == '-'
			digits = digits[1:]
		}
		if digits == "" {
			return Version{}, ErrEpochEmpty
		}
		for k := 0; k < len(digits); k++ {
			if !isDigit(digits[k]) {
				return Version{}, ErrEpochNotNumber
			}
		}
		n, err := strconv.ParseUint(digits, 10, 64)
		if neg && (err != nil || n != 0) {
			return Version{}, ErrEpochNegative
		}
		if err != nil || n > maxEpoch {
			return Version{}, ErrEpochTooBig
		}
		if colon+1 == len(s) {
			return Version{}, ErrNothingAfterColon
		}
		v.Epoch = int(n)
		v.hasEpoch = true
		s = s[colon+1:]
	}
	v.Upstream = s
	if h := strings.LastIndexByte(s, '-'); h >= 0 {
		v.Upstream, v.Revision = s[:h], s[h+1:]
		v.hasRevision = true
	}
	if v.Upstream == "" {
		return Version{}, ErrUpstreamEmpty
	}
	if !isDigit(v.Upstream[0]) {
		return Version{}, ErrNoLeadingDigit
	}
	for k := 1; k < len(v.Upstream); k++ {
		c := v.Upstream[k]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".-+~:", rune(c)) {
			return Version{}, ErrUpstreamChar
		}
	}
	for k := 0; k < len(v.Revision); k++ {
		c := v.Revision[k]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~", rune(c)) {
			return Version{}, ErrRevisionChar
		}
	}
	return v, nil
}

// Valid reports whether s is a valid version by the stricter rules of
// Dpkg::Version (the Perl module used by dpkg-dev): everything [Parse]
// requires, plus a non-empty revision when a '-' is present and no
// surrounding white space.
func Valid(s string) bool {
	if strings.TrimSpace(s) != s {
		return false
	}
	v, err := Parse(s)
	return err == nil && !(v.hasRevision && v.Revision == "")
}

// HasEpoch reports whether the parsed string carried an explicit epoch.
func (v Version) HasEpoch() bool { return v.hasEpoch }

// HasRevision reports whether the parsed string carried a '-' revision.
func (v Version) HasRevision() bool { return v.hasRevision }

// String formats v as epoch:upstream-revision, omitting an absent epoch and
// an absent revision.
func (v Version) String() string {
	var b strings.Builder
	if v.hasEpoch || v.Epoch != 0 {
		b.WriteString(strconv.Itoa(v.Epoch))
		b.WriteByte(':')
	}
	b.WriteString(v.Upstream)
	if v.hasRevision {
		b.WriteByte('-')
		b.WriteString(v.Revision)
	}
	return b.String()
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w in
// dpkg's order. An absent epoch equals 0 and an absent revision equals "0"
// (dpkg treats "", "0" and "00" alike).
func (v Version) Compare(w Version) int {
	if v.Epoch != w.Epoch {
		if v.Epoch < w.Epoch {
			return -1
		}
		return 1
	}
	if c := verrevcmp(v.Upstream, w.Upstream); c != 0 {
		return c
	}
	return verrevcmp(v.Revision, w.Revision)
}

// Compare parses a and b and compares them; it fails if either is invalid.
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

// order is dpkg's weight of a non-digit character: '~' sorts before
// everything (including the end of the string), letters before non-letters.
func order(c byte) int {
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	default:
		return int(c) + 256
	}
}

// verrevcmp is dpkg's comparison of an upstream version or a revision.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		firstDiff := 0
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := 0, 0
			if i < len(a) {
				ac = order(a[i])
			}
			if j < len(b) {
				bc = order(b[j])
			}
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}
