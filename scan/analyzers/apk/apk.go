package apk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "apk"

// Paths of the installed database: the classic one, and the one under usr/
// that newer apk-tools and Wolfi use (lib/apk is often a symlink to it).
const (
	InstalledPath    = "lib/apk/db/installed"
	UsrInstalledPath = "usr/lib/apk/db/installed"
)

// Analyzer reports the apk packages of a layer. Create it with [New]; it is
// safe for concurrent use.
type Analyzer struct{}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns an apk analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name returns "apk".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 2 }

// Match reports whether path is an installed database held in a regular
// file.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && (path == InstalledPath || path == UsrInstalledPath)
}

// Analyze reads the layer's installed databases and returns their packages.
// Problems come back as [*scan.FileError]s naming the file, joined, next to
// the packages that could be read.
func (*Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		entries, err := ParseInstalled(ctx, f)
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: wrap(err)})
		}
		for _, e := range entries {
			pkgs = append(pkgs, toPackage(f.Path, e))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return pkgs, errors.Join(errs...)
}

func toPackage(path string, e Entry) scan.Package {
	src := e.Origin
	if src == "" {
		src = e.Name
	}
	p := scan.Package{
		Name:       e.Name,
		Version:    e.Version,
		Type:       scan.TypeAPK,
		Arch:       e.Arch,
		Source:     &scan.Source{Name: src, Version: e.Version},
		PURL:       scan.NewPURL(scan.TypeAPK, "", e.Name, e.Version, "arch", e.Arch),
		Paths:      []string{path},
		OwnedFiles: e.Files,
	}
	if e.License != "" {
		p.Licenses = []string{e.License}
	}
	return p
}

// wrap makes over-limit errors match scan.ErrTooLarge too, and gives the
// sentinels a package prefix.
func wrap(err error) error {
	switch {
	case errors.Is(err, errTooLarge) && !errors.Is(err, scan.ErrTooLarge):
		return limitError{fmt.Errorf("apk: %w", err)}
	case errors.Is(err, ErrEmpty):
		return fmt.Errorf("apk: %w", err)
	}
	return err
}

// limitError is an over-limit error that also matches scan.ErrTooLarge.
type limitError struct{ error }

func (e limitError) Is(target error) bool { return target == scan.ErrTooLarge }
func (e limitError) Unwrap() error        { return e.error }
