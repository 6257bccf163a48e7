package python

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "python"

// DefaultMaxHeaderBytes is the default bound on the header section of one
// metadata file (see [WithMaxHeaderBytes]).
const DefaultMaxHeaderBytes = 1 << 20

// Option configures an [Analyzer].
type Option func(*options)

type options struct {
	maxHeaderBytes int
}

// WithMaxHeaderBytes bounds the header section read from one metadata
// file. Reading stops there: when Name and Version were found the package
// is still reported, and an error matching [scan.ErrTooLarge] records that
// later headers (licence classifiers) were not read. Values below 1 are
// ignored. The default is [DefaultMaxHeaderBytes].
func WithMaxHeaderBytes(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxHeaderBytes = n
		}
	}
}

// Analyzer reports installed Python distributions. Create it with [New]; it
// is safe for concurrent use.
type Analyzer struct {
	o options
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a Python analyzer.
func New(opts ...Option) *Analyzer {
	o := options{maxHeaderBytes: DefaultMaxHeaderBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return &Analyzer{o: o}
}

// Name returns "python".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match reports whether path is a metadata file of an installed
// distribution held in a regular file: *.dist-info/METADATA,
// *.egg-info/PKG-INFO, a *.egg-info file, or *.egg/EGG-INFO/PKG-INFO.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	switch {
	case strings.HasSuffix(path, ".dist-info/METADATA"):
		return len(path) > len(".dist-info/METADATA")
	case strings.HasSuffix(path, ".egg-info/PKG-INFO"):
		return len(path) > len(".egg-info/PKG-INFO")
	case strings.HasSuffix(path, ".egg-info"):
		i := strings.LastIndexByte(path, '/')
		return len(path)-i-1 > len(".egg-info")
	case strings.HasSuffix(path, ".egg/EGG-INFO/PKG-INFO"):
		return len(path) > len(".egg/EGG-INFO/PKG-INFO")
	}
	return false
}

// Analyze reads each metadata file's headers and returns one package per
// file. Problems come back as [*scan.FileError]s naming the file, joined,
// next to the packages that could be read.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		md, err := ParseMetadata(f, a.o.maxHeaderBytes)
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
		}
		if md.Name == "" || md.Version == "" {
			continue
		}
		pkgs = append(pkgs, scan.Package{
			Name:     md.Name,
			Version:  md.Version,
			Type:     scan.TypePyPI,
			PURL:     scan.NewPURL(scan.TypePyPI, "", NormalizeName(md.Name), md.Version),
			Licenses: md.Licenses,
			Paths:    []string{f.Path},
		})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return pkgs, errors.Join(errs...)
}

// NormalizeName returns name normalised per PEP 503: lower case, with each
// run of "-", "_" and "." replaced by a single "-". It is
// vulndb.NormalizeName for PyPI, so that scanner and feeds agree.
func NormalizeName(name string) string {
	return vulndb.NormalizeName(vulndb.EcosystemPyPI, name)
}
