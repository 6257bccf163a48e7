package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/portcullis-oci/portcullis/internal/layerio"
	"github.com/portcullis-oci/portcullis/internal/tarwalk"
)

// maxReleaseFile bounds the os-release files kept in [LayerFacts].
const maxReleaseFile = 64 << 10

// layerJob is the work of reading one layer.
// sharedInMemory is the largest file read into memory when several
// analyzers want it; larger ones are streamed to them together.
const sharedInMemory = 16 << 20

type layerJob struct {
	buf   []byte // for streaming files several analyzers want
	s     *scanner
	ref   LayerRef
	layer v1.Layer
	// analyzers are those whose results for this layer were not cached.
	analyzers []Analyzer
	progress  func(read int64)
}

// layerOutput is what reading one layer found.
type layerOutput struct {
	facts   *LayerResult            // with Facts set
	results map[string]*LayerResult // by analyzer name
	// abandoned names the analyzers that timed out: their results are not
	// facts about the layer and are not cached.
	abandoned map[string]bool
}

// open returns the layer's blob stream: compressed unless the layer is an
// uncompressed one (where compressing would only cost time).
func (j *layerJob) open() (io.ReadCloser, error) {
	mt, err := j.layer.MediaType()
	if err == nil && (mt == types.OCIUncompressedLayer || mt == types.DockerUncompressedLayer) {
		return j.layer.Uncompressed()
	}
	return j.layer.Compressed()
}

func (j *layerJob) errorf(format string, args ...any) error {
	return fmt.Errorf("scan: layer %d (%s): %s", j.ref.Index, j.ref.DiffID, fmt.Sprintf(format, args...))
}

// read reads the layer once, feeding analyzers, and verifies its diffID.
func (j *layerJob) read(ctx context.Context) (*layerOutput, error) {
	algo, _, ok := cutDigest(j.ref.DiffID)
	if !ok {
		return nil, j.errorf("invalid diffID")
	}
	rc, err := j.open()
	if err != nil {
		return nil, j.errorf("opening: %v", err)
	}
	defer rc.Close()
	lr, err := layerio.NewReader(&countingReader{r: rc, ctx: ctx, report: j.progress}, j.s.maxLayerBytes, algo)
	if err != nil {
		return nil, j.errorf("%v", err)
	}
	defer lr.Close()

	tmp, err := os.MkdirTemp(j.s.tempDir, "portcullis-layer-*")
	if err != nil {
		return nil, j.errorf("temporary directory: %v", err)
	}
	defer os.RemoveAll(tmp)

	facts := &LayerFacts{}
	runs := make([]*run, len(j.analyzers))
	for i, a := range j.analyzers {
		runs[i] = &run{a: a, layer: j.ref, tempRoot: tmp, timeout: j.s.analyzerTimeout, budget: j.s.analyzerTimeout}
	}
	defer func() {
		for _, r := range runs {
			r.finish() // idempotent; abandons analyzers on an early return
		}
	}()
	var links []deferredLink
	var matched []*run
	limits := tarwalk.Limits{MaxEntries: j.s.maxEntries}
	problems, err := tarwalk.Walk(lr, limits, func(e *tarwalk.Entry) error {
		facts.Entries++
		switch e.Kind {
		case tarwalk.Whiteout:
			facts.Whiteouts = append(facts.Whiteouts, e.Path)
		case tarwalk.Opaque:
			facts.Opaques = append(facts.Opaques, e.Path)
		case tarwalk.Symlink:
			if facts.Symlinks == nil {
				facts.Symlinks = make(map[string]string)
			}
			facts.Symlinks[e.Path] = e.Link
			delete(facts.Releases, e.Path)
		case tarwalk.Hardlink:
			if matched = matchRuns(runs, e.Path, e.Mode, matched[:0]); len(matched) > 0 {
				links = append(links, deferredLink{path: e.Path, target: e.Link, mode: e.Mode, runs: append([]*run(nil), matched...)})
			}
		case tarwalk.File:
			delete(facts.Symlinks, e.Path)
			body := e.Body
			if isReleaseFile(e.Path) && e.Size <= maxReleaseFile {
				b, err := io.ReadAll(io.LimitReader(e.Body, maxReleaseFile))
				if err != nil {
					return err
				}
				if facts.Releases == nil {
					facts.Releases = make(map[string][]byte)
				}
				facts.Releases[e.Path] = b
				body = bytes.NewReader(b)
			}
			if matched = matchRuns(runs, e.Path, e.Mode, matched[:0]); len(matched) > 0 {
				return j.feed(ctx, matched, e.Path, e.Mode, e.Size, body, tmp)
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, j.errorf("%v", err)
	}
	// Read to the real end of the stream, past the end-of-archive marker,
	// so the digest covers every byte.
	if _, err := lr.Drain(); err != nil {
		return nil, j.errorf("reading past the end of the archive: %v", err)
	}
	if got := lr.DiffID(); got != j.ref.DiffID {
		return nil, j.errorf("content does not match the diffID: it hashes to %s", got)
	}
	facts.Bytes = lr.Size()
	var linkErrs []LayerError
	if len(links) > 0 {
		if linkErrs, err = j.resolveLinks(ctx, links, tmp); err != nil {
			return nil, err
		}
	}
	// Problems of the walk itself belong to no analyzer; they travel with
	// the facts.
	for _, p := range problems {
		linkErrs = append(linkErrs, LayerError{Path: p.Path, Error: p.Reason})
	}
	out := &layerOutput{
		facts:   &LayerResult{Facts: facts, Errors: linkErrs},
		results: make(map[string]*LayerResult, len(runs)),
	}
	for _, r := range runs {
		out.results[r.a.Name()] = r.finish()
		if r.abandoned {
			if out.abandoned == nil {
				out.abandoned = make(map[string]bool)
			}
			out.abandoned[r.a.Name()] = true
		}
	}
	return out, nil
}

// feed hands one file to the runs that matched it.
func (j *layerJob) feed(ctx context.Context, runs []*run, path string, mode fs.FileMode, size int64, body io.Reader, tmp string) error {
	if size > j.s.maxFileBytes {
		for _, r := range runs {
			r.fail(path, fmt.Errorf("%d bytes: %w of %d bytes (WithMaxFileBytes)", size, ErrTooLarge, j.s.maxFileBytes))
		}
		return nil
	}
	if len(runs) == 1 {
		return runs[0].send(ctx, NewFile(path, mode, size, body))
	}
	// Several analyzers want the file. A small one is read into memory and
	// handed to each in turn, so they do not wait for one another.
	if size <= sharedInMemory {
		b, err := io.ReadAll(io.LimitReader(body, size))
		if err != nil {
			return err
		}
		ra := bytes.NewReader(b)
		for _, r := range runs {
			if err := r.send(ctx, NewFile(path, mode, size, io.NewSectionReader(ra, 0, size))); err != nil {
				return err
			}
		}
		return nil
	}
	// A large one (a big executable both the Go and the Rust analyzers
	// read) is streamed to all of them at once, each through its own pipe,
	// so it is neither held nor spooled: they read in step, and one that
	// stops reading (it asked for the next file, returned, or was
	// abandoned) has its pipe closed and is dropped.
	taps := make([]*io.PipeWriter, len(runs))
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i, r := range runs {
		pr, pw := io.Pipe()
		taps[i] = pw
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.send(ctx, NewFile(path, mode, size, pr))
			pr.CloseWithError(errMovedOn)
		}()
	}
	buf := j.shareBuf()
	live := len(taps)
	var readErr error
	for live > 0 {
		n, err := body.Read(buf)
		if n > 0 {
			var ww sync.WaitGroup
			for i, w := range taps {
				if w == nil {
					continue
				}
				ww.Add(1)
				go func() {
					defer ww.Done()
					if _, werr := w.Write(buf[:n]); werr != nil {
						taps[i] = nil
					}
				}()
			}
			ww.Wait()
			live = 0
			for _, w := range taps {
				if w != nil {
					live++
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
	}
	for _, w := range taps {
		if w != nil {
			if readErr != nil {
				w.CloseWithError(readErr)
			} else {
				w.Close()
			}
		}
	}
	wg.Wait()
	if readErr != nil {
		return readErr
	}
	return errors.Join(errs...)
}

// shareBuf returns the job's buffer for streaming a shared file.
func (j *layerJob) shareBuf() []byte {
	if j.buf == nil {
		j.buf = make([]byte, 256<<10)
	}
	return j.buf
}

type deferredLink struct {
	path, target string
	mode         fs.FileMode
	runs         []*run
}

// resolveLinks reads the layer a second time to hand analyzers the content
// of hard links they matched, which tar stores only with the link target.
func (j *layerJob) resolveLinks(ctx context.Context, links []deferredLink, tmp string) ([]LayerError, error) {
	byTarget := make(map[string][]deferredLink)
	for _, l := range links {
		byTarget[l.target] = append(byTarget[l.target], l)
	}
	rc, err := j.open()
	if err != nil {
		return nil, j.errorf("reopening for hard links: %v", err)
	}
	defer rc.Close()
	algo, _, _ := cutDigest(j.ref.DiffID)
	lr, err := layerio.NewReader(rc, j.s.maxLayerBytes, algo)
	if err != nil {
		return nil, j.errorf("%v", err)
	}
	defer lr.Close()
	found := make(map[string]bool)
	_, err = tarwalk.Walk(lr, tarwalk.Limits{MaxEntries: j.s.maxEntries}, func(e *tarwalk.Entry) error {
		if e.Kind != tarwalk.File {
			return nil
		}
		ls := byTarget[e.Path]
		if len(ls) == 0 {
			return nil
		}
		found[e.Path] = true
		var rs []*run
		for _, l := range ls {
			rs = append(rs, l.runs...)
		}
		// Each link is a file of its own for the analyzers.
		if len(ls) == 1 {
			return j.feed(ctx, rs, ls[0].path, ls[0].mode, e.Size, e.Body, tmp)
		}
		b, err := io.ReadAll(io.LimitReader(e.Body, min(e.Size, j.s.maxFileBytes)))
		if err != nil {
			return err
		}
		for _, l := range ls {
			if err := j.feed(ctx, l.runs, l.path, l.mode, e.Size, bytes.NewReader(b), tmp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, j.errorf("second read for hard links: %v", err)
	}
	var errs []LayerError
	for _, l := range links {
		if !found[l.target] {
			errs = append(errs, LayerError{Path: l.path, Error: "hard link to " + l.target + ", which is not a regular file in this layer"})
		}
	}
	return errs, nil
}

func matchRuns(runs []*run, path string, mode fs.FileMode, dst []*run) []*run {
	for _, r := range runs {
		if r.a.Match(path, mode) {
			dst = append(dst, r)
		}
	}
	return dst
}

// run is one analyzer's Analyze call over one layer, fed file by file as the
// layer streams.
type run struct {
	a        Analyzer
	layer    LayerRef
	tempRoot string
	timeout  time.Duration

	started bool
	files   []string // every file handed over, in order
	seen    map[string]bool
	errs    []LayerError
	// collected holds the packages of earlier calls, when a layer held the
	// same path twice and the analyzer was called again for the second.
	collected []Package
	callFiles []string
	ch        chan *File
	ack       chan struct{}
	done      chan struct{}
	cancel    context.CancelFunc
	budget    time.Duration // what is left of timeout
	stopped   atomic.Bool   // the analyzer stopped asking for files

	pkgs      []Package
	err       error
	result    *LayerResult
	abandoned bool
}

func (r *run) fail(path string, err error) {
	r.files = append(r.files, path)
	r.errs = append(r.errs, LayerError{Path: path, Error: err.Error()})
}

func (r *run) start(ctx context.Context) {
	r.started = true
	r.stopped.Store(false)
	r.callFiles = nil
	r.pkgs, r.err = nil, nil
	r.ch = make(chan *File)
	r.ack = make(chan struct{})
	r.done = make(chan struct{})
	actx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	dir, err := os.MkdirTemp(r.tempRoot, "analyzer-*")
	if err != nil {
		r.err = err
		close(r.done)
		return
	}
	in := Input{Layer: r.layer, TempDir: dir, Files: func(yield func(*File) bool) {
		for {
			var f *File
			var ok bool
			select {
			case f, ok = <-r.ch:
			case <-actx.Done():
				return
			}
			if !ok {
				return
			}
			more := yield(f)
			if !more {
				r.stopped.Store(true)
			}
			select {
			case r.ack <- struct{}{}:
			case <-actx.Done():
				return
			}
			if !more {
				return
			}
		}
	}}
	go func() {
		defer close(r.done)
		defer os.RemoveAll(dir)
		defer func() {
			if p := recover(); p != nil {
				r.err = fmt.Errorf("analyzer panicked: %v", p)
			}
		}()
		r.pkgs, r.err = r.a.Analyze(actx, in)
	}()
}

// send hands f to the analyzer and waits until it asks for the next file.
func (r *run) send(ctx context.Context, f *File) error {
	if r.result != nil || r.stopped.Load() {
		return nil
	}
	if r.started && r.budget <= 0 {
		r.abandon()
		return nil
	}
	if r.seen[f.Path] {
		// The layer holds the path again: the last one wins, so what the
		// analyzer made of the earlier one is dropped.
		if !r.endCall() {
			return nil
		}
		r.collected = slices.DeleteFunc(r.collected, func(p Package) bool { return firstPath(&p) == f.Path })
		r.errs = slices.DeleteFunc(r.errs, func(e LayerError) bool { return e.Path == f.Path })
	} else {
		if r.seen == nil {
			r.seen = make(map[string]bool)
		}
		r.seen[f.Path] = true
		r.files = append(r.files, f.Path)
	}
	if !r.started {
		r.start(ctx)
	}
	r.callFiles = append(r.callFiles, f.Path)
	g := &guardedReader{r: f.r}
	f.r = g
	defer g.close()
	began := time.Now()
	timer := time.NewTimer(r.budget)
	defer func() {
		timer.Stop()
		r.budget -= time.Since(began)
	}()
	select {
	case r.ch <- f:
	case <-r.done:
		return nil
	case <-timer.C:
		r.abandon()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-r.ack:
	case <-r.done:
	case <-timer.C:
		select { // the analyzer may have answered just in time
		case <-r.ack:
		case <-r.done:
		default:
			r.abandon()
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (r *run) abandon() {
	r.abandoned = true
	r.cancel()
	r.result = &LayerResult{Files: r.files, Errors: append(r.errs, LayerError{
		Error: fmt.Sprintf("analyzer did not finish within %s (WithAnalyzerTimeout); abandoned", r.timeout)})}
}

// endCall waits for the current Analyze call to return and collects its
// packages and errors; it reports false if the analyzer was abandoned.
func (r *run) endCall() bool {
	if !r.started {
		return r.result == nil
	}
	r.started = false
	close(r.ch)
	timer := time.NewTimer(max(r.budget, 0))
	defer timer.Stop()
	select {
	case <-r.done:
	case <-timer.C:
		select {
		case <-r.done:
		default:
			r.abandon()
			return false
		}
	}
	r.cancel()
	for _, p := range r.pkgs {
		p.Layer = LayerRef{}
		p.FoundBy = r.a.Name()
		if len(p.Paths) == 0 && len(r.callFiles) == 1 {
			p.Paths = []string{r.callFiles[0]}
		}
		r.collected = append(r.collected, p)
	}
	r.errs = append(r.errs, flattenErrors(r.err)...)
	return true
}

// finish ends the run and returns its result; it may be called again.
func (r *run) finish() *LayerResult {
	if r.result != nil || !r.endCall() {
		return r.result
	}
	r.result = &LayerResult{Files: r.files, Packages: r.collected, Errors: r.errs}
	return r.result
}

// flattenErrors turns an analyzer's error into layer errors, one per joined
// error, each with the path of its [FileError].
func flattenErrors(err error) []LayerError {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []LayerError
		for _, e := range j.Unwrap() {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return []LayerError{{Path: fe.Path, Error: fe.Err.Error()}}
	}
	return []LayerError{{Error: err.Error()}}
}

// guardedReader stops reads once the scanner has moved past a file.
type guardedReader struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
}

var errMovedOn = errors.New("read after the analyzer asked for the next file")

func (g *guardedReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, errMovedOn
	}
	return g.r.Read(p)
}

func (g *guardedReader) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// countingReader reports progress and stops on cancellation.
type countingReader struct {
	r      io.Reader
	ctx    context.Context
	n      int64
	last   int64
	report func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.report != nil && c.n-c.last >= 4<<20 {
		c.last = c.n
		c.report(c.n)
	}
	return n, err
}
