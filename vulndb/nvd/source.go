package nvd

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Source is the NIST NVD feed: the CVE API 2.0, or local files
// ([WithPath]). It implements [vulndb.VulnSource] and
// [vulndb.SkipCounter]; it is not a snapshot: records are added to what
// the store holds. One Fetch runs at a time; Skipped may be called at any
// time.
type Source struct {
	o      options
	client *fetch.Client
	log    *slog.Logger
	skips  feedinput.SyncSkipLog
	// sleep waits between paced requests (replaced in tests).
	sleep func(context.Context, time.Duration) error
}

var (
	_ vulndb.VulnSource  = (*Source)(nil)
	_ vulndb.SkipCounter = (*Source)(nil)
)

// New returns an NVD source: the API unless [WithPath] is given.
func New(opts ...Option) (*Source, error) {
	o := options{
		url:         DefaultURL,
		name:        DefaultName,
		pageSize:    DefaultPageSize,
		window:      MaxWindow,
		maxFileSize: DefaultMaxFileSize,
		maxRecords:  DefaultMaxRecords,
		now:         time.Now,
	}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.pageSize < 1 || o.pageSize > DefaultPageSize:
		return nil, fmt.Errorf("nvd: page size %d not in 1..%d", o.pageSize, DefaultPageSize)
	case o.window <= 0 || o.window > MaxWindow:
		return nil, fmt.Errorf("nvd: window %v not in (0, %v]", o.window, MaxWindow)
	case o.pacing < 0:
		return nil, errors.New("nvd: negative pacing")
	case o.maxFileSize <= 0 || o.maxRecords <= 0:
		return nil, errors.New("nvd: size and count limits must be positive")
	case o.name == "":
		return nil, errors.New("nvd: empty name")
	case o.now == nil:
		o.now = time.Now
	}
	if !o.pacingSet {
		o.pacing = DefaultPacing
		if o.apiKey != "" {
			o.pacing = DefaultPacingWithKey
		}
	}
	if o.path == "" {
		u, err := url.Parse(o.url)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, errors.New("nvd: bad API URL")
		}
	}
	s := &Source{o: o, log: o.log, client: o.client, sleep: sleepCtx}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		s.client = fetch.New(
			fetch.WithRetryStatus(http.StatusForbidden),
			fetch.WithMaxBytes(DefaultMaxPageBytes),
			fetch.WithLogger(s.log))
	}
	return s, nil
}

// Name returns the source's name, [DefaultName] unless [WithName] says
// otherwise.
func (s *Source) Name() string { return s.o.name }

// Skipped returns how many records, vectors and CPE matches the last Fetch
// left out, with one line per reason.
func (s *Source) Skipped() (int, []string) { return s.skips.Result() }

// cursor is the Source's [vulndb.Cursor]. For the API, LastModEnd is the
// end of the last complete fetch: the next one asks for what was modified
// since. For local files it only records what was read.
type cursor struct {
	LastModEnd string `json:"lastModEnd,omitempty"`
	Records    int    `json:"records,omitempty"`
	Newest     string `json:"newest,omitempty"`
}

func (c cursor) encode() vulndb.Cursor {
	b, _ := json.Marshal(c)
	return vulndb.Cursor(b)
}

// Fetch emits the CVEs changed since the cursor. From the API, with no
// cursor (or one it cannot read) it fetches everything; with one, it asks
// for the CVEs last modified between the cursor's time and now, in windows
// of at most 120 days, and returns [vulndb.ErrUnchanged] when there are
// none. Requests are paced to NVD's rate limit; throttling (403, 429, 503)
// is retried honouring Retry-After. Local files are read whole each time.
func (s *Source) Fetch(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
	s.skips.Reset()
	r := &run{s: s, ctx: ctx, emit: emit, seen: map[uint64]int64{}, seed: maphash.MakeSeed()}
	start := time.Now()
	var (
		c   cursor
		err error
	)
	if s.o.path != "" {
		err = r.local(s.o.path)
	} else {
		c, err = r.api(since)
	}
	if r.emitErr != nil {
		return "", r.emitErr
	}
	if err != nil {
		return "", err
	}
	c.Records = r.emitted
	if !r.newest.IsZero() {
		c.Newest = r.newest.Format(time.RFC3339Nano)
	}
	n, _ := s.skips.Result()
	s.log.LogAttrs(ctx, slog.LevelInfo, "nvd import done", slog.String("source", s.o.name),
		slog.Int("records", r.emitted), slog.Int("skipped", n), slog.Duration("took", time.Since(start)))
	return c.encode(), nil
}

// run is the state of one Fetch.
type run struct {
	s       *Source
	ctx     context.Context
	emit    func(vulndb.Vulnerability) error
	emitErr error
	read    int // records read, usable or not
	emitted int
	newest  time.Time
	// seen maps a hash of each emitted ID to its lastModified, so that of
	// two copies of a CVE the later modified wins.
	seen map[uint64]int64
	seed maphash.Seed
	// lastReq is when the last API request started, for pacing.
	lastReq time.Time
}

// errStop unwinds after emit failed; Fetch returns emitErr instead.
var errStop = errors.New("nvd: stopped")

// errTooMany is matched by the error of a Fetch that read more records
// than allowed.
var errTooMany = errors.New("more records than allowed")

func (r *run) skip(why, where string) { r.s.skips.Add(why, where) }

// each converts and emits one CVE.
func (r *run) each(origin string) func(string, *cveJSON) error {
	return func(where string, c *cveJSON) error {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		r.read++
		if r.read > r.s.o.maxRecords {
			return fmt.Errorf("nvd: %w: the limit is %d (WithMaxRecords)", errTooMany, r.s.o.maxRecords)
		}
		at := origin
		if where != "" {
			at += " " + where
		}
		v, ok := convert(c, at, r.skip)
		if !ok {
			return nil
		}
		key := maphash.String(r.seed, v.ID)
		mod := int64(0)
		if !v.Modified.IsZero() {
			mod = v.Modified.UnixNano()
		}
		if prev, dup := r.seen[key]; dup && mod <= prev {
			r.skip("duplicate id, not newer than an earlier copy", at+" "+v.ID)
			return nil
		}
		r.seen[key] = mod
		if v.Modified.After(r.newest) {
			r.newest = v.Modified
		}
		if err := r.emit(v); err != nil {
			r.emitErr = err
			return errStop
		}
		r.emitted++
		return nil
	}
}

// local reads a file or a directory tree of .json and .json.gz files.
func (r *run) local(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("nvd: %w", err)
	}
	if !fi.IsDir() {
		return r.file(path)
	}
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("nvd: %w", err)
		}
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isFeedFile(p) {
			return nil
		}
		if !d.Type().IsRegular() {
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		}
		return r.file(p)
	})
}

func isFeedFile(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".json.gz")
}

// file reads one local file, within the size limit (of the file and, for
// .gz, of what it expands to).
func (r *run) file(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("nvd: %w", err)
	}
	defer f.Close()
	max := r.s.o.maxFileSize
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		return fmt.Errorf("nvd: %s: %d bytes, more than the limit of %d (WithMaxFileSize)", path, fi.Size(), max)
	}
	var in io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("nvd: %s: %w", path, err)
		}
		defer zr.Close()
		in = zr
	}
	lr := &limitReader{r: in, left: max}
	_, err = decodeDoc(lr, func(why, where string) { r.skip(why, strings.TrimSpace(path+" "+where)) }, r.each(path))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errStop), errors.Is(err, errTooMany):
		return err
	case lr.over:
		return fmt.Errorf("nvd: %s: more than the limit of %d bytes (WithMaxFileSize)", path, max)
	case r.ctx.Err() != nil:
		return r.ctx.Err()
	}
	return fmt.Errorf("nvd: %s: %w", path, err)
}

// limitReader fails a read past left bytes.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			l.over = true
			return 0, errors.New("input too large")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// api fetches from the API: everything when since is empty, else what was
// modified from since's time to now.
func (r *run) api(since vulndb.Cursor) (cursor, error) {
	s := r.s
	end := s.o.now().UTC()
	var from time.Time
	if since != "" {
		t, err := parseCursor(since)
		if err != nil {
			s.log.LogAttrs(r.ctx, slog.LevelWarn, "nvd: unreadable cursor, fetching everything", slog.String("source", s.o.name))
		}
		from = t
	}
	if from.IsZero() {
		if _, err := r.window(time.Time{}, time.Time{}); err != nil {
			return cursor{}, err
		}
		return cursor{LastModEnd: end.Format(time.RFC3339Nano)}, nil
	}
	if !from.Before(end) {
		return cursor{}, vulndb.ErrUnchanged
	}
	total := 0
	for lo := from; lo.Before(end); {
		hi := lo.Add(s.o.window)
		if hi.After(end) {
			hi = end
		}
		n, err := r.window(lo, hi)
		if err != nil {
			return cursor{}, err
		}
		total += n
		lo = hi
	}
	if total == 0 {
		return cursor{}, vulndb.ErrUnchanged
	}
	return cursor{LastModEnd: end.Format(time.RFC3339Nano)}, nil
}

// parseCursor returns the end time of the last complete fetch.
func parseCursor(since vulndb.Cursor) (time.Time, error) {
	var c cursor
	if err := json.Unmarshal([]byte(since), &c); err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, c.LastModEnd)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// apiTime formats a time as the API wants it: ISO-8601 with milliseconds
// and an explicit offset.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-07:00") }

// window pages through the CVEs last modified in [lo, hi] (every CVE when
// both are zero) and returns how many the API announced.
func (r *run) window(lo, hi time.Time) (int, error) {
	s := r.s
	base, err := url.Parse(s.o.url)
	if err != nil {
		return 0, errors.New("nvd: bad API URL")
	}
	start := 0
	for {
		q := base.Query()
		q.Set("resultsPerPage", strconv.Itoa(s.o.pageSize))
		q.Set("startIndex", strconv.Itoa(start))
		if !lo.IsZero() {
			q.Set("lastModStartDate", apiTime(lo))
			q.Set("lastModEndDate", apiTime(hi))
		}
		u := *base
		u.RawQuery = q.Encode()
		info, err := r.page(u.String(), start)
		if err != nil {
			return 0, err
		}
		if !info.HaveTotal {
			return 0, fmt.Errorf("nvd: page at startIndex %d: no totalResults", start)
		}
		if info.TotalResults < 0 || info.TotalResults > s.o.maxRecords {
			return 0, fmt.Errorf("nvd: the API announces %d results, more than the limit of %d (WithMaxRecords)", info.TotalResults, s.o.maxRecords)
		}
		s.log.LogAttrs(r.ctx, slog.LevelDebug, "nvd page", slog.Int("startIndex", start),
			slog.Int("results", info.Items), slog.Int("totalResults", info.TotalResults))
		start += info.Items
		if start >= info.TotalResults {
			return info.TotalResults, nil
		}
		if info.Items == 0 {
			return 0, fmt.Errorf("nvd: page at startIndex %d is empty, but totalResults is %d", start, info.TotalResults)
		}
	}
}

// page fetches and emits one page.
func (r *run) page(u string, start int) (docInfo, error) {
	s := r.s
	if err := r.pace(); err != nil {
		return docInfo{}, err
	}
	var hdr http.Header
	if s.o.apiKey != "" {
		hdr = http.Header{"apiKey": {s.o.apiKey}}
	}
	resp, err := s.client.Get(r.ctx, u, hdr, fetch.Validators{})
	if err != nil {
		return docInfo{}, fmt.Errorf("nvd: page at startIndex %d: %w", start, s.redact(err))
	}
	defer resp.Body.Close()
	where := fmt.Sprintf("page@%d", start)
	info, err := decodeDoc(resp.Body, func(why, w string) { r.skip(why, where+" "+w) }, r.each(where))
	switch {
	case err == nil:
		return info, nil
	case errors.Is(err, errStop), errors.Is(err, errTooMany):
		return info, err
	case r.ctx.Err() != nil:
		return info, r.ctx.Err()
	}
	return info, fmt.Errorf("nvd: page at startIndex %d: %w", start, s.redact(err))
}

// redact removes the API key from an error's text, should anything have
// echoed it.
func (s *Source) redact(err error) error {
	if s.o.apiKey == "" || !strings.Contains(err.Error(), s.o.apiKey) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), s.o.apiKey, "[redacted]"))
}

// pace waits until the pacing interval has passed since the last request.
func (r *run) pace() error {
	if d := r.s.o.pacing; d > 0 && !r.lastReq.IsZero() {
		if wait := d - time.Since(r.lastReq); wait > 0 {
			if err := r.s.sleep(r.ctx, wait); err != nil {
				return err
			}
		}
	}
	r.lastReq = time.Now()
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
