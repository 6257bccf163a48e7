package epss

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
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

const meta = "#model_version:v2025.03.14,score_date:2025-03-16T00:00:00+0000\n"

// generate returns an EPSS CSV of n rows whose scores and percentiles are
// derived from the row number, so a reader can check every value.
func generate(n int) []byte {
	var b bytes.Buffer
	b.Grow(40 * n)
	b.WriteString(meta)
	b.WriteString("cve,epss,percentile\n")
	for i := range n {
		fmt.Fprintf(&b, "CVE-%d-%04d,%.5f,%.5f\n", 1999+i%27, i, float64(i%100000)/100000, float64(i%1000)/1000)
	}
	return b.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func writeFile(t *testing.T, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "epss_scores-2025-03-16.csv.gz")
	require.NoError(t, os.WriteFile(p, content, 0o644))
	return p
}

func fromBytes(t *testing.T, content []byte, opts ...Option) ([]vulndb.Vulnerability, *Source, error) {
	t.Helper()
	src, err := New(append([]Option{WithPath(writeFile(t, content))}, opts...)...)
	require.NoError(t, err)
	var got []vulndb.Vulnerability
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		got = append(got, v)
		return nil
	})
	return got, src, err
}

func TestGenerated(t *testing.T) {
	const n = 5000
	plain := generate(n)
	for name, content := range map[string][]byte{"plain": plain, "gzip": gz(t, plain), "crlf": bytes.ReplaceAll(plain, []byte("\n"), []byte("\r\n"))} {
		t.Run(name, func(t *testing.T) {
			got, src, err := fromBytes(t, content)
			require.NoError(t, err)
			require.Len(t, got, n)
			for i, v := range got {
				assert.Equal(t, fmt.Sprintf("CVE-%d-%04d", 1999+i%27, i), v.ID)
				require.NotNil(t, v.EPSS)
				assert.InDelta(t, float64(i%100000)/100000, v.EPSS.Score, 1e-9)
				assert.InDelta(t, float64(i%1000)/1000, v.EPSS.Percentile, 1e-9)
				assert.Equal(t, "2025-03-16", v.EPSS.Date)
				assert.Empty(t, v.Affected)
			}
			k, reasons := src.Skipped()
			assert.Zero(t, k, reasons)
		})
	}
}

func TestMalformedRows(t *testing.T) {
	doc := meta + "cve,epss,percentile\n" +
		"CVE-2024-0001,0.5,0.9\n" + // good
		"CVE-2024-0002,1.5,0.9\n" + // score above 1
		"CVE-2024-0003,-0.1,0.9\n" + // below 0
		"CVE-2024-0004,NaN,0.9\n" +
		"CVE-2024-0005,abc,0.9\n" +
		"CVE-2024-0006,0.1,1.01\n" + // percentile above 1
		"CVE-2024-0007,0.1\n" + // missing column
		"CVE-2024-0008,0.1,0.2,0.3\n" + // extra column
		"not-a-cve,0.1,0.2\n" +
		"CVE-24-1,0.1,0.2\n" +
		"\n" + // blank lines are ignored
		"CVE-2024-0009," + strings.Repeat("9", MaxLineBytes) + ",0.1\n" +
		"CVE-2024-0010,0,1\n" + // both bounds are fine
		"CVE-2024-0011,1e-5,0.00001" // no final newline
	got, src, err := fromBytes(t, []byte(doc))
	require.NoError(t, err)
	var ids []string
	for _, v := range got {
		ids = append(ids, v.ID)
	}
	assert.Equal(t, []string{"CVE-2024-0001", "CVE-2024-0010", "CVE-2024-0011"}, ids)
	assert.InDelta(t, 1e-5, got[2].EPSS.Score, 1e-12)
	n, reasons := src.Skipped()
	assert.Equal(t, 10, n)
	joined := strings.Join(reasons, "\n")
	for _, r := range []string{
		`score not a number in [0,1]: 4 (first: line 4: "1.5")`,
		`percentile not a number in [0,1]: 1 (first: line 8: "1.01")`,
		"wrong number of columns: 2 (first: line 9)",
		`invalid CVE ID: 2 (first: line 11: "not-a-cve")`,
		"line too long: 1 (first: line 14)",
	} {
		assert.Contains(t, joined, r)
	}
}

func TestHeaders(t *testing.T) {
	tests := []struct {
		name, doc string
		want      vulndb.EPSS
		err       string
	}{
		{"no metadata line", "cve,epss,percentile\nCVE-2024-0001,0.5,0.25\n", vulndb.EPSS{Score: 0.5, Percentile: 0.25}, ""},
		{"other column order", meta + "percentile,cve,epss\n0.25,CVE-2024-0001,0.5\n", vulndb.EPSS{Score: 0.5, Percentile: 0.25, Date: "2025-03-16"}, ""},
		{"no percentile (early files)", "cve,epss\nCVE-2024-0001,0.5\n", vulndb.EPSS{Score: 0.5}, ""},
		{"BOM", "\xef\xbb\xbfcve,epss,percentile\nCVE-2024-0001,0.5,0.25\n", vulndb.EPSS{Score: 0.5, Percentile: 0.25}, ""},
		{"Z date", "#model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z\ncve,epss,percentile\nCVE-2024-0001,0.5,0.25\n", vulndb.EPSS{Score: 0.5, Percentile: 0.25, Date: "2026-05-18"}, ""},
		{"bad date", "#score_date:yesterday\ncve,epss,percentile\nCVE-2024-0001,0.5,0.25\n", vulndb.EPSS{Score: 0.5, Percentile: 0.25}, ""},
		{"empty", "", vulndb.EPSS{}, "line 1: EOF"},
		{"only metadata", meta, vulndb.EPSS{}, "line 2: EOF"},
		{"no header", meta + "CVE-2024-0001,0.5,0.25\n", vulndb.EPSS{}, "line 2: not an EPSS header"},
		{"json", `{"cve":"CVE-2024-0001"}`, vulndb.EPSS{}, "not an EPSS header"},
		{"header only", meta + "cve,epss,percentile\n", vulndb.EPSS{}, "no usable row"},
		{"all rows bad", "cve,epss\nCVE-2024-0001,2\n", vulndb.EPSS{}, "no usable row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := fromBytes(t, []byte(tt.doc))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Contains(t, err.Error(), "epss_scores-2025-03-16.csv.gz")
				assert.True(t, strings.HasPrefix(err.Error(), "epss: "), err.Error())
				return
			}
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, *got[0].EPSS)
		})
	}
}

func TestLimits(t *testing.T) {
	plain := generate(1000)
	_, _, err := fromBytes(t, plain, WithMaxBytes(int64(len(plain)-1)))
	assert.ErrorIs(t, err, feedinput.ErrTooLarge)
	// A small gzip that inflates past the limit.
	bomb := gz(t, append(generate(10), bytes.Repeat([]byte("\n"), 8<<20)...))
	require.Less(t, len(bomb), 64<<10)
	_, _, err = fromBytes(t, bomb, WithMaxBytes(1<<20))
	assert.ErrorIs(t, err, feedinput.ErrTooLarge)
	// A truncated gzip stream is an error, not a short feed.
	z := gz(t, plain)
	_, _, err = fromBytes(t, z[:len(z)/2])
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// TestStreams checks that memory does not grow with the file: 300,000
// rows are read through a pipe while the heap stays far below the size of
// the file.
func TestStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("300,000 rows")
	}
	const n = 300_000
	data := gz(t, generate(n))
	var before, peak runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var sk feedinput.SkipLog
	rows := 0
	_, err := parse(context.Background(), gunzip(t, data), "gen", &sk, func(v vulndb.Vulnerability) error {
		rows++
		if rows%50_000 == 0 {
			runtime.ReadMemStats(&peak)
			assert.Less(t, int64(peak.HeapInuse)-int64(before.HeapInuse), int64(8<<20), "heap grew with the file at row %d", rows)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, n, rows)
}

func gunzip(t testing.TB, b []byte) io.Reader {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	return zr
}

func TestHTTP(t *testing.T) {
	body := gz(t, generate(10))
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path == "/epss_scores-current.csv.gz" {
			http.Redirect(w, r, "/epss_scores-2025-03-16.csv.gz", http.StatusFound)
			return
		}
		if r.Header.Get("If-None-Match") == `"d16"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"d16"`)
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(body)
	}))
	defer srv.Close()
	src, err := New(WithURL(srv.URL+"/epss_scores-current.csv.gz"), WithClient(fetch.New(fetch.WithRetries(0))))
	require.NoError(t, err)
	n := 0
	cur, err := src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { n++; return nil })
	require.NoError(t, err)
	assert.Equal(t, 10, n)
	assert.JSONEq(t, `{"etag":"\"d16\""}`, string(cur))
	_, err = src.Fetch(context.Background(), cur, func(vulndb.Vulnerability) error { t.Fatal("emitted"); return nil })
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.EqualValues(t, 4, calls.Load(), "each fetch follows the redirect")
}

func TestLocalCursorAndEmitError(t *testing.T) {
	src, err := New(WithPath(writeFile(t, generate(3))))
	require.NoError(t, err)
	cur, err := src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
	require.NoError(t, err)
	_, err = src.Fetch(context.Background(), cur, func(vulndb.Vulnerability) error { return nil })
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)
	stop := errors.New("stop")
	_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return stop })
	assert.Equal(t, stop, err)

	d, err := New()
	require.NoError(t, err)
	assert.Equal(t, "epss", d.Name())
	assert.True(t, d.Snapshot())
	assert.Equal(t, "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz", d.opts.URL)
}

// BenchmarkParseEPSS reads 300,000 generated rows, about the size of the
// real daily file.
func BenchmarkParseEPSS(b *testing.B) {
	const n = 300_000
	plain := generate(n)
	for _, c := range []struct {
		name string
		data []byte
		gz   bool
	}{{"plain", plain, false}, {"gzip", gz(b, plain), true}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			for b.Loop() {
				var r io.Reader = bytes.NewReader(c.data)
				if c.gz {
					r = gunzip(b, c.data)
				}
				var sk feedinput.SkipLog
				st, err := parse(context.Background(), r, "bench", &sk, func(vulndb.Vulnerability) error { return nil })
				if err != nil || st.emitted != n {
					b.Fatal(err, st.emitted)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
