package rpm

import (
	"errors"
	"strings"
)

// MaxLen is the longest string Parse and ParseNEVRA accept, in bytes.
const MaxLen = 256

// Parse errors. Each describes the problem only; callers add the input.
var (
	ErrEmpty        = errors.New("version string is empty")
	ErrTooLong      = errors.New("version string is longer than 256 bytes")
	ErrControl      = errors.New("version string contains white space or control characters")
	ErrEmptyVersion = errors.New("version part is empty")
	ErrNoSeparator  = errors.New("NEVRA has no '-' separating version and release")
)

// Version is a parsed EVR. The zero value is not a valid version.
type Version struct {
	// Epoch is the epoch's digits ("" when absent, which compares as 0).
	Epoch string
	// Version is the upstream version.
	Version string
	// Release is the release ("" when absent; see HasRelease).
	Release string

	hasRelease bool
}

// Parse parses an EVR string the way rpm splits one: a run of digits followed
// by ':' at the start is the epoch (a ':' elsewhere is part of the version,
// and an empty epoch means 0), and the text after the last '-' is the
// release. Any other byte is accepted except white space and control
// characters, since rpmvercmp orders every string.
func Parse(s string) (Version, error) {
	if err := check(s); err != nil {
		return Version{}, err
	}
	var v Version
	var rest string
	v.Epoch, rest = splitEpoch(s)
	v.Version = rest
	if h := strings.LastIndexByte(rest, '-'); h >= 0 {
		v.Version, v.Release = rest[:h], rest[h+1:]
		v.hasRelease = true
	}
	if v.Version == "" {
		return Version{}, ErrEmptyVersion
	}
	return v, nil
}

// splitEpoch returns the leading run of digits of s when a ':' follows it,
// and the rest of s after that ':'; otherwise "" and s.
func splitEpoch(s string) (epoch, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == ':' {
		return s[:i], s[i+1:]
	}
	return "", s
}

func check(s string) error {
	if s == "" {
		return ErrEmpty
	}
	if len(s) > MaxLen {
		return ErrTooLong
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return ErrControl
		}
	}
	return nil
}

// HasRelease reports whether the parsed string had a '-' release part.
func (v Version) HasRelease() bool { return v.hasRelease }

// String formats v as [epoch:]version[-release].
func (v Version) String() string {
	var b strings.Builder
	if v.Epoch != "" {
		b.WriteString(v.Epoch)
		b.WriteByte(':')
	}
	b.WriteString(v.Version)
	if v.hasRelease {
		b.WriteByte('-')
		b.WriteString(v.Release)
	}
	return b.String()
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w:
// epochs compare as numbers (absent is 0), then versions and releases with
// rpmvercmp. A version without a release sorts before the same version with
// one, so that the order is total (rpm itself skips the release comparison
// when either side lacks one, which is a match rule, not an order).
func (v Version) Compare(w Version) int {
	if c := compareNumber(v.Epoch, w.Epoch); c != 0 {
		return c
	}
	if c := Vercmp(v.Version, w.Version); c != 0 {
		return c
	}
	switch {
	case v.hasRelease && w.hasRelease:
		return Vercmp(v.Release, w.Release)
	case v.hasRelease:
		return 1
	case w.hasRelease:
		return -1
	}
	return 0
}

// Compare parses the EVR strings a and b and compares them.
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

// compareNumber compares two strings of ASCII digits by value ("" is 0).
func compareNumber(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// Vercmp is rpm's rpmvercmp: it returns -1, 0 or +1 as a sorts before, equal
// to or after b. It accepts any strings and runs in time linear in their
// length.
func Vercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		// '~' sorts before everything else.
		at := i < len(a) && a[i] == '~'
		bt := j < len(b) && b[j] == '~'
		if at || bt {
			if !at {
				return 1
			}
			if !bt {
				return -1
			}
			i++
			j++
			continue
		}
		// '^' sorts after the end of the string but before anything else.
		ac := i < len(a) && a[i] == '^'
		bc := j < len(b) && b[j] == '^'
		if ac || bc {
			if i == len(a) {
				return -1
			}
			if j == len(b) {
				return 1
			}
			if !ac {
				return 1
			}
			if !bc {
				return -1
			}
			i++
			j++
			continue
		}
		if i == len(a) || j == len(b) {
			break
		}
		// Take the leading run of digits or letters of each string, of the
		// kind a starts with.
		si, sj := i, j
		isNum := isDigit(a[i])
		if isNum {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		if sj == j {
			// b's segment is of the other kind: numbers beat letters.
			if isNum {
				return 1
			}
			return -1
		}
		var c int
		if isNum {
			c = compareNumber(a[si:i], b[sj:j])
		} else {
			c = strings.Compare(a[si:i], b[sj:j])
		}
		if c != 0 {
			return c
		}
	}
	// Whichever string has characters left wins.
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	default:
		return 1
	}
}
