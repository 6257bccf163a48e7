package semver

import (
	"errors"
	"regexp"
	"strings"
)

// This file evaluates npm version ranges ("^1.2.3", "1.x || >=2.5.0 <3",
// "1.2.3 - 2.3.4") as node-semver's Range does: the range is rewritten
// into comparator sets with node-semver's own regular expressions
// (translated to Go) and desugaring rules, then tested like Range.test,
// including its rule that a pre-release only matches a set that names a
// pre-release of the same major.minor.patch. Ranges are parsed once, so
// the regular expressions stay out of the per-version path.

// ErrRange is returned by ParseNPMRange for a range node-semver rejects.
var ErrRange = errors.New("not a valid npm version range")

// NPMRangeOptions are node-semver's range options.
type NPMRangeOptions struct {
	// Loose accepts the loose version forms of ParseNPM and drops
	// comparators that are not valid instead of failing.
	Loose bool
	// IncludePrerelease lets pre-releases match any set whose bounds they
	// fall within.
	IncludePrerelease bool
}

// NPMRange is a parsed npm range: a union of comparator sets.
type NPMRange struct {
	sets [][]npmComparator
	opts NPMRangeOptions
}

// npmComparator is one comparison; any matches everything.
type npmComparator struct {
	op  string // "", "<", "<=", ">", ">="
	v   Version
	any bool
}

// npmRegexps holds node-semver's expressions (re.js) for one mode.
type npmRegexps struct {
	xrange, tilde, caret, comparator, hyphen *regexp.Regexp
}

// The expressions of node-semver's internal/re.js, built the same way.
const (
	reNumericIdentifier      = `0|[1-9]\d*`
	reNumericIdentifierLoose = `\d+`
	reNonNumericIdentifier   = `\d*[a-zA-Z-][a-zA-Z0-9-]*`
	reMainVersion            = `(` + reNumericIdentifier + `)\.(` + reNumericIdentifier + `)\.(` + reNumericIdentifier + `)`
	reMainVersionLoose       = `(` + reNumericIdentifierLoose + `)\.(` + reNumericIdentifierLoose + `)\.(` + reNumericIdentifierLoose + `)`
	rePrereleaseIdentifier   = `(?:` + reNonNumericIdentifier + `|` + reNumericIdentifier + `)`
	rePrereleaseIdLoose      = `(?:` + reNonNumericIdentifier + `|` + reNumericIdentifierLoose + `)`
	rePrerelease             = `(?:-(` + rePrereleaseIdentifier + `(?:\.` + rePrereleaseIdentifier + `)*))`
	rePrereleaseLoose        = `(?:-?(` + rePrereleaseIdLoose + `(?:\.` + rePrereleaseIdLoose + `)*))`
	reBuildIdentifier        = `[a-zA-Z0-9-]+`
	reBuild                  = `(?:\+(` + reBuildIdentifier + `(?:\.` + reBuildIdentifier + `)*))`
	reFullPlain              = `v?` + reMainVersion + rePrerelease + `?` + reBuild + `?`
	reLoosePlain             = `[v=\s]*` + reMainVersionLoose + rePrereleaseLoose + `?` + reBuild + `?`
	reGTLT                   = `((?:<|>)?=?)`
	reXRangeIdentifier       = reNumericIdentifier + `|x|X|\*`
	reXRangeIdentifierLoose  = reNumericIdentifierLoose + `|x|X|\*`
	reXRangePlain            = `[v=\s]*(` + reXRangeIdentifier + `)(?:\.(` + reXRangeIdentifier + `)(?:\.(` + reXRangeIdentifier + `)(?:` + rePrerelease + `)?` + reBuild + `?)?)?`
	reXRangePlainLoose       = `[v=\s]*(` + reXRangeIdentifierLoose + `)(?:\.(` + reXRangeIdentifierLoose + `)(?:\.(` + reXRangeIdentifierLoose + `)(?:` + rePrereleaseLoose + `)?` + reBuild + `?)?)?`
)

var (
	npmStrict = npmRegexps{
		xrange:     regexp.MustCompile(`^` + reGTLT + `\s*` + reXRangePlain + `$`),
		tilde:      regexp.MustCompile(`^(?:~>?)` + reXRangePlain + `$`),
		caret:      regexp.MustCompile(`^(?:\^)` + reXRangePlain + `$`),
		comparator: regexp.MustCompile(`^` + reGTLT + `\s*(` + reFullPlain + `)$|^$`),
		hyphen:     regexp.MustCompile(`^\s*(` + reXRangePlain + `)\s+-\s+(` + reXRangePlain + `)\s*$`),
	}
	npmLoose = npmRegexps{
		xrange:     regexp.MustCompile(`^` + reGTLT + `\s*` + reXRangePlainLoose + `$`),
		tilde:      regexp.MustCompile(`^(?:~>?)` + reXRangePlainLoose + `$`),
		caret:      regexp.MustCompile(`^(?:\^)` + reXRangePlainLoose + `$`),
		comparator: regexp.MustCompile(`^` + reGTLT + `\s*(` + reLoosePlain + `)$|^$`),
		hyphen:     regexp.MustCompile(`^\s*(` + reXRangePlainLoose + `)\s+-\s+(` + reXRangePlainLoose + `)\s*$`),
	}
	npmComparatorTrim = regexp.MustCompile(`(\s*)` + reGTLT + `\s*(` + reLoosePlain + `|` + reXRangePlain + `)`)
	npmTildeTrim      = regexp.MustCompile(`(\s*)(?:~>?)\s+`)
	npmCaretTrim      = regexp.MustCompile(`(\s*)(?:\^)\s+`)
	npmStar           = regexp.MustCompile(`(<|>)?=?\s*\*`)
	npmGTE0           = regexp.MustCompile(`^\s*>=\s*0\.0\.0\s*$`)
	npmGTE0Pre        = regexp.MustCompile(`^\s*>=\s*0\.0\.0-0\s*$`)
	npmBuild          = regexp.MustCompile(reBuild)
	npmSpaces         = regexp.MustCompile(`\s+`)
)

// isX is node-semver's isX: a missing, x, X or * part.
func isX(id string) bool { return id == "" || id == "x" || id == "X" || id == "*" }

// inc returns the decimal digit string d plus one.
func inc(d string) string {
	d = strings.TrimLeft(d, "0")
	b := []byte(d)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

// num normalizes a loose numeric part (leading zeros), as JavaScript's
// unary plus does.
func num(d string) string {
	d = strings.TrimLeft(d, "0")
	if d == "" {
		return "0"
	}
	return d
}

// ParseNPMRange parses a node-semver range.
func ParseNPMRange(s string, opts NPMRangeOptions) (NPMRange, error) {
	if len(s) > 4*MaxLen {
		return NPMRange{}, ErrTooLong
	}
	re := &npmStrict
	if opts.Loose {
		re = &npmLoose
	}
	r := NPMRange{opts: opts}
	raw := npmSpaces.ReplaceAllString(strings.TrimSpace(s), " ")
	for _, part := range strings.Split(raw, "||") {
		set, err := parseNPMSet(strings.TrimSpace(part), re, opts)
		if err != nil {
			return NPMRange{}, err
		}
		if len(set) > 0 {
			r.sets = append(r.sets, set)
		}
	}
	if len(r.sets) == 0 {
		return NPMRange{}, ErrRange
	}
	return r, nil
}

// parseNPMSet is Range.parseRange for one side of "||".
func parseNPMSet(s string, re *npmRegexps, opts NPMRangeOptions) ([]npmComparator, error) {
	if m := re.hyphen.FindStringSubmatch(s); m != nil {
		s = hyphenReplace(m, opts.IncludePrerelease)
	}
	s = npmComparatorTrim.ReplaceAllString(s, "${1}${2}${3}")
	s = npmTildeTrim.ReplaceAllString(s, "${1}~")
	s = npmCaretTrim.ReplaceAllString(s, "${1}^")
	var parts []string
	for _, comp := range strings.Split(s, " ") {
		parts = append(parts, parseComparator(comp, re, opts))
	}
	var set []npmComparator
	for _, comp := range npmSpaces.Split(strings.Join(parts, " "), -1) {
		gte0 := npmGTE0
		if opts.IncludePrerelease {
			gte0 = npmGTE0Pre
		}
		comp = gte0.ReplaceAllString(strings.TrimSpace(comp), "")
		m := re.comparator.FindStringSubmatch(comp)
		if m == nil {
			if opts.Loose {
				continue // loose mode drops what is not a comparator
			}
			return nil, ErrRange
		}
		c := npmComparator{op: m[1]}
		if c.op == "=" {
			c.op = ""
		}
		if m[2] == "" {
			c.any = true
		} else {
			v, err := ParseNPM(m[2], opts.Loose)
			if err != nil {
				return nil, err
			}
			c.v = v
		}
		set = append(set, c)
	}
	return set, nil
}

// hyphenReplace is node-semver's hyphenReplace: "A - B" to ">=A <=B" with
// partial versions widened.
func hyphenReplace(m []string, incPr bool) string {
	from, fM, fm, fp, fpr := m[1], m[2], m[3], m[4], m[5]
	to, tM, tm, tp, tpr := m[7], m[8], m[9], m[10], m[11]
	z := ""
	if incPr {
		z = "-0"
	}
	switch {
	case isX(fM):
		from = ""
	case isX(fm):
		from = ">=" + fM + ".0.0" + z
	case isX(fp):
		from = ">=" + fM + "." + fm + ".0" + z
	case fpr != "":
		from = ">=" + from
	default:
		from = ">=" + from + z
	}
	switch {
	case isX(tM):
		to = ""
	case isX(tm):
		to = "<" + inc(tM) + ".0.0-0"
	case isX(tp):
		to = "<" + tM + "." + inc(tm) + ".0-0"
	case tpr != "":
		to = "<=" + tM + "." + tm + "." + tp + "-" + tpr
	case incPr:
		to = "<" + tM + "." + tm + "." + inc(tp) + "-0"
	default:
		to = "<=" + to
	}
	return strings.TrimSpace(from + " " + to)
}

// parseComparator is node-semver's parseComparator: strip build metadata,
// then desugar carets, tildes, x-ranges and stars.
func parseComparator(comp string, re *npmRegexps, opts NPMRangeOptions) string {
	comp = npmBuild.ReplaceAllString(comp, "")
	comp = mapFields(strings.TrimSpace(comp), func(c string) string { return replaceCaret(c, re, opts) })
	comp = mapFields(strings.TrimSpace(comp), func(c string) string { return replaceTilde(c, re, opts) })
	comp = mapFields(comp, func(c string) string { return replaceXRange(c, re, opts) })
	return npmStar.ReplaceAllString(strings.TrimSpace(comp), "")
}

// mapFields applies f to each white-space separated field of s (as
// s.split(/\s+/).map(f).join(' ')).
func mapFields(s string, f func(string) string) string {
	fields := npmSpaces.Split(s, -1)
	for i, c := range fields {
		fields[i] = f(c)
	}
	return strings.Join(fields, " ")
}

func replaceTilde(comp string, re *npmRegexps, opts NPMRangeOptions) string {
	m := re.tilde.FindStringSubmatch(comp)
	if m == nil {
		return comp
	}
	z := ""
	if opts.IncludePrerelease {
		z = "-0"
	}
	M, mi, p, pr := num2(m[1]), num2(m[2]), num2(m[3]), m[4]
	switch {
	case isX(m[1]):
		return ""
	case isX(m[2]):
		return ">=" + M + ".0.0" + z + " <" + inc(M) + ".0.0-0"
	case isX(m[3]):
		return ">=" + M + "." + mi + ".0" + z + " <" + M + "." + inc(mi) + ".0-0"
	case pr != "":
		return ">=" + M + "." + mi + "." + p + "-" + pr + " <" + M + "." + inc(mi) + ".0-0"
	}
	return ">=" + M + "." + mi + "." + p + " <" + M + "." + inc(mi) + ".0-0"
}

func replaceCaret(comp string, re *npmRegexps, opts NPMRangeOptions) string {
	m := re.caret.FindStringSubmatch(comp)
	if m == nil {
		return comp
	}
	z := ""
	if opts.IncludePrerelease {
		z = "-0"
	}
	M, mi, p, pr := num2(m[1]), num2(m[2]), num2(m[3]), m[4]
	switch {
	case isX(m[1]):
		return ""
	case isX(m[2]):
		return ">=" + M + ".0.0" + z + " <" + inc(M) + ".0.0-0"
	case isX(m[3]):
		if M == "0" {
			return ">=" + M + "." + mi + ".0" + z + " <" + M + "." + inc(mi) + ".0-0"
		}
		return ">=" + M + "." + mi + ".0" + z + " <" + inc(M) + ".0.0-0"
	}
	lo := ">=" + M + "." + mi + "." + p
	if pr != "" {
		lo += "-" + pr
	}
	switch {
	case M == "0" && mi == "0":
		return lo + " <" + M + "." + mi + "." + inc(p) + "-0"
	case M == "0":
		return lo + " <" + M + "." + inc(mi) + ".0-0"
	}
	return lo + " <" + inc(M) + ".0.0-0"
}

func replaceXRange(comp string, re *npmRegexps, opts NPMRangeOptions) string {
	comp = strings.TrimSpace(comp)
	m := re.xrange.FindStringSubmatch(comp)
	if m == nil {
		return comp
	}
	gtlt, M, mi, p := m[1], m[2], m[3], m[4]
	xM := isX(M)
	xm := xM || isX(mi)
	xp := xm || isX(p)
	if gtlt == "=" && xp {
		gtlt = ""
	}
	pr := ""
	if opts.IncludePrerelease {
		pr = "-0"
	}
	switch {
	case xM:
		if gtlt == ">" || gtlt == "<" {
			return "<0.0.0-0" // nothing is allowed
		}
		return "*" // nothing is forbidden
	case gtlt != "" && xp:
		M = num2(M)
		if xm {
			mi = "0"
		} else {
			mi = num2(mi)
		}
		p = "0"
		switch gtlt {
		case ">":
			gtlt = ">="
			if xm {
				M, mi = inc(M), "0"
			} else {
				mi = inc(mi)
			}
		case "<=":
			gtlt = "<"
			if xm {
				M = inc(M)
			} else {
				mi = inc(mi)
			}
		}
		if gtlt == "<" {
			pr = "-0"
		}
		return gtlt + M + "." + mi + "." + p + pr
	case xm:
		return ">=" + num2(M) + ".0.0" + pr + " <" + inc(M) + ".0.0-0"
	case xp:
		return ">=" + num2(M) + "." + num2(mi) + ".0" + pr + " <" + num2(M) + "." + inc(mi) + ".0-0"
	}
	return comp
}

// num2 normalizes a numeric part and leaves x-parts alone.
func num2(d string) string {
	if isX(d) {
		return d
	}
	return num(d)
}

// Includes reports whether v satisfies the range (Range.test). Parse v with
// ParseNPM using the range's Loose option.
func (r NPMRange) Includes(v Version) bool {
	for _, set := range r.sets {
		if r.testSet(set, v) {
			return true
		}
	}
	return false
}

// IncludesString parses s with ParseNPM (with the range's Loose option)
// and reports whether it satisfies the range; an invalid version does not.
func (r NPMRange) IncludesString(s string) bool {
	v, err := ParseNPM(s, r.opts.Loose)
	return err == nil && r.Includes(v)
}

func (r NPMRange) testSet(set []npmComparator, v Version) bool {
	for _, c := range set {
		if !c.test(v) {
			return false
		}
	}
	if v.Prerelease == "" || r.opts.IncludePrerelease {
		return true
	}
	// A pre-release only matches a set that names a pre-release of the
	// same major.minor.patch.
	for _, c := range set {
		if c.any || c.v.Prerelease == "" {
			continue
		}
		if c.v.Major == v.Major && c.v.Minor == v.Minor && c.v.Patch == v.Patch {
			return true
		}
	}
	return false
}

func (c npmComparator) test(v Version) bool {
	if c.any {
		return true
	}
	n := v.Compare(c.v)
	switch c.op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	case ">=":
		return n >= 0
	}
	return n == 0
}
