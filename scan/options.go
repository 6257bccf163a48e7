package scan

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"
)

// Defaults for the scanner's limits and settings.
const (
	// DefaultMaxLayerBytes bounds a layer's decompressed size.
	DefaultMaxLayerBytes int64 = 64 << 30
	// DefaultMaxFileBytes bounds the size of one file handed to analyzers.
	DefaultMaxFileBytes int64 = 1 << 30
	// DefaultMaxEntries bounds the entries of one layer.
	DefaultMaxEntries = 4 << 20
	// DefaultMaxLayers bounds the layers of one image.
	DefaultMaxLayers = 1000
	// DefaultAnalyzerTimeout bounds how long one analyzer may take over one
	// layer, measured from the first file it was handed.
	DefaultAnalyzerTimeout = 5 * time.Minute
	// MaxSymlinkHops is how many symlinks a path resolution follows, as Linux.
	MaxSymlinkHops = 40
)

// DefaultConcurrency returns the default number of layers read at once: the
// number of usable CPUs, at most 8.
func DefaultConcurrency() int { return min(runtime.GOMAXPROCS(0), 8) }

// Option configures a scanner made by [New].
type Option func(*options)

type options struct {
	analyzers       []Analyzer
	matcher         VulnMatcher
	matchOpts       []MatchOption
	cache           Cache
	concurrency     int
	tempDir         string
	logger          *slog.Logger
	maxLayerBytes   int64
	maxFileBytes    int64
	maxEntries      int
	maxLayers       int
	analyzerTimeout time.Duration
	progress        func(Progress)
}

// WithMatcher has every scan match its inventory with m (see
// [MatchReport]), filling the report's findings and summary. The default
// is no matching: a report lists packages only.
func WithMatcher(m VulnMatcher, opts ...MatchOption) Option {
	return func(o *options) {
		o.matcher = m
		o.matchOpts = opts
	}
}

// WithAnalyzers sets the analyzers to run. The default is none: pass
// analyzers.Default() from package scan/analyzers, plus your own.
func WithAnalyzers(a ...Analyzer) Option {
	return func(o *options) { o.analyzers = append([]Analyzer(nil), a...) }
}

// WithCache sets the per-layer result cache. The default is a new
// [MemoryCache] for each scanner.
func WithCache(c Cache) Option { return func(o *options) { o.cache = c } }

// WithConcurrency sets how many layers are read at once. The default is
// [DefaultConcurrency].
func WithConcurrency(n int) Option { return func(o *options) { o.concurrency = n } }

// WithTempDir sets the directory under which analyzers' scratch
// directories are made. The default is [os.TempDir].
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithLogger sets the logger. The default discards everything.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithMaxLayerBytes bounds a layer's decompressed size. The default is
// [DefaultMaxLayerBytes].
func WithMaxLayerBytes(n int64) Option { return func(o *options) { o.maxLayerBytes = n } }

// WithMaxFileBytes bounds the size of a file handed to analyzers; a larger
// one is skipped and recorded in [Report.Incomplete]. The default is
// [DefaultMaxFileBytes].
func WithMaxFileBytes(n int64) Option { return func(o *options) { o.maxFileBytes = n } }

// WithMaxEntries bounds the number of entries in one layer. The default is
// [DefaultMaxEntries].
func WithMaxEntries(n int) Option { return func(o *options) { o.maxEntries = n } }

// WithMaxLayers bounds the number of layers in an image. The default is
// [DefaultMaxLayers].
func WithMaxLayers(n int) Option { return func(o *options) { o.maxLayers = n } }

// WithAnalyzerTimeout bounds how long one analyzer may take over one layer;
// one that takes longer is abandoned and recorded in [Report.Incomplete].
// The default is [DefaultAnalyzerTimeout].
func WithAnalyzerTimeout(d time.Duration) Option {
	return func(o *options) { o.analyzerTimeout = d }
}

// WithProgress sets a function called as layers are read; it is called from
// several goroutines at once. The default is none.
func WithProgress(f func(Progress)) Option { return func(o *options) { o.progress = f } }

// Progress reports the reading of one layer.
type Progress struct {
	Layer  int // index of the layer
	Layers int // number of layers in the image
	// Bytes is how many compressed bytes of the layer have been read, of Size.
	Bytes, Size int64
	// Cached is set when the layer's results came from the cache.
	Cached bool
	Done   bool
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{
		concurrency:     DefaultConcurrency(),
		tempDir:         os.TempDir(),
		maxLayerBytes:   DefaultMaxLayerBytes,
		maxFileBytes:    DefaultMaxFileBytes,
		maxEntries:      DefaultMaxEntries,
		maxLayers:       DefaultMaxLayers,
		analyzerTimeout: DefaultAnalyzerTimeout,
	}
	for _, opt := range opts {
		opt(o)
	}
	switch {
	case len(o.analyzers) == 0:
		return nil, fmt.Errorf("scan: no analyzers: pass WithAnalyzers(analyzers.Default()...)")
	case o.concurrency < 1:
		return nil, fmt.Errorf("scan: WithConcurrency(%d): must be at least 1", o.concurrency)
	case o.maxLayerBytes < 1, o.maxFileBytes < 1, o.maxEntries < 1, o.maxLayers < 1:
		return nil, fmt.Errorf("scan: limits must be positive")
	case o.analyzerTimeout <= 0:
		return nil, fmt.Errorf("scan: WithAnalyzerTimeout(%s): must be positive", o.analyzerTimeout)
	}
	seen := map[string]bool{LayerFactsAnalyzer: true}
	for _, a := range o.analyzers {
		if a == nil {
			return nil, fmt.Errorf("scan: nil analyzer")
		}
		if seen[a.Name()] {
			return nil, fmt.Errorf("scan: two analyzers named %q", a.Name())
		}
		seen[a.Name()] = true
	}
	if o.cache == nil {
		o.cache = NewMemoryCache()
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o, nil
}

// ScanOption configures one call of [Scanner.Scan].
type ScanOption func(*scanOptions)

type scanOptions struct {
	ref string
}

// WithRef records the reference the image was opened by in the report.
// The default is none.
func WithRef(ref string) ScanOption { return func(o *scanOptions) { o.ref = ref } }
