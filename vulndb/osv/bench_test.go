package osv

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
)

// generatedRecords is the size of the generated set of BenchmarkImportOSV.
const generatedRecords = 300_000

// BenchmarkImportOSV measures decoding and converting records into a
// discarding emit: the whole Go database as a directory, and a zip of
// 300,000 generated records shaped like OSV.dev's (GHSA-style npm and PyPI
// records, Go records). records/s is wall-clock throughput (all workers);
// records/cpu-s divides by the CPU time used, which stays meaningful on a
// loaded machine.
func BenchmarkImportOSV(b *testing.B) {
	b.Run("go-vulndb-dir", func(b *testing.B) {
		dir := shareddata.Path(b, "osv", "go-vulndb", "osv")
		benchFetch(b, dir)
	})
	b.Run("generated-300k-zip", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), "all.zip")
		writeGenerated(b, p, generatedRecords)
		benchFetch(b, p)
	})
	// End to end: the feed into the embedded store, as `db import` does.
	b.Run("go-vulndb-dir-into-boltstore", func(b *testing.B) {
		benchImport(b, shareddata.Path(b, "osv", "go-vulndb", "osv"))
	})
	b.Run("generated-300k-zip-into-boltstore", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), "all.zip")
		writeGenerated(b, p, generatedRecords)
		benchImport(b, p)
	})
}

// benchImport imports the feed at path into a new bbolt store each
// iteration with vulndb.Update.
func benchImport(b *testing.B, path string) {
	src, err := New(WithPath(path))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	records := 0
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		st, err := boltstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		info, err := vulndb.Update(ctx, st, src, nil)
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		records += info.Records
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
}

func benchFetch(b *testing.B, path string) {
	src, err := New(WithPath(path))
	if err != nil {
		b.Fatal(err)
	}
	records := 0
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	for b.Loop() {
		_, err := src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error {
			records++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
	if used := cpuTime() - cpu; used > 0 {
		b.ReportMetric(float64(records)/used.Seconds(), "records/cpu-s")
	}
	if n, reasons := src.Skipped(); n > 0 {
		b.Logf("skipped %d: %v", n, reasons)
	}
}

// writeGenerated writes a zip of n generated OSV records to path.
func writeGenerated(tb testing.TB, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		id, body := generated(rng, i)
		w, err := zw.Create(id + ".json")
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
}

var words = strings.Fields("the parser in package allows remote attackers to cause a denial of service via crafted input memory exhaustion when handling untrusted data before version after fix improper validation of length field leads to out of bounds read")

func sentence(rng *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[rng.IntN(len(words))]
	}
	return strings.Join(ws, " ")
}

// generated returns one record: a third each npm (SEMVER), PyPI
// (ECOSYSTEM with a versions list) and Go (SEMVER, two branches).
func generated(rng *rand.Rand, i int) (string, string) {
	id := fmt.Sprintf("GHSA-%04x-%04x-%04x", i>>16, i&0xffff, rng.IntN(0x10000))
	major, minor := rng.IntN(20), rng.IntN(30)
	var affected string
	switch i % 3 {
	case 0:
		affected = fmt.Sprintf(`{"package":{"ecosystem":"npm","name":"pkg-%d","purl":"pkg:npm/pkg-%d"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"%d.%d.%d"}]}],"database_specific":{"last_known_affected_version_range":"< %d.%d.%d"}}`,
			i, i, major, minor, 3, major, minor, 3)
	case 1:
		var vs []string
		for p := range 6 {
			vs = append(vs, fmt.Sprintf(`"%d.%d.%d"`, major, minor, p))
		}
		affected = fmt.Sprintf(`{"package":{"ecosystem":"PyPI","name":"py_pkg.%d","purl":"pkg:pypi/py-pkg-%d"},"ranges":[{"type":"GIT","repo":"https://github.com/x/y","events":[{"introduced":"0"},{"fixed":"0123456789abcdef0123456789abcdef01234567"}]},{"type":"ECOSYSTEM","events":[{"introduced":"%d.%d.0"},{"fixed":"%d.%d.6"}]}],"versions":[%s]}`,
			i, i, major, minor, major, minor, strings.Join(vs, ","))
	default:
		affected = fmt.Sprintf(`{"package":{"ecosystem":"Go","name":"github.com/org%d/mod"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"%d.%d.4"},{"introduced":"%d.0.0-0"},{"fixed":"%d.0.2"}]}],"ecosystem_specific":{"imports":[{"path":"github.com/org%d/mod/sub","symbols":["Parse","Decode"]}]}}`,
			i, major, minor, major+1, major+1, i)
	}
	body := fmt.Sprintf(`{"schema_version":"1.6.0","id":%q,"modified":"2025-%02d-%02dT10:11:12Z","published":"2024-%02d-%02dT01:02:03Z","aliases":["CVE-2024-%d"],"summary":%q,"details":%q,"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],"affected":[%s],"references":[{"type":"ADVISORY","url":"https://nvd.nist.gov/vuln/detail/CVE-2024-%d"},{"type":"WEB","url":"https://github.com/x/y/issues/%d"},{"type":"PACKAGE","url":"https://github.com/x/y"}],"database_specific":{"cwe_ids":["CWE-400"],"severity":"HIGH","github_reviewed":true,"github_reviewed_at":"2024-01-01T00:00:00Z","nvd_published_at":null}}`,
		id, 1+i%12, 1+i%28, 1+i%12, 1+i%28, 10000+i, sentence(rng, 10), sentence(rng, 60), affected, 10000+i, i)
	return id, body
}
