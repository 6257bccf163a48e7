package scan

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Scanner inventories an image.
type Scanner interface {
	Scan(ctx context.Context, img v1.Image, opts ...ScanOption) (*Report, error)
}

// ScannerFunc adapts a function to a [Scanner].
type ScannerFunc func(ctx context.Context, img v1.Image, opts ...ScanOption) (*Report, error)

// Scan calls f.
func (f ScannerFunc) Scan(ctx context.Context, img v1.Image, opts ...ScanOption) (*Report, error) {
	return f(ctx, img, opts...)
}

// LayerScanner is the default [Scanner]. It is safe for concurrent use.
type LayerScanner struct {
	*options
}

type scanner = LayerScanner

// New returns a scanner that runs the given analyzers.
func New(opts ...Option) (*LayerScanner, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &LayerScanner{o}, nil
}

// factsVersion is the version of [LayerFacts] in the cache.
const factsVersion = 1

// Scan reads img layer by layer and returns its inventory. Layers whose
// results are all in the cache are not read. A layer that cannot be read,
// or whose content does not match its diffID, fails the scan; what
// analyzers could not make sense of is recorded in [Report.Incomplete].
func (s *LayerScanner) Scan(ctx context.Context, img v1.Image, opts ...ScanOption) (*Report, error) {
	var so scanOptions
	for _, o := range opts {
		o(&so)
	}
	rep, v1layers, err := s.describe(img, so.ref)
	if err != nil {
		return nil, err
	}
	n := len(rep.Layers)
	facts := make([]*LayerResult, n)
	results := make([]layerResults, n)
	var jobs []*layerJob
	for i, l := range rep.Layers {
		ref := l.Ref()
		results[i] = make(layerResults, len(s.analyzers))
		if facts[i], err = s.cache.Get(ctx, CacheKey{ref.DiffID, LayerFactsAnalyzer, factsVersion}); err != nil {
			return nil, fmt.Errorf("scan: cache: %w", err)
		}
		var missing []Analyzer
		for _, a := range s.analyzers {
			r, err := s.cache.Get(ctx, CacheKey{ref.DiffID, a.Name(), a.Version()})
			if err != nil {
				return nil, fmt.Errorf("scan: cache: %w", err)
			}
			if r == nil {
				missing = append(missing, a)
			}
			results[i][a.Name()] = r
		}
		if facts[i] != nil && len(missing) == 0 {
			s.report(Progress{Layer: i, Layers: n, Size: l.Size, Bytes: l.Size, Cached: true, Done: true})
			continue
		}
		jobs = append(jobs, &layerJob{s: s, ref: ref, layer: v1layers[i], analyzers: missing})
	}
	if err := s.runJobs(ctx, jobs, n, rep.Layers, facts, results); err != nil {
		return nil, err
	}

	lf := make([]*LayerFacts, n)
	for i, f := range facts {
		lf[i] = f.Facts
		if lf[i] == nil {
			lf[i] = &LayerFacts{}
		}
	}
	v := newView(lf)
	names := make([]string, len(s.analyzers))
	for i, a := range s.analyzers {
		names[i] = a.Name()
	}
	c := coalesce(rep.Layers, v, results, names)
	for i, f := range facts {
		ref := rep.Layers[i].Ref()
		for _, e := range f.Errors {
			rep.Incomplete = append(rep.Incomplete, AnalyzerError{Analyzer: "scanner", Layer: &ref, Path: e.Path, Error: e.Error})
		}
	}
	rep.Incomplete = append(rep.Incomplete, c.incomplete...)
	distro, derr := detectDistro(v)
	if derr != nil {
		rep.Incomplete = append(rep.Incomplete, *derr)
	}
	rep.Distro = distro
	rep.Packages = assignOwners(finish(s.analyzers, c.packages), c.removed, v)
	rep.Removed = c.removed
	for i := range rep.Packages {
		rep.Packages[i].PURL = osPURL(rep.Packages[i], distro)
	}
	for i := range rep.Removed {
		rep.Removed[i].PURL = osPURL(rep.Removed[i].Package, distro)
	}
	if rep.Packages == nil {
		rep.Packages = []Package{}
	}
	rep.ScannedAt = time.Now().UTC()
	if s.matcher != nil {
		if err := MatchReport(ctx, rep, s.matcher, s.matchOpts...); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// runJobs reads the layers that need reading, at most s.concurrency at a
// time, and caches each one's results once its diffID is verified.
func (s *LayerScanner) runJobs(ctx context.Context, jobs []*layerJob, n int, layers []Layer, facts []*LayerResult, results []layerResults) error {
	if len(jobs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, s.concurrency)
	)
	for _, j := range jobs {
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			i := j.ref.Index
			size := layers[i].Size
			j.progress = func(read int64) { s.report(Progress{Layer: i, Layers: n, Bytes: read, Size: size}) }
			out, err := j.read(ctx)
			if err == nil {
				err = s.store(ctx, j, out)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				cancel()
				return
			}
			facts[i] = out.facts
			for name, r := range out.results {
				results[i][name] = r
			}
			s.report(Progress{Layer: i, Layers: n, Bytes: size, Size: size, Done: true})
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

func (s *LayerScanner) store(ctx context.Context, j *layerJob, out *layerOutput) error {
	if err := s.cache.Put(ctx, CacheKey{j.ref.DiffID, LayerFactsAnalyzer, factsVersion}, out.facts); err != nil {
		return fmt.Errorf("scan: cache: %w", err)
	}
	for _, a := range j.analyzers {
		r := out.results[a.Name()]
		if out.abandoned[a.Name()] {
			continue // a timeout is no fact about the layer
		}
		if err := s.cache.Put(ctx, CacheKey{j.ref.DiffID, a.Name(), a.Version()}, r); err != nil {
			return fmt.Errorf("scan: cache: %w", err)
		}
	}
	return nil
}

func (s *LayerScanner) report(p Progress) {
	if s.progress != nil {
		s.progress(p)
	}
}
