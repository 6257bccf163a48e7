package pep440

import (
	"regexp"
	"strings"
	"testing"
)

// versionPattern is packaging.version.VERSION_PATTERN (PEP 440's appendix),
// anchored, case-insensitive and with surrounding white space, as
// packaging compiles it. Parse is a hand-written scanner; this is its
// reference.
var versionPattern = regexp.MustCompile(`(?i)^[ \t\n\r\f\v]*v?` +
	`(?:([0-9]+)!)?` + // epoch
	`([0-9]+(?:\.[0-9]+)*)` + // release
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?` + // pre-release
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` + // post-release
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?` + // dev release
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?` + // local version
	`[ \t\n\r\f\v]*$`)

// normalizeRegexp returns the normalized form of s computed from the
// regular expression's groups, or ok false if it does not match.
func normalizeRegexp(s string) (string, bool) {
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	num := func(d string) string {
		d = strings.TrimLeft(d, "0")
		if d == "" {
			return "0"
		}
		return d
	}
	var b strings.Builder
	if m[1] != "" && strings.TrimLeft(m[1], "0") != "" {
		b.WriteString(num(m[1]) + "!")
	}
	for i, r := range strings.Split(m[2], ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(num(r))
	}
	if m[3] != "" {
		switch strings.ToLower(m[3]) {
		case "a", "alpha":
			b.WriteString("a")
		case "b", "beta":
			b.WriteString("b")
		default:
			b.WriteString("rc")
		}
		b.WriteString(num(m[4]))
	}
	switch {
	case m[5] != "":
		b.WriteString(".post" + num(m[5]))
	case m[6] != "":
		b.WriteString(".post" + num(m[7]))
	}
	if m[8] != "" {
		b.WriteString(".dev" + num(m[9]))
	}
	if m[10] != "" {
		b.WriteString("+" + strings.Map(func(r rune) rune {
			if r == '-' || r == '_' {
				return '.'
			}
			return r
		}, strings.ToLower(m[10])))
	}
	return b.String(), true
}

// checkAgainstRegexp fails if Parse and the reference pattern disagree on
// s: whether it is valid, and its normalized form.
func checkAgainstRegexp(t *testing.T, s string) {
	t.Helper()
	if len(s) > MaxLen || strings.TrimSpace(s) == "" {
		return
	}
	want, ok := normalizeRegexp(s)
	v, err := Parse(s)
	if ok != (err == nil) {
		t.Fatalf("%q: pattern match %v, Parse error %v", s, ok, err)
	}
	if ok && v.String() != want {
		t.Fatalf("%q: Parse gives %q, pattern %q", s, v.String(), want)
	}
}

func TestParseMatchesRegexp(t *testing.T) {
	for _, s := range append(sorted,
		"1.0a-", "1.0a-1", "1.0a.post1", "1.0a.-post", "1.0-1", "1.0-1.dev2", "1.0-r", "1.0.dev",
		"1.0a1.dev1", "1.0al", "1.0preview1", "1.0pre", "1.0rev", "1.0c", "1.0r1", "1!", "1!2", "01!1",
		"1.0+", "1.0+a.", "1.0+a..b", "1.0+a-b_c.D", "v", "V1", " 1.0 ", "1.0\x00", "1.", "1..0", ".1",
		"1.0-1-1", "1.0rc1-1", "1.0_post_1", "1.0.post.1", "1.0-dev-1", "1.0DEV", "1.0RC1",
	) {
		checkAgainstRegexp(t, s)
	}
}

func FuzzParseMatchesRegexp(f *testing.F) {
	for _, s := range sorted {
		f.Add(s)
	}
	f.Add("1.0a.-post1.dev-2+Ab-c")
	f.Fuzz(checkAgainstRegexp)
}
