package deb822

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is matched by errors about input over a limit: the whole
// input's bytes or its number of paragraphs.
var ErrTooLarge = errors.New("over the limit")

// LineReader reads lines of any length while holding at most a caller-given
// number of bytes of one line. It counts lines and enforces a limit on the
// total bytes read.
type LineReader struct {
	br       *bufio.Reader
	buf      []byte
	line     int
	n        int64
	maxBytes int64
}

// NewLineReader returns a LineReader reading from r that fails once more
// than maxBytes bytes have been read; maxBytes <= 0 means no limit.
func NewLineReader(r io.Reader, maxBytes int64) *LineReader {
	return &LineReader{br: bufio.NewReaderSize(r, 64<<10), maxBytes: maxBytes}
}

// Line returns the number (1-based) of the line last returned by ReadLine.
func (lr *LineReader) Line() int { return lr.line }

// Bytes returns the number of bytes read so far.
func (lr *LineReader) Bytes() int64 { return lr.n }

// ReadLine returns the next line without its "\n" or "\r\n" ending. The
// slice is valid until the next call.
//
// If the line is longer than max bytes, ReadLine returns its first max bytes
// and long = true, having read and dropped the rest of the line. A last line
// without a newline is returned like any other; after it ReadLine returns
// io.EOF. Reading past the byte limit fails with an error matching
// [ErrTooLarge]; read errors are returned as they are.
func (lr *LineReader) ReadLine(max int) (line []byte, long bool, err error) {
	if max < 0 {
		max = 0
	}
	lr.buf = lr.buf[:0]
	got := false
	for {
		chunk, err := lr.br.ReadSlice('\n')
		lr.n += int64(len(chunk))
		if lr.maxBytes > 0 && lr.n > lr.maxBytes {
			return nil, false, fmt.Errorf("input longer than %d bytes: %w", lr.maxBytes, ErrTooLarge)
		}
		if len(chunk) > 0 {
			got = true
		}
		if !long {
			// Keep room for the line ending, which is cut below.
			room := max + 2 - len(lr.buf)
			if len(chunk) <= room {
				lr.buf = append(lr.buf, chunk...)
			} else {
				lr.buf = append(lr.buf, chunk[:room]...)
				long = true
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if !got {
				return nil, false, io.EOF
			}
		default:
			return nil, false, err
		}
		break
	}
	lr.line++
	b := lr.buf
	if !long {
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	if len(b) > max {
		b, long = b[:max], true
	}
	if lr.line == 1 && len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:] // byte-order mark
	}
	return b, long, nil
}
