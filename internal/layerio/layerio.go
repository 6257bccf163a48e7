// Package layerio turns a layer blob into its uncompressed tar stream: it
// sniffs the compression from the magic bytes (gzip, zstd or none), bounds
// the decompressed size, and hashes what it yields so the caller can verify
// the layer's diffID after reading the stream to its end.
package layerio

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression names a layer compression.
type Compression string

// The compressions a layer may use.
const (
	None Compression = "none"
	Gzip Compression = "gzip"
	Zstd Compression = "zstd"
)

// ErrTooLarge is matched by the error returned when a layer decompresses to
// more bytes than allowed.
var ErrTooLarge = errors.New("layerio: decompressed layer larger than the limit")

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// zstdMaxWindow bounds the zstd window a layer may ask for (the decoder's
// memory); 128 MiB is zstd's largest standard window (--long=27).
const zstdMaxWindow = 128 << 20

// Reader reads a layer's uncompressed bytes and hashes them.
type Reader struct {
	Compression Compression
	src         io.Reader
	closer      func()
	h           hash.Hash
	algorithm   string
	n, max      int64
}

// NewReader sniffs r's compression and returns a reader of the uncompressed
// stream that fails with [ErrTooLarge] after max bytes. algorithm names the
// digest algorithm of the diffID to compute: "sha256" or "sha512".
func NewReader(r io.Reader, max int64, algorithm string) (*Reader, error) {
	var h hash.Hash
	switch algorithm {
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("layerio: unsupported digest algorithm %q", algorithm)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("layerio: reading magic bytes: %w", err)
	}
	lr := &Reader{h: h, algorithm: algorithm, max: max, closer: func() {}}
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("layerio: gzip header: %w", err)
		}
		lr.Compression, lr.src = Gzip, zr
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(br,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderMaxMemory(uint64(zstdMaxWindow)*2),
		)
		if err != nil {
			return nil, fmt.Errorf("layerio: zstd: %w", err)
		}
		lr.Compression, lr.src, lr.closer = Zstd, zr, zr.Close
	default:
		lr.Compression, lr.src = None, br
	}
	return lr, nil
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.src.Read(p)
	r.h.Write(p[:n])
	r.n += int64(n)
	if r.n > r.max {
		return n, fmt.Errorf("%w of %d bytes", ErrTooLarge, r.max)
	}
	return n, err
}

// Drain reads the rest of the stream, so that the hash covers every byte
// (archive/tar stops at the end-of-archive marker), and returns how many
// bytes it read.
func (r *Reader) Drain() (int64, error) {
	return io.Copy(io.Discard, r)
}

// Size returns the number of uncompressed bytes read so far.
func (r *Reader) Size() int64 { return r.n }

// DiffID returns "ALGORITHM:<hex>" of the bytes read so far.
func (r *Reader) DiffID() string {
	return r.algorithm + ":" + hex.EncodeToString(r.h.Sum(nil))
}

// Close releases the decompressor.
func (r *Reader) Close() { r.closer() }
