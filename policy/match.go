package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/portcullis-oci/portcullis/scan"
)

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
