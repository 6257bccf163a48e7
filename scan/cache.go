package scan

import (
	"context"
	"sync"
)

// CacheKey names one cached per-layer result: what one analyzer (or, with
// Analyzer [LayerFactsAnalyzer], the scanner's own walk) found in one layer.
type CacheKey struct {
	// DiffID is the layer's verified uncompressed digest.
	DiffID   string
	Analyzer string
	Version  int
}

// LayerFactsAnalyzer is the analyzer name under which the scanner caches
// the facts of a layer's structure ([LayerFacts]).
const LayerFactsAnalyzer = "portcullis.layer"

// LayerResult is what one analyzer found in one layer, as cached.
type LayerResult struct {
	// Files are the paths handed to the analyzer: the evidence whose later
	// replacement or deletion supersedes the packages found in them.
	Files []string `json:"files,omitempty"`
	// Packages found; their Layer is not set.
	Packages []Package `json:"packages,omitempty"`
	// Errors the analyzer reported for the layer.
	Errors []LayerError `json:"errors,omitempty"`
	// Facts is set only for the [LayerFactsAnalyzer] entry.
	Facts *LayerFacts `json:"facts,omitempty"`
}

// LayerError is an error recorded for a layer, by path where it concerns one
// file.
type LayerError struct {
	Path  string `json:"path,omitempty"`
	Error string `json:"error"`
}

// LayerFacts is what the scanner itself keeps of a layer's structure:
// enough to resolve symlinks, apply whiteouts and detect the distribution
// without reading the layer again.
type LayerFacts struct {
	// Whiteouts are the paths the layer deletes from lower layers.
	Whiteouts []string `json:"whiteouts,omitempty"`
	// Opaques are directories whose lower-layer contents the layer hides
	// ("" is the root).
	Opaques []string `json:"opaques,omitempty"`
	// Symlinks maps each symlink's path to its target as written.
	Symlinks map[string]string `json:"symlinks,omitempty"`
	// Releases holds the content of the files the distribution is detected
	// from (etc/os-release and its fallbacks), by path.
	Releases map[string][]byte `json:"releases,omitempty"`
	// Entries is the number of entries in the layer; Bytes its uncompressed size.
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
}

// Cache keeps per-layer results between scans, so a scan of an image that
// shares layers with one scanned before reads no shared layer again.
//
// Get returns (nil, nil) on a miss. Implementations must be safe for
// concurrent use, and must not let callers change what they stored: the
// scanner never modifies a result it got or put.
type Cache interface {
	Get(ctx context.Context, key CacheKey) (*LayerResult, error)
	Put(ctx context.Context, key CacheKey, r *LayerResult) error
}

// MemoryCache is a [Cache] in memory, unbounded; the zero value is ready.
type MemoryCache struct {
	mu sync.RWMutex
	m  map[CacheKey]*LayerResult
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache { return &MemoryCache{} }

// Get implements [Cache].
func (c *MemoryCache) Get(_ context.Context, key CacheKey) (*LayerResult, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[key], nil
}

// Put implements [Cache].
func (c *MemoryCache) Put(_ context.Context, key CacheKey, r *LayerResult) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[CacheKey]*LayerResult)
	}
	c.m[key] = r
	return nil
}

// Len returns the number of entries.
func (c *MemoryCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
