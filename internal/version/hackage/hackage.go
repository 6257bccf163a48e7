package hackage

import (
	"errors"
	"strings"
)

// MaxLen is the longest version string Parse accepts, in bytes.
const MaxLen = 256

// Parse errors. Each describes the problem only; callers add the input.
var (
	ErrEmpty       = errors.New("version string is empty")
	ErrTooLong     = errors.New("version string is longer than 256 bytes")
	ErrInvalid     = errors.New("version must be numbers separated by '.'")
	ErrLeadingZero = errors.New("version number has a leading zero")
)

// Version is a parsed Cabal version. The zero value is not valid.
type Version struct {
	raw string
}

// Parse validates s as a Cabal version.
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, ErrEmpty
	}
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && '0' <= s[i] && s[i] <= '9' {
			continue
		}
		if i == start || (i < len(s) && s[i] != '.') {
			return Version{}, ErrInvalid
		}
		if i-start > 1 && s[start] == '0' {
			return Version{}, ErrLeadingZero
		}
		start = i + 1
	}
	return Version{raw: s}, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	a, b := v.raw, w.raw
	for {
		switch {
		case a == "" && b == "":
			return 0
		case a == "":
			return -1
		case b == "":
			return 1
		}
		var pa, pb string
		pa, a, _ = strings.Cut(a, ".")
		pb, b, _ = strings.Cut(b, ".")
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
