package ruby

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "ruby"

// Lock file names.
const (
	GemfileLock = "Gemfile.lock"
	GemsLocked  = "gems.locked"
)

// DefaultMaxFileBytes is the default bound on one gemspec or lock file (see
// [WithMaxFileBytes]).
const DefaultMaxFileBytes = 16 << 20

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

// Analyzer reports Ruby gems. Create it with [New]; it is safe for
// concurrent use.
type Analyzer struct {
	o options
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a Ruby analyzer.
func New(opts ...Option) *Analyzer {
	o := options{maxFileBytes: DefaultMaxFileBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return &Analyzer{o: o}
}

// Name returns "ruby".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match selects regular files that are installed gem specifications
// (specifications/NAME.gemspec or specifications/default/NAME.gemspec) or
// Bundler lock files.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	return isSpec(path) || isLock(path)
}

func base(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

func isLock(path string) bool {
	b := base(path)
	return b == GemfileLock || b == GemsLocked
}

func isSpec(path string) bool {
	b := base(path)
	if !strings.HasSuffix(b, ".gemspec") || len(b) == len(".gemspec") {
		return false
	}
	dir := strings.TrimSuffix(path[:len(path)-len(b)], "/")
	dir = strings.TrimSuffix(dir, "/default")
	return dir == "specifications" || strings.HasSuffix(dir, "/specifications")
}

// Analyze reads each file and returns its gems. Problems come back as
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
		if isLock(f.Path) {
			gems, err := ParseGemfileLock(b)
			if err != nil {
				errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
			}
			for _, g := range gems {
				pkgs = append(pkgs, g.Package(f.Path))
			}
			continue
		}
		spec, err := ParseGemspec(b)
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
		}
		if spec.Name != "" && spec.Version != "" {
			pkgs = append(pkgs, spec.Package(f.Path))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return pkgs, errors.Join(errs...)
}

// Gem is one gem read from a gemspec or a lock file.
type Gem struct {
	Name    string
	Version string
	// Licenses are the declared licences (gemspecs only).
	Licenses []string
	// Platform is the gem's platform when it is not plain Ruby
	// ("x86_64-linux", "java"); gemspecs only.
	Platform string
	// VCSURL is "git+URL@revision" for a gem locked from a git repository.
	VCSURL string
}

// Package converts a gem read from the file at path to a package.
func (g Gem) Package(path string) scan.Package {
	return scan.Package{
		Name:     g.Name,
		Version:  g.Version,
		Type:     scan.TypeGem,
		PURL:     scan.NewPURL(scan.TypeGem, "", g.Name, g.Version, "platform", g.Platform, "vcs_url", g.VCSURL),
		Licenses: g.Licenses,
		Paths:    []string{path},
	}
}
