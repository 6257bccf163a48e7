package maven

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
	ErrInvalid = errors.New("version string has a byte outside printable ASCII")
)

// Version is a parsed Maven version. The zero value is not valid.
type Version struct {
	raw string
	// items holds every list of the version: Maven's lists form a chain
	// (each sub-list is the last item of its parent), so each list's items
	// are contiguous, and a kindList item holds its sub-list's span.
	items []item
	root  span
}

// span is a list: items[start:end].
type span struct{ start, end int32 }

// Item kinds of ComparableVersion (IntItem, LongItem and BigIntegerItem
// are one kind here: they only differ in how large the number is).
type kind uint8

const (
	kindInt kind = iota
	kindString
	kindList
)

// item is one element of a list: a number (digits without leading zeros,
// "" for 0), a qualifier (by rank and, for unknown ones, text) or a
// sub-list.
type item struct {
	kind kind
	rank int8   // kindString: index in Maven's QUALIFIERS, or rankUnknown
	sub  span   // kindList
	text string // kindInt: the digits; kindString with rankUnknown: the qualifier
}

// Qualifier ranks, in ComparableVersion's QUALIFIERS order; unknown
// qualifiers rank after all of them and then compare as text.
const (
	rankAlpha int8 = iota
	rankBeta
	rankMilestone
	rankRC
	rankSnapshot
	rankRelease
	rankSP
	rankUnknown
)

// Parse parses s as Maven's ComparableVersion.parseVersion does; see the
// package documentation for what is rejected.
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, ErrEmpty
	}
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return Version{}, ErrInvalid
		}
	}
	items, root := parse(s)
	return Version{raw: s, items: items, root: root}, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parse is ComparableVersion.parseVersion followed by the normalization of
// every list, innermost first. Maven lower-cases the string first; here
// qualifiers are matched and compared without regard to ASCII case.
func parse(s string) ([]item, span) {
	items := make([]item, 0, len(s)/2+2)
	// starts[j] is where list j's items start; list j > 0 is the last item
	// of list j-1, at index starts[j]-1.
	var startsBuf [32]int32
	starts := append(startsBuf[:0], 0)
	digit := false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if i == start {
				items = append(items, item{kind: kindInt})
			} else {
				items = append(items, parseItem(digit, s[start:i], false))
			}
			start = i + 1
		case c == '-':
			if i == start {
				items = append(items, item{kind: kindInt})
			} else {
				items = append(items, parseItem(digit, s[start:i], false))
			}
			start = i + 1
			items = append(items, item{kind: kindList})
			starts = append(starts, int32(len(items)))
		case isDigit(c):
			if !digit && i > start {
				items = append(items, parseItem(false, s[start:i], true))
				start = i
				items = append(items, item{kind: kindList})
				starts = append(starts, int32(len(items)))
			}
			digit = true
		default:
			if digit && i > start {
				items = append(items, parseItem(true, s[start:i], false))
				start = i
				items = append(items, item{kind: kindList})
				starts = append(starts, int32(len(items)))
			}
			digit = false
		}
	}
	if len(s) > start {
		items = append(items, parseItem(digit, s[start:], false))
	}
	// Normalize from the innermost list out (ListItem.normalize): drop
	// trailing null items, looking past a non-empty sub-list. Only the
	// last item of a list can be a sub-list.
	child := span{}
	hasChild := false
	for j := len(starts) - 1; j >= 0; j-- {
		lo := starts[j]
		hi := int32(len(items))
		if j+1 < len(starts) {
			hi = starts[j+1] - 1 // the child's list item
		}
		k := hi
		for k > lo && items[k-1].isNull() {
			k--
		}
		if hasChild && child.end > child.start {
			if k == lo && j > 0 {
				// Only the sub-list is left: the list is its sub-list, so
				// 1-ga-1 = 1-0-1 = 1--1 = 1-1 (see the package doc).
				continue
			}
			items[k] = item{kind: kindList, sub: child}
			k++
		}
		child, hasChild = span{start: lo, end: k}, true
	}
	return items, child
}

// parseItem is ComparableVersion.parseItem plus StringItem's constructor:
// numbers lose their leading zeros; a one-letter a, b or m followed by a
// digit stands for alpha, beta or milestone; ga, final and release mean
// the release (""), cr means rc.
func parseItem(digit bool, s string, followedByDigit bool) item {
	if digit {
		return item{kind: kindInt, text: strings.TrimLeft(s, "0")}
	}
	if followedByDigit && len(s) == 1 {
		switch lower(s[0]) {
		case 'a':
			return item{kind: kindString, rank: rankAlpha}
		case 'b':
			return item{kind: kindString, rank: rankBeta}
		case 'm':
			return item{kind: kindString, rank: rankMilestone}
		}
	}
	for _, q := range [...]struct {
		name string
		rank int8
	}{
		{"alpha", rankAlpha}, {"beta", rankBeta}, {"milestone", rankMilestone}, {"rc", rankRC},
		{"cr", rankRC}, {"snapshot", rankSnapshot}, {"ga", rankRelease}, {"final", rankRelease},
		{"release", rankRelease}, {"sp", rankSP},
	} {
		if len(s) == len(q.name) && strings.EqualFold(s, q.name) {
			return item{kind: kindString, rank: q.rank}
		}
	}
	return item{kind: kindString, rank: rankUnknown, text: s}
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

// isNull is Item.isNull for a number or qualifier: 0 or the release
// qualifier.
func (it *item) isNull() bool {
	switch it.kind {
	case kindInt:
		return it.text == ""
	case kindString:
		return it.rank == rankRelease
	}
	return it.sub.end == it.sub.start
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int { return compareLists(v.items, v.root, w.items, w.root) }

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

// compareLists is ListItem.compareTo(ListItem): element by element, a
// missing element being null.
func compareLists(ai []item, a span, bi []item, b span) int {
	na, nb := a.end-a.start, b.end-b.start
	for i := int32(0); i < na || i < nb; i++ {
		var c int
		switch {
		case i >= na:
			c = -compareNull(bi, &bi[b.start+i])
		case i >= nb:
			c = compareNull(ai, &ai[a.start+i])
		default:
			c = compareItems(ai, &ai[a.start+i], bi, &bi[b.start+i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareNull is Item.compareTo(null).
func compareNull(items []item, it *item) int {
	for {
		switch it.kind {
		case kindInt:
			if it.text == "" {
				return 0
			}
			return 1
		case kindString:
			return compareInt(int(it.rank), int(rankRelease))
		}
		if it.sub.end == it.sub.start {
			return 0
		}
		it = &items[it.sub.start]
	}
}

// compareItems is Item.compareTo for two present items.
func compareItems(ai []item, a *item, bi []item, b *item) int {
	switch a.kind {
	case kindInt:
		if b.kind == kindInt {
			return compareNumber(a.text, b.text)
		}
		return 1 // 1.1 > 1-sp, 1.1 > 1-1
	case kindString:
		if b.kind == kindString {
			if c := compareInt(int(a.rank), int(b.rank)); c != 0 || a.rank != rankUnknown {
				return c
			}
			return compareFold(a.text, b.text)
		}
		return -1 // 1.any < 1.1, 1-sp < 1-1
	}
	switch b.kind {
	case kindList:
		return compareLists(ai, a.sub, bi, b.sub)
	case kindInt:
		return -1 // 1-1 < 1.0.x
	}
	return 1 // 1-1 > 1-sp
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
