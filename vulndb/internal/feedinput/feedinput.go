package feedinput

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/portcullis-oci/portcullis/vulndb/fetch"
)

// ErrTooLarge is matched by the error of an input read past the limit,
// before or after decompression.
var ErrTooLarge = errors.New("input larger than the limit")

// ErrUnchanged is returned, unwrapped, when the input is the one the
// previous cursor describes. Feeds return vulndb.ErrUnchanged for it.
var ErrUnchanged = errors.New("feedinput: input unchanged")

// sniffBuffer is the size of the buffer that peeks at the gzip magic.
const sniffBuffer = 64 << 10

// Feed is a feed's name and limit, for opening its files. Name and a
// positive MaxBytes must be set, and Client too for URLs. A Feed is a
// plain value, safe for concurrent use.
type Feed struct {
	// Name starts every error: "kev: …".
	Name string
	// Client downloads URLs.
	Client *fetch.Client
	// MaxBytes bounds each file, before and after decompression.
	MaxBytes int64
}

// Input is an opened feed file. Reading it yields the file's bytes,
// decompressed when they were gzip; a read past the limit fails with an
// error matching [ErrTooLarge]. The caller closes it.
type Input struct {
	// Name is the file's path, or its URL without credentials and query:
	// for messages.
	Name string
	// Cursor describes this version of the file: the SHA-256 of a local
	// file (set by [Feed.Open] only) or the validators of the response.
	Cursor Cursor

	r io.Reader
	c io.Closer
}

// Read reads the decompressed bytes.
func (in *Input) Read(p []byte) (int, error) { return in.r.Read(p) }

// Close closes the file or response body.
func (in *Input) Close() error { return in.c.Close() }

// Open opens the feed's file at path, or at rawURL when path is empty,
// conditionally on prev. It returns [ErrUnchanged] when the local file
// hashes to prev.SHA256 or the server answers "not modified" to
// prev.Validators. The returned Input's Cursor is what to hand to the
// next Open.
func (f Feed) Open(ctx context.Context, rawURL, path string, prev Cursor) (*Input, error) {
	if path == "" {
		return f.Get(ctx, rawURL, prev.Validators)
	}
	file, err := f.openFile(ctx, path)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f.limit(file, path)); err != nil {
		file.Close()
		if errors.Is(err, ErrTooLarge) {
			return nil, err // the file grew since it was opened; the error names it
		}
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if prev.SHA256 == sum {
		file.Close()
		return nil, ErrUnchanged
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		file.Close()
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	in, err := f.input(file, path)
	if err != nil {
		return nil, err
	}
	in.Cursor.SHA256 = sum
	return in, nil
}

// OpenFile opens the regular file at path, without hashing it. An error
// for a file that does not exist matches [os.ErrNotExist].
func (f Feed) OpenFile(ctx context.Context, path string) (*Input, error) {
	file, err := f.openFile(ctx, path)
	if err != nil {
		return nil, err
	}
	return f.input(file, path)
}

// Get downloads rawURL, conditionally on prev when it is not empty. It
// returns [ErrUnchanged] when the server answers "not modified"; the
// returned Input's Cursor holds the response's validators. Errors name
// the URL without credentials and query; a status other than success is
// a wrapped [*fetch.StatusError].
func (f Feed) Get(ctx context.Context, rawURL string, prev fetch.Validators) (*Input, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if f.Client == nil {
		return nil, fmt.Errorf("%s: %s: no HTTP client", f.Name, DisplayURL(rawURL))
	}
	resp, err := f.Client.Get(ctx, rawURL, nil, prev)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if resp.NotModified {
		resp.Body.Close()
		return nil, ErrUnchanged
	}
	in, err := f.input(resp.Body, DisplayURL(rawURL))
	if err != nil {
		return nil, err
	}
	in.Cursor.Validators = resp.Validators
	return in, nil
}

// check reports a Feed that cannot bound what it reads.
func (f Feed) check() error {
	if f.MaxBytes <= 0 {
		return fmt.Errorf("%s: limit of %d bytes: must be positive", f.Name, f.MaxBytes)
	}
	return nil
}

// openFile opens path, failing when it is not a regular file or is larger
// than the limit.
func (f Feed) openFile(ctx context.Context, path string) (*os.File, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", f.Name, path, err)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if !fi.Mode().IsRegular() {
		file.Close()
		return nil, fmt.Errorf("%s: %s: not a regular file", f.Name, path)
	}
	if fi.Size() > f.MaxBytes {
		file.Close()
		return nil, fmt.Errorf("%s: %s: %d bytes: %w of %d bytes", f.Name, path, fi.Size(), ErrTooLarge, f.MaxBytes)
	}
	return file, nil
}

// input wraps rc in the limit and, when the bytes are gzip, in a
// decompressor with its own limit. It closes rc when it fails.
func (f Feed) input(rc io.ReadCloser, name string) (*Input, error) {
	br := bufio.NewReaderSize(f.limit(rc, name), sniffBuffer)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		rc.Close()
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return &Input{Name: name, r: br, c: rc}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("%s: %s: %w", f.Name, name, err)
	}
	return &Input{Name: name, r: f.limit(zr, name+" (decompressed)"), c: rc}, nil
}

// limit bounds r to f.MaxBytes.
func (f Feed) limit(r io.Reader, name string) io.Reader {
	return &limitReader{r: r, left: f.MaxBytes, max: f.MaxBytes, feed: f.Name, name: name}
}

// limitReader fails a read past max bytes with [ErrTooLarge].
type limitReader struct {
	r    io.Reader
	left int64
	max  int64
	feed string
	name string
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%s: %s: %w of %d bytes", l.feed, l.name, ErrTooLarge, l.max)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// Config is what every file feed is configured with: where the file is
// (a URL, or a local path for air-gapped imports), the HTTP client, the
// logger and the size bound. Each feed keeps its own public options and
// embeds a Config in its option struct.
type Config struct {
	URL      string
	Path     string
	Client   *fetch.Client
	Log      *slog.Logger
	MaxBytes int64
}

// Finish fills in the defaults (fetch.New(), a logger that discards) and
// checks the rest; errors start with the feed's name.
func (c *Config) Finish(name string) error {
	if c.Client == nil {
		c.Client = fetch.New()
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.MaxBytes <= 0 {
		return fmt.Errorf("%s: WithMaxBytes(%d): must be positive", name, c.MaxBytes)
	}
	if c.Path == "" && c.URL == "" {
		return fmt.Errorf("%s: neither a URL nor a path", name)
	}
	return nil
}

// Feed returns the Feed that opens the configured files.
func (c *Config) Feed(name string) Feed {
	return Feed{Name: name, Client: c.Client, MaxBytes: c.MaxBytes}
}
