package feedinput

import (
	"net/url"
	"unicode/utf8"
)

// Clip returns s when it has at most n bytes, and otherwise its first n
// bytes or fewer, cut at a rune boundary, followed by "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := max(n, 0)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// DisplayURL is rawURL without credentials, query and fragment, for
// messages and logs (API keys hide in queries).
func DisplayURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.Opaque != "" { // "http:user:pass@host/x" parses as opaque
		return u.Scheme + ":…"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
