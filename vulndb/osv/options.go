package osv

import (
	"log/slog"

	"github.com/portcullis-oci/portcullis/vulndb/fetch"
)

// Defaults of a [Source].
const (
	// DefaultBaseURL is where OSV.dev publishes one all.zip per ecosystem:
	// <base>/<Ecosystem>/all.zip.
	DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"
	// DefaultName is the name of a source reading local files.
	DefaultName = "osv"
	// DefaultMaxFileSize bounds one file or zip entry (one record, or an
	// array of records in one JSON file).
	DefaultMaxFileSize = int64(64 << 20)
	// DefaultMaxRecords bounds the records one Fetch reads.
	DefaultMaxRecords = 5_000_000
	// DefaultMaxZipEntries bounds the entries of a zip archive (OSV's npm
	// archive, with its malicious-package reports, has a few hundred
	// thousand).
	DefaultMaxZipEntries = 2_000_000
	// DefaultMaxTotalSize bounds the uncompressed bytes read from one zip
	// archive.
	DefaultMaxTotalSize = int64(32 << 30)
)

// Option configures a [Source].
type Option func(*options)

type options struct {
	path          string
	ecosystem     string
	baseURL       string
	url           string
	name          string
	client        *fetch.Client
	log           *slog.Logger
	maxFileSize   int64
	maxRecords    int
	maxZipEntries int
	maxTotalSize  int64
	tempDir       string
	workers       int
}

// WithPath makes the source read local files (for air-gapped imports): a
// directory tree of .json, .yaml and .yml records, a single .json or .yaml
// file (one record, or for JSON an array of records), or a .zip archive of
// records such as OSV's all.zip. A local source adds to what the store
// holds (it is not a snapshot), so importing several trees under one name
// keeps them all. The default is none: the source downloads.
func WithPath(path string) Option { return func(o *options) { o.path = path } }

// WithEcosystem makes the source download OSV's archive for one ecosystem
// ("Go", "PyPI", "Debian", …; see [DefaultEcosystems]) from
// <base>/<ecosystem>/all.zip. Such a source is named "osv:<ecosystem>" and
// replaces what the store held from it on each change. The default is
// none.
func WithEcosystem(ecosystem string) Option { return func(o *options) { o.ecosystem = ecosystem } }

// WithBaseURL sets the base URL of the per-ecosystem archives. The default
// is [DefaultBaseURL].
func WithBaseURL(base string) Option { return func(o *options) { o.baseURL = base } }

// WithURL sets the exact URL of a zip archive of OSV records to download,
// instead of <base>/<ecosystem>/all.zip. The default is none.
func WithURL(url string) Option { return func(o *options) { o.url = url } }

// WithName sets the source's name. The default is "osv:<ecosystem>" for a
// source made with [WithEcosystem] and [DefaultName] otherwise.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithClient sets the HTTP client used to download. The default is
// fetch.New() with the source's logger.
func WithClient(c *fetch.Client) Option { return func(o *options) { o.client = c } }

// WithLogger sets where progress and skipped records are logged. The
// default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithMaxFileSize bounds the size of one file or zip entry; a larger one
// stops the import with an error naming it. The default is
// [DefaultMaxFileSize].
func WithMaxFileSize(n int64) Option { return func(o *options) { o.maxFileSize = n } }

// WithMaxRecords bounds the records one Fetch reads; more stop the import
// with an error. The default is [DefaultMaxRecords].
func WithMaxRecords(n int) Option { return func(o *options) { o.maxRecords = n } }

// WithMaxZipEntries bounds the entries of a zip archive; more stop the
// import with an error before anything is read. The default is
// [DefaultMaxZipEntries].
func WithMaxZipEntries(n int) Option { return func(o *options) { o.maxZipEntries = n } }

// WithMaxTotalSize bounds the uncompressed bytes read from a zip archive,
// as its directory declares them and as they are read. The default is
// [DefaultMaxTotalSize].
func WithMaxTotalSize(n int64) Option { return func(o *options) { o.maxTotalSize = n } }

// WithTempDir sets where a downloaded archive is kept while it is read
// (it is removed afterwards). The default is os.TempDir().
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithWorkers sets how many records are decoded at once; they are emitted
// in the order they were read all the same. The default is
// runtime.GOMAXPROCS(0).
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }
