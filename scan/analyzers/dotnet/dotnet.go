package dotnet

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "dotnet"

// File names the analyzer reads.
const (
	// DepsSuffix ends the name of a dependency manifest: "MyApp.deps.json".
	DepsSuffix = ".deps.json"
	// LockFile is NuGet's lock file.
	LockFile = "packages.lock.json"
)

// DefaultMaxFileBytes is the default bound on one file (see
// [WithMaxFileBytes]).
const DefaultMaxFileBytes = 32 << 20

// Option configures an [Analyzer].
type Option func(*options)

type options struct {
	maxFileBytes int64
}

// WithMaxFileBytes bounds the size of one file; a larger file is not
// read, and an error matching [scan.ErrTooLarge] records it. Values below 1
// are ignored. The default is [DefaultMaxFileBytes].
func WithMaxFileBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxFileBytes = n
		}
	}
}

// Analyzer reports NuGet packages. Create it with [New]; it is safe for
// concurrent use.
type Analyzer struct {
	o options
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a .NET analyzer.
func New(opts ...Option) *Analyzer {
	o := options{maxFileBytes: DefaultMaxFileBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return &Analyzer{o: o}
}

// Name returns "dotnet".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match selects regular files named *.deps.json (with something before the
// suffix) or packages.lock.json.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	base := path[strings.LastIndexByte(path, '/')+1:]
	return base == LockFile || (strings.HasSuffix(base, DepsSuffix) && len(base) > len(DepsSuffix))
}

// Analyze reads each file and returns its packages. Problems come back as
// [*scan.FileError]s naming the file, joined, next to the packages that
// could be read.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := f.ReadAll(a.o.maxFileBytes)
		if err != nil {
			errs = append(errs, err) // already a *scan.FileError
			continue
		}
		var entries []Entry
		if strings.HasSuffix(f.Path, DepsSuffix) {
			entries, err = ParseDeps(b)
		} else {
			entries, err = ParseLock(b)
		}
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
		}
		for _, e := range entries {
			pkgs = append(pkgs, e.Package(f.Path))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return pkgs, errors.Join(errs...)
}

// Package converts an entry read from the file at path to a package.
func (e Entry) Package(path string) scan.Package {
	return scan.Package{
		Name:    e.Name,
		Version: e.Version,
		Type:    scan.TypeNuGet,
		PURL:    scan.NewPURL(scan.TypeNuGet, "", e.Name, e.Version),
		Paths:   []string{path},
	}
}
