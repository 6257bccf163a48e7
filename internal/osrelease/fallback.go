package osrelease

import (
	"fmt"
	"strings"
)

// debianCodenames maps Debian major versions to code names.
var debianCodenames = map[string]string{
	"4": "etch", "5": "lenny", "6": "squeeze", "7": "wheezy", "8": "jessie",
	"9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm",
	"13": "trixie", "14": "forky", "15": "duke",
}

// firstLine returns the first non-blank line of b, trimmed, after checking
// the size.
func firstLine(b []byte, what string) (string, error) {
	if len(b) > MaxSize {
		return "", fmt.Errorf("osrelease: %s: %d bytes: %w (limit %d)", what, len(b), ErrTooLarge, MaxSize)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line, nil
		}
	}
	return "", fmt.Errorf("osrelease: %s: empty: %w", what, ErrNoID)
}

// ParseDebianVersion parses etc/debian_version: a point release ("12.5": ID
// debian, VersionID "12", Version "12.5", VersionCodename "bookworm") or a
// testing/unstable name ("bookworm/sid": VersionCodename "bookworm", no
// VersionID). Anything else fails, matching [ErrNoID].
func ParseDebianVersion(b []byte) (Info, error) {
	line, err := firstLine(b, "debian_version")
	if err != nil {
		return Info{}, err
	}
	info := Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux " + line, Version: line}
	switch {
	case isDigit(line[0]) && only(line, "0123456789."):
		major, _, _ := strings.Cut(line, ".")
		info.VersionID = major
		info.VersionCodename = debianCodenames[major]
	case isLower(line[0]) && only(line, "abcdefghijklmnopqrstuvwxyz/"):
		code, _, _ := strings.Cut(line, "/")
		info.VersionCodename = code
	default:
		return Info{}, fmt.Errorf("osrelease: debian_version: unrecognised %.40q: %w", line, ErrNoID)
	}
	return info, nil
}

// ParseAlpineRelease parses etc/alpine-release ("3.19.1": ID alpine,
// VersionID "3.19.1"). Anything that is not a version fails, matching
// [ErrNoID].
func ParseAlpineRelease(b []byte) (Info, error) {
	line, err := firstLine(b, "alpine-release")
	if err != nil {
		return Info{}, err
	}
	if !isDigit(line[0]) || !only(line, "0123456789.abcdefghijklmnopqrstuvwxyz_-") {
		return Info{}, fmt.Errorf("osrelease: alpine-release: unrecognised %.40q: %w", line, ErrNoID)
	}
	return Info{ID: "alpine", Name: "Alpine Linux", PrettyName: "Alpine Linux " + line, Version: line, VersionID: line}, nil
}

// redHatNames maps the product names of *-release lines to os-release IDs,
// longest prefix first, and says whether VersionID is the major version
// only (as those distributions' os-release files have it).
var redHatNames = []struct {
	prefix    string
	id        string
	majorOnly bool
}{
	{"Red Hat Enterprise Linux", "rhel", false},
	{"CentOS Stream", "centos", true},
	{"CentOS", "centos", true},
	{"Fedora", "fedora", true},
	{"Rocky Linux", "rocky", false},
	{"AlmaLinux", "almalinux", false},
	{"Oracle Linux", "ol", false},
	{"Amazon Linux", "amzn", false},
	{"Scientific Linux", "scientific", false},
}

// ParseRedHatRelease parses the one-line release files of the Red Hat
// family, "NAME release VERSION (CODENAME)":
//
//	Red Hat Enterprise Linux release 8.9 (Ootpa)  → rhel 8.9, codename Ootpa
//	CentOS Linux release 7.9.2009 (Core)          → centos 7 (Version 7.9.2009)
//	Fedora release 39 (Thirty Nine)               → fedora 39
//
// Rocky Linux, AlmaLinux, Oracle Linux, Amazon Linux and Scientific Linux
// are recognised too. Other lines fail, matching [ErrNoID].
func ParseRedHatRelease(b []byte) (Info, error) {
	line, err := firstLine(b, "redhat-release")
	if err != nil {
		return Info{}, err
	}
	name, rest, ok := strings.Cut(line, " release ")
	if !ok {
		return Info{}, fmt.Errorf("osrelease: redhat-release: unrecognised %.40q: %w", line, ErrNoID)
	}
	version, rest, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if version == "" || !isDigit(version[0]) {
		return Info{}, fmt.Errorf("osrelease: redhat-release: no version in %.40q: %w", line, ErrNoID)
	}
	info := Info{Name: strings.TrimSpace(name), PrettyName: line, Version: version, VersionID: version}
	if rest = strings.TrimSpace(rest); len(rest) > 2 && rest[0] == '(' && rest[len(rest)-1] == ')' {
		info.VersionCodename = strings.TrimSpace(rest[1 : len(rest)-1])
	}
	for _, n := range redHatNames {
		if strings.HasPrefix(info.Name, n.prefix) {
			info.ID = n.id
			if n.majorOnly {
				info.VersionID, _, _ = strings.Cut(version, ".")
			}
			break
		}
	}
	if info.ID == "" {
		return Info{}, fmt.Errorf("osrelease: redhat-release: unknown distribution %.40q: %w", info.Name, ErrNoID)
	}
	return info, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// only reports whether every byte of s is in set.
func only(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}
