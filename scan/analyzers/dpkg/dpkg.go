package dpkg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/portcullis-oci/portcullis/internal/deb822"
	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "dpkg"

// Paths the analyzer reads.
const (
	// StatusPath is the dpkg status database.
	StatusPath = "var/lib/dpkg/status"
	// StatusDir holds distroless images' one-file-per-package databases.
	StatusDir = "var/lib/dpkg/status.d/"
	// DocDir holds each package's copyright file, DocDir+"<package>/copyright".
	DocDir = "usr/share/doc/"
)

// Analyzer reports the Debian packages of a layer. Create it with [New]; it
// is safe for concurrent use.
type Analyzer struct{}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a dpkg analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name returns "dpkg".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 2 }

type kind int

const (
	kindNone kind = iota
	kindStatus
	kindStatusD
	kindCopyright
	kindList    // var/lib/dpkg/info/<package>[:arch].list
	kindMD5sums // var/lib/dpkg/status.d/<package>.md5sums (distroless)
)

// InfoDir holds dpkg's per-package file lists.
const InfoDir = "var/lib/dpkg/info/"

func kindOf(p string) kind {
	switch {
	case p == StatusPath:
		return kindStatus
	case strings.HasPrefix(p, StatusDir):
		n := p[len(StatusDir):]
		if n == "" || strings.Contains(n, "/") {
			return kindNone
		}
		if strings.HasSuffix(n, ".md5sums") {
			return kindMD5sums
		}
		return kindStatusD
	case strings.HasPrefix(p, InfoDir) && strings.HasSuffix(p, ".list"):
		if n := p[len(InfoDir) : len(p)-len(".list")]; n != "" && !strings.Contains(n, "/") {
			return kindList
		}
	case strings.HasPrefix(p, DocDir) && strings.HasSuffix(p, "/copyright"):
		if pkgDir(p) != "" {
			return kindCopyright
		}
	}
	return kindNone
}

// pkgDir returns the <package> of usr/share/doc/<package>/copyright, without
// a ":arch" suffix, or "".
func pkgDir(p string) string {
	if len(p) <= len(DocDir)+len("/copyright") {
		return ""
	}
	d := p[len(DocDir) : len(p)-len("/copyright")]
	if strings.Contains(d, "/") {
		return ""
	}
	d, _, _ = strings.Cut(d, ":")
	return d
}

// Match reports whether the analyzer reads the regular file at path:
// var/lib/dpkg/status, the files directly in var/lib/dpkg/status.d/, the
// file lists var/lib/dpkg/info/*.list and usr/share/doc/<package>/copyright.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && kindOf(path) != kindNone
}

// database is what one database file gave.
type database struct {
	path    string
	entries []entry
	perr    *ParseError
	err     error
}

// copyright is what one copyright file gave.
type copyright struct {
	path     string
	licenses []string
}

// Analyze reads the layer's dpkg databases and copyright files and returns
// the installed packages, with the licences of the copyright files of the
// same layer. Problems come back as [*scan.FileError]s naming the file,
// joined, next to the packages that could be read.
func (*Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		dbs   []*database
		docs  = map[string]copyright{}
		owned = map[string][]string{} // package (without :arch) → files
		errs  []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch kindOf(f.Path) {
		case kindStatus, kindStatusD:
			db := &database{path: f.Path}
			db.entries, db.perr, db.err = parseStatus(ctx, f, kindOf(f.Path) == kindStatusD)
			dbs = append(dbs, db)
		case kindList, kindMD5sums:
			name, files, err := parseFileList(f, kindOf(f.Path) == kindMD5sums)
			if err != nil {
				errs = append(errs, &scan.FileError{Path: f.Path, Err: fmt.Errorf("dpkg: file list: %w", wrapLimit(err))})
			}
			owned[name] = append(owned[name], files...)
		case kindCopyright:
			lics, err := parseCopyright(f)
			if err != nil {
				errs = append(errs, &scan.FileError{Path: f.Path, Err: fmt.Errorf("dpkg: licences: %w", wrapLimit(err))})
			}
			if len(lics) > 0 {
				docs[pkgDir(f.Path)] = copyright{path: f.Path, licenses: lics}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	type origin struct {
		db   *database
		line int
	}
	var (
		pkgs []scan.Package
		seen = map[string]origin{}
	)
	for _, db := range dbs {
		for _, e := range db.entries {
			key := e.name + "\x00" + e.arch
			if o, dup := seen[key]; dup {
				db.perr.Duplicates++
				where := fmt.Sprintf("line %d", o.line)
				if o.db != db {
					where = fmt.Sprintf("%s line %d", o.db.path, o.line)
				}
				db.perr.Add(e.line, "duplicate package %s (%s) %s, first at %s: kept the first", e.name, archOrNone(e.arch), e.version, where)
				continue
			}
			seen[key] = origin{db, e.line}
			p := toPackage(db.path, e, docs[e.name])
			p.OwnedFiles = owned[e.name]
			pkgs = append(pkgs, p)
		}
	}
	for _, db := range dbs {
		var err error
		switch {
		case db.err != nil && !db.perr.Empty():
			err = errors.Join(wrapLimit(db.err), db.perr)
		case db.err != nil:
			err = wrapLimit(db.err)
		case !db.perr.Empty():
			err = db.perr
		}
		if err != nil {
			errs = append(errs, &scan.FileError{Path: db.path, Err: err})
		}
	}
	return pkgs, errors.Join(errs...)
}

func toPackage(dbPath string, e entry, doc copyright) scan.Package {
	p := scan.Package{
		Name:    e.name,
		Version: e.version,
		Type:    scan.TypeDeb,
		Arch:    e.arch,
		Source:  &scan.Source{Name: e.srcName, Version: e.srcVersion},
		PURL:    scan.NewPURL(scan.TypeDeb, "", e.name, e.version, "arch", e.arch),
		Paths:   []string{dbPath},
	}
	if doc.path != "" {
		p.Licenses = append([]string(nil), doc.licenses...)
		p.Paths = append(p.Paths, doc.path)
	}
	return p
}

func archOrNone(a string) string {
	if a == "" {
		return "no architecture"
	}
	return a
}

// wrapLimit makes limit errors match scan.ErrTooLarge too, and gives the
// sentinels a package prefix.
func wrapLimit(err error) error {
	if errors.Is(err, deb822.ErrTooLarge) && !errors.Is(err, scan.ErrTooLarge) {
		return limitError{fmt.Errorf("dpkg: %w", err)}
	}
	if errors.Is(err, ErrNotDatabase) || errors.Is(err, ErrEmpty) {
		return fmt.Errorf("dpkg: %w", err)
	}
	return err
}

// limitError is an over-limit error that also matches scan.ErrTooLarge.
type limitError struct{ error }

func (e limitError) Is(target error) bool { return target == scan.ErrTooLarge }
func (e limitError) Unwrap() error        { return e.error }

// MaxFileListBytes bounds one file list.
const MaxFileListBytes = 64 << 20

// parseFileList reads a dpkg file list (one absolute path per line) or a
// distroless md5sums file ("<md5>  <path>") and returns the package it is
// for and its files, relative to the image root. Directories are listed
// too; they do no harm.
func parseFileList(f *scan.File, md5sums bool) (string, []string, error) {
	base := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
	name := strings.TrimSuffix(strings.TrimSuffix(base, ".list"), ".md5sums")
	name, _, _ = strings.Cut(name, ":")
	b, err := f.ReadAll(MaxFileListBytes)
	if err != nil {
		return name, nil, err
	}
	var files []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if md5sums {
			_, rest, ok := strings.Cut(line, "  ")
			if !ok {
				continue
			}
			line = rest
		}
		line = strings.Trim(line, "/")
		if line == "" || line == "." {
			continue
		}
		files = append(files, line)
	}
	return name, files, nil
}
