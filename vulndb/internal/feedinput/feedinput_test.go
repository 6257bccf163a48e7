package feedinput_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

const content = `{"vulnerabilities":[{"cveID":"CVE-2024-3094"}]}`

func feed(max int64) feedinput.Feed {
	return feedinput.Feed{Name: "kev", Client: fetch.New(fetch.WithRetries(0)), MaxBytes: max}
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "feed.json")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// readAll opens the file (path) or URL and reads it to the end.
func readAll(t *testing.T, f feedinput.Feed, rawURL, path string, prev feedinput.Cursor) (string, feedinput.Cursor, error) {
	t.Helper()
	in, err := f.Open(context.Background(), rawURL, path, prev)
	if err != nil {
		return "", feedinput.Cursor{}, err
	}
	defer in.Close()
	b, err := io.ReadAll(in)
	return string(b), in.Cursor, err
}

func TestLocalFileUnchangedByHash(t *testing.T) {
	p := writeFile(t, []byte(content))
	got, cur, err := readAll(t, feed(1<<20), "", p, feedinput.Cursor{})
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.Len(t, cur.SHA256, 64)
	assert.Empty(t, cur.ETag)

	_, _, err = readAll(t, feed(1<<20), "", p, cur)
	require.ErrorIs(t, err, feedinput.ErrUnchanged)

	// The same bytes gzipped are another file.
	require.NoError(t, os.WriteFile(p, gz(t, []byte(content)), 0o644))
	got, cur2, err := readAll(t, feed(1<<20), "", p, cur)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.NotEqual(t, cur.SHA256, cur2.SHA256)

	// A cursor from the network never matches a local file.
	_, _, err = readAll(t, feed(1<<20), "", p, feedinput.Cursor{Validators: fetch.Validators{ETag: `"x"`}})
	require.NoError(t, err)
}

func TestLocalFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		max  int64
		is   error
		msg  string
	}{
		{"missing", filepath.Join(dir, "missing.json"), 1 << 20, os.ErrNotExist, "missing.json"},
		{"directory", dir, 1 << 20, nil, "not a regular file"},
		{"no limit", writeFile(t, []byte(content)), 0, nil, "must be positive"},
		{"larger than the limit", writeFile(t, []byte(content)), int64(len(content) - 1), feedinput.ErrTooLarge, fmt.Sprintf("feed.json: %d bytes", len(content))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, open := range []func() (*feedinput.Input, error){
				func() (*feedinput.Input, error) {
					return feed(tt.max).Open(context.Background(), "", tt.path, feedinput.Cursor{})
				},
				func() (*feedinput.Input, error) { return feed(tt.max).OpenFile(context.Background(), tt.path) },
			} {
				in, err := open()
				require.Error(t, err)
				assert.Nil(t, in)
				assert.True(t, strings.HasPrefix(err.Error(), "kev: "), err.Error())
				assert.Contains(t, err.Error(), tt.msg)
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is)
				}
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := feed(1<<20).OpenFile(ctx, writeFile(t, []byte(content)))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestGzipDetection(t *testing.T) {
	tests := []struct {
		name  string
		file  []byte
		want  string
		error error
	}{
		{"plain", []byte(content), content, nil},
		{"gzip", gz(t, []byte(content)), content, nil},
		{"empty", nil, "", nil},
		{"one byte", []byte{0x1f}, "\x1f", nil},
		{"gzip magic only", []byte{0x1f, 0x8b}, "", io.ErrUnexpectedEOF},
		{"truncated gzip", gz(t, []byte(strings.Repeat(content, 100)))[:40], "", io.ErrUnexpectedEOF},
		{"concatenated members", append(gz(t, []byte("a")), gz(t, []byte("b"))...), "ab", nil},
		{"bad checksum", func() []byte {
			b := gz(t, []byte(content))
			b[len(b)-8] ^= 0xff
			return b
		}(), "", gzip.ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := feed(1<<20).OpenFile(context.Background(), writeFile(t, tt.file))
			if err == nil {
				defer in.Close()
				var b []byte
				b, err = io.ReadAll(in)
				if tt.error == nil {
					assert.Equal(t, tt.want, string(b))
				}
			}
			if tt.error != nil {
				assert.ErrorIs(t, err, tt.error)
				return
			}
			assert.NoError(t, err)
		})
	}
}

// TestLimits reads inputs one byte under, at and over the limit, before
// and after decompression, from a file and over HTTP (without a
// Content-Length, so only the reader's limit stops it).
func TestLimits(t *testing.T) {
	const max = 64 << 10
	plain := func(n int) []byte { return bytes.Repeat([]byte("a"), n) }
	tests := []struct {
		name         string
		body         []byte
		tooLarge     bool
		decompressed bool
	}{
		{"under", plain(max - 1), false, false},
		{"at", plain(max), false, false},
		{"over", plain(max + 1), true, false},
		{"gzip at", gz(t, plain(max)), false, false},
		{"gzip over after decompression", gz(t, plain(max+1)), true, true},
		{"gzip bomb", gz(t, plain(16<<20)), true, true},
		{"gzip over before decompression", func() []byte {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
			zw.Write(plain(max))
			zw.Close()
			return buf.Bytes()
		}(), true, false},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i, tt := range tests {
			if r.URL.Path == fmt.Sprintf("/%d", i) {
				w.(http.Flusher).Flush() // chunked: no Content-Length
				w.Write(tt.body)
			}
		}
	}))
	defer srv.Close()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "gzip bomb" {
				require.Less(t, len(tt.body), max)
			}
			u := fmt.Sprintf("%s/%d", srv.URL, i)
			for _, where := range []struct{ url, path, name string }{
				{"", writeFile(t, tt.body), "feed.json"},
				{u + "?key=secret", "", u},
			} {
				_, _, err := readAll(t, feed(max), where.url, where.path, feedinput.Cursor{})
				if !tt.tooLarge {
					assert.NoError(t, err)
					continue
				}
				require.ErrorIs(t, err, feedinput.ErrTooLarge)
				assert.True(t, strings.HasPrefix(err.Error(), "kev: "), err.Error())
				assert.Contains(t, err.Error(), where.name)
				assert.NotContains(t, err.Error(), "secret")
				assert.Equal(t, tt.decompressed, strings.Contains(err.Error(), "(decompressed)"), err.Error())
			}
		})
	}
}

func TestHTTP(t *testing.T) {
	const lastMod = "Fri, 14 Mar 2025 17:01:21 GMT"
	var calls, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
			return
		case "/gzip":
			w.Write(gz(t, []byte(content)))
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == lastMod {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", lastMod)
		w.Write([]byte(content))
	}))
	defer srv.Close()
	f := feed(1 << 20)

	in, err := f.Open(context.Background(), srv.URL+"/feed?key=secret", "", feedinput.Cursor{})
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/feed", in.Name)
	assert.Equal(t, feedinput.Cursor{Validators: fetch.Validators{ETag: `"v1"`, LastModified: lastMod}}, in.Cursor)
	b, err := io.ReadAll(in)
	require.NoError(t, err)
	assert.Equal(t, content, string(b))
	require.NoError(t, in.Close())

	// 304 to the validators of the last response.
	in2, err := f.Open(context.Background(), srv.URL+"/feed", "", in.Cursor)
	require.ErrorIs(t, err, feedinput.ErrUnchanged)
	assert.Nil(t, in2)
	_, err = f.Get(context.Background(), srv.URL+"/feed", in.Cursor.Validators)
	require.ErrorIs(t, err, feedinput.ErrUnchanged)
	assert.EqualValues(t, 3, calls.Load())
	assert.EqualValues(t, 2, conditional.Load())

	// Gzip is recognised by its bytes, not by a header.
	got, _, err := readAll(t, f, srv.URL+"/gzip", "", feedinput.Cursor{})
	require.NoError(t, err)
	assert.Equal(t, content, got)

	_, err = f.Get(context.Background(), "http://user:password@"+strings.TrimPrefix(srv.URL, "http://")+"/missing?key=secret", fetch.Validators{})
	var se *fetch.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotFound, se.Status)
	assert.True(t, strings.HasPrefix(err.Error(), "kev: "), err.Error())
	assert.NotContains(t, err.Error(), "secret")
	assert.NotContains(t, err.Error(), "password")

	_, err = feedinput.Feed{Name: "kev", MaxBytes: 1}.Get(context.Background(), srv.URL, fetch.Validators{})
	assert.ErrorContains(t, err, "kev: "+srv.URL+": no HTTP client")
}

func TestCursor(t *testing.T) {
	tests := []struct {
		name    string
		cur     feedinput.Cursor
		encoded string
	}{
		{"zero", feedinput.Cursor{}, ""},
		{"file", feedinput.Cursor{SHA256: "ab"}, `{"sha256":"ab"}`},
		{"http", feedinput.Cursor{Validators: fetch.Validators{ETag: `"v1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"}},
			`{"etag":"\"v1\"","lastModified":"Mon, 02 Jan 2006 15:04:05 GMT"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.encoded, tt.cur.Encode())
			assert.Equal(t, tt.cur, feedinput.ParseCursor(tt.cur.Encode()))
		})
	}
	for _, bad := range []string{"not json", `{"sha256":12}`, `[]`, `{"etag":"x","sha256":`} {
		assert.Equal(t, feedinput.Cursor{}, feedinput.ParseCursor(bad), bad)
	}

	type files struct {
		Files  map[string]fetch.Validators `json:"files"`
		SHA256 string                      `json:"sha256,omitempty"`
	}
	in := files{Files: map[string]fetch.Validators{"v3.20/main.json": {ETag: "e"}}}
	out := feedinput.DecodeCursor[files](feedinput.EncodeCursor(in))
	assert.Equal(t, in, out)
	assert.Equal(t, files{}, feedinput.DecodeCursor[files](`{"files":{"a":{"etag":"e"}},"sha256":1}`), "a half-read cursor counts as none")
	assert.Empty(t, feedinput.EncodeCursor(func() {}))
}

func TestSkipLogBounds(t *testing.T) {
	var sk feedinput.SkipLog
	assert.Zero(t, sk.Count())
	assert.Empty(t, sk.Reasons())

	long := strings.Repeat("é", feedinput.MaxSkipExample) // 2 bytes a rune
	for i := range 100 {
		sk.Add("reason "+string(rune('A'+i%50)), "x"+long) // the cut falls inside a rune
	}
	sk.Add("reason A", "not kept: the first example stays")
	assert.Equal(t, 101, sk.Count())
	reasons := sk.Reasons()
	require.Len(t, reasons, feedinput.MaxSkipCategories+1)
	assert.IsNonDecreasing(t, reasons)
	var other string
	for _, r := range reasons {
		assert.True(t, utf8.ValidString(r), r)
		ex := r[strings.Index(r, "(first: ")+len("(first: ") : len(r)-1]
		assert.LessOrEqual(t, len(ex), feedinput.MaxSkipExample+len("…"), r)
		assert.True(t, strings.HasSuffix(ex, "…"), r)
		if strings.HasPrefix(r, "other reasons: ") {
			other = r
		}
	}
	// 32 reasons twice each are kept apart (the first 32 of 50 letters);
	// the remaining 18 letters, twice each, are "other reasons".
	assert.True(t, strings.HasPrefix(other, "other reasons: 36 (first: "), other)
	assert.Contains(t, reasons, "reason A: 3 (first: x"+long[:feedinput.MaxSkipExample-2]+"…)")
}

func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exact", 5, "exact"},
		{"longer", 3, "lon…"},
		{"héllo", 2, "h…"}, // é is two bytes: not split
		{"héllo", 3, "hé…"},
		{"日本語", 4, "日…"},
		{"abc", 0, "…"},
		{"abc", -1, "…"},
		{"\xff\xfe\xfd", 1, "\xff…"},
	}
	for _, tt := range tests {
		got := feedinput.Clip(tt.s, tt.n)
		assert.Equal(t, tt.want, got, "Clip(%q, %d)", tt.s, tt.n)
	}
}

func TestDisplayURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://secdb.alpinelinux.org/v3.20/main.json", "https://secdb.alpinelinux.org/v3.20/main.json"},
		{"https://user:password@example.com/feed.json?apiKey=secret#frag", "https://example.com/feed.json"},
		{"https://token@example.com/x?", "https://example.com/x?"},
		{"http://example.com:8080/a%20b?k=v", "http://example.com:8080/a%20b"},
		{"http:user:password@example.com/x", "http:…"},
		{"http://[::1/x", "(unparsable URL)"},
		{"", ""},
	}
	for _, tt := range tests {
		got := feedinput.DisplayURL(tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		for _, secret := range []string{"password", "secret", "token", "frag"} {
			assert.NotContains(t, got, secret, tt.in)
		}
	}
}

func TestInputErrorsAreNotUnchanged(t *testing.T) {
	// ErrUnchanged is returned bare, so callers may compare it; no other
	// error matches it.
	_, err := feed(1<<20).Open(context.Background(), "", filepath.Join(t.TempDir(), "x"), feedinput.Cursor{})
	require.Error(t, err)
	assert.False(t, errors.Is(err, feedinput.ErrUnchanged))
}
