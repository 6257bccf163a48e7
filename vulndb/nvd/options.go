package nvd

import (
	"log/slog"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb/fetch"
)

// Defaults of a [Source].
const (
	// DefaultURL is the NVD CVE API 2.0 endpoint.
	DefaultURL = "https://services.nvd.nist.gov/rest/json/cves/2.0"
	// DefaultName is the source's name.
	DefaultName = "nvd"
	// DefaultPageSize is the resultsPerPage asked for: the API's maximum.
	DefaultPageSize = 2000
	// MaxWindow is the longest lastModStartDate–lastModEndDate span the
	// API accepts; longer incremental spans are split.
	MaxWindow = 120 * 24 * time.Hour
	// DefaultPacing is the least time between two requests without an API
	// key: NVD allows 5 requests in a rolling 30 seconds.
	DefaultPacing = 6 * time.Second
	// DefaultPacingWithKey is the same with an API key: 50 requests in 30
	// seconds.
	DefaultPacingWithKey = 600 * time.Millisecond
	// DefaultMaxPageBytes bounds one API response.
	DefaultMaxPageBytes = int64(512 << 20)
	// DefaultMaxFileSize bounds one local file (a legacy yearly 1.1 feed
	// is a few hundred MiB uncompressed).
	DefaultMaxFileSize = int64(2 << 30)
	// DefaultMaxRecords bounds the records one Fetch reads (NVD holds a
	// few hundred thousand CVEs).
	DefaultMaxRecords = 2_000_000
)

// Option configures a [Source].
type Option func(*options)

type options struct {
	path        string
	url         string
	name        string
	apiKey      string
	client      *fetch.Client
	log         *slog.Logger
	pacing      time.Duration
	pacingSet   bool
	pageSize    int
	window      time.Duration
	maxFileSize int64
	maxRecords  int
	now         func() time.Time
}

// WithPath makes the source read local files instead of the API, for
// air-gapped imports: a file or a directory tree of .json (or .json.gz)
// files, each an API 2.0 response ({"vulnerabilities":[{"cve":…}]}), a
// single CVE object (bare or as {"cve":…}), or a legacy 1.1 JSON feed
// ({"CVE_Items":[…]}), told apart by content. The default is none: the
// source queries the API.
func WithPath(path string) Option { return func(o *options) { o.path = path } }

// WithURL sets the API endpoint. The default is [DefaultURL].
func WithURL(url string) Option { return func(o *options) { o.url = url } }

// WithName sets the source's name. The default is [DefaultName].
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithAPIKey sets the NVD API key, sent in the apiKey header (never logged
// or put in errors); it allows ten times the request rate. The CLI fills
// it from the NVD_API_KEY environment variable. The default is none.
func WithAPIKey(key string) Option { return func(o *options) { o.apiKey = key } }

// WithClient sets the HTTP client. NVD throttles with 403 as well as 503,
// so a client given here should retry 403 (fetch.WithRetryStatus(403)).
// The default is fetch.New with 403 retried, a page bounded to
// [DefaultMaxPageBytes] and the source's logger.
func WithClient(c *fetch.Client) Option { return func(o *options) { o.client = c } }

// WithLogger sets where progress is logged. The default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithPacing sets the least time between the starts of two API requests;
// zero turns pacing off (for tests). The default is [DefaultPacing], or
// [DefaultPacingWithKey] with an API key.
func WithPacing(d time.Duration) Option {
	return func(o *options) { o.pacing, o.pacingSet = d, true }
}

// WithPageSize sets resultsPerPage, at most 2000. The default is
// [DefaultPageSize].
func WithPageSize(n int) Option { return func(o *options) { o.pageSize = n } }

// WithWindow sets the longest lastModified span of one incremental query,
// at most [MaxWindow]. The default is [MaxWindow].
func WithWindow(d time.Duration) Option { return func(o *options) { o.window = d } }

// WithMaxFileSize bounds one local file, compressed or not; a larger one
// stops the import with an error naming it. The default is
// [DefaultMaxFileSize].
func WithMaxFileSize(n int64) Option { return func(o *options) { o.maxFileSize = n } }

// WithMaxRecords bounds the records one Fetch reads, and the totalResults
// the API may announce. The default is [DefaultMaxRecords].
func WithMaxRecords(n int) Option { return func(o *options) { o.maxRecords = n } }

// WithClock sets the clock that ends an incremental fetch. The default is
// time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
