package rubygems

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
	ErrInvalid = errors.New("not a valid RubyGems version")
)

// Version is a parsed RubyGems version. The zero value is not valid.
type Version struct {
	raw string
	// v is the trimmed version string; '-' is kept (it counts as ".pre.",
	// which the segment walk inserts).
	v string
	// numEnd is the number of leading numeric segments, and numLen and
	// restLen the numbers of segments in each part of the canonical form
	// (trailing zeros dropped).
	numLen, restLen int
	numEnd          int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// valid reports whether s matches Gem::Version's version pattern, with
// letters allowed right after the first number as after the others:
// [0-9]+[0-9a-zA-Z]*(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
func valid(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && (isDigit(s[i]) || isAlpha(s[i])) {
		i++
	}
	for i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && (isDigit(s[i]) || isAlpha(s[i])) {
			i++
		}
		if i == j {
			return false
		}
	}
	if i == len(s) {
		return true
	}
	if s[i] != '-' {
		return false
	}
	i++
	for {
		j := i
		for i < len(s) && (isDigit(s[i]) || isAlpha(s[i]) || s[i] == '-') {
			i++
		}
		if i == j {
			return false
		}
		if i == len(s) {
			return true
		}
		if s[i] != '.' {
			return false
		}
		i++
	}
}

// Parse parses s as Gem::Version.new does; see the package documentation.
func Parse(s string) (Version, error) {
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	t := s
	for t != "" && isSpace(t[0]) {
		t = t[1:]
	}
	for t != "" && isSpace(t[len(t)-1]) {
		t = t[:len(t)-1]
	}
	if t == "" {
		return Version{}, ErrEmpty
	}
	if !valid(t) {
		return Version{}, ErrInvalid
	}
	v := Version{raw: s, v: t}
	// Count segments: the leading numeric ones, then the rest, each without
	// trailing zeros.
	var it segments
	it.s = t
	n, lastNonZero := 0, 0
	seg, ok := it.next()
	for ok && seg.num {
		n++
		if seg.text != "" {
			lastNonZero = n
		}
		seg, ok = it.next()
	}
	v.numEnd = n
	v.numLen = lastNonZero
	m, lastNonZero := 0, 0
	for ok {
		m++
		if !seg.num || seg.text != "" {
			lastNonZero = m
		}
		seg, ok = it.next()
	}
	v.restLen = lastNonZero
	return v, nil
}

// segment is a run of digits (text without leading zeros, "" for 0) or of
// letters.
type segment struct {
	num  bool
	text string
}

// segments walks a version's segments as version.scan(/[0-9]+|[a-z]+/i)
// after gsub("-", ".pre."); the '-' yields the "pre" segment.
type segments struct {
	s   string
	pos int
}

func (it *segments) next() (segment, bool) {
	s := it.s
	for it.pos < len(s) {
		c := s[it.pos]
		start := it.pos
		switch {
		case isDigit(c):
			for it.pos < len(s) && isDigit(s[it.pos]) {
				it.pos++
			}
			return segment{num: true, text: strings.TrimLeft(s[start:it.pos], "0")}, true
		case isAlpha(c):
			for it.pos < len(s) && isAlpha(s[it.pos]) {
				it.pos++
			}
			return segment{text: s[start:it.pos]}, true
		case c == '-':
			it.pos++
			return segment{text: "pre"}, true
		}
		it.pos++
	}
	return segment{}, false
}

// canonical walks the canonical segments of v: the leading numeric ones up
// to the last non-zero one, then the others up to the last non-zero one.
type canonical struct {
	it                      segments
	numLen, numEnd, restLen int // as in Version
	i                       int // index in the current part
	inRest                  bool
	exhausted               bool
}

func (c *canonical) next() (segment, bool) {
	for !c.exhausted {
		if !c.inRest {
			if c.i < c.numLen {
				c.i++
				return c.it.next()
			}
			// Skip the dropped trailing zeros of the numeric part.
			for ; c.i < c.numEnd; c.i++ {
				c.it.next()
			}
			c.inRest, c.i = true, 0
			continue
		}
		if c.i < c.restLen {
			c.i++
			return c.it.next()
		}
		c.exhausted = true
	}
	return segment{}, false
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// IsPrerelease reports whether v contains a letter or a '-' (which stands
// for ".pre."), as Gem::Version#prerelease? does.
func (v Version) IsPrerelease() bool {
	for i := 0; i < len(v.v); i++ {
		if isAlpha(v.v[i]) || v.v[i] == '-' {
			return true
		}
	}
	return false
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w
// (Gem::Version#<=>).
func (v Version) Compare(w Version) int {
	if v.v == w.v {
		return 0
	}
	a := canonical{it: segments{s: v.v}, numLen: v.numLen, numEnd: v.numEnd, restLen: v.restLen}
	b := canonical{it: segments{s: w.v}, numLen: w.numLen, numEnd: w.numEnd, restLen: w.restLen}
	for {
		sa, okA := a.next()
		sb, okB := b.next()
		if !okA && !okB {
			return 0
		}
		// A missing segment is 0.
		if !okA {
			sa = segment{num: true}
		}
		if !okB {
			sb = segment{num: true}
		}
		switch {
		case sa.num && sb.num:
			if c := compareNumber(sa.text, sb.text); c != 0 {
				return c
			}
		case sa.num:
			return 1
		case sb.num:
			return -1
		default:
			if c := strings.Compare(sa.text, sb.text); c != 0 {
				return c
			}
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
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
