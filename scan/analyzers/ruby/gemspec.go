package ruby

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds of the gemspec reader.
const (
	// MaxArrayLines is how many lines one array assignment may span.
	MaxArrayLines = 256
	// MaxStringBytes bounds one string literal.
	MaxStringBytes = 4096
	// MaxLicenses bounds the licences kept from one gemspec.
	MaxLicenses = 64
)

// ErrNoGem is matched by the error for a gemspec from which no name or no
// version could be read.
var ErrNoGem = errors.New("no gem name and version")

// ParseGemspec reads the name, version, licences and platform of an
// installed gem specification, without evaluating it. It returns what it
// found; the error lists assignments of those attributes it could not
// read, and matches [ErrNoGem] when the name or version is missing.
func ParseGemspec(b []byte) (Gem, error) {
	var (
		g        Gem
		stub     Gem
		problems []problem
		license  []string // from s.license =, used when s.licenses is absent
		haveList bool
	)
	lines := splitLines(b)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(string(lines[i]))
		if strings.HasPrefix(line, "#") {
			if rest, ok := strings.CutPrefix(line, "# stub: "); ok && stub.Name == "" {
				f := strings.Fields(rest)
				if len(f) >= 2 && validName(f[0]) && validVersion(f[1]) {
					stub.Name, stub.Version = f[0], f[1]
					if len(f) >= 3 && f[2] != "ruby" && validName(f[2]) {
						stub.Platform = f[2]
					}
				}
			}
			continue
		}
		attr, expr, ok := assignment(line)
		if !ok {
			continue
		}
		// An array may go on over the next lines.
		if strings.HasPrefix(expr, "[") && !strings.Contains(expr, "]") {
			var sb strings.Builder
			sb.WriteString(expr)
			for j := 1; j <= MaxArrayLines && i+1 < len(lines); j++ {
				i++
				next := strings.TrimSpace(string(lines[i]))
				sb.WriteByte(' ')
				sb.WriteString(next)
				if strings.Contains(next, "]") {
					break
				}
			}
			expr = sb.String()
		}
		lineNo := i + 1
		switch attr {
		case "name", "version", "platform":
			s, ok := stringValue(expr)
			if !ok {
				if attr != "platform" { // Gem::Platform::RUBY and the like: no qualifier
					problems = append(problems, problem{attr, fmt.Sprintf("line %d: %s is not a string literal", lineNo, attr)})
				}
				continue
			}
			switch attr {
			case "name":
				if !validName(s) {
					problems = append(problems, problem{attr, fmt.Sprintf("line %d: invalid gem name %q", lineNo, s)})
					continue
				}
				g.Name = s
			case "version":
				if !validVersion(s) {
					problems = append(problems, problem{attr, fmt.Sprintf("line %d: invalid version %q", lineNo, s)})
					continue
				}
				g.Version = s
			case "platform":
				if s != "ruby" && validName(s) {
					g.Platform = s
				}
			}
		case "license", "licenses":
			list, ok := listValue(expr)
			if !ok {
				problems = append(problems, problem{attr, fmt.Sprintf("line %d: %s is not a string or a list of strings", lineNo, attr)})
				continue
			}
			if attr == "licenses" {
				g.Licenses, haveList = list, true
			} else {
				license = list
			}
		}
	}
	if !haveList {
		g.Licenses = license
	}
	if len(g.Licenses) > MaxLicenses {
		g.Licenses = g.Licenses[:MaxLicenses]
	}
	// The stub comment fills in what the assignments did not give.
	if stub.Name != "" && (g.Name == "" || g.Name == stub.Name) {
		if g.Name == "" {
			g.Name = stub.Name
			problems = drop(problems, "name")
		}
		if g.Version == "" {
			g.Version = stub.Version
			problems = drop(problems, "version")
		}
		if g.Platform == "" {
			g.Platform = stub.Platform
		}
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.msg
	}
	var detail string
	if len(problems) > 0 {
		detail = " (" + strings.Join(msgs, "; ") + ")"
	}
	if g.Name == "" || g.Version == "" {
		return Gem{}, fmt.Errorf("ruby: gemspec: %w%s", ErrNoGem, detail)
	}
	var err error
	if len(problems) > 0 {
		err = fmt.Errorf("ruby: gemspec %s %s: %s", g.Name, g.Version, strings.Join(msgs, "; "))
	}
	return g, err
}

// problem is an assignment of attr that could not be read.
type problem struct{ attr, msg string }

func drop(ps []problem, attr string) []problem {
	var out []problem
	for _, p := range ps {
		if p.attr != attr {
			out = append(out, p)
		}
	}
	return out
}

// splitLines splits b into lines, without their ends (LF or CRLF).
func splitLines(b []byte) [][]byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\r"))
	}
	return lines
}

// assignment reads "receiver.attr = expr" for the attributes the analyzer
// wants; the receiver is any identifier ("s", "spec", "gem").
func assignment(line string) (attr, expr string, ok bool) {
	i := 0
	for i < len(line) && isIdent(line[i], i == 0) {
		i++
	}
	if i == 0 || i >= len(line) || line[i] != '.' {
		return "", "", false
	}
	rest := line[i+1:]
	j := 0
	for j < len(rest) && isIdent(rest[j], j == 0) {
		j++
	}
	attr = rest[:j]
	switch attr {
	case "name", "version", "license", "licenses", "platform":
	default:
		return "", "", false
	}
	rest = strings.TrimLeft(rest[j:], " \t")
	if !strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "==") || strings.HasPrefix(rest, "=~") {
		return "", "", false
	}
	return attr, strings.TrimSpace(rest[1:]), true
}

func isIdent(c byte, first bool) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (!first && '0' <= c && c <= '9')
}

// stringValue reads a string expression: a literal, optionally frozen, or
// Gem::Version.new(literal); a trailing "if …" modifier or comment is
// allowed.
func stringValue(expr string) (string, bool) {
	for _, pre := range []string{"Gem::Version.new(", "Gem::Version.create("} {
		if rest, ok := strings.CutPrefix(expr, pre); ok {
			s, rest, ok := stringLiteral(strings.TrimSpace(rest))
			if !ok {
				return "", false
			}
			rest = strings.TrimSpace(rest)
			if !strings.HasPrefix(rest, ")") {
				return "", false
			}
			return s, endOfExpr(rest[1:])
		}
	}
	s, rest, ok := stringLiteral(expr)
	if !ok {
		return "", false
	}
	return s, endOfExpr(rest)
}

// listValue reads a list of strings: [lit, lit], %w[a b], or a single
// string literal.
func listValue(expr string) ([]string, bool) {
	if strings.HasPrefix(expr, "%w") || strings.HasPrefix(expr, "%W") {
		if len(expr) < 3 {
			return nil, false
		}
		closer, ok := closing(expr[2])
		if !ok {
			return nil, false
		}
		end := strings.IndexByte(expr[3:], closer)
		if end < 0 {
			return nil, false
		}
		var out []string
		for _, w := range strings.Fields(expr[3 : 3+end]) {
			if validText(w) {
				out = append(out, w)
			}
		}
		return out, endOfExpr(expr[3+end+1:])
	}
	if !strings.HasPrefix(expr, "[") {
		s, ok := stringValue(expr)
		if !ok {
			return nil, false
		}
		if s == "" {
			return nil, true
		}
		return []string{s}, true
	}
	rest := strings.TrimSpace(expr[1:])
	var out []string
	for {
		if strings.HasPrefix(rest, "]") {
			return out, endOfExpr(rest[1:])
		}
		s, r, ok := stringLiteral(rest)
		if !ok {
			return nil, false
		}
		if s = strings.TrimSpace(s); s != "" && validText(s) {
			out = append(out, s)
		}
		rest = strings.TrimSpace(r)
		if strings.HasPrefix(rest, ",") {
			rest = strings.TrimSpace(rest[1:])
		} else if !strings.HasPrefix(rest, "]") {
			return nil, false
		}
	}
}

// endOfExpr reports whether what follows a value ends the expression: a
// ".freeze", nothing, a comment, or a statement modifier.
func endOfExpr(rest string) bool {
	rest = strings.TrimSpace(rest)
	rest = strings.TrimPrefix(rest, ".freeze")
	rest = strings.TrimSpace(rest)
	return rest == "" || strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, "if ") || strings.HasPrefix(rest, "unless ") || rest == ";"
}

// stringLiteral reads one Ruby string literal at the start of s, with an
// optional ".freeze", and returns its value and what follows.
func stringLiteral(s string) (value, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	var v string
	switch {
	case s[0] == '"':
		v, rest, ok = doubleQuoted(s[1:], '"', 0)
	case s[0] == '\'':
		v, rest, ok = singleQuoted(s[1:], '\'', 0)
	case strings.HasPrefix(s, "%q") && len(s) > 2:
		c, o := closing(s[2])
		if !o {
			return "", "", false
		}
		v, rest, ok = singleQuoted(s[3:], c, s[2])
	case (strings.HasPrefix(s, "%Q") || (strings.HasPrefix(s, "%") && len(s) > 1 && isBracket(s[1]))) && len(s) > 2:
		i := 1
		if s[1] == 'Q' {
			i = 2
		}
		c, o := closing(s[i])
		if !o {
			return "", "", false
		}
		v, rest, ok = doubleQuoted(s[i+1:], c, s[i])
	default:
		return "", "", false
	}
	if !ok || !utf8.ValidString(v) {
		return "", "", false
	}
	rest = strings.TrimPrefix(rest, ".freeze")
	return v, rest, true
}

func isBracket(c byte) bool { return c == '(' || c == '[' || c == '{' || c == '<' }

// closing returns the delimiter that closes a %-literal opened by c.
func closing(c byte) (byte, bool) {
	switch c {
	case '(':
		return ')', true
	case '[':
		return ']', true
	case '{':
		return '}', true
	case '<':
		return '>', true
	case '|', '!', '/', '^', '"', '\'':
		return c, true
	}
	return 0, false
}

// singleQuoted reads up to the closing delimiter; only \\ and \<delim>
// are escapes. open is the opening delimiter of a nesting %-literal.
func singleQuoted(s string, delim, open byte) (string, string, bool) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		if b.Len() > MaxStringBytes {
			return "", "", false
		}
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == delim || (open != 0 && s[i+1] == open)):
			b.WriteByte(s[i+1])
			i++
		case open != 0 && open != delim && c == open:
			depth++
			b.WriteByte(c)
		case c == delim && depth > 0:
			depth--
			b.WriteByte(c)
		case c == delim:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// doubleQuoted reads a double-quoted string body with Ruby's escapes, as
// String#dump writes them. Interpolation ("#{…}") cannot be evaluated and
// fails the read.
func doubleQuoted(s string, delim, open byte) (string, string, bool) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		if b.Len() > MaxStringBytes {
			return "", "", false
		}
		c := s[i]
		switch {
		case c == '#' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '@' || s[i+1] == '$'):
			return "", "", false
		case c == '\\':
			if i+1 >= len(s) {
				return "", "", false
			}
			w, ok := escape(s[i+1:], &b)
			if !ok {
				return "", "", false
			}
			i += w
		case open != 0 && open != delim && c == open:
			depth++
			b.WriteByte(c)
		case c == delim && depth > 0:
			depth--
			b.WriteByte(c)
		case c == delim:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// escape decodes the escape sequence at the start of s (after the
// backslash) into b and returns how many bytes of s it used.
func escape(s string, b *strings.Builder) (int, bool) {
	c := s[0]
	switch c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'e':
		b.WriteByte(0x1b)
	case 's':
		b.WriteByte(' ')
	case 'a':
		b.WriteByte(7)
	case 'b':
		b.WriteByte(8)
	case 'f':
		b.WriteByte(12)
	case 'v':
		b.WriteByte(11)
	case 'u':
		if strings.HasPrefix(s, "u{") {
			end := strings.IndexByte(s, '}')
			if end < 0 || end > 64 {
				return 0, false
			}
			for _, h := range strings.Fields(s[2:end]) {
				r, err := strconv.ParseUint(h, 16, 32)
				if err != nil || !utf8.ValidRune(rune(r)) {
					return 0, false
				}
				b.WriteRune(rune(r))
			}
			return end, true
		}
		if len(s) < 5 {
			return 0, false
		}
		r, err := strconv.ParseUint(s[1:5], 16, 32)
		if err != nil || !utf8.ValidRune(rune(r)) {
			return 0, false
		}
		b.WriteRune(rune(r))
		return 5, true
	case 'x':
		n := 1
		for n < 3 && n < len(s) && isHex(s[n]) {
			n++
		}
		if n == 1 {
			return 0, false
		}
		v, _ := strconv.ParseUint(s[1:n], 16, 8)
		b.WriteByte(byte(v))
		return n, true
	default:
		if '0' <= c && c <= '7' {
			n := 1
			for n < 3 && n < len(s) && '0' <= s[n] && s[n] <= '7' {
				n++
			}
			v, _ := strconv.ParseUint(s[:n], 8, 16)
			b.WriteByte(byte(v))
			return n, true
		}
		b.WriteByte(c) // \" \\ \# and any other character stand for themselves
	}
	return 1, true
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// validName reports whether s is a plausible gem name or platform:
// letters, digits, "-", "_", ".".
func validName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || c == '.' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// validVersion reports whether s is a RubyGems version: it starts with a
// digit and holds letters, digits, ".", "-" and "+".
func validVersion(s string) bool {
	if s == "" || len(s) > 128 || s[0] < '0' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '.' || c == '+' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// validText rejects control characters.
func validText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}
