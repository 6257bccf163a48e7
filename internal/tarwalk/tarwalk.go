// Package tarwalk walks a layer's tar stream entry by entry, with the paths
// of entries cleaned and clamped to the image root the way chroot would see
// them, whiteouts recognised, and the number and length of entries bounded.
// It never touches the host filesystem.
package tarwalk

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Kind is the kind of a layer entry.
type Kind uint8

// The kinds of entries.
const (
	File     Kind = iota // a regular file
	Dir                  // a directory
	Symlink              // a symbolic link; Entry.Link is its raw target
	Hardlink             // a hard link; Entry.Link is the cleaned target path
	Whiteout             // ".wh.NAME": Entry.Path is the deleted path
	Opaque               // ".wh..wh..opq": Entry.Path is the directory whose lower contents are hidden ("" for the root)
	Other                // devices, fifos, and anything else: ignored for analysis
)

// Entry is one entry of a layer.
type Entry struct {
	// Path is clean, slash-separated and relative to the image root, with no
	// leading slash. It is "" only for an Opaque entry of the root.
	Path string
	Kind Kind
	Mode fs.FileMode
	// Size is the size the header states for a regular file.
	Size int64
	// Link is the target of a symlink (as written) or hard link (cleaned).
	Link string
	// Body reads a regular file's content until the next entry.
	Body io.Reader
}

// Limits bounds a walk.
type Limits struct {
	// MaxEntries is the most entries a layer may have.
	MaxEntries int
	// MaxPathLen is the longest entry name accepted; longer entries are
	// skipped and reported as a Problem.
	MaxPathLen int
}

// Defaults used for a zero limit.
const (
	DefaultMaxEntries = 4 << 20
	DefaultMaxPathLen = 4096
)

// Problem is an entry the walk skipped, and why.
type Problem struct {
	Path   string
	Reason string
}

// ErrTooManyEntries is matched by the error for a layer with more entries
// than Limits.MaxEntries.
var ErrTooManyEntries = errors.New("tarwalk: more entries than the limit")

// Clean returns name cleaned and clamped to the root, without a leading
// slash; ok is false for the root itself.
func Clean(name string) (p string, ok bool) {
	p = path.Clean("/" + name)
	if p == "/" {
		return "", false
	}
	return p[1:], true
}

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
	aufsMetaPrefix = ".wh..wh."
)

// Walk reads the tar stream r and calls fn for each entry in order. fn may
// read Entry.Body; whatever it leaves unread is skipped. Walk returns the
// entries it skipped as problems; it stops at the first error from the
// stream or from fn, wrapping stream errors with the offending entry.
func Walk(r io.Reader, lim Limits, fn func(*Entry) error) ([]Problem, error) {
	if lim.MaxEntries <= 0 {
		lim.MaxEntries = DefaultMaxEntries
	}
	if lim.MaxPathLen <= 0 {
		lim.MaxPathLen = DefaultMaxPathLen
	}
	var problems []Problem
	tr := tar.NewReader(r)
	var e Entry
	last := ""
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return problems, nil
		}
		if err != nil {
			if last == "" {
				return problems, fmt.Errorf("tarwalk: reading entry %d: %w", n+1, err)
			}
			return problems, fmt.Errorf("tarwalk: reading the entry after %q: %w", last, err)
		}
		if n >= lim.MaxEntries {
			return problems, fmt.Errorf("%w of %d entries", ErrTooManyEntries, lim.MaxEntries)
		}
		if len(hdr.Name) > lim.MaxPathLen {
			problems = append(problems, Problem{Path: hdr.Name[:64] + "…", Reason: fmt.Sprintf("name of %d bytes exceeds the limit of %d", len(hdr.Name), lim.MaxPathLen)})
			continue
		}
		p, ok := Clean(hdr.Name)
		last = p
		e = Entry{Path: p, Mode: hdr.FileInfo().Mode()}
		base := path.Base(p)
		if strings.HasPrefix(base, whiteoutPrefix) {
			dir := path.Dir(p)
			if dir == "." {
				dir = ""
			}
			switch {
			case base == opaqueMarker:
				e.Kind, e.Path = Opaque, dir
			case strings.HasPrefix(base, aufsMetaPrefix):
				problems = append(problems, Problem{Path: p, Reason: "AUFS metadata entry ignored"})
				continue
			case len(base) == len(whiteoutPrefix):
				problems = append(problems, Problem{Path: p, Reason: "whiteout names nothing"})
				continue
			default:
				e.Kind, e.Path = Whiteout, path.Join(dir, base[len(whiteoutPrefix):])
			}
			if err := fn(&e); err != nil {
				return problems, err
			}
			continue
		}
		if !ok {
			continue // the root directory itself
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse: // the reader turns the old TypeRegA into TypeReg
			e.Kind, e.Size, e.Body = File, hdr.Size, tr
		case tar.TypeDir:
			e.Kind = Dir
		case tar.TypeSymlink:
			e.Kind, e.Link = Symlink, hdr.Linkname
		case tar.TypeLink:
			target, ok := Clean(hdr.Linkname)
			if !ok {
				problems = append(problems, Problem{Path: p, Reason: "hard link to the root"})
				continue
			}
			e.Kind, e.Link = Hardlink, target
		default:
			e.Kind = Other
		}
		if err := fn(&e); err != nil {
			return problems, err
		}
	}
}
