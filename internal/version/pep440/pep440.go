package pep440

import (
	"errors"
	"regexp"
	"strings"
)

// MaxLen is the longest version string Parse accepts, in bytes.
const MaxLen = 256

// Parse errors. Each describes the problem only; callers add the input.
var (
	ErrEmpty   = errors.New("version string is empty")
	ErrTooLong = errors.New("version string is longer than 256 bytes")
	ErrInvalid = errors.New("not a valid PEP 440 version")
)

// versionPattern is the regular expression of PEP 440's appendix (as used by
// packaging.version), anchored and case-insensitive, with surrounding white
// space allowed.
var versionPattern = regexp.MustCompile(`(?i)^[ \t\n\r\f\v]*v?` +
	`(?:([0-9]+)!)?` + // epoch
	`([0-9]+(?:\.[0-9]+)*)` + // release
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?` + // pre-release
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` + // post-release
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?` + // dev release
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?` + // local version
	`[ \t\n\r\f\v]*$`)

// Pre-release phases in order.
const (
	phaseA = iota
	phaseB
	phaseRC
)

// Version is a parsed PEP 440 version (or, from ParseLegacy, a legacy
// one). The zero value is not a valid version.
type Version struct {
	epoch   string   // digits without leading zeros ("" is 0)
	release []string // digits without leading zeros; trailing zeros kept
	hasPre  bool
	phase   int
	pre     string
	hasPost bool
	post    string
	hasDev  bool
	dev     string
	local   []string // lower-cased segments; nil when absent
	// legacy holds the comparison key of a legacy version; nil otherwise.
	legacy []string
	raw    string
}

// Parse parses s as a PEP 440 version.
func Parse(s string) (Version, error) {
	if strings.TrimSpace(s) == "" {
		return Version{}, ErrEmpty
	}
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return Version{}, ErrInvalid
	}
	v := Version{raw: s, epoch: trimZeros(m[1])}
	for _, r := range strings.Split(m[2], ".") {
		v.release = append(v.release, trimZeros(r))
	}
	if m[3] != "" {
		v.hasPre = true
		switch strings.ToLower(m[3]) {
		case "a", "alpha":
			v.phase = phaseA
		case "b", "beta":
			v.phase = phaseB
		default:
			v.phase = phaseRC
		}
		v.pre = trimZeros(m[4])
	}
	switch {
	case m[5] != "":
		v.hasPost, v.post = true, trimZeros(m[5])
	case m[6] != "":
		v.hasPost, v.post = true, trimZeros(m[7])
	}
	if m[8] != "" {
		v.hasDev, v.dev = true, trimZeros(m[9])
	}
	if m[10] != "" {
		v.local = strings.FieldsFunc(strings.ToLower(m[10]), func(r rune) bool {
			return r == '-' || r == '_' || r == '.'
		})
	}
	return v, nil
}

// trimZeros removes leading zeros from a digit string; "0" and "" become "".
func trimZeros(s string) string { return strings.TrimLeft(s, "0") }

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

// IsLegacy reports whether v is a legacy (non-PEP 440) version from
// ParseLegacy.
func (v Version) IsLegacy() bool { return v.legacy != nil }

// IsPrerelease reports whether v is a pre-release or a development release.
func (v Version) IsPrerelease() bool { return v.legacy == nil && (v.hasPre || v.hasDev) }

// String returns the normalised form of v (as str(packaging.version.Version)
// prints it), or the input of a legacy version.
func (v Version) String() string {
	if v.legacy != nil {
		return v.raw
	}
	var b strings.Builder
	if v.epoch != "" {
		b.WriteString(v.epoch)
		b.WriteByte('!')
	}
	for i, r := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(num(r))
	}
	if v.hasPre {
		b.WriteString([...]string{"a", "b", "rc"}[v.phase])
		b.WriteString(num(v.pre))
	}
	if v.hasPost {
		b.WriteString(".post")
		b.WriteString(num(v.post))
	}
	if v.hasDev {
		b.WriteString(".dev")
		b.WriteString(num(v.dev))
	}
	if v.local != nil {
		b.WriteByte('+')
		b.WriteString(strings.Join(v.local, "."))
	}
	return b.String()
}

func num(s string) string {
	if s == "" {
		return "0"
	}
	return s
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

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w, in the
// order of packaging.version (legacy versions, if any, sort before all PEP
// 440 versions and among themselves by setuptools' historical key).
func (v Version) Compare(w Version) int {
	switch {
	case v.legacy != nil && w.legacy != nil:
		return compareLegacy(v.legacy, w.legacy)
	case v.legacy != nil:
		return -1
	case w.legacy != nil:
		return 1
	}
	if c := compareNumber(v.epoch, w.epoch); c != 0 {
		return c
	}
	if c := compareRelease(v.release, w.release); c != 0 {
		return c
	}
	if c := compareInt(v.preRank(), w.preRank()); c != 0 {
		return c
	}
	if v.hasPre && w.hasPre {
		if c := compareInt(v.phase, w.phase); c != 0 {
			return c
		}
		if c := compareNumber(v.pre, w.pre); c != 0 {
			return c
		}
	}
	if v.hasPost != w.hasPost {
		if v.hasPost {
			return 1
		}
		return -1
	}
	if c := compareNumber(v.post, w.post); c != 0 {
		return c
	}
	if v.hasDev != w.hasDev {
		if v.hasDev {
			return -1
		}
		return 1
	}
	if c := compareNumber(v.dev, w.dev); c != 0 {
		return c
	}
	return compareLocal(v.local, w.local)
}

// preRank places the pre-release part: a bare dev release (no pre, no post)
// sorts before any pre-release, a release without pre-release after all.
func (v Version) preRank() int {
	switch {
	case v.hasPre:
		return 0
	case !v.hasPost && v.hasDev:
		return -1
	}
	return 1
}

// compareRelease compares release tuples ignoring trailing zeros.
func compareRelease(a, b []string) int {
	a, b = trimTrailingZeros(a), trimTrailingZeros(b)
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareNumber(a[i], b[i]); c != 0 {
			return c
		}
	}
	return compareInt(len(a), len(b))
}

func trimTrailingZeros(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

// compareLocal compares local version labels: absent sorts first; segments
// compare numerically when both are numbers, a number beats a string, and
// strings compare lexically.
func compareLocal(a, b []string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		an, bn := isDigits(a[i]), isDigits(b[i])
		var c int
		switch {
		case an && bn:
			c = compareNumber(trimZeros(a[i]), trimZeros(b[i]))
		case an:
			c = 1
		case bn:
			c = -1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return compareInt(len(a), len(b))
}

// Compare parses a and b with Parse and compares them.
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
