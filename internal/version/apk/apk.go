package apk

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
	ErrInvalid = errors.New("not a valid apk version")
)

// Version is a validated apk version string. The zero value is not valid.
type Version struct {
	s      string
	legacy bool
}

// Parse validates s as apk-tools does and returns it as a Version.
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, ErrEmpty
	}
	if len(s) > MaxLen {
		return Version{}, ErrTooLong
	}
	if !valid(s, false) {
		return Version{}, ErrInvalid
	}
	return Version{s: s}, nil
}

// ParseLegacy accepts what Parse accepts plus the versions that apk-tools 2
// (the apk of Alpine releases up to 3.22) accepted and apk-tools 3
// rejects, which still occur in Alpine's security data: digits after the
// letter ("6.6.2p1", "1.0a2b"), empty dotted fields ("1..2", ".1", "1.r2"),
// a version that starts with a letter ("a") and "-r" without a number
// (which equals "-r0"). Such versions are compared with the same token
// rules; for versions Parse accepts, the order is unchanged.
//
// Like OSV's Alpine comparer (osv-scalibr's semantic package), it also
// accepts a version with a tail that no apk accepts ("1.2_blah", "1.2.0A",
// "1.0bc", "1-r0-1", "1-ruff"), if the tail holds only ASCII letters,
// digits, '.', '_', '-' and '~' and comes after at least one digit or
// lower-case letter. The tail's text is ignored: it only puts the version
// just below the same version without it (see the package
// documentation). [Version.Remainder] returns it.
func ParseLegacy(s string) (Version, error) {
	v, err := Parse(s)
	if err != ErrInvalid {
		return v, err
	}
	if !valid(s, true) {
		return Version{}, ErrInvalid
	}
	return Version{s: s, legacy: true}, nil
}

// IsLegacy reports whether v was accepted only by ParseLegacy.
func (v Version) IsLegacy() bool { return v.legacy }

// Remainder returns the tail of v that ParseLegacy accepted without
// reading it, or "" if there is none (always "" for a version that
// apk-tools 2 accepts).
func (v Version) Remainder() string {
	if !v.legacy {
		return ""
	}
	var t tokenizer
	for t.first(v.s, true); t.kind < tEnd; t.next() {
	}
	if t.kind == tRemainder {
		return t.value
	}
	return ""
}

// String returns the version string.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int { return compare(v.s, w.s, false, v.legacy || w.legacy) }

// HasPrefix reports whether v matches p with apk's fuzzy '~' operator: p's
// tokens are a prefix of v's (so 3.6.9 and 3.6_pre1 match 3.6, 3.60 does
// not).
func (v Version) HasPrefix(p Version) bool { return compare(v.s, p.s, true, v.legacy || p.legacy) == 0 }

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

// Token kinds, in the order apk-tools relies on: a token may only be
// followed by a later kind (with the exceptions in next), and when two
// versions run out at different kinds, the later kind sorts first.
type kind uint8

const (
	tInitialDigit kind = iota
	tDigit
	tLetter
	tSuffix
	tSuffixNo
	tCommitHash
	tRevisionNo
	tEnd
	tInvalid
	// tRemainder (legacy only) is a tail that cannot be read: like tEnd
	// it ends the version.
	tRemainder
)

// Suffix weights; sufNone is the pivot between pre- and post-releases.
const (
	sufInvalid = iota
	sufAlpha
	sufBeta
	sufPre
	sufRC
	sufNone
	sufCVS
	sufSVN
	sufGit
	sufHg
	sufP
)

func suffixValue(s string) int {
	switch s {
	case "alpha":
		return sufAlpha
	case "beta":
		return sufBeta
	case "pre":
		return sufPre
	case "rc":
		return sufRC
	case "cvs":
		return sufCVS
	case "svn":
		return sufSVN
	case "git":
		return sufGit
	case "hg":
		return sufHg
	case "p":
		return sufP
	}
	return sufInvalid
}

// tokenizer walks a version string one token at a time.
type tokenizer struct {
	s      string
	pos    int
	kind   kind
	suffix int
	value  string
	// legacy enables the relaxations of ParseLegacy.
	legacy bool
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

func isHex(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'f') }

func (t *tokenizer) digits() {
	start := t.pos
	for t.pos < len(t.s) && isDigit(t.s[t.pos]) {
		t.pos++
	}
	t.value = t.s[start:t.pos]
	if t.value == "" && !t.legacy {
		t.kind = tInvalid
	}
}

func (t *tokenizer) first(s string, legacy bool) {
	*t = tokenizer{s: s, kind: tInitialDigit, legacy: legacy}
	t.digits()
}

// isTailChar reports whether c may appear in a legacy remainder.
func isTailChar(c byte) bool {
	return isDigit(c) || isLower(c) || ('A' <= c && c <= 'Z') || c == '.' || c == '_' || c == '-' || c == '~'
}

// invalid ends the version at start, the first byte of the token that
// could not be read: in legacy mode with an acceptable tail (see
// ParseLegacy) the rest is a tRemainder, otherwise the token is tInvalid.
func (t *tokenizer) invalid(start int) {
	t.kind = tInvalid
	if !t.legacy {
		return
	}
	head := false
	for i := 0; i < start && !head; i++ {
		head = isDigit(t.s[i]) || isLower(t.s[i])
	}
	if !head {
		return
	}
	for i := start; i < len(t.s); i++ {
		if !isTailChar(t.s[i]) {
			return
		}
	}
	t.kind = tRemainder
	t.value = t.s[start:]
	t.pos = len(t.s)
}

func (t *tokenizer) next() {
	if t.pos == len(t.s) {
		t.kind = tEnd
		return
	}
	start := t.pos
	c := t.s[t.pos]
	switch {
	case isLower(c):
		if t.kind > tDigit {
			t.invalid(start)
			return
		}
		t.value = t.s[t.pos : t.pos+1]
		t.kind = tLetter
		t.pos++
	case c == '.' || isDigit(c):
		if c == '.' {
			if t.kind > tDigit {
				t.invalid(start)
				return
			}
			t.pos++
		}
		switch {
		case t.kind == tInitialDigit, t.kind == tDigit:
			t.kind = tDigit
		case t.kind == tLetter && t.legacy && c != '.':
			// apk-tools 2 allows digits after the letter ("6.6.2p1").
			t.kind = tDigit
		case t.kind == tSuffix:
			t.kind = tSuffixNo
		default:
			t.invalid(start)
			return
		}
		t.digits()
	case c == '_':
		if t.kind > tSuffixNo {
			t.invalid(start)
			return
		}
		t.pos++
		from := t.pos
		for t.pos < len(t.s) && isLower(t.s[t.pos]) {
			t.pos++
		}
		t.value = t.s[from:t.pos]
		t.suffix = suffixValue(t.value)
		if t.suffix == sufInvalid {
			t.invalid(start)
			return
		}
		t.kind = tSuffix
	case c == '~':
		if t.kind >= tCommitHash {
			t.invalid(start)
			return
		}
		t.pos++
		from := t.pos
		for t.pos < len(t.s) && isHex(t.s[t.pos]) {
			t.pos++
		}
		t.value = t.s[from:t.pos]
		if t.value == "" {
			t.invalid(start)
			return
		}
		t.kind = tCommitHash
	case c == '-':
		if t.kind >= tRevisionNo || !strings.HasPrefix(t.s[t.pos:], "-r") {
			t.invalid(start)
			return
		}
		t.pos += 2
		t.kind = tRevisionNo
		t.digits()
		if t.legacy && t.pos < len(t.s) {
			// Something follows the revision: in legacy mode the whole
			// "-r..." is the remainder, so 1-r0-1 = 1-r-2 < 1.
			t.invalid(start)
		}
	default:
		t.invalid(start)
	}
}

// valid is apk_version_validate, or with legacy set the relaxed grammar
// of ParseLegacy.
func valid(s string, legacy bool) bool {
	var t tokenizer
	for t.first(s, legacy); t.kind < tEnd; t.next() {
	}
	return t.kind == tEnd || t.kind == tRemainder
}

// compareNumber compares two non-empty digit strings by value.
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

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// tokenCompare compares two tokens of the same kind.
func tokenCompare(a, b *tokenizer) int {
	switch a.kind {
	case tDigit:
		if a.value == "" || b.value == "" || a.value[0] == '0' || b.value[0] == '0' {
			// A leading zero makes the field compare as a string; an empty
			// field (legacy only) sorts first.
			return strings.Compare(a.value, b.value)
		}
		return compareNumber(a.value, b.value)
	case tInitialDigit, tSuffixNo, tRevisionNo:
		return compareNumber(a.value, b.value)
	case tLetter:
		return compareInt(int(a.value[0]), int(b.value[0]))
	case tSuffix:
		return compareInt(a.suffix, b.suffix)
	default:
		return strings.Compare(a.value, b.value)
	}
}

// compare is apk_version_compare_fuzzy for any two strings, valid or not.
// With legacy set it tokenizes as ParseLegacy does.
func compare(a, b string, fuzzy, legacy bool) int {
	var ta, tb tokenizer
	ta.first(a, legacy)
	tb.first(b, legacy)
	for ta.kind == tb.kind && ta.kind < tEnd {
		if c := tokenCompare(&ta, &tb); c != 0 {
			return c
		}
		ta.next()
		tb.next()
	}
	if ta.kind == tb.kind {
		// Both ended, or both have a remainder (whose text is ignored).
		return 0
	}
	if tb.kind == tEnd && fuzzy {
		return 0
	}
	if !legacy {
		// rank without the legacy-only tokens: the longer version is
		// greater unless it continues with a pre-release suffix.
		if ta.kind == tSuffix && ta.suffix < sufNone {
			return -1
		}
		if tb.kind == tSuffix && tb.suffix < sufNone {
			return 1
		}
		return -compareInt(int(ta.kind), int(tb.kind))
	}
	return compareInt(rank(&ta), rank(&tb))
}

// rank orders tokens of different kinds, the leading tokens being equal.
// As in apk_version_compare, the longer version is greater unless it
// continues with a pre-release suffix, and otherwise a later kind sorts
// first. A tail that cannot be read (tInvalid in apk's raw comparison,
// tRemainder in legacy mode) sorts below the end of the version and above
// a pre-release suffix. An empty dotted field (legacy mode) sorts below a
// letter, as osv-scalibr orders it (0.r1 < 0r2).
func rank(t *tokenizer) int {
	switch t.kind {
	case tSuffix:
		if t.suffix < sufNone {
			return 0
		}
		return 6
	case tInvalid, tRemainder:
		return 1
	case tEnd:
		return 2
	case tRevisionNo:
		return 3
	case tCommitHash:
		return 4
	case tSuffixNo:
		return 5
	case tDigit:
		if t.value == "" {
			return 7
		}
		return 9
	case tLetter:
		return 8
	}
	return 10 // tInitialDigit
}
