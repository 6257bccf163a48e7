package nvd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
)

// fakeNVD emulates the CVE API 2.0: paging, lastMod windows (at most 120
// days, ISO-8601 with offset), an optional API key, and injected failures.
type fakeNVD struct {
	mu    sync.Mutex
	cves  []fakeCVE
	key   string    // required apiKey header, if set
	fail  []failure // answered first, in order
	short bool      // announce more results than are served
	// grow, if set, is called (locked) before each answer with the number
	// of requests so far, to change the data between pages.
	grow    func(f *fakeNVD, n int)
	reqs    []url.Values
	headers []http.Header
	times   []time.Time
}

type fakeCVE struct {
	id       string
	modified time.Time
}

type failure struct {
	status     int
	retryAfter string
}

const apiLayout = "2006-01-02T15:04:05.000-07:00"

func (f *fakeNVD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	f.reqs = append(f.reqs, q)
	f.headers = append(f.headers, r.Header.Clone())
	f.times = append(f.times, time.Now())
	if f.grow != nil {
		f.grow(f, len(f.reqs))
	}
	if len(f.fail) > 0 {
		fl := f.fail[0]
		f.fail = f.fail[1:]
		if fl.retryAfter != "" {
			w.Header().Set("Retry-After", fl.retryAfter)
		}
		w.WriteHeader(fl.status)
		return
	}
	if f.key != "" && r.Header.Get("apiKey") != f.key {
		http.Error(w, "bad key", http.StatusNotFound)
		return
	}
	size, err1 := strconv.Atoi(q.Get("resultsPerPage"))
	start, err2 := strconv.Atoi(q.Get("startIndex"))
	if err1 != nil || err2 != nil || size < 1 || size > 2000 || start < 0 {
		http.Error(w, "bad paging", http.StatusBadRequest)
		return
	}
	var lo, hi time.Time
	if q.Has("lastModStartDate") || q.Has("lastModEndDate") {
		var err error
		if lo, err = time.Parse(apiLayout, q.Get("lastModStartDate")); err != nil {
			http.Error(w, "bad start", http.StatusBadRequest)
			return
		}
		if hi, err = time.Parse(apiLayout, q.Get("lastModEndDate")); err != nil {
			http.Error(w, "bad end", http.StatusBadRequest)
			return
		}
		if hi.Sub(lo) > 120*24*time.Hour || hi.Before(lo) {
			http.Error(w, "window over 120 days", http.StatusNotFound)
			return
		}
	}
	var hits []fakeCVE
	for _, c := range f.cves {
		if lo.IsZero() || (!c.modified.Before(lo) && !c.modified.After(hi)) {
			hits = append(hits, c)
		}
	}
	total := len(hits)
	page := []fakeCVE{}
	if start < len(hits) {
		page = hits[start:min(start+size, len(hits))]
	}
	if f.short {
		total, page = len(hits)+10, nil
	}
	var vulns []string
	for _, c := range page {
		vulns = append(vulns, `{"cve":`+cveObj(c.id, c.modified.UTC().Format("2006-01-02T15:04:05.000"))+`}`)
	}
	fmt.Fprintf(w, `{"resultsPerPage":%d,"startIndex":%d,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2024-01-01T00:00:00.000","vulnerabilities":[%s]}`,
		len(page), start, total, joinComma(vulns))
}

func joinComma(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

func (f *fakeNVD) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.reqs...)
}

func fastClient() *fetch.Client {
	return fetch.New(fetch.WithRetryStatus(http.StatusForbidden), fetch.WithBackoff(5*time.Millisecond, 3*time.Second))
}

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

func newAPI(t *testing.T, f *fakeNVD, opts ...Option) *Source {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	src, err := New(append([]Option{WithURL(srv.URL + "/rest/json/cves/2.0"), WithPacing(0), WithClient(fastClient()), WithClock(clock)}, opts...)...)
	require.NoError(t, err)
	return src
}

func collect(t *testing.T, src *Source, since vulndb.Cursor) ([]string, vulndb.Cursor, error) {
	t.Helper()
	var ids []string
	c, err := src.Fetch(context.Background(), since, func(v vulndb.Vulnerability) error {
		ids = append(ids, v.ID)
		return nil
	})
	return ids, c, err
}

func cursorAt(t time.Time) vulndb.Cursor {
	return cursor{LastModEnd: t.Format(time.RFC3339Nano)}.encode()
}

func TestAPIPaging(t *testing.T) {
	f := &fakeNVD{}
	for i := range 5 {
		f.cves = append(f.cves, fakeCVE{fmt.Sprintf("CVE-2024-%d", i), now.Add(-time.Duration(i) * time.Hour)})
	}
	src := newAPI(t, f, WithPageSize(2))
	ids, cur, err := collect(t, src, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"CVE-2024-0", "CVE-2024-1", "CVE-2024-2", "CVE-2024-3", "CVE-2024-4"}, ids)
	reqs := f.requests()
	require.Len(t, reqs, 3)
	for i, q := range reqs {
		assert.Equal(t, strconv.Itoa(2*i), q.Get("startIndex"))
		assert.Equal(t, "2", q.Get("resultsPerPage"))
		assert.False(t, q.Has("lastModStartDate"), "the first run fetches everything")
	}
	end, err := parseCursor(cur)
	require.NoError(t, err)
	assert.Equal(t, now, end, "the cursor is when the fetch started")
	assert.Equal(t, DefaultName, src.Name())
}

func TestAPIIncrementalWindows(t *testing.T) {
	from := now.Add(-130 * 24 * time.Hour)
	f := &fakeNVD{cves: []fakeCVE{
		{"CVE-2025-OLD", now.Add(-200 * 24 * time.Hour)}, // before the cursor
		{"CVE-2026-A", now.Add(-125 * 24 * time.Hour)},   // first window
		{"CVE-2026-B", now.Add(-5 * 24 * time.Hour)},     // second window
	}}
	src := newAPI(t, f)
	ids, cur, err := collect(t, src, cursorAt(from))
	require.NoError(t, err)
	assert.Equal(t, []string{"CVE-2026-A", "CVE-2026-B"}, ids)
	reqs := f.requests()
	require.Len(t, reqs, 2, "130 days in two windows")
	mid := from.Add(MaxWindow)
	assert.Equal(t, from.Format(apiLayout), reqs[0].Get("lastModStartDate"))
	assert.Equal(t, mid.Format(apiLayout), reqs[0].Get("lastModEndDate"))
	assert.Equal(t, mid.Format(apiLayout), reqs[1].Get("lastModStartDate"))
	assert.Equal(t, now.Format(apiLayout), reqs[1].Get("lastModEndDate"))
	assert.Equal(t, "2026-06-01T12:00:00.000+00:00", reqs[1].Get("lastModEndDate"), "ISO-8601 with an offset")

	// Nothing modified since: unchanged.
	end, err := parseCursor(cur)
	require.NoError(t, err)
	assert.Equal(t, now, end)
	src.o.now = func() time.Time { return now.Add(time.Hour) }
	_, _, err = collect(t, src, cur)
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.Len(t, f.requests(), 3)

	// An unreadable cursor means a full fetch.
	ids, _, err = collect(t, src, "garbage")
	require.NoError(t, err)
	assert.Len(t, ids, 3)
}

func TestAPIThrottling(t *testing.T) {
	t.Run("403 then success", func(t *testing.T) {
		f := &fakeNVD{cves: []fakeCVE{{"CVE-2024-1", now}}, fail: []failure{{status: http.StatusForbidden}, {status: http.StatusForbidden}}}
		ids, _, err := collect(t, newAPI(t, f), "")
		require.NoError(t, err)
		assert.Equal(t, []string{"CVE-2024-1"}, ids)
		reqs := f.requests()
		require.Len(t, reqs, 3)
		assert.Equal(t, "0", reqs[2].Get("startIndex"), "the same page is asked again")
	})
	t.Run("503 with Retry-After", func(t *testing.T) {
		f := &fakeNVD{cves: []fakeCVE{{"CVE-2024-1", now}}, fail: []failure{{status: http.StatusServiceUnavailable, retryAfter: "1"}}}
		start := time.Now()
		ids, _, err := collect(t, newAPI(t, f), "")
		require.NoError(t, err)
		assert.Equal(t, []string{"CVE-2024-1"}, ids)
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Retry-After honoured over the 5ms backoff")
	})
	t.Run("default client retries 403", func(t *testing.T) {
		f := &fakeNVD{cves: []fakeCVE{{"CVE-2024-1", now}}, fail: []failure{{status: http.StatusForbidden, retryAfter: "1"}}}
		srv := httptest.NewServer(f)
		defer srv.Close()
		src, err := New(WithURL(srv.URL), WithPacing(0), WithClock(clock))
		require.NoError(t, err)
		ids, _, err := collect(t, src, "")
		require.NoError(t, err)
		assert.Equal(t, []string{"CVE-2024-1"}, ids)
		assert.Len(t, f.requests(), 2)
	})
	t.Run("throttled for good", func(t *testing.T) {
		f := &fakeNVD{fail: []failure{{status: 503}, {status: 503}, {status: 503}}}
		srv := httptest.NewServer(f)
		defer srv.Close()
		client := fetch.New(fetch.WithRetries(2), fetch.WithBackoff(time.Millisecond, time.Millisecond))
		src, err := New(WithURL(srv.URL), WithPacing(0), WithClient(client))
		require.NoError(t, err)
		_, _, err = collect(t, src, "")
		var se *fetch.StatusError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, http.StatusServiceUnavailable, se.Status)
	})
}

func TestAPIKey(t *testing.T) {
	const key = "s3cr3t-key-0123456789"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	f := &fakeNVD{key: key, cves: []fakeCVE{{"CVE-2024-1", now}}, fail: []failure{{status: http.StatusServiceUnavailable}}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	client := fetch.New(fetch.WithBackoff(time.Millisecond, time.Millisecond), fetch.WithLogger(log))
	src, err := New(WithURL(srv.URL), WithAPIKey(key), WithPacing(0), WithClient(client), WithLogger(log), WithClock(clock))
	require.NoError(t, err)
	ids, _, err := collect(t, src, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"CVE-2024-1"}, ids)
	f.mu.Lock()
	for i, h := range f.headers {
		assert.Equal(t, key, h.Get("apiKey"), "request %d carries the key", i)
		assert.NotContains(t, f.reqs[i].Encode(), key, "never in the URL")
	}
	f.mu.Unlock()

	// A failure: the key is in neither the error nor the logs.
	bad := &fakeNVD{fail: []failure{{status: 500}, {status: 500}, {status: 500}}}
	srv2 := httptest.NewServer(bad)
	defer srv2.Close()
	src2, err := New(WithURL(srv2.URL+"/x?apiKey="+key), WithAPIKey(key), WithPacing(0), WithLogger(log),
		WithClient(fetch.New(fetch.WithRetries(2), fetch.WithBackoff(time.Millisecond, time.Millisecond), fetch.WithLogger(log))))
	require.NoError(t, err)
	_, _, err = collect(t, src2, "")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), key)
	assert.Contains(t, logs.String(), "retrying", "the retries were logged")
	assert.Contains(t, logs.String(), "nvd page", "pages were logged")
	assert.NotContains(t, logs.String(), key)
}

func TestAPIPacing(t *testing.T) {
	src, err := New()
	require.NoError(t, err)
	assert.Equal(t, DefaultPacing, src.o.pacing, "5 requests in 30s without a key")
	src, err = New(WithAPIKey("k"))
	require.NoError(t, err)
	assert.Equal(t, DefaultPacingWithKey, src.o.pacing, "50 requests in 30s with one")

	f := &fakeNVD{}
	for i := range 3 {
		f.cves = append(f.cves, fakeCVE{fmt.Sprintf("CVE-2024-%d", i), now})
	}
	paced := newAPI(t, f, WithPageSize(1), WithPacing(250*time.Millisecond))
	ids, _, err := collect(t, paced, "")
	require.NoError(t, err)
	assert.Len(t, ids, 3)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.times, 3)
	for i := 1; i < 3; i++ {
		assert.GreaterOrEqual(t, f.times[i].Sub(f.times[i-1]), 240*time.Millisecond)
	}
}

func TestAPIBadPages(t *testing.T) {
	t.Run("short page", func(t *testing.T) {
		f := &fakeNVD{short: true}
		_, _, err := collect(t, newAPI(t, f), "")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "empty")
	})
	t.Run("totalResults grows between pages", func(t *testing.T) {
		f := &fakeNVD{cves: []fakeCVE{{"CVE-1", now}, {"CVE-2", now}}}
		f.grow = func(f *fakeNVD, n int) {
			if n == 2 {
				f.cves = append(f.cves, fakeCVE{"CVE-3", now}) // published while paging
			}
		}
		ids, _, err := collect(t, newAPI(t, f, WithPageSize(1)), "")
		require.NoError(t, err)
		assert.Equal(t, []string{"CVE-1", "CVE-2", "CVE-3"}, ids, "paging follows the latest totalResults")
		assert.Len(t, f.requests(), 3)
	})
	t.Run("too many results announced", func(t *testing.T) {
		f := &fakeNVD{cves: []fakeCVE{{"CVE-1", now}, {"CVE-2", now}, {"CVE-3", now}}}
		_, _, err := collect(t, newAPI(t, f, WithMaxRecords(2), WithPageSize(1)), "")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithMaxRecords")
	})
	t.Run("not JSON", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"totalResults":1,"vulnerabilities":[{"cve":`))
		}))
		defer srv.Close()
		src, err := New(WithURL(srv.URL), WithPacing(0))
		require.NoError(t, err)
		_, _, err = collect(t, src, "")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "startIndex 0")
	})
	t.Run("second window fails: no cursor", func(t *testing.T) {
		f := &fakeNVD{cves: []fakeCVE{{"CVE-2026-A", now.Add(-125 * 24 * time.Hour)}}}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(f.requests()) >= 1 {
				http.Error(w, "gone", http.StatusNotFound)
				return
			}
			f.ServeHTTP(w, r)
		}))
		defer srv.Close()
		src, err := New(WithURL(srv.URL), WithPacing(0), WithClock(clock))
		require.NoError(t, err)
		ids, cur, err := collect(t, src, cursorAt(now.Add(-130*24*time.Hour)))
		require.Error(t, err)
		assert.Empty(t, cur)
		assert.Equal(t, []string{"CVE-2026-A"}, ids, "emitted before the failure; the store's transaction drops them")
	})
	t.Run("emit error returned as is", func(t *testing.T) {
		f := &fakeNVD{cves: []fakeCVE{{"CVE-1", now}}}
		src := newAPI(t, f)
		stop := errors.New("store full")
		_, err := src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return stop })
		assert.Same(t, stop, err)
	})
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"defaults", nil, ""},
		{"page too large", []Option{WithPageSize(2001)}, "page size"},
		{"window too long", []Option{WithWindow(121 * 24 * time.Hour)}, "window"},
		{"negative pacing", []Option{WithPacing(-time.Second)}, "pacing"},
		{"bad URL", []Option{WithURL("::")}, "URL"},
		{"zero records", []Option{WithMaxRecords(0)}, "positive"},
		{"local", []Option{WithPath("x"), WithName("nvd-mirror")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts...)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
