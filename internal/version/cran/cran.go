package cran

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
	ErrInvalid = errors.New("version must be numbers separated by single '.' or '-'")
	ErrTooBig  = errors.New("version part is larger than 2147483647")
)

// maxPart is R's integer maximum.
const maxPart = 1<<31 - 1

// Version is a parsed R version. The zero value is not valid.
type Version struct {
	raw string
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Parse validates s as an R numeric_version.
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, ErrEmpty
	}
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	n := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isDigit(s[i]) {
			n = n*10 + int(s[i]-'0')
			if n > maxPart {
				return Version{}, ErrTooBig
			}
			continue
		}
		// A separator or the end must follow at least one digit.
		if i == 0 || !isDigit(s[i-1]) {
			return Version{}, ErrInvalid
		}
		if i < len(s) && s[i] != '.' && s[i] != '-' {
			return Version{}, ErrInvalid
		}
		n = 0
	}
	return Version{raw: s}, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	a, b := v.raw, w.raw
	for {
		var pa, pb string
		pa, a = cut(a)
		pb, b = cut(b)
		switch {
		case pa == "" && pb == "":
			return 0
		case pa == "":
			return -1
		case pb == "":
			return 1
		}
		pa, pb = strings.TrimLeft(pa, "0"), strings.TrimLeft(pb, "0")
		if len(pa) != len(pb) {
			if len(pa) < len(pb) {
				return -1
			}
			return 1
		}
		if c := strings.Compare(pa, pb); c != 0 {
			return c
		}
	}
}

// cut returns the first part of s and the rest after its separator; part
// is "" only when s is.
func cut(s string) (part, rest string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == '-' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
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
