package policy

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/portcullis-oci/portcullis/scan"
)

// stringMatch is a selector on a string (a tag, a repository): every test
// given must pass.
type stringMatch struct {
	equals, startsWith, endsWith, contains *string
	oneOf, notOneOf                        []string
	regex, glob                            *regexp.Regexp
	regexSrc, globSrc                      string
}

func (m *stringMatch) match(s string) bool {
	switch {
	case m.equals != nil && s != *m.equals,
		m.startsWith != nil && !strings.HasPrefix(s, *m.startsWith),
		m.endsWith != nil && !strings.HasSuffix(s, *m.endsWith),
		m.contains != nil && !strings.Contains(s, *m.contains),
		m.oneOf != nil && !slices.Contains(m.oneOf, s),
		m.notOneOf != nil && slices.Contains(m.notOneOf, s),
		m.regex != nil && !m.regex.MatchString(s),
		m.glob != nil && !m.glob.MatchString(s):
		return false
	}
	return true
}

// String describes the selector for messages.
func (m *stringMatch) String() string {
	var parts []string
	if m.equals != nil {
		parts = append(parts, fmt.Sprintf("equals %q", *m.equals))
	}
	if m.startsWith != nil {
		parts = append(parts, fmt.Sprintf("starts with %q", *m.startsWith))
	}
	if m.endsWith != nil {
		parts = append(parts, fmt.Sprintf("ends with %q", *m.endsWith))
	}
	if m.contains != nil {
		parts = append(parts, fmt.Sprintf("contains %q", *m.contains))
	}
	if m.oneOf != nil {
		parts = append(parts, fmt.Sprintf("is one of %q", m.oneOf))
	}
	if m.notOneOf != nil {
		parts = append(parts, fmt.Sprintf("is not one of %q", m.notOneOf))
	}
	if m.regex != nil {
		parts = append(parts, fmt.Sprintf("matches /%s/", m.regexSrc))
	}
	if m.glob != nil {
		parts = append(parts, fmt.Sprintf("matches %q", m.globSrc))
	}
	return strings.Join(parts, " and ")
}

// maxPattern bounds a regular expression or glob.
const maxPattern = 1024

// compileRegex compiles a regular expression that must match the whole
// string.
func compileRegex(src string) (*regexp.Regexp, error) {
	if len(src) > maxPattern {
		return nil, fmt.Errorf("longer than %d bytes", maxPattern)
	}
	if _, err := regexp.Compile(src); err != nil {
		return nil, err
	}
	return regexp.Compile(`^(?:` + src + `)$`)
}

// compileGlob turns a glob into a regular expression: "*" matches any run
// of characters but "/", "**" any run at all, "?" one character but "/",
// "[abc]", "[a-z]" and "[!a]" one character of (or not of) a class, and
// "\" quotes the next character.
func compileGlob(src string) (*regexp.Regexp, error) {
	if len(src) > maxPattern {
		return nil, fmt.Errorf("longer than %d bytes", maxPattern)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '*':
			if i+1 < len(src) && src[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '\\':
			if i+1 == len(src) {
				return nil, fmt.Errorf("trailing backslash")
			}
			i++
			b.WriteString(regexp.QuoteMeta(src[i : i+1]))
		case '[':
			j := i + 1
			if j < len(src) && src[j] == '!' {
				j++
			}
			if j < len(src) && src[j] == ']' {
				j++
			}
			for j < len(src) && src[j] != ']' {
				j++
			}
			if j >= len(src) {
				return nil, fmt.Errorf("unclosed [ at offset %d", i)
			}
			class := src[i+1 : j]
			neg := strings.HasPrefix(class, "!")
			if neg {
				class = class[1:]
			}
			if class == "" {
				return nil, fmt.Errorf("empty character class at offset %d", i)
			}
			b.WriteString("[")
			if neg {
				b.WriteString("^")
			}
			for k := 0; k < len(class); k++ {
				ch := class[k]
				if ch == '-' && k > 0 && k < len(class)-1 {
					if class[k-1] > class[k+1] {
						return nil, fmt.Errorf("bad range %q at offset %d", class[k-1:k+2], i)
					}
					b.WriteByte('-')
					continue
				}
				b.WriteString(regexp.QuoteMeta(string(ch)))
			}
			b.WriteString("]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(src[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// op is a comparison operator.
type op int

const (
	opGE op = iota + 1
	opGT
	opEQ
	opNE
	opLE
	opLT
)

var opNames = [...]string{opGE: ">=", opGT: ">", opEQ: "==", opNE: "!=", opLE: "<=", opLT: "<"}

// comparison is an operator and a threshold: a count, a score or a
// duration.
type comparison struct {
	op  op
	num float64 // counts and scores
	src string  // as written, for messages
}

func (c comparison) test(x float64) bool {
	switch c.op {
	case opGE:
		return x >= c.num
	case opGT:
		return x > c.num
	case opEQ:
		return x == c.num
	case opNE:
		return x != c.num
	case opLE:
		return x <= c.num
	case opLT:
		return x < c.num
	}
	return false
}

func (c comparison) String() string { return c.src }

// valueKind says what a comparison's threshold is.
type valueKind int

const (
	kindCount    valueKind = iota + 1 // a whole number >= 0
	kindScore                         // a number within [lo, hi]
	kindDuration                      // a duration ("30d", "12h")
)

// parseComparison parses "OP VALUE", OP one of >=, >, ==, !=, <=, <.
// Durations are stored in seconds.
func parseComparison(s string, kind valueKind, lo, hi float64) (comparison, error) {
	t := strings.TrimSpace(s)
	var o op
	for _, cand := range []op{opGE, opLE, opEQ, opNE, opGT, opLT} { // two-character operators first
		if strings.HasPrefix(t, opNames[cand]) {
			o = cand
			t = strings.TrimSpace(t[len(opNames[cand]):])
			break
		}
	}
	if o == 0 {
		return comparison{}, fmt.Errorf("%q: want an operator (>=, >, ==, !=, <=, <) and a value, such as \">= 1\"", s)
	}
	c := comparison{op: o, src: opNames[o] + " " + t}
	switch kind {
	case kindCount:
		n, err := strconv.ParseUint(t, 10, 31)
		if err != nil {
			return comparison{}, fmt.Errorf("%q: want a whole number after %s", s, opNames[o])
		}
		c.num = float64(n)
	case kindScore:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(f) || f < lo || f > hi {
			return comparison{}, fmt.Errorf("%q: want a number from %g to %g after %s", s, lo, hi, opNames[o])
		}
		c.num = f
	case kindDuration:
		d, err := parseDuration(t)
		if err != nil {
			return comparison{}, fmt.Errorf("%q: %v", s, err)
		}
		c.num = d.Seconds()
	}
	return c, nil
}

// maxDuration bounds durations in policies (about 100 years).
const maxDuration = 100 * 365 * 24 * time.Hour

// parseDuration parses a duration of whole units: w (weeks), d (days), h,
// m, s, combined largest first ("1d12h"). Go's "1h30m" forms are accepted.
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if s == "0" {
		return 0, nil
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			return 0, fmt.Errorf("duration %q: want whole numbers with units w, d, h, m or s, such as 30d or 12h", s)
		}
		n, _ := strconv.Atoi(rest[:i])
		rest = rest[i:]
		var unit time.Duration
		switch {
		case strings.HasPrefix(rest, "ms"):
			unit, rest = time.Millisecond, rest[2:]
		case strings.HasPrefix(rest, "w"):
			unit, rest = 7*24*time.Hour, rest[1:]
		case strings.HasPrefix(rest, "d"):
			unit, rest = 24*time.Hour, rest[1:]
		case strings.HasPrefix(rest, "h"):
			unit, rest = time.Hour, rest[1:]
		case strings.HasPrefix(rest, "m"):
			unit, rest = time.Minute, rest[1:]
		case strings.HasPrefix(rest, "s"):
			unit, rest = time.Second, rest[1:]
		default:
			return 0, fmt.Errorf("duration %q: want whole numbers with units w, d, h, m or s, such as 30d or 12h", s)
		}
		total += time.Duration(n) * unit
		if total > maxDuration {
			return 0, fmt.Errorf("duration %q: longer than 100 years", s)
		}
	}
	return total, nil
}

// formatDuration writes d in the units of policies, largest first.
func formatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + formatDuration(-d)
	}
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		d time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.s)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return d.String()
	}
	return b.String()
}

// purlPattern is a package URL prefix, matched component by component:
//
//   - "pkg:TYPE" or "pkg:TYPE/" matches every package of the type;
//   - "pkg:TYPE/NAMESPACE/" (ending in "/") matches the namespace and the
//     namespaces under it;
//   - a full "pkg:TYPE/NAMESPACE/NAME" matches that package at any version,
//     with "@VERSION" that version only, and with "?QUALIFIERS" only
//     packages that carry those qualifiers (others may follow).
type purlPattern struct {
	src        string
	typ        string
	namespace  string
	nsPrefix   bool // namespace and below, no name
	name       string
	version    string
	qualifiers map[string]string
}

func parsePURLPattern(s string) (purlPattern, error) {
	p := purlPattern{src: s}
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return p, fmt.Errorf("package URL %q must start with \"pkg:\"", s)
	}
	rest = strings.TrimLeft(rest, "/")
	typ, path, hasPath := strings.Cut(rest, "/")
	if typ == "" || strings.ContainsAny(typ, "@?#") {
		return p, fmt.Errorf("package URL %q: no type", s)
	}
	p.typ = strings.ToLower(typ)
	if !hasPath || path == "" {
		return p, nil
	}
	if strings.HasSuffix(path, "/") && !strings.ContainsAny(path, "@?#") {
		ns, err := unescapePath(strings.TrimSuffix(path, "/"))
		if err != nil {
			return p, fmt.Errorf("package URL %q: %v", s, err)
		}
		p.namespace, p.nsPrefix = ns, true
		return p, nil
	}
	u, err := packageurl.FromString(s)
	if err != nil {
		return p, fmt.Errorf("package URL %q: %v", s, err)
	}
	if u.Name == "" {
		return p, fmt.Errorf("package URL %q: no name", s)
	}
	p.namespace, p.name, p.version = u.Namespace, u.Name, u.Version
	if len(u.Qualifiers) > 0 {
		p.qualifiers = u.Qualifiers.Map()
	}
	return p, nil
}

func unescapePath(s string) (string, error) {
	parts := strings.Split(s, "/")
	for i, part := range parts {
		if part == "" {
			return "", fmt.Errorf("empty namespace segment")
		}
		u, err := packageurl.FromString("pkg:x/" + part)
		if err != nil {
			return "", err
		}
		parts[i] = u.Name
	}
	return strings.Join(parts, "/"), nil
}

func (p *purlPattern) match(u *scan.PURL) bool {
	if u.IsZero() || !strings.EqualFold(u.Type, p.typ) {
		return false
	}
	if p.nsPrefix {
		return u.Namespace == p.namespace || strings.HasPrefix(u.Namespace, p.namespace+"/")
	}
	if p.name == "" {
		return true
	}
	if u.Name != p.name || u.Namespace != p.namespace {
		return false
	}
	if p.version != "" && u.Version != p.version {
		return false
	}
	for k, v := range p.qualifiers {
		found := false
		for _, q := range u.Qualifiers {
			if q.Key == k {
				found = q.Value == v
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
