package apk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/portcullis-oci/portcullis/internal/deb822"
)

// Limits on an installed database.
const (
	// MaxDatabaseBytes bounds the database; reading stops with an error
	// matching scan.ErrTooLarge beyond it.
	MaxDatabaseBytes int64 = 128 << 20
	// MaxEntryBytes bounds one entry, its file list included; a longer
	// entry is skipped and counted.
	MaxEntryBytes = 16 << 20
	// MaxEntries bounds the number of entries; reading stops with an error
	// matching scan.ErrTooLarge beyond it.
	MaxEntries = 1 << 20
)

// errTooLarge is matched, through [ParseInstalled]'s error, by over-limit
// errors; the analyzer also makes them match scan.ErrTooLarge.
var errTooLarge = deb822.ErrTooLarge

// Entry is one package of an installed database.
type Entry struct {
	// Name is the package name (P:).
	Name string
	// Version is the version (V:).
	Version string
	// Arch is the architecture (A:).
	Arch string
	// Origin is the source package it was built from (o:), or "".
	Origin string
	// License is the licence expression (L:), as written.
	License string
	// Files are the package's files (each R: under the F: before it),
	// slash-separated and relative to the image root, as the database lists
	// them.
	Files []string
	// Line is the line number where the entry starts.
	Line int
}

// ParseInstalled reads an apk installed database and returns its good
// entries in file order.
//
// The error is a [*ParseError] when entries were skipped (no P: or V:, an
// invalid version, a malformed line, NUL bytes, an entry over
// [MaxEntryBytes]) or duplicates dropped; it matches [ErrEmpty] when there
// are no entries at all. Over-limit, read and context errors end reading;
// the entries read before them are returned too.
func ParseInstalled(ctx context.Context, r io.Reader) ([]Entry, error) {
	p := parser{lr: deb822.NewLineReader(r, MaxDatabaseBytes), perr: newParseError(), seen: map[string]int{}}
	if err := p.run(ctx); err != nil {
		if !p.perr.Empty() {
			err = errors.Join(err, p.perr)
		}
		return p.entries, err
	}
	if p.perr.Records == 0 {
		return nil, ErrEmpty
	}
	if !p.perr.Empty() {
		return p.entries, p.perr
	}
	return p.entries, nil
}

type parser struct {
	lr      *deb822.LineReader
	perr    *ParseError
	entries []Entry
	seen    map[string]int // name → line of the entry kept

	// The entry being read.
	cur     Entry
	started bool
	split   bool
	size    int
	bad     string
	badLine int
	dir     string
	has     [128]bool // keys seen in this entry
}

func (p *parser) run(ctx context.Context) error {
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		max := MaxEntryBytes - p.size
		if p.bad != "" {
			max = MaxEntryBytes // skipping: read on to the end of the entry
		}
		line, long, err := p.lr.ReadLine(max)
		if err == io.EOF {
			p.finish()
			return nil
		}
		if err != nil {
			return err
		}
		lineNo := p.lr.Line()
		if !long && isBlank(line) {
			p.finish()
			continue
		}
		if !p.started {
			if err := p.start(lineNo, false); err != nil {
				return err
			}
		}
		if p.bad != "" {
			// A new package ends the entry being skipped.
			if !long && bytes.HasPrefix(line, []byte("P:")) {
				p.finish()
				if err := p.start(lineNo, true); err != nil {
					return err
				}
			} else {
				continue
			}
		}
		p.size += len(line) + 1
		switch {
		case long || p.size > MaxEntryBytes:
			p.fail(lineNo, fmt.Sprintf("entry longer than %d bytes", MaxEntryBytes))
			continue
		case bytes.IndexByte(line, 0) >= 0:
			p.fail(lineNo, "NUL byte")
			continue
		case len(line) < 2 || line[1] != ':' || line[0] >= 0x80:
			p.fail(lineNo, fmt.Sprintf("not a K:value line: %.40q", line))
			continue
		}
		key, val := line[0], string(bytes.TrimSpace(line[2:]))
		if key == 'P' && p.has['P'] {
			// A second P: without a blank line: a new entry.
			p.finish()
			if err := p.start(lineNo, true); err != nil {
				return err
			}
			p.size = len(line) + 1
		}
		switch key {
		case 'P', 'V', 'A', 'o', 'L':
			if p.has[key] {
				p.fail(lineNo, fmt.Sprintf("duplicate %c:", key))
				continue
			}
			p.has[key] = true
		}
		switch key {
		case 'P':
			p.cur.Name = val
		case 'V':
			p.cur.Version = val
		case 'A':
			p.cur.Arch = val
		case 'o':
			p.cur.Origin = val
		case 'L':
			p.cur.License = val
		case 'F':
			p.dir = val
		case 'R':
			f := val
			if p.dir != "" {
				f = p.dir + "/" + val
			}
			p.cur.Files = append(p.cur.Files, f)
		}
	}
}

func (p *parser) start(line int, split bool) error {
	p.perr.Records++
	if p.perr.Records > MaxEntries {
		return fmt.Errorf("more than %d entries: %w", MaxEntries, errTooLarge)
	}
	p.cur = Entry{Line: line}
	p.started, p.split, p.size, p.bad, p.badLine, p.dir = true, split, 0, "", 0, ""
	p.has = [128]bool{}
	return nil
}

func (p *parser) fail(line int, msg string) {
	p.bad, p.badLine = msg, line
	p.cur.Files = nil
}

// finish ends the entry being read: it keeps it, or skips and counts it.
func (p *parser) finish() {
	if !p.started {
		return
	}
	p.started = false
	e := p.cur
	p.cur = Entry{}
	if p.split {
		p.perr.Add(e.Line, "no blank line before this entry")
	}
	var skip string
	switch {
	case p.bad != "":
		skip = fmt.Sprintf("line %d: %s", p.badLine, p.bad)
	case e.Name == "":
		skip = "no P: (package name)"
	case e.Version == "":
		skip = fmt.Sprintf("package %.60q has no V: (version)", e.Name)
	default:
		skip = checkVersion(e.Name, e.Version)
	}
	if skip != "" {
		p.perr.Skipped++
		p.perr.Add(e.Line, "%s: entry skipped", skip)
		return
	}
	if first, dup := p.seen[e.Name]; dup {
		p.perr.Duplicates++
		p.perr.Add(e.Line, "duplicate package %s %s, first at line %d: kept the first", e.Name, e.Version, first)
		return
	}
	p.seen[e.Name] = e.Line
	p.entries = append(p.entries, e)
}

// checkVersion checks what apk requires of every version: it starts with a
// digit and has no blank or control characters.
func checkVersion(name, v string) string {
	if v[0] < '0' || v[0] > '9' {
		return fmt.Sprintf("package %.60q: version %.60q does not start with a digit", name, v)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f {
			return fmt.Sprintf("package %.60q: version %.60q has a blank, control or non-ASCII character", name, v)
		}
	}
	return ""
}

func isBlank(line []byte) bool {
	return len(bytes.Trim(line, " \t")) == 0
}
