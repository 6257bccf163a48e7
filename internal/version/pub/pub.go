package pub

import (
	"strings"

	"github.com/portcullis-oci/portcullis/internal/version/semver"
)

// MaxLen is the longest version string Parse accepts, in bytes.
const MaxLen = semver.MaxLen

// Version is a parsed pub version. The zero value is not valid.
type Version struct {
	v semver.Version
}

// Parse parses s with semver.Parse; its errors are semver's.
func Parse(s string) (Version, error) {
	v, err := semver.Parse(s)
	if err != nil {
		return Version{}, err
	}
	return Version{v: v}, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.v.String() }

// IsPrerelease reports whether v has a pre-release part.
func (v Version) IsPrerelease() bool { return v.v.IsPrerelease() }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if c := v.v.CompareRelease(w.v); c != 0 {
		return c
	}
	a, b := v.v.Prerelease, w.v.Prerelease
	switch {
	case a == "" && b != "":
		return 1
	case a != "" && b == "":
		return -1
	}
	if c := compareLists(a, b); c != 0 {
		return c
	}
	a, b = v.v.Build, w.v.Build
	switch {
	case a == "" && b != "":
		return -1
	case a != "" && b == "":
		return 1
	}
	return compareLists(a, b)
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

// compareLists is pub_semver's _compareLists over dot-separated parts; ""
// is the empty list.
func compareLists(a, b string) int {
	for a != "" || b != "" {
		switch {
		case a == "":
			return -1
		case b == "":
			return 1
		}
		var pa, pb string
		pa, a, _ = strings.Cut(a, ".")
		pb, b, _ = strings.Cut(b, ".")
		if pa == pb {
			continue
		}
		na, aNum := parseInt(pa)
		nb, bNum := parseInt(pb)
		switch {
		case aNum && bNum:
			if c := compareInt(na, nb); c != 0 {
				return c
			}
		case aNum:
			return -1
		case bNum:
			return 1
		default:
			return strings.Compare(pa, pb)
		}
	}
	return 0
}

// parseInt reads an identifier as Dart's int.tryParse does, given that
// identifiers hold only [0-9A-Za-z-]: an optional '-' and decimal digits
// within the 64-bit range.
func parseInt(s string) (int64, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, false
	}
	var x uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if x > (1<<63)/10 {
			return 0, false
		}
		x = x*10 + uint64(c-'0')
		if x > 1<<63 {
			return 0, false
		}
	}
	if neg {
		return -int64(x), true
	}
	if x > 1<<63-1 {
		return 0, false
	}
	return int64(x), true
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
