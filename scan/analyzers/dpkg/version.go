package dpkg

import (
	"fmt"
	"strings"
)

// checkVersion checks v against deb-version(5) the way dpkg's parseversion
// does, counting its warnings (upstream not starting with a digit, invalid
// characters) as errors. It returns "" for a valid version.
func checkVersion(v string) string {
	if v == "" {
		return "empty version"
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f {
			return fmt.Sprintf("version %.60q has a blank, control or non-ASCII character", v)
		}
	}
	rest := v
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch := v[:i]
		switch {
		case epoch == "":
			return fmt.Sprintf("version %.60q has an empty epoch", v)
		case !allDigits(epoch):
			return fmt.Sprintf("version %.60q has an epoch that is not a number", v)
		case len(strings.TrimLeft(epoch, "0")) > 9: // dpkg: above INT_MAX
			return fmt.Sprintf("version %.60q has an epoch that is too big", v)
		}
		rest = v[i+1:]
		if rest == "" {
			return fmt.Sprintf("version %.60q has nothing after the epoch", v)
		}
	}
	upstream, revision := rest, ""
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		upstream, revision = rest[:i], rest[i+1:]
		if revision == "" {
			return fmt.Sprintf("version %.60q has an empty revision", v)
		}
	}
	if upstream == "" {
		return fmt.Sprintf("version %.60q has an empty upstream version", v)
	}
	if !isDigit(upstream[0]) {
		return fmt.Sprintf("version %.60q does not start with a digit", v)
	}
	for i := 0; i < len(upstream); i++ {
		if c := upstream[i]; !isAlnum(c) && !strings.ContainsRune(".-+~:", rune(c)) {
			return fmt.Sprintf("version %.60q has an invalid character %q", v, c)
		}
	}
	for i := 0; i < len(revision); i++ {
		if c := revision[i]; !isAlnum(c) && !strings.ContainsRune(".+~", rune(c)) {
			return fmt.Sprintf("version %.60q has an invalid character %q in the revision", v, c)
		}
	}
	return ""
}

// checkName checks a package name the way dpkg does: an alphanumeric first
// character, then alphanumerics and "-+._".
func checkName(n string) string {
	if n == "" {
		return "empty package name"
	}
	if !isAlnum(n[0]) {
		return fmt.Sprintf("package name %.60q does not start with a letter or digit", n)
	}
	for i := 1; i < len(n); i++ {
		if c := n[i]; !isAlnum(c) && !strings.ContainsRune("-+._", rune(c)) {
			return fmt.Sprintf("package name %.60q has an invalid character %q", n, c)
		}
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
