package kev

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
	// DefaultURL is CISA's Known Exploited Vulnerabilities catalogue in
	// JSON.
	DefaultURL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	// DefaultMaxBytes bounds the catalogue, before and after
	// decompression: 64 MiB (it is about 1.5 MiB in 2025).
	DefaultMaxBytes int64 = 64 << 20
	// Name is the source's name.
	Name = "kev"
)

// Option configures a [Source].
type Option func(*options)

type options struct {
	feedinput.Config
}

// WithURL sets where the catalogue is downloaded from. The default is
// [DefaultURL].
func WithURL(u string) Option { return func(o *options) { o.URL = u } }

// WithPath makes the source read the catalogue (plain or gzipped) from a
// local file instead of the network, for air-gapped imports. The default
// is "" (download from the URL).
func WithPath(p string) Option { return func(o *options) { o.Path = p } }

// WithClient sets the HTTP client. The default is fetch.New().
func WithClient(c *fetch.Client) Option { return func(o *options) { o.Client = c } }

// WithLogger sets where the source logs. The default is a logger that
// discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.Log = l } }

// WithMaxBytes bounds the size of the catalogue, before and after
// decompression. The default is [DefaultMaxBytes].
func WithMaxBytes(n int64) Option { return func(o *options) { o.MaxBytes = n } }

// Source is CISA's KEV catalogue as a [vulndb.VulnSource]. Every Fetch
// emits the whole catalogue (it is a [vulndb.Snapshotter]): one record per
// CVE, carrying [vulndb.KEV] and no Affected entry, so it adds an exploit
// signal to the records of other feeds and never matches a package by
// itself.
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

// New returns a source reading the catalogue from [DefaultURL] unless
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

// Snapshot reports true: every Fetch emits the whole catalogue.
func (s *Source) Snapshot() bool { return true }

// Skipped returns how many entries (or fields of entries) the last Fetch
// skipped, with a line per reason.
func (s *Source) Skipped() (int, []string) {
	return s.skips.Result()
}

// Fetch reads the catalogue and emits one record per CVE, in the
// catalogue's order. It returns [vulndb.ErrUnchanged] when the server
// answers "not modified" to the validators in since, or the local file has
// the hash in since. The cursor returned is JSON of the response's
// validators (ETag, Last-Modified) or of the file's SHA-256.
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
	cat, err := parse(ctx, in, in.Name, &sk, emit)
	s.skips.Set(sk)
	if err != nil {
		return "", err
	}
	if cat.count != nil && *cat.count != cat.entries {
		s.opts.Log.LogAttrs(ctx, slog.LevelWarn, "KEV catalogue count differs from its entries",
			slog.String("from", in.Name), slog.Int("count", *cat.count), slog.Int("entries", cat.entries))
	}
	s.opts.Log.LogAttrs(ctx, slog.LevelInfo, "KEV catalogue imported",
		slog.String("from", in.Name), slog.String("catalogVersion", cat.version),
		slog.Int("records", cat.emitted), slog.Int("skipped", sk.Count()))
	return vulndb.Cursor(in.Cursor.Encode()), nil
}
