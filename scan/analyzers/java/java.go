package java

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "java"

// Defaults of the limits.
const (
	// DefaultMaxDepth is the default of [WithMaxDepth].
	DefaultMaxDepth = 4
	// DefaultMaxEntryBytes is the default of [WithMaxEntryBytes].
	DefaultMaxEntryBytes int64 = 256 << 20
	// DefaultMaxTotalBytes is the default of [WithMaxTotalBytes].
	DefaultMaxTotalBytes int64 = 1 << 30
	// DefaultMaxEntries is the default of [WithMaxEntries].
	DefaultMaxEntries = 1 << 20
	// DefaultMaxInMemoryBytes is the default of [WithMaxInMemoryBytes].
	DefaultMaxInMemoryBytes int64 = 32 << 20
)

// Bounds on the metadata entries read from an archive; a larger entry is
// not read, and the limit hit is recorded.
const (
	MaxManifestBytes      = 1 << 20
	MaxPomPropertiesBytes = 64 << 10
	MaxPomXMLBytes        = 1 << 20
)

// Option configures an [Analyzer].
type Option func(*options)

type options struct {
	maxDepth         int
	maxEntryBytes    int64
	maxTotalBytes    int64
	maxEntries       int
	maxInMemoryBytes int64
}

// WithMaxDepth bounds the nesting of archives read: an archive inside the
// scanned file is at depth 1, one inside that at depth 2, and archives
// deeper than n are not opened (the limit hit is recorded). 0 reads no
// nested archive; negative values are ignored. The default is
// [DefaultMaxDepth].
func WithMaxDepth(n int) Option {
	return func(o *options) {
		if n >= 0 {
			o.maxDepth = n
		}
	}
}

// WithMaxEntryBytes bounds the decompressed size of one nested archive; a
// larger one is not read (the limit hit is recorded). Values below 1 are
// ignored. The default is [DefaultMaxEntryBytes].
func WithMaxEntryBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxEntryBytes = n
		}
	}
}

// WithMaxTotalBytes bounds the bytes decompressed from one scanned archive
// and the archives nested in it, counted as they are read. Reading stops
// when it is reached (the limit hit is recorded). Values below 1 are
// ignored. The default is [DefaultMaxTotalBytes].
func WithMaxTotalBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxTotalBytes = n
		}
	}
}

// WithMaxEntries bounds the number of entries of one scanned archive and
// the archives nested in it, together. An archive whose directory would go
// past it is not read, nor anything after it (the limit hit is recorded).
// Values below 1 are ignored. The default is [DefaultMaxEntries].
func WithMaxEntries(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxEntries = n
		}
	}
}

// WithMaxInMemoryBytes sets the size up to which an archive (scanned, or
// nested and compressed) is held in memory; a larger one is copied to a
// temporary file. Values below 0 are ignored. The default is
// [DefaultMaxInMemoryBytes].
func WithMaxInMemoryBytes(n int64) Option {
	return func(o *options) {
		if n >= 0 {
			o.maxInMemoryBytes = n
		}
	}
}

// Analyzer reports the Maven packages in Java archives. Create it with
// [New]; it is safe for concurrent use.
type Analyzer struct {
	o options
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a Java archive analyzer.
func New(opts ...Option) *Analyzer {
	o := options{
		maxDepth:         DefaultMaxDepth,
		maxEntryBytes:    DefaultMaxEntryBytes,
		maxTotalBytes:    DefaultMaxTotalBytes,
		maxEntries:       DefaultMaxEntries,
		maxInMemoryBytes: DefaultMaxInMemoryBytes,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return &Analyzer{o: o}
}

// Name returns "java".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match selects regular files whose name ends in an archive extension
// (.jar, .war, .ear, .par, .sar, .nar, .kar, .lpkg, .jpi, .hpi; any case).
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && isArchiveName(path)
}

// isArchiveName reports whether name ends in an archive extension after a
// non-empty base name.
func isArchiveName(name string) bool {
	if len(name) < 5 {
		return false
	}
	var ext [5]byte
	copy(ext[:], name[len(name)-5:])
	for i, c := range ext {
		if 'A' <= c && c <= 'Z' {
			ext[i] = c + 'a' - 'A'
		}
	}
	switch string(ext[1:]) {
	case ".jar", ".war", ".ear", ".par", ".sar", ".nar", ".kar", ".jpi", ".hpi":
		return ext[0] != '/'
	}
	return string(ext[:]) == ".lpkg" && len(name) > 5 && name[len(name)-6] != '/'
}

// Analyze reads each archive and returns its packages and those of the
// archives nested in it. Problems come back as one [*scan.FileError] per
// archive, joined, next to the packages that could be read.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := a.analyzeFile(ctx, f, in.TempDir)
		pkgs = append(pkgs, p...)
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return pkgs, errors.Join(errs...)
}

// analyzeFile reads one archive of the layer.
func (a *Analyzer) analyzeFile(ctx context.Context, f *scan.File, tempDir string) ([]scan.Package, error) {
	var (
		ra   io.ReaderAt
		size int64
	)
	if f.Size <= a.o.maxInMemoryBytes {
		b := make([]byte, f.Size)
		if n, err := io.ReadFull(f, b); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				err = fmt.Errorf("read %d of %d bytes: %w", n, len(b), io.ErrUnexpectedEOF)
			}
			return nil, fmt.Errorf("java: %w", err)
		}
		ra, size = bytes.NewReader(b), f.Size
	} else {
		tmp, err := f.Spool(tempDir)
		if err != nil {
			var fe *scan.FileError
			if errors.As(err, &fe) {
				err = fe.Err
			}
			return nil, fmt.Errorf("java: %w", err)
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		st, err := tmp.Stat()
		if err != nil {
			return nil, fmt.Errorf("java: %w", err)
		}
		ra, size = tmp, st.Size()
	}
	w := &walker{o: &a.o, ctx: ctx, outer: f.Path, tempDir: tempDir, seen: map[[3]string]bool{}}
	w.archive(ra, size, "", baseName(f.Path), 0)
	return w.pkgs, w.err()
}
