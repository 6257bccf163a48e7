package dpkg

import (
	"errors"
	"io"
	"strings"

	"github.com/portcullis-oci/portcullis/internal/deb822"
)

// Limits on copyright files.
const (
	// MaxCopyrightBytes bounds how much of one copyright file is read; the
	// licences of a longer file are those of its first MaxCopyrightBytes,
	// and an error says so.
	MaxCopyrightBytes int64 = 8 << 20
	// MaxLicenses bounds the licences taken from one copyright file.
	MaxLicenses = 64
	// maxLicenseLen bounds one licence name; longer ones are not names.
	maxLicenseLen = 200
)

// parseCopyright returns the licence short names that a machine-readable
// (DEP-5) copyright file declares in its header and Files paragraphs, split
// into single licences, in order and without repeats. A file in another
// format gives none and no error. Errors are over-limit or read errors,
// returned with what was found before them.
func parseCopyright(r io.Reader) ([]string, error) {
	rd := deb822.NewReader(r, deb822.Options{
		MaxBytes:          MaxCopyrightBytes,
		MaxParagraphBytes: 1 << 20,
		MaxParagraphs:     1 << 16,
	})
	var (
		out  []string
		seen = map[string]bool{}
	)
	add := func(p *deb822.Paragraph) {
		f, ok := p.Lookup("License")
		if !ok {
			return
		}
		for _, l := range splitLicense(f.FirstLine()) {
			if len(out) >= MaxLicenses {
				return
			}
			if k := strings.ToLower(l); !seen[k] {
				seen[k] = true
				out = append(out, l)
			}
		}
	}
	for first := true; ; first = false {
		p, err := rd.Next()
		switch {
		case err == io.EOF:
			return out, nil
		case first && err != nil:
			return nil, ignoreSyntax(err) // not DEP-5 (or unreadable)
		case deb822.IsSyntax(err):
			continue // a damaged paragraph of a DEP-5 file: best effort
		case err != nil:
			return out, err
		}
		if first {
			if !isDEP5(p) {
				return nil, nil
			}
			add(p)
			continue
		}
		if _, ok := p.Lookup("Files"); ok {
			add(p)
		}
	}
}

func ignoreSyntax(err error) error {
	if deb822.IsSyntax(err) || errors.Is(err, deb822.ErrTooLarge) {
		return nil
	}
	return err
}

// isDEP5 reports whether p is the header of a machine-readable copyright
// file: its Format (or, in drafts, Format-Specification) field names the
// copyright-format specification or DEP-5.
func isDEP5(p *deb822.Paragraph) bool {
	f, ok := p.Lookup("Format")
	if !ok {
		f, ok = p.Lookup("Format-Specification")
	}
	if !ok {
		return false
	}
	v := strings.ToLower(f.FirstLine())
	return strings.Contains(v, "copyright-format") || strings.Contains(v, "dep5") || strings.Contains(v, "dep-5")
}

// splitLicense splits a DEP-5 licence expression ("GPL-2+ or Artistic",
// "GPL-2+ and BSD-3-clause, or MIT", "Apache-2.0 with LLVM exception") into
// its licences. "or", "and" and commas separate licences; "with … exception"
// stays with its licence. Parentheses (SPDX style) are dropped.
func splitLicense(expr string) []string {
	var (
		out []string
		cur []string
	)
	flush := func() {
		if len(cur) > 0 {
			if s := strings.Join(cur, " "); len(s) <= maxLicenseLen {
				out = append(out, s)
			}
			cur = cur[:0]
		}
	}
	for _, tok := range strings.Fields(expr) {
		parts := strings.Split(tok, ",")
		for i, part := range parts {
			part = strings.Trim(part, "()")
			switch strings.ToLower(part) {
			case "":
			case "or", "and":
				flush()
			default:
				cur = append(cur, part)
			}
			if i < len(parts)-1 {
				flush() // a comma ends the licence before it
			}
		}
	}
	flush()
	return out
}
