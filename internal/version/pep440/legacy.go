package pep440

import "strings"

// ParseLegacy parses s as packaging < 22's parse() did: as a PEP 440
// version when it is one, otherwise as a LegacyVersion ordered by
// setuptools' historical key and below every PEP 440 version. It still
// rejects empty strings, strings longer than MaxLen, and strings with white
// space, control characters or bytes outside ASCII.
func ParseLegacy(s string) (Version, error) {
	v, err := Parse(s)
	if err == nil || err == ErrEmpty || err == ErrTooLong {
		return v, err
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return Version{}, ErrInvalid
		}
	}
	return Version{raw: s, legacy: legacyKey(strings.ToLower(s))}, nil
}

// legacyParts splits s into runs of digits, runs of letters, '.', '-' and
// the text between them, mapped and padded as setuptools did.
func legacyParts(s string) []string {
	var raw []string
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		j := i
		switch {
		case isDigit(c):
			for j < len(s) && isDigit(s[j]) {
				j++
			}
		case 'a' <= c && c <= 'z':
			for j < len(s) && 'a' <= s[j] && s[j] <= 'z' {
				j++
			}
		case c == '.' || c == '-':
			j++
		default:
			i++
			continue
		}
		raw = append(raw, s[start:i], s[i:j])
		start, i = j, j
	}
	raw = append(raw, s[start:])
	var out []string
	for _, p := range raw {
		switch p {
		case "pre", "preview", "rc":
			p = "c"
		case "-":
			p = "final-"
		case "dev":
			p = "@"
		}
		if p == "" || p == "." {
			continue
		}
		if isDigit(p[0]) {
			if len(p) < 8 {
				p = strings.Repeat("0", 8-len(p)) + p
			}
			out = append(out, p)
		} else {
			out = append(out, "*"+p)
		}
	}
	return append(out, "*final")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// legacyKey is packaging < 22's _legacy_cmpkey without the constant epoch.
func legacyKey(s string) []string {
	parts := []string{}
	for _, p := range legacyParts(s) {
		if strings.HasPrefix(p, "*") {
			if p < "*final" {
				for len(parts) > 0 && parts[len(parts)-1] == "*final-" {
					parts = parts[:len(parts)-1]
				}
			}
			for len(parts) > 0 && parts[len(parts)-1] == "00000000" {
				parts = parts[:len(parts)-1]
			}
		}
		parts = append(parts, p)
	}
	return parts
}

func compareLegacy(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return compareInt(len(a), len(b))
}
