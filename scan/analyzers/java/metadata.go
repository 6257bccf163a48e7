package java

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// pomProperties is what is kept of a pom.properties file.
type pomProperties struct {
	groupID, artifactID, version string
}

// parsePomProperties reads the Java properties format (key=value,
// key: value or key value; # and ! comments; backslash continuations and
// escapes) and keeps groupId, artifactId and version. Values with
// unresolved ${…} placeholders are dropped.
func parsePomProperties(b []byte) pomProperties {
	var p pomProperties
	var logical strings.Builder
	flush := func() {
		line := strings.TrimLeft(logical.String(), " \t\f")
		logical.Reset()
		if line == "" || line[0] == '#' || line[0] == '!' {
			return
		}
		k, v := splitProperty(line)
		v = clean(v)
		if strings.Contains(v, "${") {
			v = ""
		}
		switch k {
		case "groupId":
			p.groupID = v
		case "artifactId":
			p.artifactID = v
		case "version":
			p.version = v
		}
	}
	for _, raw := range bytes.Split(b, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		if logical.Len() > 0 {
			line = strings.TrimLeft(line, " \t\f")
		}
		// An odd number of trailing backslashes continues the line.
		n := len(line) - len(strings.TrimRight(line, `\`))
		if n%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		flush()
	}
	flush()
	return p
}

// splitProperty splits a logical line into an unescaped key and value.
func splitProperty(line string) (string, string) {
	var key strings.Builder
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		if c == '\\' && i+1 < len(line) {
			i++
			key.WriteByte(line[i])
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		key.WriteByte(c)
	}
	rest := strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key.String(), unescape(rest)
}

// unescape resolves the escapes of a properties value.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// clean drops control characters, replaces invalid UTF-8 and trims blanks.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.TrimSpace(s)
}

// parseManifest reads the main section of a MANIFEST.MF: "Name: value"
// lines up to the first empty line, continuation lines starting with one
// space. Names are case-insensitive: the map's keys are lower case, and the
// first occurrence of a name wins.
func parseManifest(b []byte) map[string]string {
	m := map[string]string{}
	var key string
	var val strings.Builder
	flush := func() {
		if key != "" {
			if _, dup := m[key]; !dup {
				m[key] = clean(val.String())
			}
		}
		key = ""
		val.Reset()
	}
	for _, raw := range bytes.Split(b, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' {
			if key != "" {
				val.WriteString(line[1:])
			}
			continue
		}
		flush()
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(k))
		val.WriteString(strings.TrimPrefix(v, " "))
	}
	flush()
	return m
}

// fromManifest derives a package from a manifest (which may be nil) and
// the archive's file name.
func fromManifest(m map[string]string, base string) (group, artifact, version string) {
	fileName, fileVersion := parseFileName(base)
	get := func(keys ...string) string {
		for _, k := range keys {
			if v := m[k]; v != "" && !strings.Contains(v, "${") {
				return v
			}
		}
		return ""
	}
	artifactLike := func(s string) string {
		if s == "" || strings.ContainsAny(s, " \t/") {
			return ""
		}
		return s
	}
	symbolic, _, _ := strings.Cut(get("bundle-symbolicname"), ";")
	switch {
	case get("short-name") != "": // a Jenkins plugin
		artifact = get("short-name")
	case fileVersion != "":
		artifact = fileName
	case artifactLike(get("implementation-title")) != "":
		artifact = get("implementation-title")
	case artifactLike(strings.TrimSpace(symbolic)) != "":
		artifact = strings.TrimSpace(symbolic)
	case artifactLike(get("specification-title")) != "":
		artifact = get("specification-title")
	default:
		artifact = fileName
	}
	version = get("plugin-version", "implementation-version", "bundle-version", "specification-version")
	if version == "" {
		version = fileVersion
	}
	group = artifactLike(get("group-id", "implementation-vendor-id"))
	return group, artifact, version
}

// parseFileName splits "commons-lang3-3.12.0.jar" into "commons-lang3" and
// "3.12.0": the version starts at the first "-" followed by a digit. A
// name without one is all name.
func parseFileName(base string) (name, version string) {
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	for i := 0; i+1 < len(base); i++ {
		if base[i] == '-' && base[i+1] >= '0' && base[i+1] <= '9' && i > 0 {
			return clean(base[:i]), clean(base[i+1:])
		}
	}
	return clean(base), ""
}

// maxLicenses bounds the licences kept from one pom.xml.
const maxLicenses = 16

// pomLicenses returns the names under project/licenses/license/name of a
// pom.xml. A malformed document gives the names read before the fault.
func pomLicenses(b []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	var (
		stack []string
		out   []string
		text  strings.Builder
	)
	inName := func() bool {
		return len(stack) == 4 && stack[0] == "project" && stack[1] == "licenses" && stack[2] == "license" && stack[3] == "name"
	}
	for len(out) < maxLicenses {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			text.Reset()
		case xml.EndElement:
			if inName() {
				s := clean(strings.Join(strings.Fields(text.String()), " "))
				if s != "" && !strings.Contains(s, "${") && len(s) <= 256 && !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 1 && t.Name.Local == "licenses" {
				return out // there is one licenses element
			}
		case xml.CharData:
			if inName() && text.Len() < 1024 {
				text.Write(t)
			}
		}
	}
	return out
}
