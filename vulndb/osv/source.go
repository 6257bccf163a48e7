package osv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// DefaultEcosystems returns the ecosystems a default update downloads from
// OSV.dev, one [Source] each: the language registries and the
// distributions whose versions Portcullis can compare.
func DefaultEcosystems() []string {
	return []string{
		vulndb.EcosystemGo,
		vulndb.EcosystemNPM,
		vulndb.EcosystemPyPI,
		vulndb.EcosystemMaven,
		vulndb.EcosystemCratesIO,
		vulndb.EcosystemRubyGems,
		vulndb.EcosystemPackagist,
		vulndb.EcosystemNuGet,
		vulndb.EcosystemDebian,
		vulndb.EcosystemAlpine,
		vulndb.EcosystemUbuntu,
		vulndb.EcosystemRedHat,
		vulndb.EcosystemRocky,
		vulndb.EcosystemAlma,
		vulndb.EcosystemSUSE,
		vulndb.EcosystemOpenSUSE,
		vulndb.EcosystemMariner,
		vulndb.EcosystemWolfi,
		vulndb.EcosystemChainguard,
	}
}

// NewEcosystems returns one downloading source per ecosystem, each made
// with opts and [WithEcosystem].
func NewEcosystems(ecosystems []string, opts ...Option) ([]*Source, error) {
	srcs := make([]*Source, 0, len(ecosystems))
	for _, eco := range ecosystems {
		s, err := New(append(opts[:len(opts):len(opts)], WithEcosystem(eco))...)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, s)
	}
	return srcs, nil
}

// Source is an OSV feed: local files ([WithPath]) or an OSV.dev archive
// ([WithEcosystem], [WithURL]). It implements [vulndb.VulnSource],
// [vulndb.SkipCounter] and [vulndb.Snapshotter]. One Fetch runs at a time;
// Skipped may be called at any time.
type Source struct {
	o      options
	name   string
	remote string // the archive's URL; empty for local files
	client *fetch.Client
	log    *slog.Logger
	skips  feedinput.SyncSkipLog
}

var (
	_ vulndb.VulnSource  = (*Source)(nil)
	_ vulndb.SkipCounter = (*Source)(nil)
	_ vulndb.Snapshotter = (*Source)(nil)
)

// New returns an OSV source. Exactly one of [WithPath], [WithEcosystem]
// and [WithURL] (possibly with WithEcosystem) says where records come
// from.
func New(opts ...Option) (*Source, error) {
	o := options{
		baseURL:       DefaultBaseURL,
		maxFileSize:   DefaultMaxFileSize,
		maxRecords:    DefaultMaxRecords,
		maxZipEntries: DefaultMaxZipEntries,
		maxTotalSize:  DefaultMaxTotalSize,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxFileSize <= 0 || o.maxRecords <= 0 || o.maxZipEntries <= 0 || o.maxTotalSize <= 0 {
		return nil, errors.New("osv: size and count limits must be positive")
	}
	s := &Source{o: o, log: o.log, client: o.client}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	eco := strings.TrimSpace(o.ecosystem)
	switch {
	case o.path != "" && (eco != "" || o.url != ""):
		return nil, errors.New("osv: WithPath cannot be combined with WithEcosystem or WithURL")
	case o.path != "":
		s.name = DefaultName
	case o.url != "":
		if _, err := url.Parse(o.url); err != nil {
			return nil, fmt.Errorf("osv: bad URL: %w", err)
		}
		s.remote = o.url
		switch {
		case eco != "":
			s.name = "osv:" + eco
		case o.name == "":
			return nil, errors.New("osv: WithURL needs WithEcosystem or WithName to name the source")
		}
	case eco != "":
		if eco == "." || eco == ".." || strings.ContainsAny(eco, "/\\") {
			return nil, fmt.Errorf("osv: bad ecosystem %q", eco)
		}
		base, err := url.Parse(o.baseURL)
		if err != nil || base.Scheme == "" || base.Host == "" {
			return nil, fmt.Errorf("osv: bad base URL %q", o.baseURL)
		}
		s.remote = strings.TrimSuffix(o.baseURL, "/") + "/" + url.PathEscape(eco) + "/all.zip"
		s.name = "osv:" + eco
	default:
		return nil, errors.New("osv: no input: give WithPath, WithEcosystem or WithURL")
	}
	if o.name != "" {
		s.name = o.name
	}
	if s.remote != "" && s.client == nil {
		s.client = fetch.New(fetch.WithLogger(s.log))
	}
	return s, nil
}

// Name returns the source's name: "osv:<ecosystem>" for a download,
// "osv" for local files, unless [WithName] says otherwise.
func (s *Source) Name() string { return s.name }

// Snapshot reports whether every Fetch emits the whole feed: true for a
// downloaded archive, false for local files (which add to the store).
func (s *Source) Snapshot() bool { return s.remote != "" }

// Skipped returns how many records, affected entries, versions and
// vectors the last Fetch left out, with one line per reason.
func (s *Source) Skipped() (int, []string) { return s.skips.Result() }

// cursor is a Source's [vulndb.Cursor]: the archive's validators and
// digest for a download, what was read for local files.
type cursor struct {
	fetch.Validators
	SHA256  string `json:"sha256,omitempty"`
	Records int    `json:"records,omitempty"`
	Newest  string `json:"newest,omitempty"`
}

func (c cursor) encode() vulndb.Cursor {
	b, _ := json.Marshal(c)
	return vulndb.Cursor(b)
}

// Fetch emits the records of the source's files or archive. A download
// whose archive has not changed since the cursor (by ETag, Last-Modified
// or digest) returns [vulndb.ErrUnchanged]. Local files are read whole
// each time; their cursor only records what was read.
func (s *Source) Fetch(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
	s.skips.Reset()
	start := time.Now()
	var (
		c   cursor
		st  stats
		err error
	)
	if s.remote != "" {
		c, st, err = s.fetchRemote(ctx, since, emit)
	} else {
		st, err = s.run(ctx, emit, func(p *producer) error { return p.local(s.o.path) })
	}
	if err != nil {
		return "", err
	}
	c.Records = st.emitted
	if !st.newest.IsZero() {
		c.Newest = st.newest.Format(time.RFC3339Nano)
	}
	n, _ := s.skips.Result()
	s.log.LogAttrs(ctx, slog.LevelInfo, "osv import done", slog.String("source", s.name),
		slog.Int("records", st.emitted), slog.Int("skipped", n), slog.Duration("took", time.Since(start)))
	return c.encode(), nil
}

func (s *Source) fetchRemote(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (cursor, stats, error) {
	var prev cursor
	if since != "" {
		if err := json.Unmarshal([]byte(since), &prev); err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "osv: ignoring unreadable cursor", slog.String("source", s.name))
			prev = cursor{}
		}
	}
	resp, err := s.client.Get(ctx, s.remote, nil, prev.Validators)
	if err != nil {
		return cursor{}, stats{}, fmt.Errorf("osv: %s: %w", s.name, err)
	}
	defer resp.Body.Close()
	if resp.NotModified {
		return cursor{}, stats{}, vulndb.ErrUnchanged
	}
	tmp, err := os.CreateTemp(s.o.tempDir, "portcullis-osv-*.zip")
	if err != nil {
		return cursor{}, stats{}, fmt.Errorf("osv: %s: %w", s.name, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if err != nil {
		return cursor{}, stats{}, fmt.Errorf("osv: %s: downloading: %w", s.name, err)
	}
	c := cursor{Validators: resp.Validators, SHA256: hex.EncodeToString(h.Sum(nil))}
	if prev.SHA256 != "" && prev.SHA256 == c.SHA256 {
		return cursor{}, stats{}, vulndb.ErrUnchanged
	}
	st, err := s.run(ctx, emit, func(p *producer) error { return p.zip(s.name, tmp, size) })
	if err != nil {
		return cursor{}, stats{}, err
	}
	return c, st, nil
}
