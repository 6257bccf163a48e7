package rpm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/portcullis-oci/portcullis/internal/rpmdb"
	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "rpm"

// DatabasePaths returns the database files the analyzer reads: Berkeley
// DB, ndb and sqlite, in the classic place and under usr/lib/sysimage
// (Fedora, SUSE and RHEL 9 keep the database there, with var/lib/rpm a
// symlink to it).
func DatabasePaths() []string {
	return []string{
		"var/lib/rpm/Packages",
		"var/lib/rpm/Packages.db",
		"var/lib/rpm/rpmdb.sqlite",
		"usr/lib/sysimage/rpm/Packages",
		"usr/lib/sysimage/rpm/Packages.db",
		"usr/lib/sysimage/rpm/rpmdb.sqlite",
	}
}

// DefaultMaxDatabaseBytes bounds the size of a database file the analyzer
// spools to disk.
const DefaultMaxDatabaseBytes int64 = 1 << 30

// ErrEmpty is matched by the error for a database without a single
// package. A real image's database lists at least the packages that built
// the image, so an empty (or emptied) one is reported rather than taken for
// "nothing installed".
var ErrEmpty = errors.New("no packages in the rpm database")

// Option configures an [Analyzer] made by [New].
type Option func(*Analyzer)

// WithMaxDatabaseBytes bounds the size of one database file; a larger one
// is not read and is reported with an error matching [scan.ErrTooLarge].
// Values below 1 are ignored. The default is [DefaultMaxDatabaseBytes]
// (1 GiB).
func WithMaxDatabaseBytes(n int64) Option {
	return func(a *Analyzer) {
		if n > 0 {
			a.maxBytes = n
		}
	}
}

// Analyzer reports the rpm packages of a layer. Create it with [New]; it
// is safe for concurrent use.
type Analyzer struct {
	maxBytes int64
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns an rpm analyzer.
func New(opts ...Option) *Analyzer {
	a := &Analyzer{maxBytes: DefaultMaxDatabaseBytes}
	for _, opt := range opts {
		opt(a)
	}
	return a
}

// Name returns "rpm".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 2 }

// Match reports whether path is one of [DatabasePaths], held in a regular
// file.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	switch path {
	case "var/lib/rpm/Packages", "var/lib/rpm/Packages.db", "var/lib/rpm/rpmdb.sqlite",
		"usr/lib/sysimage/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db", "usr/lib/sysimage/rpm/rpmdb.sqlite":
		return true
	}
	return false
}

// Analyze reads the layer's rpm databases and returns their packages.
// Problems come back as [*scan.FileError]s naming the database, joined,
// next to the packages that could be read; a panic while reading one
// database becomes such an error too.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		got, err := a.analyzeFile(ctx, in.TempDir, f)
		pkgs = append(pkgs, got...)
		if err != nil {
			var fe *scan.FileError
			if !errors.As(err, &fe) {
				err = &scan.FileError{Path: f.Path, Err: err}
			}
			errs = append(errs, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return pkgs, errors.Join(errs...)
}

// analyzeFile spools one database and reads its packages.
func (a *Analyzer) analyzeFile(ctx context.Context, dir string, f *scan.File) (pkgs []scan.Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkgs, err = nil, fmt.Errorf("rpm: panic while reading the database: %v", r)
		}
	}()
	if f.Size > a.maxBytes {
		return nil, fmt.Errorf("rpm: %d bytes: %w of %d bytes", f.Size, scan.ErrTooLarge, a.maxBytes)
	}
	tmp, err := f.Spool(dir)
	if err != nil {
		return nil, err
	}
	name := tmp.Name()
	defer os.Remove(name)
	fi, err := tmp.Stat()
	tmp.Close()
	if err != nil {
		return nil, fmt.Errorf("rpm: %w", err)
	}
	if fi.Size() > a.maxBytes {
		return nil, fmt.Errorf("rpm: %d bytes: %w of %d bytes", fi.Size(), scan.ErrTooLarge, a.maxBytes)
	}
	db, err := rpmdb.Open(name)
	if err != nil {
		return nil, wrap(err)
	}
	defer db.Close()
	rps, err := db.Packages(ctx)
	for _, p := range rps {
		pkgs = append(pkgs, toPackage(f.Path, p))
	}
	if err != nil {
		return pkgs, wrap(err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("rpm: %s database: %w", db.Format(), ErrEmpty)
	}
	return pkgs, nil
}

// toPackage converts one database record.
func toPackage(path string, p rpmdb.Package) scan.Package {
	vr := p.Version
	if p.Release != "" {
		vr += "-" + p.Release
	}
	var epoch, prefix string
	if p.HasEpoch && p.Epoch > 0 {
		epoch = strconv.Itoa(p.Epoch)
		prefix = epoch + ":"
	}
	src := &scan.Source{Name: p.Name, Version: prefix + vr}
	if name, svr, ok := SplitSourceRPM(p.SourceRPM); ok {
		src = &scan.Source{Name: name, Version: prefix + svr}
	}
	out := scan.Package{
		Name:       p.Name,
		Version:    prefix + vr,
		Type:       scan.TypeRPM,
		Arch:       p.Arch,
		Source:     src,
		PURL:       scan.NewPURL(scan.TypeRPM, "", p.Name, vr, "arch", p.Arch, "epoch", epoch),
		Paths:      []string{path},
		OwnedFiles: trimRoot(p.Files),
	}
	if p.License != "" {
		out.Licenses = []string{p.License}
	}
	return out
}

// SplitSourceRPM splits a source RPM file name such as
// "util-linux-2.32.1-42.el8_8.src.rpm" into the source package name
// ("util-linux") and its version-release ("2.32.1-42.el8_8"). ok is false
// when the name does not have that shape.
func SplitSourceRPM(file string) (name, versionRelease string, ok bool) {
	s, found := strings.CutSuffix(file, ".rpm")
	if !found {
		return "", "", false
	}
	dot := strings.LastIndexByte(s, '.') // the architecture: src or nosrc
	if dot < 0 {
		return "", "", false
	}
	s = s[:dot]
	rel := strings.LastIndexByte(s, '-')
	if rel <= 0 {
		return "", "", false
	}
	ver := strings.LastIndexByte(s[:rel], '-')
	if ver <= 0 || ver+1 == rel || rel+1 == len(s) {
		return "", "", false
	}
	return s[:ver], s[ver+1:], true
}

// wrap gives rpmdb's over-limit errors a match for scan.ErrTooLarge too.
func wrap(err error) error {
	if errors.Is(err, rpmdb.ErrLimit) && !errors.Is(err, scan.ErrTooLarge) {
		return limitError{err}
	}
	return err
}

// limitError is an over-limit error that also matches scan.ErrTooLarge.
type limitError struct{ error }

func (e limitError) Is(target error) bool { return target == scan.ErrTooLarge }
func (e limitError) Unwrap() error        { return e.error }

// trimRoot makes the database's absolute paths relative to the image root.
func trimRoot(files []string) []string {
	out := make([]string, 0, len(files))
	for _, f := range files {
		if f = strings.Trim(f, "/"); f != "" {
			out = append(out, f)
		}
	}
	return out
}
