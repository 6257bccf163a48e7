package pep440

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
	ErrInvalid = errors.New("not a valid PEP 440 version")
)

// Pre-release phases in order.
const (
	phaseA = iota
	phaseB
	phaseRC
)

// Version is a parsed PEP 440 version (or, from ParseLegacy, a legacy
// one). The zero value is not a valid version.
type Version struct {
	epoch   string // digits without leading zeros ("" is 0)
	release string // as written: digits separated by '.'
	hasPre  bool
	phase   int
	pre     string // digits without leading zeros
	hasPost bool
	post    string
	hasDev  bool
	dev     string
	// local is the local label as written, segments separated by '.', '-'
	// or '_' ("" when absent).
	local string
	// legacy holds the comparison key of a legacy version; nil otherwise.
	legacy []string
	raw    string
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isSep(c byte) bool { return c == '-' || c == '_' || c == '.' }

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// scanner walks a version string for Parse.
type scanner struct {
	s   string
	pos int
}

func (p *scanner) peek(off int) byte {
	if p.pos+off < len(p.s) {
		return p.s[p.pos+off]
	}
	return 0
}

// digits consumes a run of digits and returns it.
func (p *scanner) digits() string {
	start := p.pos
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// word consumes the first of words (matched without regard to ASCII case)
// that the input continues with, and returns its index, or -1.
func (p *scanner) word(words ...string) int {
	for i, w := range words {
		if len(p.s)-p.pos >= len(w) && strings.EqualFold(p.s[p.pos:p.pos+len(w)], w) {
			p.pos += len(w)
			return i
		}
	}
	return -1
}

// optSep consumes one '-', '_' or '.' if present.
func (p *scanner) optSep() {
	if isSep(p.peek(0)) {
		p.pos++
	}
}

// number consumes an optional separator and optional digits after a
// pre-release, post-release or dev label, as [-_.]?([0-9]+)? does.
func (p *scanner) number() string {
	p.optSep()
	return trimZeros(p.digits())
}

// Parse parses s as a PEP 440 version, accepting exactly what the
// specification's regular expression (packaging.version.VERSION_PATTERN,
// case-insensitive, with surrounding white space) accepts.
func Parse(s string) (Version, error) {
	if strings.TrimSpace(s) == "" {
		return Version{}, ErrEmpty
	}
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	p := scanner{s: s}
	for isSpace(p.peek(0)) {
		p.pos++
	}
	if c := p.peek(0); c == 'v' || c == 'V' {
		p.pos++
	}
	v := Version{raw: s}
	// Epoch: digits followed by '!'; otherwise the digits start the release.
	start := p.pos
	if d := p.digits(); d != "" && p.peek(0) == '!' {
		v.epoch = trimZeros(d)
		p.pos++
		start = p.pos
	} else {
		p.pos = start
	}
	// Release: [0-9]+(\.[0-9]+)*
	if p.digits() == "" {
		return Version{}, ErrInvalid
	}
	for p.peek(0) == '.' && isDigit(p.peek(1)) {
		p.pos++
		p.digits()
	}
	v.release = s[start:p.pos]
	// Pre-release: [-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?
	save := p.pos
	p.optSep()
	switch p.word("alpha", "a", "beta", "b", "preview", "pre", "c", "rc") {
	case 0, 1:
		v.hasPre, v.phase = true, phaseA
	case 2, 3:
		v.hasPre, v.phase = true, phaseB
	case 4, 5, 6, 7:
		v.hasPre, v.phase = true, phaseRC
	default:
		p.pos = save
	}
	if v.hasPre {
		v.pre = p.number()
	}
	// Post-release: -([0-9]+) | [-_.]?(post|rev|r)[-_.]?([0-9]+)?
	save = p.pos
	if p.peek(0) == '-' && isDigit(p.peek(1)) {
		p.pos++
		v.hasPost, v.post = true, trimZeros(p.digits())
	} else {
		p.optSep()
		if p.word("post", "rev", "r") >= 0 {
			v.hasPost, v.post = true, p.number()
		} else {
			p.pos = save
		}
	}
	// Development release: [-_.]?(dev)[-_.]?([0-9]+)?
	save = p.pos
	p.optSep()
	if p.word("dev") >= 0 {
		v.hasDev, v.dev = true, p.number()
	} else {
		p.pos = save
	}
	// Local version: \+([a-z0-9]+(?:[-_.][a-z0-9]+)*)
	if p.peek(0) == '+' {
		p.pos++
		start := p.pos
		for {
			n := p.pos
			for isAlnum(p.peek(0)) {
				p.pos++
			}
			if p.pos == n {
				return Version{}, ErrInvalid
			}
			if !isSep(p.peek(0)) || !isAlnum(p.peek(1)) {
				break
			}
			p.pos++
		}
		v.local = s[start:p.pos]
	}
	for isSpace(p.peek(0)) {
		p.pos++
	}
	if p.pos != len(s) {
		return Version{}, ErrInvalid
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
	for i, r := range strings.Split(v.release, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(num(trimZeros(r)))
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
	if v.local != "" {
		b.WriteByte('+')
		for i := 0; i < len(v.local); i++ {
			c := v.local[i]
			switch {
			case isSep(c):
				c = '.'
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		}
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

// compareRelease compares dot-separated release numbers ignoring trailing
// zeros: a missing part counts as 0.
func compareRelease(a, b string) int {
	for a != "" || b != "" {
		var pa, pb string
		pa, a, _ = strings.Cut(a, ".")
		pb, b, _ = strings.Cut(b, ".")
		if c := compareNumber(trimZeros(pa), trimZeros(pb)); c != 0 {
			return c
		}
	}
	return 0
}

// nextLocal splits the first segment off a local label.
func nextLocal(s string) (seg, rest string) {
	for i := 0; i < len(s); i++ {
		if isSep(s[i]) {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// compareLocal compares local version labels: absent sorts first; segments
// compare numerically when both are numbers, a number beats a string, and
// strings compare lexically without regard to case; more segments sort
// later.
func compareLocal(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	for a != "" && b != "" {
		var sa, sb string
		sa, a = nextLocal(a)
		sb, b = nextLocal(b)
		an, bn := isDigits(sa), isDigits(sb)
		var c int
		switch {
		case an && bn:
			c = compareNumber(trimZeros(sa), trimZeros(sb))
		case an:
			c = 1
		case bn:
			c = -1
		default:
			c = compareFold(sa, sb)
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// compareFold compares ASCII strings as their lower-case forms.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if ca, cb := lower(a[i]), lower(b[i]); ca != cb {
			return compareInt(int(ca), int(cb))
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
