package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
)

// Analyzer finds packages in the files of one layer.
//
// The scanner calls Match for every regular file of every layer (and for hard
// links, with the mode of their target); Match must be cheap and do no I/O.
// For each layer with at least one matching file the scanner calls Analyze
// once, with an [Input] that yields the matching files in archive order while
// the layer streams by. Results are cached under (layer diffID, Name,
// Version): bump Version whenever the output for the same input changes.
//
// Analyze may return packages together with an error (for example when it
// skipped a malformed record): the scanner keeps the packages and records the
// error in [Report.Incomplete]. Wrap errors about one file in a [*FileError]
// and join several with [errors.Join].
//
// The scanner calls Analyze for different layers concurrently, so
// implementations must be safe for concurrent use.
type Analyzer interface {
	Name() string
	Version() int
	Match(path string, mode fs.FileMode) bool
	Analyze(ctx context.Context, in Input) ([]Package, error)
}

// Finisher is an optional ability of an [Analyzer]: after the layers are
// merged, the scanner hands it the packages it found that are in the final
// image, and keeps what it returns. An analyzer uses it to settle what
// only the whole image shows, such as a lock file in one layer whose
// packages another layer installed. Finish must not add packages.
type Finisher interface {
	Finish(pkgs []Package) []Package
}

// Input is what an [Analyzer] gets for one layer.
type Input struct {
	// Layer is the layer being analysed.
	Layer LayerRef
	// Files yields each file of the layer the analyzer matched, in archive
	// order. A file's content can be read only until the next file is
	// requested.
	Files iter.Seq[*File]
	// TempDir is a directory the analyzer may create scratch files in (see
	// [File.Spool]); it is removed when Analyze returns.
	TempDir string
}

// NewInput returns an Input that yields files, for tests and for callers
// that drive analyzers without a scanner.
func NewInput(layer LayerRef, tempDir string, files ...*File) Input {
	return Input{
		Layer:   layer,
		TempDir: tempDir,
		Files: func(yield func(*File) bool) {
			for _, f := range files {
				if !yield(f) {
					return
				}
			}
		},
	}
}

// File is one file handed to an analyzer. It reads the file's content.
type File struct {
	// Path is clean, slash-separated and relative to the image root, with no
	// leading slash: "var/lib/dpkg/status".
	Path string
	// Mode is the file's mode from the layer.
	Mode fs.FileMode
	// Size is the content's length in bytes, as the layer states it.
	Size int64
	r    io.Reader
}

// NewFile returns a File whose content is read from r.
func NewFile(path string, mode fs.FileMode, size int64, r io.Reader) *File {
	return &File{Path: path, Mode: mode, Size: size, r: r}
}

// Read reads the file's content.
func (f *File) Read(p []byte) (int, error) { return f.r.Read(p) }

// ErrTooLarge is matched by errors about input larger than a configured
// limit.
var ErrTooLarge = errors.New("larger than the limit")

// ReadAll reads the whole content, failing with an error matching
// [ErrTooLarge] if it is longer than max bytes.
func (f *File) ReadAll(max int64) ([]byte, error) {
	if f.Size > max {
		return nil, &FileError{Path: f.Path, Err: fmt.Errorf("%d bytes: %w of %d bytes", f.Size, ErrTooLarge, max)}
	}
	b, err := io.ReadAll(io.LimitReader(f.r, max+1))
	if err != nil {
		return nil, &FileError{Path: f.Path, Err: err}
	}
	if int64(len(b)) > max {
		return nil, &FileError{Path: f.Path, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, max)}
	}
	return b, nil
}

// Spool copies the content to a new file in dir (use [Input.TempDir]) and
// returns it open at offset 0, for analyzers that need random access or a
// path. The caller closes it; the scanner removes dir after Analyze.
func (f *File) Spool(dir string) (*os.File, error) {
	tmp, err := os.CreateTemp(dir, "spool-*")
	if err != nil {
		return nil, fmt.Errorf("scan: spool %s: %w", f.Path, err)
	}
	if _, err := io.Copy(tmp, f.r); err != nil {
		tmp.Close()
		return nil, &FileError{Path: f.Path, Err: err}
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		tmp.Close()
		return nil, &FileError{Path: f.Path, Err: err}
	}
	return tmp, nil
}

// FileError is an error about one file of a layer.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }
