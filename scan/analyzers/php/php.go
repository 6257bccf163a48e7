package php

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "php"

// File names the analyzer reads.
const (
	// InstalledFile is Composer's record of a vendor directory, matched at
	// any depth as ".../vendor/composer/installed.json".
	InstalledFile = "vendor/composer/installed.json"
	// LockFile is a project's lock file, matched by its base name.
	LockFile = "composer.lock"
)

// DefaultMaxFileBytes is the default bound on one installed.json or
// composer.lock (see [WithMaxFileBytes]).
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

// Analyzer reports Composer packages. Create it with [New]; it is safe for
// concurrent use.
type Analyzer struct {
	o options
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a PHP analyzer.
func New(opts ...Option) *Analyzer {
	o := options{maxFileBytes: DefaultMaxFileBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return &Analyzer{o: o}
}

// Name returns "php".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match selects regular files named composer.lock, and installed.json in a
// vendor/composer directory.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	return isInstalled(path) || path == LockFile || strings.HasSuffix(path, "/"+LockFile)
}

func isInstalled(path string) bool {
	return path == InstalledFile || strings.HasSuffix(path, "/"+InstalledFile)
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
		if isInstalled(f.Path) {
			entries, err = ParseInstalled(b)
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
	vendor, name, ok := strings.Cut(e.Name, "/")
	if !ok {
		vendor, name = "", e.Name
	}
	return scan.Package{
		Name:     e.Name,
		Version:  e.Version,
		Type:     scan.TypeComposer,
		PURL:     scan.NewPURL(scan.TypeComposer, strings.ToLower(vendor), strings.ToLower(name), e.Version),
		Licenses: e.Licenses,
		Paths:    []string{path},
		Dev:      e.Dev,
	}
}
