package nuget

import (
	"errors"
	"strings"
)

// MaxLen is the longest version string Parse accepts, in bytes.
const MaxLen = 256

// Parse errors. Each describes the problem only; callers add the input.
var (
	ErrEmpty    = errors.New("version string is empty")
	ErrTooLong  = errors.New("version string is longer than 256 bytes")
	ErrNumber   = errors.New("version must be one to four dot-separated numbers")
	ErrLabel    = errors.New("release labels must be non-empty [0-9A-Za-z-] without leading zeros in numbers")
	ErrMetadata = errors.New("build metadata must be non-empty [0-9A-Za-z-] parts")
)

// maxInt32 is the largest numeric release label (int.TryParse).
const maxInt32 = 1<<31 - 1

// span is raw[lo:hi]; raw is at most MaxLen bytes long.
type span struct{ lo, hi uint16 }

// Version is a parsed NuGet version. The zero value is not valid.
type Version struct {
	// nums locate the four numeric parts (major, minor, patch, revision)
	// in raw, without leading zeros: empty for 0 and for a missing part.
	nums [4]span
	// Release is the pre-release part after '-' ("" when absent).
	Release string
	// Metadata is the build metadata after '+' ("" when absent).
	Metadata string

	raw string
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLabelChar(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '-'
}

// Parse parses s as NuGetVersion.TryParse does; see the package
// documentation.
func Parse(s string) (Version, error) {
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	t, off := s, 0
	for t != "" && isSpace(t[0]) {
		t = t[1:]
		off++
	}
	for t != "" && isSpace(t[len(t)-1]) {
		t = t[:len(t)-1]
	}
	if t == "" {
		return Version{}, ErrEmpty
	}
	v := Version{raw: s}
	// ParseSections: the version runs to the first '-' or '+', the labels
	// to the next '+', the metadata to the end. A separator at the very end
	// stays in the part before it, which then fails to parse.
	num, rest := t, ""
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		num, rest = t[:i], t[i:]
	}
	// Numbers of any size, as OSV compares them (System.Version stops at
	// 2147483647), kept as spans of s without their leading zeros.
	n, start := 0, 0
	for i := 0; i <= len(num); i++ {
		if i < len(num) && num[i] != '.' {
			if !isDigit(num[i]) {
				return Version{}, ErrNumber
			}
			continue
		}
		if n == 4 || i == start {
			return Version{}, ErrNumber
		}
		lo := start
		for lo < i && num[lo] == '0' {
			lo++
		}
		v.nums[n] = span{lo: uint16(off + lo), hi: uint16(off + i)}
		n++
		start = i + 1
	}
	if rest != "" && rest[0] == '-' {
		label := rest[1:]
		rest = ""
		if i := strings.IndexByte(label, '+'); i >= 0 {
			label, rest = label[:i], label[i:]
		}
		if !validLabels(label) {
			return Version{}, ErrLabel
		}
		v.Release = label
	}
	if rest != "" {
		// rest starts with '+'; a '+' with nothing after it is invalid.
		if !validMetadata(rest[1:]) {
			return Version{}, ErrMetadata
		}
		v.Metadata = rest[1:]
	}
	return v, nil
}

// validLabels checks dot-separated release labels: non-empty, [0-9A-Za-z-],
// and an all-digit label has no leading zero.
func validLabels(s string) bool {
	for {
		part, rest, more := strings.Cut(s, ".")
		if part == "" {
			return false
		}
		allDigits := true
		for i := 0; i < len(part); i++ {
			if !isLabelChar(part[i]) {
				return false
			}
			allDigits = allDigits && isDigit(part[i])
		}
		if allDigits && len(part) > 1 && part[0] == '0' {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// validMetadata checks dot-separated build metadata parts: non-empty
// [0-9A-Za-z-].
func validMetadata(s string) bool {
	for {
		part, rest, more := strings.Cut(s, ".")
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			if !isLabelChar(part[i]) {
				return false
			}
		}
		if !more {
			return true
		}
		s = rest
	}
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// Numbers returns the four numeric parts (major, minor, patch, revision)
// in decimal without leading zeros; missing parts are "0".
func (v Version) Numbers() [4]string {
	var out [4]string
	for i, n := range v.nums {
		out[i] = v.raw[n.lo:n.hi]
		if out[i] == "" {
			out[i] = "0"
		}
	}
	return out
}

// IsPrerelease reports whether v has release labels.
func (v Version) IsPrerelease() bool { return v.Release != "" }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
// Metadata is ignored.
func (v Version) Compare(w Version) int {
	for i, n := range v.nums {
		m := w.nums[i]
		if c := compareNumber(v.raw[n.lo:n.hi], w.raw[m.lo:m.hi]); c != 0 {
			return c
		}
	}
	switch {
	case v.Release == "" && w.Release == "":
		return 0
	case v.Release == "":
		return 1
	case w.Release == "":
		return -1
	}
	return compareLabels(v.Release, w.Release)
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

// compareLabels is VersionComparer.CompareReleaseLabels.
func compareLabels(a, b string) int {
	for {
		ap, arest, aMore := strings.Cut(a, ".")
		bp, brest, bMore := strings.Cut(b, ".")
		if c := compareLabel(ap, bp); c != 0 {
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

// compareLabel is VersionComparer.CompareRelease: labels that int.TryParse
// reads compare by value and before the others, which compare with
// StringComparer.OrdinalIgnoreCase.
func compareLabel(a, b string) int {
	an, aNum := parseInt32(a)
	bn, bNum := parseInt32(b)
	switch {
	case aNum && bNum:
		return compareInt(an, bn)
	case aNum:
		return -1
	case bNum:
		return 1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := upper(a[i]), upper(b[i])
		if ca != cb {
			return compareInt(int64(ca), int64(cb))
		}
	}
	return compareInt(int64(len(a)), int64(len(b)))
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// parseInt32 reads a label as int.TryParse would, given that labels only
// hold [0-9A-Za-z-]: an optional '-' and digits, within int32.
func parseInt32(s string) (int64, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, false
	}
	var x int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		x = x*10 + int64(s[i]-'0')
		if x > maxInt32+1 {
			return 0, false
		}
	}
	if neg {
		x = -x
	}
	if x > maxInt32 {
		return 0, false
	}
	return x, true
}

// compareNumber compares digit strings without leading zeros by value.
func compareNumber(a, b string) int {
	if len(a) != len(b) {
		return compareInt(int64(len(a)), int64(len(b)))
	}
	return strings.Compare(a, b)
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
