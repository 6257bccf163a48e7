package boltstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// SchemaVersion is the version of the layout this package reads and writes.
// A file with another version is refused: a newer one was written by a
// newer build.
const SchemaVersion = 1

// DefaultTimeout is how long [Open] waits by default for the file lock
// another process holds.
const DefaultTimeout = 5 * time.Second

// fileMode is the mode of a new database file: records are public data,
// so other users may read them.
const fileMode fs.FileMode = 0o644

// initialMmapSize is how much of the file bbolt maps at open (on 64-bit
// systems). bbolt remaps when the file outgrows its map, copying every
// page a write transaction has in memory each time: mapping 1 GiB at once
// spares a large import a dozen such copies (a third of its time). It is
// address space, not memory.
const initialMmapSize = 1 << 30

// allocSize is how far beyond what it needs bbolt grows the file. bbolt's
// default, 16 MiB, would make even an empty store that large once the map
// is bigger than that.
const allocSize = 1 << 20

// Limits on what a record may hold, below bbolt's 32 KiB keys: IDs,
// aliases, source names, ecosystems and package names are at most
// maxNameBytes each, and a stored record at most maxRecordBytes.
const (
	maxNameBytes   = 1024
	maxRecordBytes = 64 << 20
)

// Bounds on what is read back: a damaged page can claim any length up to
// 4 GiB for a key or value, and nothing is copied or printed whole before
// its length is checked.
const (
	maxKeyBytes  = bolt.MaxKeySize
	maxInfoBytes = 1 << 20
	clipBytes    = 64
)

// clip quotes at most clipBytes of b, for messages.
func clip(b []byte) string {
	if len(b) <= clipBytes {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:clipBytes])) + fmt.Sprintf("… (%d bytes)", len(b))
}

// Top-level buckets.
var (
	bucketMeta    = []byte("meta")    // schema version and kind
	bucketSources = []byte("sources") // source name → JSON SourceInfo
	bucketRecords = []byte("records") // source name → bucket of ID → record
	bucketIndex   = []byte("index")   // (ecosystem, name, source, id) → empty
	bucketIDs     = []byte("ids")     // (id or alias, source, id) → empty
	keySchema     = []byte("schema")
	keyKind       = []byte("kind")
	kindValue     = []byte("portcullis-vulndb")
)

// Sentinel errors that callers branch on with [errors.Is].
var (
	// ErrLocked matches the error of [Open] when another process (or
	// another Store in this one) holds the file and the wait ran out.
	ErrLocked = errors.New("boltstore: another process holds the database")
	// ErrCorrupt matches errors for a file that is not a bbolt database,
	// is truncated or damaged, or holds a record that cannot be decoded.
	ErrCorrupt = errors.New("boltstore: database is corrupt")
	// ErrReadOnly matches the error of writing to a store opened with
	// [WithReadOnly].
	ErrReadOnly = errors.New("boltstore: database is open read-only")
)

// CorruptError reports a damaged database file. It matches [ErrCorrupt].
type CorruptError struct {
	// Path is the database file.
	Path string
	// Detail says what is wrong, naming the record when there is one.
	Detail string
	// Err is the cause, if there is one.
	Err error
}

func (e *CorruptError) Error() string {
	msg := "boltstore: " + e.Path + " is corrupt: " + e.Detail
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *CorruptError) Unwrap() error { return e.Err }

// Is reports whether target is [ErrCorrupt].
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Option configures [Open].
type Option func(*options)

type options struct {
	readOnly bool
	timeout  time.Duration
	log      *slog.Logger
}

// WithReadOnly opens the database for reading only, with a shared lock:
// many processes may read it at once, but not while one holds it for
// writing. Update and DeleteSource then fail with [ErrReadOnly]. The file
// must exist. The default is to open for reading and writing, creating the
// file if needed.
func WithReadOnly() Option {
	return func(o *options) { o.readOnly = true }
}

// WithTimeout sets how long [Open] waits for the file lock that another
// process holds before it fails with [ErrLocked]; zero or less means try
// once. The default is [DefaultTimeout] (5s).
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithLogger sets where the store logs opening, updates and damage. The
// default is a logger that discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// Store is a vulnerability store in one bbolt file. It implements
// [vulndb.Store], [vulndb.Writer], [vulndb.SourceLister], [vulndb.Getter]
// and [vulndb.DocumentStore], and is safe for concurrent use: readers see the
// database as of the start of their call, and one update runs at a time.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	log      *slog.Logger
	// broken holds the first corruption a read or write ran into; later
	// writes are refused with it, so a damaged file is not made worse.
	broken atomic.Pointer[CorruptError]
}

var (
	_ vulndb.Store        = (*Store)(nil)
	_ vulndb.Writer       = (*Store)(nil)
	_ vulndb.SourceLister = (*Store)(nil)
	_ vulndb.Getter       = (*Store)(nil)
	_ vulndb.MultiGetter  = (*Store)(nil)
)

// Open opens the store in the file at path, creating it unless
// [WithReadOnly] is given. It waits up to the [WithTimeout] duration (or
// until ctx ends) for another process's lock, and fails with [ErrLocked]
// then. A file that is not a store of this package, is truncated or
// damaged gives an error matching [ErrCorrupt]; one written by a newer
// schema an error naming its version.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{timeout: DefaultTimeout, log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: opening %s: %w", path, err)
	}
	type result struct {
		s   *Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := open(path, o)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		// The open goes on until the lock wait ends; close what it opens.
		go func() {
			if r := <-done; r.s != nil {
				_ = r.s.Close()
			}
		}()
		return nil, fmt.Errorf("boltstore: opening %s: %w", path, ctx.Err())
	}
}

func open(path string, o options) (s *Store, err error) {
	// bbolt reads the file through a memory map: a truncated file faults
	// and a damaged page panics. Both become errors here.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var file *os.File
	var db *bolt.DB
	defer func() {
		// After the precheck this is not expected; if it happens, bbolt's
		// memory map of the file (and so its lock) may outlive the error.
		if r := recover(); r != nil {
			if db != nil {
				closeAfterPanic(db, file)
			} else if file != nil {
				_ = file.Close()
			}
			s, err = nil, &CorruptError{Path: path, Detail: fmt.Sprint(r)}
		}
	}()
	switch f, err := os.Open(path); {
	case err == nil:
		perr := precheck(f)
		_ = f.Close()
		if perr != nil {
			return nil, &CorruptError{Path: path, Detail: perr.Error()}
		}
	case o.readOnly || !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("boltstore: opening %s: %w", path, err)
	}
	timeout := o.timeout
	if timeout <= 0 {
		timeout = time.Nanosecond // bbolt waits forever on 0
	}
	bopts := &bolt.Options{
		Timeout:      timeout,
		ReadOnly:     o.readOnly,
		FreelistType: bolt.FreelistMapType,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		},
	}
	if strconv.IntSize == 64 {
		bopts.InitialMmapSize = initialMmapSize
	}
	db, err = bolt.Open(path, fileMode, bopts)
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("boltstore: opening %s: another process holds the database (waited %s): %w", path, o.timeout, ErrLocked)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
			return nil, &CorruptError{Path: path, Detail: "not a bbolt database", Err: err}
		}
		return nil, fmt.Errorf("boltstore: opening %s: %w", path, err)
	}
	db.AllocSize = allocSize
	s = &Store{db: db, path: path, readOnly: o.readOnly, log: o.log}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	o.log.Debug("boltstore: opened", "path", path, "readOnly", o.readOnly)
	return s, nil
}

// closeAfterPanic closes a database whose open panicked half-way, and the
// file under it if bbolt did not get that far.
func closeAfterPanic(db *bolt.DB, file *os.File) {
	defer func() {
		if recover() != nil && file != nil {
			_ = file.Close()
		}
	}()
	_ = db.Close()
}

// init checks the file's kind, schema version and size, creating the
// buckets of a new file.
func (s *Store) init() error {
	check := func(tx *bolt.Tx) error {
		if fi, err := os.Stat(s.path); err == nil && fi.Size() < tx.Size() {
			return &CorruptError{Path: s.path, Detail: fmt.Sprintf("truncated: %d bytes, but its pages reach byte %d", fi.Size(), tx.Size())}
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil
		}
		if string(meta.Get(keyKind)) != string(kindValue) {
			return &CorruptError{Path: s.path, Detail: "not a vulnerability store (no kind marker)"}
		}
		raw := meta.Get(keySchema)
		v, err := 0, errors.New("too long")
		if len(raw) <= 20 {
			v, err = strconv.Atoi(string(raw))
		}
		if err != nil {
			return &CorruptError{Path: s.path, Detail: "schema version " + clip(raw)}
		}
		if v != SchemaVersion {
			return fmt.Errorf("boltstore: %s has schema version %d; this build reads version %d only (written by a newer version?)", s.path, v, SchemaVersion)
		}
		for _, b := range [][]byte{bucketSources, bucketRecords, bucketIndex, bucketIDs} {
			if tx.Bucket(b) == nil {
				return &CorruptError{Path: s.path, Detail: fmt.Sprintf("bucket %q is missing", b)}
			}
		}
		return nil
	}
	notStore := func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) != nil {
			return nil
		}
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return &CorruptError{Path: s.path, Detail: "a bbolt database, but not a vulnerability store"}
		}
		if s.readOnly {
			return fmt.Errorf("boltstore: %s is empty: open it for writing once to create the store", s.path)
		}
		return nil
	}
	if s.readOnly {
		return s.view("opening", func(tx *bolt.Tx) error {
			if err := check(tx); err != nil {
				return err
			}
			return notStore(tx)
		})
	}
	return s.write("opening", func(tx *bolt.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		if err := notStore(tx); err != nil {
			return err
		}
		if tx.Bucket(bucketMeta) != nil {
			return nil
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyKind, kindValue); err != nil {
			return err
		}
		if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketSources, bucketRecords, bucketIndex, bucketIDs} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close releases the file and its lock. It is safe to call more than once;
// operations after it fail.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: closing %s: %w", s.path, err)
	}
	return nil
}

// view runs fn in a read transaction, turning faults and panics from a
// damaged file into a [CorruptError].
func (s *Store) view(op string, fn func(tx *bolt.Tx) error) (err error) {
	defer s.guard(op, &err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if err := s.db.View(fn); err != nil {
		return s.wrap(op, err)
	}
	return nil
}

// write runs fn in a write transaction, as view does.
func (s *Store) write(op string, fn func(tx *bolt.Tx) error) (err error) {
	if s.readOnly {
		return fmt.Errorf("boltstore: %s %s: %w", op, s.path, ErrReadOnly)
	}
	if c := s.broken.Load(); c != nil {
		return fmt.Errorf("boltstore: %s %s: refusing to write to a damaged file: %w", op, s.path, c)
	}
	defer s.guard(op, &err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if err := s.db.Update(fn); err != nil {
		return s.wrap(op, err)
	}
	return nil
}

// guard converts a panic inside bbolt (or a fault of its memory map) into
// a [CorruptError], and remembers it.
func (s *Store) guard(op string, errp *error) {
	r := recover()
	if r == nil {
		return
	}
	c := &CorruptError{Path: s.path, Detail: fmt.Sprintf("%s: %v", op, r)}
	s.broken.CompareAndSwap(nil, c)
	s.log.Error("boltstore: damaged database", "path", s.path, "op", op, "panic", fmt.Sprint(r))
	*errp = c
}

// wrap gives err the package prefix and the path, unless it already has
// them.
func (s *Store) wrap(op string, err error) error {
	var c *CorruptError
	if errors.As(err, &c) {
		s.broken.CompareAndSwap(nil, c)
		return err
	}
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("boltstore: %s %s: store is closed: %w", op, s.path, err)
	}
	return fmt.Errorf("boltstore: %s %s: %w", op, s.path, err)
}
