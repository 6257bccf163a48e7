package boltstore_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

// benchRecords is the size of the benchmark database.
const benchRecords = 300_000

// benchCorpus is the data of the benchmarks.
var benchCorpus = storetest.NewCorpus(1, benchRecords)

// benchDBEnv names a file to keep the shared benchmark database in across
// runs: built there if it is missing, reused (and never written) if not.
const benchDBEnv = "BOLTSTORE_BENCH_DB"

// sharedBench holds the 300,000-record database that the query benchmarks
// share, built once per process in a directory that TestMain removes
// (unless benchDBEnv names where to keep it).
var sharedBench struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func benchDB(b *testing.B) string {
	b.Helper()
	sharedBench.once.Do(func() {
		if p := os.Getenv(benchDBEnv); p != "" {
			sharedBench.path = p
			if _, err := os.Stat(p); err == nil {
				return
			}
		} else {
			sharedBench.dir, sharedBench.err = os.MkdirTemp("", "boltstore-bench-")
			if sharedBench.err != nil {
				return
			}
			sharedBench.path = filepath.Join(sharedBench.dir, "vuln.db")
		}
		s, err := boltstore.Open(context.Background(), sharedBench.path)
		if err != nil {
			sharedBench.err = err
			return
		}
		defer s.Close()
		sharedBench.err = s.Update(context.Background(), "ghsa", true, func(tx vulndb.Tx) error {
			for v := range benchCorpus.All() {
				if err := tx.Put(v); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if sharedBench.err != nil {
		b.Fatal(sharedBench.err)
	}
	return sharedBench.path
}

func cleanupBench() {
	if sharedBench.dir != "" {
		_ = os.RemoveAll(sharedBench.dir)
	}
}

// memStat reads a field of /proc/self/status in MiB (Linux), or -1.
func memStat(field string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(field+":")); ok {
			kb, err := strconv.Atoi(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return -1
}

// anonPeak samples the process's anonymous resident memory (the heap and
// such, without the pages of the memory-mapped database file that VmHWM
// also counts) until stop is called, and returns the peak seen.
func anonPeak() (stop func() float64) {
	done := make(chan struct{})
	result := make(chan float64)
	go func() {
		peak := memStat("RssAnon")
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				peak = max(peak, memStat("RssAnon"))
			case <-done:
				result <- max(peak, memStat("RssAnon"))
				return
			}
		}
	}()
	return func() float64 {
		close(done)
		return <-result
	}
}

// reportMemory reports the peak anonymous memory and the process's peak
// resident set (VmHWM, mapped file pages included).
func reportMemory(b *testing.B, anon float64) {
	b.ReportMetric(anon, "peak-anon-MiB")
	b.ReportMetric(memStat("VmHWM"), "peak-RSS-MiB")
}

func fileMiB(b *testing.B, path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return float64(fi.Size()) / (1 << 20)
}

// BenchmarkImport writes 300,000 generated records in one replacing
// update: "new" into an empty file, "unchanged" over the same records
// again (a snapshot feed re-imported), "generate" only generates them (the
// share of the time that is not the store's). Run each alone
// (-bench=Import/new) for a peak RSS that is its own.
func BenchmarkImport(b *testing.B) {
	put := func(s *boltstore.Store) error {
		return s.Update(context.Background(), "ghsa", true, func(tx vulndb.Tx) error {
			for v := range benchCorpus.All() {
				if err := tx.Put(v); err != nil {
					return err
				}
			}
			return nil
		})
	}
	b.Run("new", func(b *testing.B) {
		stop := anonPeak()
		var size float64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			path := filepath.Join(b.TempDir(), "vuln.db")
			s, err := boltstore.Open(context.Background(), path)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := put(s); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			size = fileMiB(b, path)
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(size, "file-MiB")
		reportMemory(b, stop())
	})
	b.Run("unchanged", func(b *testing.B) {
		src := benchDB(b)
		stop := anonPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			path := filepath.Join(b.TempDir(), "vuln.db")
			if err := copyFile(path, src); err != nil {
				b.Fatal(err)
			}
			s, err := boltstore.Open(context.Background(), path)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := put(s); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
		reportMemory(b, stop())
	})
	b.Run("generate", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			for v := range benchCorpus.All() {
				n += len(v.ID)
			}
		}
		b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// BenchmarkQuery asks for 5,000 keys, about 10% of which have records,
// against the 300,000-record database. In "popular" the keys that hit are
// drawn in proportion to their packages' records (popular packages come up
// more often, as in real images); in "uniform" evenly from the package
// names, most of which have one or two records.
func BenchmarkQuery(b *testing.B) {
	path := benchDB(b)
	s, err := boltstore.Open(context.Background(), path, boltstore.WithReadOnly())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, bc := range []struct {
		name string
		keys func() []vulndb.PackageKey
	}{
		{"popular", func() []vulndb.PackageKey { return benchCorpus.Keys(42, 5000, 0.1) }},
		{"uniform", func() []vulndb.PackageKey { return benchCorpus.UniformKeys(42, 5000, 0.1) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			keys := bc.keys()
			out, err := s.Query(context.Background(), keys)
			if err != nil {
				b.Fatal(err)
			}
			hits, recs := 0, 0
			for _, r := range out {
				if len(r) > 0 {
					hits++
				}
				recs += len(r)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Query(context.Background(), keys); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
			b.ReportMetric(float64(hits), "keys-hit")
			b.ReportMetric(float64(recs), "records/batch")
			b.ReportMetric(fileMiB(b, path), "file-MiB")
		})
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
