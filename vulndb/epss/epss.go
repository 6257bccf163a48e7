package epss

import (
	"context"
	"errors"
	"log/slog"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Defaults of a [Source].
const (
	// DefaultURL is the current day's scores, gzipped CSV, as FIRST
	// publishes them (the host is run for FIRST by Empirical Security; it
	// redirects to the dated file epss_scores-YYYY-MM-DD.csv.gz).
	DefaultURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
	// DefaultMaxBytes bounds the file, before and after decompression:
	// 256 MiB (the CSV is about 12 MiB for 300,000 CVEs in 2025).
	DefaultMaxBytes int64 = 256 << 20
	// MaxLineBytes bounds one line of the CSV.
	MaxLineBytes = 4 << 10
	// Name is the source's name.
	Name = "epss"
)

// Option configures a [Source].
type Option func(*options)

type options struct {
	feedinput.Config
}

// WithURL sets where the scores are downloaded from. The default is
// [DefaultURL].
func WithURL(u string) Option { return func(o *options) { o.URL = u } }

// WithPath makes the source read the scores (CSV, plain or gzipped) from a
// local file instead of the network, for air-gapped imports. The default
// is "" (download from the URL).
func WithPath(p string) Option { return func(o *options) { o.Path = p } }

// WithClient sets the HTTP client. The default is fetch.New().
func WithClient(c *fetch.Client) Option { return func(o *options) { o.Client = c } }

// WithLogger sets where the source logs. The default is a logger that
// discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.Log = l } }

// WithMaxBytes bounds the size of the file, before and after
// decompression. The default is [DefaultMaxBytes].
func WithMaxBytes(n int64) Option { return func(o *options) { o.MaxBytes = n } }

// Source is FIRST's daily EPSS scores as a [vulndb.VulnSource]. Every
// Fetch emits the whole file (it is a [vulndb.Snapshotter]): one record
// per CVE carrying [vulndb.EPSS] and no Affected entry, so it adds an
// exploit signal to the records of other feeds and never matches a package
// by itself. The file is read as a stream, row by row: memory does not
// grow with its size.
//
// A Source is not safe for concurrent Fetch calls; Skipped may be called
// at any time.
type Source struct {
	opts options

	skips feedinput.SyncSkipLog
}

var (
	_ vulndb.VulnSource  = (*Source)(nil)
	_ vulndb.Snapshotter = (*Source)(nil)
	_ vulndb.SkipCounter = (*Source)(nil)
)

// New returns a source reading the scores from [DefaultURL] unless
// options say otherwise.
func New(opts ...Option) (*Source, error) {
	o := options{Config: feedinput.Config{URL: DefaultURL, MaxBytes: DefaultMaxBytes}}
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.Finish(Name); err != nil {
		return nil, err
	}
	return &Source{opts: o}, nil
}

// Name returns [Name].
func (s *Source) Name() string { return Name }

// Snapshot reports true: every Fetch emits the whole file.
func (s *Source) Snapshot() bool { return true }

// Skipped returns how many rows the last Fetch skipped, with a line per
// reason.
func (s *Source) Skipped() (int, []string) {
	return s.skips.Result()
}

// Fetch reads the scores and emits one record per row, in the file's
// order. It returns [vulndb.ErrUnchanged] when the server answers "not
// modified" to the validators in since, or the local file has the hash in
// since. The cursor returned is JSON of the response's validators (ETag,
// Last-Modified) or of the file's SHA-256.
func (s *Source) Fetch(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
	feed := s.opts.Feed(Name)
	in, err := feed.Open(ctx, s.opts.URL, s.opts.Path, feedinput.ParseCursor(string(since)))
	if errors.Is(err, feedinput.ErrUnchanged) {
		return "", vulndb.ErrUnchanged
	}
	if err != nil {
		return "", err
	}
	defer in.Close()
	var sk feedinput.SkipLog
	st, err := parse(ctx, in, in.Name, &sk, emit)
	s.skips.Set(sk)
	if err != nil {
		return "", err
	}
	s.opts.Log.LogAttrs(ctx, slog.LevelInfo, "EPSS scores imported",
		slog.String("from", in.Name), slog.String("model", st.model), slog.String("date", st.date),
		slog.Int("records", st.emitted), slog.Int("skipped", sk.Count()))
	return vulndb.Cursor(in.Cursor.Encode()), nil
}
