package alpine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Defaults of a [Source].
const (
	// DefaultURL is the base of Alpine's secdb: files are
	// <base><release>/<repository>.json.
	DefaultURL = "https://secdb.alpinelinux.org/"
	// DefaultMaxBytes bounds each secdb file, before and after
	// decompression: 64 MiB (edge's main.json is about 1 MiB in 2025).
	DefaultMaxBytes int64 = 64 << 20
	// MaxReleases bounds the release directories read from a local copy.
	MaxReleases = 256
	// Name is the source's name.
	Name = "alpine"
	// AdvisoryURL is Alpine's page of a CVE, followed by its ID.
	AdvisoryURL = "https://security.alpinelinux.org/vuln/"
)

// DefaultReleases returns the releases fetched over the network: the
// recent stable branches and edge. Each call returns a new slice.
func DefaultReleases() []string {
	return []string{"v3.14", "v3.15", "v3.16", "v3.17", "v3.18", "v3.19", "v3.20", "v3.21", "v3.22", "edge"}
}

// Repositories returns the secdb repositories read for each release.
func Repositories() []string { return []string{"main", "community"} }

// Option configures a [Source].
type Option func(*options)

type options struct {
	feedinput.Config
	releases []string
}

// WithURL sets the base URL of the secdb. The default is [DefaultURL].
func WithURL(u string) Option { return func(o *options) { o.URL = u } }

// WithPath makes the source read a local copy of the secdb instead of the
// network, for air-gapped imports: a directory holding one directory per
// release ("v3.19", "edge"), each with main and community files in JSON
// (main.json) or YAML (main.yaml), plain or gzipped. The default is ""
// (download from the URL).
func WithPath(dir string) Option { return func(o *options) { o.Path = dir } }

// WithClient sets the HTTP client. The default is fetch.New().
func WithClient(c *fetch.Client) Option { return func(o *options) { o.Client = c } }

// WithLogger sets where the source logs. The default is a logger that
// discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.Log = l } }

// WithMaxBytes bounds the size of each secdb file, before and after
// decompression. The default is [DefaultMaxBytes].
func WithMaxBytes(n int64) Option { return func(o *options) { o.MaxBytes = n } }

// WithReleases sets the releases to read ("v3.20", "edge"). The default is
// [DefaultReleases] over the network and every release directory of a
// local copy.
func WithReleases(releases ...string) Option {
	return func(o *options) { o.releases = append([]string{}, releases...) }
}

// Source is Alpine's secdb as a [vulndb.VulnSource]. Every Fetch emits the
// whole secdb of the chosen releases (it is a [vulndb.Snapshotter]): one
// record per vulnerability ID, with one Affected entry per release and
// origin package in the ecosystem "Alpine:<release>".
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

// New returns a source reading the secdb from [DefaultURL] unless options
// say otherwise.
func New(opts ...Option) (*Source, error) {
	o := options{Config: feedinput.Config{URL: DefaultURL, MaxBytes: DefaultMaxBytes}}
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.Finish(Name); err != nil {
		return nil, err
	}
	for i, r := range o.releases {
		norm, ok := normalizeRelease(r)
		if !ok {
			return nil, fmt.Errorf("alpine: WithReleases: %q is not a release (want v3.20 or edge)", r)
		}
		o.releases[i] = norm
	}
	if o.Path == "" && o.releases == nil {
		o.releases = DefaultReleases()
	}
	if o.Path == "" && !strings.HasSuffix(o.URL, "/") {
		o.URL += "/"
	}
	return &Source{opts: o}, nil
}

// Name returns [Name].
func (s *Source) Name() string { return Name }

// Snapshot reports true: every Fetch emits the whole secdb.
func (s *Source) Snapshot() bool { return true }

// Skipped returns how many files, package entries, versions or IDs the
// last Fetch skipped, with a line per reason.
func (s *Source) Skipped() (int, []string) {
	return s.skips.Result()
}

// cursor is what Fetch hands back: the validators of each file fetched
// over HTTP, by path below the base URL, or the SHA-256 of the local
// files.
type cursor struct {
	Files  map[string]fetch.Validators `json:"files,omitempty"`
	SHA256 string                      `json:"sha256,omitempty"`
}

// encode returns the cursor's JSON, or "" when it holds nothing.
func (c cursor) encode() vulndb.Cursor {
	if len(c.Files) == 0 && c.SHA256 == "" {
		return ""
	}
	return vulndb.Cursor(feedinput.EncodeCursor(c))
}

// Fetch reads the secdb files of every release and repository and emits
// one record per vulnerability, sorted by ID. Over the network it returns
// [vulndb.ErrUnchanged] when every file is unchanged since the validators
// in since; from a local copy, when the files hash to the SHA-256 in
// since. A file the server does not have (404) is skipped and counted; a
// file that does not parse is an error naming it.
func (s *Source) Fetch(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
	prev := feedinput.DecodeCursor[cursor](string(since))
	var sk feedinput.SkipLog
	agg := newAggregate()
	var cur cursor
	var err error
	if s.opts.Path != "" {
		cur, err = s.fetchDir(ctx, prev, agg, &sk)
	} else {
		cur, err = s.fetchURL(ctx, prev, agg, &sk)
	}
	if err == nil && len(agg.vulns) == 0 {
		err = fmt.Errorf("alpine: %s: no usable record; refusing to replace the feed with nothing", s.where())
	}
	var n int
	if err == nil {
		n, err = agg.emitAll(ctx, emit)
	}
	s.skips.Set(sk)
	if err != nil {
		return "", err
	}
	s.opts.Log.LogAttrs(ctx, slog.LevelInfo, "alpine secdb imported",
		slog.String("from", s.where()), slog.Int("records", n), slog.Int("skipped", sk.Count()))
	return cur.encode(), nil
}

// feed is what feedinput needs to read one secdb file.
func (s *Source) feed() feedinput.Feed {
	return s.opts.Feed(Name)
}

func (s *Source) where() string {
	if s.opts.Path != "" {
		return s.opts.Path
	}
	return feedinput.DisplayURL(s.opts.URL)
}

// secdbFile is one file to read.
type secdbFile struct {
	release string
	rel     string // path below the base: "v3.20/main.json"
	data    []byte
}

// fetchURL downloads every release's files. Unchanged files are fetched
// again, unconditionally, when another file changed: the source emits the
// whole secdb every time.
func (s *Source) fetchURL(ctx context.Context, prev cursor, agg *aggregate, sk *feedinput.SkipLog) (cursor, error) {
	cur := cursor{Files: map[string]fetch.Validators{}}
	var unchanged []secdbFile
	changed := false
	for _, rel := range s.opts.releases {
		for _, repo := range Repositories() {
			f := secdbFile{release: rel, rel: rel + "/" + repo + ".json"}
			u := s.opts.URL + f.rel
			in, err := s.feed().Get(ctx, u, prev.Files[f.rel])
			var se *fetch.StatusError
			if errors.As(err, &se) && se.Status == http.StatusNotFound {
				sk.Add("file not published", feedinput.DisplayURL(u))
				if _, had := prev.Files[f.rel]; had {
					changed = true
				}
				continue
			}
			if errors.Is(err, feedinput.ErrUnchanged) {
				cur.Files[f.rel] = prev.Files[f.rel]
				unchanged = append(unchanged, f)
				continue
			}
			if err != nil {
				return cursor{}, err
			}
			changed = true
			cur.Files[f.rel] = in.Cursor.Validators
			f.data, err = io.ReadAll(in)
			in.Close()
			if err != nil {
				return cursor{}, fmt.Errorf("alpine: %s: %w", feedinput.DisplayURL(u), err)
			}
			if err := parseFile(ctx, f.data, feedinput.DisplayURL(u), f.release, formatJSON, agg, sk); err != nil {
				return cursor{}, err
			}
		}
	}
	if len(cur.Files) == 0 {
		return cursor{}, fmt.Errorf("alpine: %s: none of the releases' files exists", feedinput.DisplayURL(s.opts.URL))
	}
	if len(prev.Files) != len(cur.Files) {
		changed = true
	}
	if !changed {
		return cursor{}, vulndb.ErrUnchanged
	}
	for _, f := range unchanged {
		u := s.opts.URL + f.rel
		in, err := s.feed().Get(ctx, u, fetch.Validators{})
		if errors.Is(err, feedinput.ErrUnchanged) {
			return cursor{}, fmt.Errorf("alpine: %s: \"not modified\" to an unconditional request", feedinput.DisplayURL(u))
		}
		if err != nil {
			return cursor{}, err
		}
		f.data, err = io.ReadAll(in)
		in.Close()
		if err != nil {
			return cursor{}, fmt.Errorf("alpine: %s: %w", feedinput.DisplayURL(u), err)
		}
		cur.Files[f.rel] = in.Cursor.Validators
		if err := parseFile(ctx, f.data, feedinput.DisplayURL(u), f.release, formatJSON, agg, sk); err != nil {
			return cursor{}, err
		}
	}
	return cur, nil
}

// fetchDir reads a local copy of the secdb.
func (s *Source) fetchDir(ctx context.Context, prev cursor, agg *aggregate, sk *feedinput.SkipLog) (cursor, error) {
	files, err := s.readDir(ctx, sk)
	if err != nil {
		return cursor{}, err
	}
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.rel, len(f.data))
		h.Write(f.data)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if prev.SHA256 == sum {
		return cursor{}, vulndb.ErrUnchanged
	}
	for _, f := range files {
		format := formatYAML
		if strings.HasSuffix(f.rel, ".json") || strings.HasSuffix(f.rel, ".json.gz") {
			format = formatJSON
		}
		if err := parseFile(ctx, f.data, filepath.Join(s.opts.Path, filepath.FromSlash(f.rel)), f.release, format, agg, sk); err != nil {
			return cursor{}, err
		}
	}
	return cursor{SHA256: sum}, nil
}

// readDir reads the secdb files of a local copy, in order: for each
// release directory and repository the first of <repo>.json,
// <repo>.json.gz, <repo>.yaml, <repo>.yaml.gz, <repo>.yml that exists.
func (s *Source) readDir(ctx context.Context, sk *feedinput.SkipLog) ([]secdbFile, error) {
	entries, err := os.ReadDir(s.opts.Path)
	if err != nil {
		return nil, fmt.Errorf("alpine: %w", err)
	}
	dirs := map[string]string{} // release → directory name
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		rel, ok := normalizeRelease(e.Name())
		if !ok {
			continue
		}
		if s.opts.releases != nil && !slices.Contains(s.opts.releases, rel) {
			continue
		}
		if len(dirs) >= MaxReleases {
			return nil, fmt.Errorf("alpine: %s: more than %d release directories", s.opts.Path, MaxReleases)
		}
		dirs[rel] = e.Name()
	}
	for _, want := range s.opts.releases {
		if _, ok := dirs[want]; !ok {
			sk.Add("release missing from the local copy", filepath.Join(s.opts.Path, want))
		}
	}
	rels := make([]string, 0, len(dirs))
	for r := range dirs {
		rels = append(rels, r)
	}
	slices.SortFunc(rels, compareReleases)
	var files []secdbFile
	for _, rel := range rels {
		for _, repo := range Repositories() {
			found := false
			for _, ext := range []string{".json", ".json.gz", ".yaml", ".yaml.gz", ".yml"} {
				name := dirs[rel] + "/" + repo + ext
				p := filepath.Join(s.opts.Path, filepath.FromSlash(name))
				data, err := s.readFile(ctx, p)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return nil, err
				}
				files = append(files, secdbFile{release: rel, rel: name, data: data})
				found = true
				break
			}
			if !found {
				sk.Add("file missing from the local copy", filepath.Join(s.opts.Path, dirs[rel], repo+".json"))
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("alpine: %s: no secdb file (want <release>/main.json or main.yaml)", s.opts.Path)
	}
	return files, nil
}

// readFile reads a regular file of at most the byte limit, decompressed
// when it is gzip. An error for a missing file matches [os.ErrNotExist].
func (s *Source) readFile(ctx context.Context, path string) ([]byte, error) {
	in, err := s.feed().OpenFile(ctx, path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return io.ReadAll(in)
}

// normalizeRelease returns "v3.20" for "v3.20" or "3.20", and "edge".
func normalizeRelease(s string) (string, bool) {
	if s == "edge" {
		return s, true
	}
	t := strings.TrimPrefix(s, "v")
	major, minor, ok := strings.Cut(t, ".")
	if !ok || !digits(major) || !digits(minor) || len(major) > 4 || len(minor) > 4 {
		return "", false
	}
	return "v" + t, true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareReleases orders v3.9 before v3.10, and edge last.
func compareReleases(a, b string) int {
	if a == b {
		return 0
	}
	if a == "edge" {
		return 1
	}
	if b == "edge" {
		return -1
	}
	pa := strings.SplitN(strings.TrimPrefix(a, "v"), ".", 2)
	pb := strings.SplitN(strings.TrimPrefix(b, "v"), ".", 2)
	for i := range 2 {
		x, y := strings.TrimLeft(pa[i], "0"), strings.TrimLeft(pb[i], "0")
		if len(x) != len(y) {
			return len(x) - len(y)
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}
