package debian

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Defaults of a [Source].
const (
	// DefaultURL is the Debian security tracker's JSON dump.
	DefaultURL = "https://security-tracker.debian.org/tracker/data/json"
	// DefaultMaxBytes bounds the feed file, before and after
	// decompression: 1 GiB (the dump is about 80 MiB in 2025).
	DefaultMaxBytes int64 = 1 << 30
	// Name is the source's name.
	Name = "debian"
	// RatingSource is the Source of the ratings the feed gives.
	RatingSource = "debian"
	// TrackerURL is the tracker page of an issue, followed by its ID.
	TrackerURL = "https://security-tracker.debian.org/tracker/"
	// Unstable is the release of the ecosystem "Debian:unstable", to which
	// the tracker's "sid" maps (as vunnel and grype name it).
	Unstable = "unstable"
)

// DefaultReleases returns the tracker's release code names and the
// releases they stand for in the ecosystem name ("bookworm" is "12", so
// its packages are in "Debian:12"). Each call returns a new map.
func DefaultReleases() map[string]string {
	return map[string]string{
		"buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1",
		"potato": "2.2", "woody": "3.0", "sarge": "3.1", "etch": "4.0",
		"lenny": "5.0", "squeeze": "6.0", "wheezy": "7", "jessie": "8",
		"stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12",
		"trixie": "13", "forky": "14", "duke": "15", "sid": Unstable,
	}
}

// Option configures a [Source].
type Option func(*options)

type options struct {
	feedinput.Config
	releases map[string]string
}

// WithURL sets where the tracker's JSON is downloaded from. The default is
// [DefaultURL].
func WithURL(u string) Option { return func(o *options) { o.URL = u } }

// WithPath makes the source read the tracker's JSON (plain or gzipped)
// from a local file instead of the network, for air-gapped imports. The
// default is "" (download from the URL).
func WithPath(p string) Option { return func(o *options) { o.Path = p } }

// WithClient sets the HTTP client. The default is fetch.New().
func WithClient(c *fetch.Client) Option { return func(o *options) { o.Client = c } }

// WithLogger sets where the source logs. The default is a logger that
// discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.Log = l } }

// WithMaxBytes bounds the size of the feed, before and after
// decompression. The default is [DefaultMaxBytes].
func WithMaxBytes(n int64) Option { return func(o *options) { o.MaxBytes = n } }

// WithRelease maps a tracker code name to the release it stands for in
// the ecosystem name, adding to or replacing the default mapping (for a
// release newer than this package). The default is [DefaultReleases].
func WithRelease(codename, release string) Option {
	return func(o *options) {
		if o.releases == nil {
			o.releases = DefaultReleases()
		}
		o.releases[codename] = release
	}
}

// Source is the Debian security tracker as a [vulndb.VulnSource]. Every
// Fetch emits the whole tracker (it is a [vulndb.Snapshotter]): one record
// per issue (CVE or the tracker's TEMP- ID), with one Affected entry per
// release and source package in the ecosystem "Debian:<release>".
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

// New returns a source reading the tracker from [DefaultURL] unless
// options say otherwise.
func New(opts ...Option) (*Source, error) {
	o := options{Config: feedinput.Config{URL: DefaultURL, MaxBytes: DefaultMaxBytes}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.releases == nil {
		o.releases = DefaultReleases()
	}
	if err := o.Finish(Name); err != nil {
		return nil, err
	}
	for code, rel := range o.releases {
		if code == "" || rel == "" {
			return nil, fmt.Errorf("debian: WithRelease(%q, %q): empty code name or release", code, rel)
		}
	}
	return &Source{opts: o}, nil
}

// Name returns [Name].
func (s *Source) Name() string { return Name }

// Snapshot reports true: every Fetch emits the whole tracker.
func (s *Source) Snapshot() bool { return true }

// Skipped returns how many issues, releases or package entries the last
// Fetch skipped, with a line per reason.
func (s *Source) Skipped() (int, []string) {
	return s.skips.Result()
}

// Fetch reads the tracker and emits one record per issue, sorted by ID.
// It returns [vulndb.ErrUnchanged] when the server answers "not modified"
// to the validators in since, or the local file has the hash in since.
// The cursor returned is JSON of the response's validators (ETag,
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
	n, err := parse(ctx, in, in.Name, s.opts.releases, &sk, emit)
	s.skips.Set(sk)
	if err != nil {
		return "", err
	}
	s.opts.Log.LogAttrs(ctx, slog.LevelInfo, "debian tracker imported",
		slog.String("from", in.Name), slog.Int("records", n), slog.Int("skipped", sk.Count()))
	return vulndb.Cursor(in.Cursor.Encode()), nil
}
