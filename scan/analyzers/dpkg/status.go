package dpkg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/portcullis-oci/portcullis/internal/deb822"
)

// Limits on one database file.
const (
	// MaxDatabaseBytes bounds one status or status.d file; reading stops
	// with an error matching scan.ErrTooLarge beyond it.
	MaxDatabaseBytes int64 = 256 << 20
	// MaxStanzaBytes bounds one stanza; a longer stanza is skipped and
	// counted. It leaves ample room for a 1 MiB Description.
	MaxStanzaBytes = 16 << 20
	// MaxStanzas bounds the stanzas of one file; reading stops with an
	// error matching scan.ErrTooLarge beyond it.
	MaxStanzas = 1 << 20
)

// entry is one installed package read from a database file.
type entry struct {
	name, version, arch string
	srcName, srcVersion string
	line                int
}

// parseStatus reads one database file (distroless: a status.d file). It
// returns the entries of installed packages, the problems found (never nil),
// and a final error: not a database, no stanzas, a limit, a read error or
// ctx's error.
func parseStatus(ctx context.Context, r io.Reader, distroless bool) ([]entry, *ParseError, error) {
	rd := deb822.NewReader(r, deb822.Options{
		MaxBytes:          MaxDatabaseBytes,
		MaxParagraphBytes: MaxStanzaBytes,
		MaxParagraphs:     MaxStanzas,
		SplitOn:           "Package",
	})
	perr := newParseError()
	var entries []entry
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				perr.Records = rd.Paragraphs()
				return entries, perr, err
			}
		}
		p, err := rd.Next()
		if err == io.EOF {
			break
		}
		var se *deb822.SyntaxError
		if errors.As(err, &se) {
			perr.Skipped++
			perr.Add(se.Line, "%s: stanza at line %d skipped", se.Msg, se.Paragraph)
			continue
		}
		if err != nil {
			perr.Records = rd.Paragraphs()
			return entries, perr, err
		}
		if why := notDpkg(p); why != "" {
			return nil, newParseError(), fmt.Errorf("%w: line %d: %s", ErrNotDatabase, p.Line, why)
		}
		if p.Split {
			perr.Add(p.Line, "no blank line before this stanza")
		}
		e, msg, ok := readStanza(p, distroless, perr)
		switch {
		case msg != "":
			perr.Skipped++
			perr.Add(p.Line, "%s: stanza skipped", msg)
		case ok:
			entries = append(entries, e)
		}
	}
	perr.Records = rd.Paragraphs()
	if perr.Records == 0 {
		return nil, perr, ErrEmpty
	}
	return entries, perr, nil
}

// readStanza turns a stanza into an entry. It returns ok = false for a
// package that is not installed, and a message for a stanza to skip.
// Problems that do not cost the package are added to perr.
func readStanza(p *deb822.Paragraph, distroless bool, perr *ParseError) (e entry, skip string, ok bool) {
	status, has := p.Lookup("Status")
	switch {
	case !has && distroless:
		// distroless writes no Status: every stanza is installed.
	case !has:
		return e, "no Status field", false
	default:
		w := strings.Fields(status.Value)
		if len(w) != 3 {
			return e, fmt.Sprintf("malformed Status %.60q", status.Value), false
		}
		if w[2] != "installed" {
			return e, "", false
		}
	}
	name, has := p.Lookup("Package")
	if !has {
		return e, "no Package field", false
	}
	if msg := checkName(name.Value); msg != "" {
		return e, msg, false
	}
	version, has := p.Lookup("Version")
	if !has {
		return e, fmt.Sprintf("package %s has no Version field", name.Value), false
	}
	if msg := checkVersion(version.Value); msg != "" {
		return e, fmt.Sprintf("package %s: invalid %s", name.Value, msg), false
	}
	arch := p.Get("Architecture")
	if strings.ContainsAny(arch, " \t\n") {
		return e, fmt.Sprintf("package %s: malformed Architecture %.60q", name.Value, arch), false
	}
	e = entry{name: name.Value, version: version.Value, arch: arch, line: p.Line}
	e.srcName, e.srcVersion = e.name, e.version
	if src, has := p.Lookup("Source"); has {
		n, v, msg := parseSource(src.Value)
		if msg != "" {
			perr.Add(src.Line, "package %s: %s; taking the source to be %s %s", e.name, msg, e.srcName, e.srcVersion)
		} else {
			e.srcName = n
			if v != "" {
				e.srcVersion = v
			}
		}
	}
	return e, "", true
}

// parseSource splits "name" or "name (version)".
func parseSource(s string) (name, version, problem string) {
	name, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	if msg := checkName(name); msg != "" {
		return "", "", fmt.Sprintf("malformed Source %.60q: %s", s, msg)
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return name, "", ""
	}
	if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' {
		return "", "", fmt.Sprintf("malformed Source %.60q", s)
	}
	version = strings.TrimSpace(rest[1 : len(rest)-1])
	if msg := checkVersion(version); msg != "" {
		return "", "", fmt.Sprintf("malformed Source %.60q: %s", s, msg)
	}
	return name, version, ""
}

// notDpkg recognises a stanza of a file that only looks like a dpkg
// database. vcpkg's status file (installed/vcpkg/status) uses the same
// syntax, with "Type: Port", "Abi:" and "Feature:" fields and architecture
// triplets such as "x64-windows", none of which dpkg writes.
func notDpkg(p *deb822.Paragraph) string {
	if t, ok := p.Lookup("Type"); ok && strings.EqualFold(t.Value, "Port") {
		return `"Type: Port" is a vcpkg status file`
	}
	if _, ok := p.Lookup("Abi"); ok {
		arch := p.Get("Architecture")
		for _, s := range []string{"-windows", "-osx", "-uwp", "-linux", "-android", "-mingw"} {
			if strings.Contains(arch, s) {
				return fmt.Sprintf("\"Abi\" with triplet %.40q is a vcpkg status file", arch)
			}
		}
	}
	return ""
}
