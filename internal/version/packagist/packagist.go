package packagist

import (
	"errors"
	"strings"
)

// MaxLen is the longest version string Parse accepts, in bytes.
const MaxLen = 256

// Parse errors. Each describes the problem only; callers add the input.
var (
	ErrEmpty   = errors.New("version string is empty")
	ErrTooLong = errors.New("version string is longer than 256 bytes")
	ErrInvalid = errors.New("version must be letters, digits and '#' separated by '.', '-', '_' or '+', starting with a letter or digit")
)

// Version is a parsed Packagist version. The zero value is not valid.
type Version struct {
	raw string
	v   string // without the leading 'v'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// isLetter reports whether c belongs to a run of letters: a letter or
// '#', which osv-scalibr reads as version_compare's special form "#".
func isLetter(c byte) bool { return isAlpha(c) || c == '#' }

func isSep(c byte) bool { return c == '.' || c == '-' || c == '_' || c == '+' }

// Parse validates s; see the package documentation.
func Parse(s string) (Version, error) {
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	t := s
	if t != "" && (t[0] == 'v' || t[0] == 'V') {
		t = t[1:]
	}
	if t == "" {
		return Version{}, ErrEmpty
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isDigit(c) && !isLetter(c) && !isSep(c) {
			return Version{}, ErrInvalid
		}
	}
	if isSep(t[0]) || t[0] == '#' || isSep(t[len(t)-1]) {
		return Version{}, ErrInvalid
	}
	return Version{raw: s, v: t}, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// tokens walks the runs of digits and of letters (with '#') of a version,
// which are the elements of PHP's canonical form.
type tokens struct {
	s   string
	pos int
}

func (t *tokens) next() (string, bool) {
	for t.pos < len(t.s) && isSep(t.s[t.pos]) {
		t.pos++
	}
	if t.pos == len(t.s) {
		return "", false
	}
	start := t.pos
	digit := isDigit(t.s[start])
	for t.pos < len(t.s) && !isSep(t.s[t.pos]) && isDigit(t.s[t.pos]) == digit {
		t.pos++
	}
	return t.s[start:t.pos], true
}

// formNumber is the order of a number ("#N#") among the special forms.
const formNumber = 4

// form is compare_special_version_forms' order of a letter run: the first
// special form that is a prefix of it, or -1.
func form(s string) int {
	for _, f := range [...]struct {
		name  string
		order int
	}{
		{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
		{"RC", 3}, {"rc", 3}, {"#", 4}, {"pl", 5}, {"p", 5},
	} {
		if strings.HasPrefix(s, f.name) {
			return f.order
		}
	}
	return -1
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w
// (php_version_compare).
func (v Version) Compare(w Version) int {
	a, b := tokens{s: v.v}, tokens{s: w.v}
	for {
		ta, okA := a.next()
		tb, okB := b.next()
		switch {
		case !okA && !okB:
			return 0
		case !okB:
			// v has more: a number makes it greater, a form compares
			// with a number ("#"), and so on while they are equal.
			if isDigit(ta[0]) {
				return 1
			}
			if c := compareInt(form(ta), formNumber); c != 0 {
				return c
			}
			continue
		case !okA:
			if isDigit(tb[0]) {
				return -1
			}
			if c := compareInt(formNumber, form(tb)); c != 0 {
				return c
			}
			continue
		}
		var c int
		switch da, db := isDigit(ta[0]), isDigit(tb[0]); {
		case da && db:
			c = compareNumber(strings.TrimLeft(ta, "0"), strings.TrimLeft(tb, "0"))
		case da:
			c = compareInt(formNumber, form(tb))
		case db:
			c = compareInt(form(ta), formNumber)
		default:
			c = compareInt(form(ta), form(tb))
		}
		if c != 0 {
			return c
		}
	}
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
		return compareInt(len(a), len(b))
	}
	return strings.Compare(a, b)
}

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
