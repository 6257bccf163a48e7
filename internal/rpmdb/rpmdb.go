package rpmdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Errors that the errors of this package match with errors.Is.
var (
	// ErrUnknownFormat is matched by errors about a file that is not an RPM
	// database in a format this package reads.
	ErrUnknownFormat = errors.New("not a supported rpm database")
	// ErrMalformed is matched by errors about data that breaks the format:
	// bad magic numbers, sizes, counts or offsets, truncated files, loops.
	ErrMalformed = errors.New("malformed")
	// ErrLimit is matched by errors about input beyond one of the limits set
	// with the With… options.
	ErrLimit = errors.New("limit exceeded")
)

// errPanic is matched by errors made from a recovered panic; the fuzz tests
// fail on it.
var errPanic = errors.New("internal error")

// Format is the storage format of an RPM database.
type Format int

// The formats [Open] recognises.
const (
	// FormatBDB is a Berkeley DB hash database ("Packages").
	FormatBDB Format = iota + 1
	// FormatNDB is rpm's native "ndb" database ("Packages.db").
	FormatNDB
	// FormatSQLite is an sqlite database ("rpmdb.sqlite").
	FormatSQLite
)

// String returns "bdb", "ndb", "sqlite" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatBDB:
		return "bdb"
	case FormatNDB:
		return "ndb"
	case FormatSQLite:
		return "sqlite"
	}
	return "unknown"
}

// Defaults for the limits, as set by the With… options.
const (
	// DefaultMaxBlobBytes bounds one package header blob. rpm itself
	// refuses headers over 256 MiB; real ones are rarely over a few MiB.
	DefaultMaxBlobBytes = 64 << 20
	// DefaultMaxTotalBytes bounds the header bytes read from one database
	// by one call of [DB.Packages].
	DefaultMaxTotalBytes = 1 << 30
	// DefaultMaxPackages bounds the package records of one database.
	DefaultMaxPackages = 100_000
	// DefaultMaxFiles bounds the files of one package.
	DefaultMaxFiles = 1 << 20
	// DefaultMaxPathBytes bounds the bytes of all file paths of one
	// database taken together.
	DefaultMaxPathBytes = 256 << 20
)

// maxErrors is how many record errors are kept; further ones are counted.
const maxErrors = 16

// Option configures [Open] and [ParseHeader].
type Option func(*options)

type options struct {
	maxBlobBytes  int64
	maxTotalBytes int64
	maxPackages   int
	maxFiles      int
	maxPathBytes  int64
	files         bool
}

func newOptions(opts []Option) options {
	o := options{
		maxBlobBytes:  DefaultMaxBlobBytes,
		maxTotalBytes: DefaultMaxTotalBytes,
		maxPackages:   DefaultMaxPackages,
		maxFiles:      DefaultMaxFiles,
		maxPathBytes:  DefaultMaxPathBytes,
		files:         true,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithMaxBlobBytes bounds the size of one package header blob; a larger
// record is skipped with an error matching [ErrLimit]. Values below 1 are
// ignored. The default is [DefaultMaxBlobBytes] (64 MiB).
func WithMaxBlobBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBlobBytes = n
		}
	}
}

// WithMaxTotalBytes bounds the header bytes one call of [DB.Packages]
// reads; past it reading stops with an error matching [ErrLimit]. Values
// below 1 are ignored. The default is [DefaultMaxTotalBytes] (1 GiB).
func WithMaxTotalBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxTotalBytes = n
		}
	}
}

// WithMaxPackages bounds the package records of one database; past it
// reading stops with an error matching [ErrLimit]. Values below 1 are
// ignored. The default is [DefaultMaxPackages] (100 000).
func WithMaxPackages(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxPackages = n
		}
	}
}

// WithMaxFiles bounds the files of one package; a package with more is
// skipped with an error matching [ErrLimit]. Values below 1 are ignored.
// The default is [DefaultMaxFiles] (1 048 576).
func WithMaxFiles(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxFiles = n
		}
	}
}

// WithMaxPathBytes bounds the bytes of all file paths of one database (or
// of one [ParseHeader] call) taken together; past it reading stops with an
// error matching [ErrLimit]. Values below 1 are ignored. The default is
// [DefaultMaxPathBytes] (256 MiB).
func WithMaxPathBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxPathBytes = n
		}
	}
}

// WithFiles sets whether [Package.Files] is filled. Leaving the file lists
// out saves time and memory when only the package identities are needed.
// The default is true.
func WithFiles(on bool) Option {
	return func(o *options) { o.files = on }
}

// Package is one installed package, as its header states it.
type Package struct {
	// Name is the package name (RPMTAG_NAME).
	Name string
	// Epoch is the epoch (RPMTAG_EPOCH); it is meaningful only when
	// HasEpoch is set. rpm compares an absent epoch as 0.
	Epoch int
	// HasEpoch reports whether the header has an epoch.
	HasEpoch bool
	// Version is the upstream version (RPMTAG_VERSION).
	Version string
	// Release is the release (RPMTAG_RELEASE).
	Release string
	// Arch is the architecture (RPMTAG_ARCH); gpg-pubkey pseudo-packages
	// have none.
	Arch string
	// SourceRPM is the file name of the source RPM the package was built
	// from (RPMTAG_SOURCERPM), such as "util-linux-2.32.1-42.el8_8.src.rpm";
	// empty when the header has none or says "(none)".
	SourceRPM string
	// License is the declared licence (RPMTAG_LICENSE); empty for "(none)".
	License string
	// Vendor is the vendor (RPMTAG_VENDOR); empty for "(none)".
	Vendor string
	// Size is the installed size in bytes (RPMTAG_LONGSIZE, or
	// RPMTAG_SIZE when the header has no long size).
	Size int64
	// ModularityLabel is the module stream the package came from
	// (RPMTAG_MODULARITYLABEL, RHEL 8 and later), such as
	// "nodejs:18:8080020230724111410:rhel8".
	ModularityLabel string
	// Files are the absolute paths of the files the package owns, from
	// RPMTAG_DIRNAMES, RPMTAG_BASENAMES and RPMTAG_DIRINDEXES (or the
	// legacy RPMTAG_OLDFILENAMES), in header order. It is nil when
	// [WithFiles] turned file lists off.
	Files []string
}

// DB is an open RPM database. Its methods may be called from several
// goroutines at once, except Close.
type DB struct {
	path   string
	format Format
	opts   options
	r      io.ReaderAt // bdb and ndb
	closer io.Closer   // the file behind r
	size   int64
	bdb    *bdbMeta
	ndb    *ndbMeta
	sql    *sql.DB // sqlite
}

// sqliteMagic starts every sqlite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Open opens the RPM database at path, detecting its format from the
// file's first bytes, and checks its metadata. An sqlite database is
// opened read-only and immutable: no journal, lock or WAL file is created
// next to it. The caller must call [DB.Close].
func Open(path string, opts ...Option) (*DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rpmdb: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("rpmdb: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("rpmdb: %w: not a regular file", ErrUnknownFormat)
	}
	db, err := open(f, fi.Size(), opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	if db.format == FormatSQLite {
		f.Close()
		db.path = path
		if err := db.openSQLite(); err != nil {
			return nil, err
		}
		return db, nil
	}
	db.path, db.closer = path, f
	return db, nil
}

// open detects the format of the size bytes in r and checks the metadata
// of a bdb or ndb database, which it then reads from r.
func open(r io.ReaderAt, size int64, opts []Option) (*DB, error) {
	db := &DB{opts: newOptions(opts), r: r, size: size}
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("rpmdb: %w", err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, sqliteMagic):
		db.format = FormatSQLite
	case len(head) >= 4 && leUint32(head) == ndbMagic:
		db.format = FormatNDB
		if db.ndb, err = readNDBMeta(r, size); err != nil {
			return nil, fmt.Errorf("rpmdb: %w", err)
		}
	case isBDBHash(head):
		db.format = FormatBDB
		if db.bdb, err = readBDBMeta(head, size); err != nil {
			return nil, fmt.Errorf("rpmdb: %w", err)
		}
	case size == 0:
		return nil, fmt.Errorf("rpmdb: %w: empty file", ErrUnknownFormat)
	default:
		return nil, fmt.Errorf("rpmdb: %w: no sqlite, ndb or Berkeley DB hash magic in the first %d bytes", ErrUnknownFormat, len(head))
	}
	return db, nil
}

// Format returns the database's storage format.
func (db *DB) Format() Format { return db.format }

// Close releases the database's file handle or sqlite connection.
func (db *DB) Close() error {
	var err error
	if db.closer != nil {
		err = db.closer.Close()
		db.closer, db.r = nil, nil
	}
	if db.sql != nil {
		err = errors.Join(err, db.sql.Close())
		db.sql = nil
	}
	if err != nil {
		return fmt.Errorf("rpmdb: close: %w", err)
	}
	return nil
}

// Packages reads every package record of the database. Records that
// cannot be decoded are skipped; the returned error then names each of
// them (up to 16, and counts the rest) and the packages read so far are
// still returned. Reading stops early, again with the packages read so far,
// when ctx is done, when a limit is reached or when the database's own
// structure (its slot table, its sqlite schema) is broken.
func (db *DB) Packages(ctx context.Context) (pkgs []Package, err error) {
	c := newCollector(&db.opts)
	defer func() {
		if r := recover(); r != nil {
			pkgs, err = c.pkgs, fmt.Errorf("rpmdb: %w: panic: %v", errPanic, r)
		}
	}()
	return c.result(db.read(ctx, c))
}

// read reads every record into c and returns the error that stopped it
// early, if any.
func (db *DB) read(ctx context.Context, c *collector) error {
	switch {
	case db.format == FormatBDB && db.r != nil:
		return db.readBDB(ctx, c)
	case db.format == FormatNDB && db.r != nil:
		return db.readNDB(ctx, c)
	case db.format == FormatSQLite && db.sql != nil:
		return db.readSQLite(ctx, c)
	}
	return fmt.Errorf("rpmdb: %w", fs.ErrClosed)
}

// collector gathers the packages and record errors of one read, and keeps
// the budgets.
type collector struct {
	o          *options
	pkgs       []Package
	errs       []error
	nerrs      int
	records    int
	blobBudget int64
	pathBudget int64
	raw        func([]byte) // if set, sees every blob before it is decoded (tests)
}

func newCollector(o *options) *collector {
	return &collector{o: o, blobBudget: o.maxTotalBytes, pathBudget: o.maxPathBytes}
}

// reserve accounts for a record of n bytes at where before it is read. A
// record over the blob limit is a record error (ok false, fatal nil); the
// total budget or the record count running out is fatal.
func (c *collector) reserve(where string, n int64) (ok bool, fatal error) {
	if c.records >= c.o.maxPackages {
		return false, fmt.Errorf("rpmdb: %s: %w: more than %d package records", where, ErrLimit, c.o.maxPackages)
	}
	c.records++
	if n > c.o.maxBlobBytes {
		c.fail(where, fmt.Errorf("%w: header blob of %d bytes, the limit is %d", ErrLimit, n, c.o.maxBlobBytes))
		return false, nil
	}
	if n > c.blobBudget {
		return false, fmt.Errorf("rpmdb: %s: %w: header blobs total more than %d bytes", where, ErrLimit, c.o.maxTotalBytes)
	}
	c.blobBudget -= n
	return true, nil
}

// add decodes one header blob read at where. A malformed header is a
// record error; running out of the path budget is fatal.
func (c *collector) add(where string, blob []byte) (fatal error) {
	if c.raw != nil {
		c.raw(blob)
	}
	p, err := parseHeader(blob, c.o, &c.pathBudget)
	if err != nil {
		var fe *fatalError
		if errors.As(err, &fe) {
			return fmt.Errorf("rpmdb: %s: %w", where, fe.err)
		}
		c.fail(where, err)
		return nil
	}
	c.pkgs = append(c.pkgs, p)
	return nil
}

// fail records a record error.
func (c *collector) fail(where string, err error) {
	c.nerrs++
	if len(c.errs) < maxErrors {
		c.errs = append(c.errs, fmt.Errorf("rpmdb: %s: %w", where, err))
	}
}

func (c *collector) result(fatal error) ([]Package, error) {
	errs := c.errs
	if c.nerrs > len(errs) {
		errs = append(errs, fmt.Errorf("rpmdb: %w: %d more bad records", ErrMalformed, c.nerrs-len(errs)))
	}
	if fatal != nil {
		errs = append([]error{fatal}, errs...)
	}
	return c.pkgs, errors.Join(errs...)
}

// fatalError marks a header error that must stop the whole read (a
// database-wide budget ran out).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// malformed returns an error matching ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func leUint32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// readFull reads len(p) bytes at off, turning a short read into an error
// that names the offset.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return malformed("truncated: %d of %d bytes at offset %d", n, len(p), off)
	}
	return fmt.Errorf("read %d bytes at offset %d: %w", len(p), off, err)
}
