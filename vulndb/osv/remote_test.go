package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
)

func zipOf(t *testing.T, records map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range records {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func fastClient() *fetch.Client {
	return fetch.New(fetch.WithBackoff(5*time.Millisecond, 3*time.Second))
}

func TestRemote(t *testing.T) {
	archive := zipOf(t, map[string]string{"A-1.json": record("A-1", goodAffected), "A-2.json": record("A-2", goodAffected)})
	var calls atomic.Int32
	var (
		mu    sync.Mutex
		paths []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(archive)
	}))
	defer srv.Close()

	src, err := New(WithEcosystem("Go"), WithBaseURL(srv.URL), WithClient(fastClient()))
	require.NoError(t, err)
	assert.Equal(t, "osv:Go", src.Name())
	assert.True(t, src.Snapshot(), "a downloaded archive is the whole feed")

	var got []string
	cur, err := src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		got = append(got, v.ID)
		return nil
	})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"A-1", "A-2"}, got)
	assert.Contains(t, string(cur), `"etag":"\"v1\""`)

	_, err = src.Fetch(context.Background(), cur, func(vulndb.Vulnerability) error {
		t.Fatal("nothing is emitted for an unchanged archive")
		return nil
	})
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.EqualValues(t, 2, calls.Load())
	mu.Lock()
	assert.Equal(t, []string{"/Go/all.zip", "/Go/all.zip"}, paths)
	mu.Unlock()
}

func TestRemoteUnchangedByDigest(t *testing.T) {
	archive := zipOf(t, map[string]string{"A-1.json": record("A-1", goodAffected)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(archive) // no validators at all
	}))
	defer srv.Close()
	src, err := New(WithURL(srv.URL+"/mirror/all.zip"), WithName("mirror"), WithClient(fastClient()))
	require.NoError(t, err)
	assert.Equal(t, "mirror", src.Name())
	cur, err := src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
	require.NoError(t, err)
	_, err = src.Fetch(context.Background(), cur, func(vulndb.Vulnerability) error { return nil })
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)
	// An unreadable cursor means a full fetch.
	_, err = src.Fetch(context.Background(), "garbage", func(vulndb.Vulnerability) error { return nil })
	assert.NoError(t, err)
}

func TestRemoteRetryAfter(t *testing.T) {
	archive := zipOf(t, map[string]string{"A-1.json": record("A-1", goodAffected)})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write(archive)
	}))
	defer srv.Close()
	src, err := New(WithEcosystem("Red Hat"), WithBaseURL(srv.URL+"/"), WithClient(fastClient()))
	require.NoError(t, err)
	start := time.Now()
	n := 0
	_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { n++; return nil })
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.EqualValues(t, 2, calls.Load())
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Retry-After honoured over the 5ms backoff")
}

func TestRemoteErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/Red Hat/all.zip":
			w.Write([]byte("not a zip"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	src, err := New(WithEcosystem("Nope"), WithBaseURL(srv.URL), WithClient(fastClient()))
	require.NoError(t, err)
	_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
	var se *fetch.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotFound, se.Status)

	src, err = New(WithEcosystem("Red Hat"), WithBaseURL(srv.URL), WithClient(fastClient()))
	require.NoError(t, err)
	_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "osv:Red Hat")
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want string // error substring; "" for success
	}{
		{"nothing", nil, "no input"},
		{"path and ecosystem", []Option{WithPath("x"), WithEcosystem("Go")}, "cannot be combined"},
		{"url without a name", []Option{WithURL("http://127.0.0.1/x.zip")}, "WithName"},
		{"dot-dot ecosystem", []Option{WithEcosystem("..")}, "bad ecosystem"},
		{"slash ecosystem", []Option{WithEcosystem("Go/../x")}, "bad ecosystem"},
		{"bad base", []Option{WithEcosystem("Go"), WithBaseURL("not a url")}, "bad base URL"},
		{"zero limit", []Option{WithPath("x"), WithMaxRecords(0)}, "positive"},
		{"path", []Option{WithPath("x")}, ""},
		{"named path", []Option{WithPath("x"), WithName("osv-mirror")}, ""},
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

func TestDefaultEcosystems(t *testing.T) {
	srcs, err := NewEcosystems(DefaultEcosystems())
	require.NoError(t, err)
	require.Len(t, srcs, len(DefaultEcosystems()))
	names := map[string]bool{}
	for _, s := range srcs {
		names[s.Name()] = true
		assert.True(t, s.Snapshot())
	}
	for _, eco := range DefaultEcosystems() {
		_, ok := version.ForEcosystem(eco)
		assert.True(t, ok, "%s has a version comparer", eco)
	}
	for _, eco := range []string{"Go", "npm", "PyPI", "Maven", "crates.io", "RubyGems", "Packagist", "NuGet", "Debian", "Alpine", "Ubuntu"} {
		assert.True(t, names["osv:"+eco], eco)
	}
}
