package osrelease

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
)

// MaxSize bounds a release file. Real ones are well under 1 KiB.
const MaxSize = 64 << 10

// ErrNoID is matched by the error for a release file that does not say
// which operating system it is (an os-release file without ID, an empty
// fallback file, a line no parser recognises).
var ErrNoID = errors.New("no operating system ID")

// ErrTooLarge is matched by the error for input longer than [MaxSize].
var ErrTooLarge = errors.New("release file too large")

// Info is the identity of an operating system release, with the meanings of
// os-release(5).
type Info struct {
	// ID is the lower-case identifier: "debian", "alpine", "rhel".
	ID string
	// IDLike lists the IDs of closely related systems, most related first.
	IDLike []string
	// Name is the name without version: "Debian GNU/Linux".
	Name string
	// PrettyName is a name for display: "Debian GNU/Linux 12 (bookworm)".
	PrettyName string
	// Version is the version as the file states it for display:
	// "12 (bookworm)" from os-release, the full "12.5" from
	// etc/debian_version.
	Version string
	// VersionID is the version for machines: "12", "3.19.1", "8.9".
	VersionID string
	// VersionCodename is the release's code name, where there is one:
	// "bookworm".
	VersionCodename string
}

// Paths returns the release files to look for, relative to the image root,
// in order of preference: os-release first, then the distributions' own
// files, the specific before the generic (etc/redhat-release exists on
// CentOS and Fedora too, etc/debian_version on Ubuntu too).
func Paths() []string {
	return []string{
		"etc/os-release",
		"usr/lib/os-release",
		"etc/alpine-release",
		"etc/fedora-release",
		"etc/centos-release",
		"etc/redhat-release",
		"etc/debian_version",
	}
}

// ParseFile parses the release file at path (relative to the image root; a
// symlink's target is fine) with the parser its base name calls for:
// debian_version, alpine-release, the Red Hat family's *-release
// (redhat-release, centos-release, fedora-release, system-release,
// rocky-release, almalinux-release, oracle-release) and, for any other name,
// os-release.
func ParseFile(p string, b []byte) (Info, error) {
	var (
		info Info
		err  error
	)
	switch base := path.Base(p); base {
	case "debian_version":
		info, err = ParseDebianVersion(b)
	case "alpine-release":
		info, err = ParseAlpineRelease(b)
	case "redhat-release", "centos-release", "fedora-release", "system-release",
		"rocky-release", "almalinux-release", "oracle-release":
		info, err = ParseRedHatRelease(b)
	default:
		info, err = Parse(b)
	}
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", p, err)
	}
	return info, nil
}

// Parse parses an os-release(5) file: KEY=value assignments, values
// optionally in double quotes (with the shell's backslash escapes) or single
// quotes (literal), "#" comments and blank lines. Lines that are not
// assignments, and values with an unterminated quote, are ignored; a later
// assignment of a key wins. It fails for input over [MaxSize] and, matching
// [ErrNoID], when there is no ID.
func Parse(b []byte) (Info, error) {
	if len(b) > MaxSize {
		return Info{}, fmt.Errorf("osrelease: %d bytes: %w (limit %d)", len(b), ErrTooLarge, MaxSize)
	}
	var info Info
	assignments(b, func(key, val string) {
		switch key {
		case "ID":
			info.ID = strings.ToLower(strings.TrimSpace(val))
		case "ID_LIKE":
			info.IDLike = nil
			for _, id := range strings.Fields(strings.ToLower(val)) {
				if validID(id) {
					info.IDLike = append(info.IDLike, id)
				}
			}
		case "NAME":
			info.Name = val
		case "PRETTY_NAME":
			info.PrettyName = val
		case "VERSION":
			info.Version = val
		case "VERSION_ID":
			info.VersionID = word(val)
		case "VERSION_CODENAME":
			info.VersionCodename = word(val)
		}
	})
	if info.ID == "" {
		return Info{}, fmt.Errorf("osrelease: os-release: %w", ErrNoID)
	}
	if !validID(info.ID) {
		return Info{}, fmt.Errorf("osrelease: os-release: invalid ID %.40q: %w", info.ID, ErrNoID)
	}
	return info, nil
}

// validID reports whether id uses only the characters os-release(5) allows
// in IDs: 0-9, a-z, ".", "_" and "-".
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(isDigit(c) || isLower(c) || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return id != ""
}

// word returns v without surrounding blanks, or "" if what is left has a
// blank or control character: VERSION_ID and VERSION_CODENAME are single
// words, used in PURLs and matching.
func word(v string) string {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] == 0x7f {
			return ""
		}
	}
	return v
}

// assignments calls fn for each well-formed KEY=value assignment in b.
func assignments(b []byte, fn func(key, val string)) {
	i := 0
	for i < len(b) {
		i = skipBlanks(b, i)
		if i >= len(b) {
			return
		}
		switch b[i] {
		case '\n':
			i++
			continue
		case '#':
			i = nextLine(b, i)
			continue
		}
		start := i
		for i < len(b) && isKeyChar(b[i]) {
			i++
		}
		key := string(b[start:i])
		i = skipBlanks(b, i)
		if key == "" || i >= len(b) || b[i] != '=' {
			i = nextLine(b, i)
			continue
		}
		val, end, ok := value(b, skipBlanks(b, i+1))
		if ok {
			fn(key, val)
			i = nextLine(b, end)
		} else {
			i = nextLine(b, i)
		}
	}
}

// value reads a shell-style word starting at i: unquoted characters (a
// backslash escapes the next one), "double-quoted" parts (a backslash
// escapes " \ $ ` and a newline) and 'single-quoted' parts, up to an
// unquoted blank or newline. ok is false for an unterminated quote.
func value(b []byte, i int) (val string, end int, ok bool) {
	var out []byte
	for i < len(b) {
		switch c := b[i]; c {
		case '\n', ' ', '\t', '\r':
			return string(out), i, true
		case '"':
			i++
			for {
				if i >= len(b) {
					return "", i, false
				}
				c := b[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' && i+1 < len(b) && strings.IndexByte("\"\\$`\n", b[i+1]) >= 0 {
					if b[i+1] != '\n' {
						out = append(out, b[i+1])
					}
					i += 2
					continue
				}
				out = append(out, c)
				i++
			}
		case '\'':
			j := bytes.IndexByte(b[i+1:], '\'')
			if j < 0 {
				return "", i, false
			}
			out = append(out, b[i+1:i+1+j]...)
			i += j + 2
		case '\\':
			if i+1 < len(b) && b[i+1] != '\n' {
				out = append(out, b[i+1])
			}
			i += 2
		default:
			out = append(out, c)
			i++
		}
	}
	return string(out), len(b), true
}

func skipBlanks(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// nextLine returns the index after the newline at or after i.
func nextLine(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(b)
}

func isKeyChar(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
