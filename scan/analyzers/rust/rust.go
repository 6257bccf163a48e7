package rust

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "rust"

// LockFile is Cargo's lock file name.
const LockFile = "Cargo.lock"

// Defaults of the options.
const (
	// DefaultMaxBinaryBytes is the default bound on an executable's size
	// (see [WithMaxBinaryBytes]).
	DefaultMaxBinaryBytes = 512 << 20
	// DefaultMaxLockBytes is the default bound on a Cargo.lock (see
	// [WithMaxLockBytes]).
	DefaultMaxLockBytes = 16 << 20
)

// Option configures an [Analyzer].
type Option func(*options)

type options struct {
	maxBinaryBytes int64
	maxLockBytes   int64
}

// WithMaxBinaryBytes bounds the size of an executable searched for audit
// data; a larger executable is not read, and an error matching
// [scan.ErrTooLarge] records it as not analysed. Values below 1 are
// ignored. The default is [DefaultMaxBinaryBytes].
func WithMaxBinaryBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBinaryBytes = n
		}
	}
}

// WithMaxLockBytes bounds the size of a Cargo.lock; a larger one is not
// read, and an error matching [scan.ErrTooLarge] records it. Values below 1
// are ignored. The default is [DefaultMaxLockBytes].
func WithMaxLockBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxLockBytes = n
		}
	}
}

// Analyzer reports Rust crates. Create it with [New]; it is safe for
// concurrent use.
type Analyzer struct {
	o options
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a Rust analyzer.
func New(opts ...Option) *Analyzer {
	o := options{maxBinaryBytes: DefaultMaxBinaryBytes, maxLockBytes: DefaultMaxLockBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return &Analyzer{o: o}
}

// Name returns "rust".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match selects regular files named Cargo.lock, files executable by
// someone, and Windows executables whatever their mode.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	return isLock(path) || mode.Perm()&0o111 != 0 || strings.HasSuffix(path, ".exe")
}

func isLock(path string) bool {
	return path == LockFile || strings.HasSuffix(path, "/"+LockFile)
}

// Analyze reads each Cargo.lock and each executable's audit data. Problems
// come back as [*scan.FileError]s naming the file, joined, next to the
// packages that could be read.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var (
			got []scan.Package
			err error
		)
		if isLock(f.Path) {
			got, err = a.lock(f)
		} else {
			got, err = a.binary(f)
		}
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

func (a *Analyzer) lock(f *scan.File) ([]scan.Package, error) {
	b, err := f.ReadAll(a.o.maxLockBytes)
	if err != nil {
		return nil, err
	}
	entries, err := ParseCargoLock(b)
	var out []scan.Package
	for _, e := range entries {
		out = append(out, e.Package(f.Path))
	}
	return out, err
}

func (a *Analyzer) binary(f *scan.File) ([]scan.Package, error) {
	if f.Size > a.o.maxBinaryBytes {
		// Only an executable is worth the record: look at the magic.
		var head [4]byte
		n, _ := io.ReadFull(f, head[:])
		if _, ok := detect(head[:n]); !ok {
			return nil, nil
		}
		return nil, fmt.Errorf("rust: not searched for cargo-auditable data: %d bytes: %w of %d bytes (WithMaxBinaryBytes)", f.Size, scan.ErrTooLarge, a.o.maxBinaryBytes)
	}
	data, err := ReadAuditData(f)
	if err != nil || data == nil {
		return nil, err
	}
	audit, err := ParseAuditJSON(data)
	var out []scan.Package
	for _, p := range audit {
		if pkg, ok := p.Package(f.Path); ok {
			out = append(out, pkg)
		}
	}
	return out, err
}
