// Package selector matches strings (tags, repositories) against the
// selectors policies and promotion rules share: equals, startsWith,
// endsWith, contains, oneOf, notOneOf, regex and glob, every one given
// having to pass.
package selector

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/yamlx"
)

// String is a selector on a string (a tag, a repository): every test
// given must pass.
type String struct {
	Equals, StartsWith, EndsWith, Contains *string
	OneOf, NotOneOf                        []string
	Regex, Glob                            *regexp.Regexp
	RegexSrc, GlobSrc                      string
}

func (m *String) Match(s string) bool {
	switch {
	case m.Equals != nil && s != *m.Equals,
		m.StartsWith != nil && !strings.HasPrefix(s, *m.StartsWith),
		m.EndsWith != nil && !strings.HasSuffix(s, *m.EndsWith),
		m.Contains != nil && !strings.Contains(s, *m.Contains),
		m.OneOf != nil && !slices.Contains(m.OneOf, s),
		m.NotOneOf != nil && slices.Contains(m.NotOneOf, s),
		m.Regex != nil && !m.Regex.MatchString(s),
		m.Glob != nil && !m.Glob.MatchString(s):
		return false
	}
	return true
}

// String describes the selector for messages.
func (m *String) String() string {
	var parts []string
	if m.Equals != nil {
		parts = append(parts, fmt.Sprintf("equals %q", *m.Equals))
	}
	if m.StartsWith != nil {
		parts = append(parts, fmt.Sprintf("starts with %q", *m.StartsWith))
	}
	if m.EndsWith != nil {
		parts = append(parts, fmt.Sprintf("ends with %q", *m.EndsWith))
	}
	if m.Contains != nil {
		parts = append(parts, fmt.Sprintf("contains %q", *m.Contains))
	}
	if m.OneOf != nil {
		parts = append(parts, fmt.Sprintf("is one of %q", m.OneOf))
	}
	if m.NotOneOf != nil {
		parts = append(parts, fmt.Sprintf("is not one of %q", m.NotOneOf))
	}
	if m.Regex != nil {
		parts = append(parts, fmt.Sprintf("matches /%s/", m.RegexSrc))
	}
	if m.Glob != nil {
		parts = append(parts, fmt.Sprintf("matches %q", m.GlobSrc))
	}
	return strings.Join(parts, " and ")
}

// MaxPattern bounds a regular expression or glob.
const MaxPattern = 1024

// Regex compiles a regular expression that must match the whole
// string.
func Regex(src string) (*regexp.Regexp, error) {
	if len(src) > MaxPattern {
		return nil, fmt.Errorf("longer than %d bytes", MaxPattern)
	}
	if _, err := regexp.Compile(src); err != nil {
		return nil, err
	}
	return regexp.Compile(`^(?:` + src + `)$`)
}

// Glob turns a glob into a regular expression: "*" matches any run
// of characters but "/", "**" any run at all, "?" one character but "/",
// "[abc]", "[a-z]" and "[!a]" one character of (or not of) a class, and
// "\" quotes the next character.
func Glob(src string) (*regexp.Regexp, error) {
	if len(src) > MaxPattern {
		return nil, fmt.Errorf("longer than %d bytes", MaxPattern)
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

// Decode decodes a selector: a plain string means equals.
func Decode(d *yamlx.Decoder, n *yaml.Node, what string) *String {
	n = d.Resolve(n)
	m := &String{}
	if n.Kind == yaml.ScalarNode {
		s := n.Value
		m.Equals = &s
		return m
	}
	str := func(dst **string, name string) yamlx.Field {
		return func(v *yaml.Node) { s := d.String(v, what+"."+name); *dst = &s }
	}
	list := func(dst *[]string, name string) yamlx.Field {
		return func(v *yaml.Node) {
			*dst = d.Strings(v, what+"."+name)
			if *dst == nil {
				*dst = []string{}
			}
		}
	}
	keys := d.Mapping(n, what, map[string]yamlx.Field{
		"equals":     str(&m.Equals, "equals"),
		"startsWith": str(&m.StartsWith, "startsWith"),
		"endsWith":   str(&m.EndsWith, "endsWith"),
		"contains":   str(&m.Contains, "contains"),
		"oneOf":      list(&m.OneOf, "oneOf"),
		"notOneOf":   list(&m.NotOneOf, "notOneOf"),
		"regex": func(v *yaml.Node) {
			s := d.Scalar(v, what+".regex")
			if s == nil {
				return
			}
			re, err := Regex(s.Value)
			if err != nil {
				d.Errorf(s, "%s.regex: %q: %v", what, s.Value, err)
				return
			}
			m.Regex, m.RegexSrc = re, s.Value
		},
		"glob": func(v *yaml.Node) {
			s := d.Scalar(v, what+".glob")
			if s == nil {
				return
			}
			re, err := Glob(s.Value)
			if err != nil {
				d.Errorf(s, "%s.glob: %q: %v", what, s.Value, err)
				return
			}
			m.Glob, m.GlobSrc = re, s.Value
		},
	})
	if keys != nil && len(keys) == 0 {
		d.Errorf(n, "%s: give at least one of equals, startsWith, endsWith, contains, oneOf, notOneOf, regex, glob", what)
	}
	return m
}
