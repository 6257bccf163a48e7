package vulndb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

const (
	benchRecords  = 300_000
	benchPackages = 5_000
)

var (
	benchOnce  sync.Once
	benchStore *boltstore.Store
	benchDir   string
	benchErr   error
)

// benchDB is a bbolt store holding a generated feed of 300,000 records,
// built once per test process.
func benchDB(b *testing.B) *boltstore.Store {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "portcullis-bench-")
		if benchErr != nil {
			return
		}
		ctx := context.Background()
		benchStore, benchErr = boltstore.Open(ctx, filepath.Join(benchDir, "bench.db"))
		if benchErr != nil {
			return
		}
		corpus := storetest.NewCorpus(1, benchRecords)
		src := vulndb.SourceFunc("generated", func(ctx context.Context, _ vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
			for v := range corpus.All() {
				if err := emit(v); err != nil {
					return "", err
				}
			}
			return "1", nil
		})
		_, benchErr = vulndb.Update(ctx, benchStore, src, nil)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStore != nil {
		benchStore.Close()
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkMatch matches 5,000 installed packages (10% of them with
// records) against a store of 300,000 records, with enrichment lookups.
func BenchmarkMatch(b *testing.B) {
	st := benchDB(b)
	corpus := storetest.NewCorpus(1, benchRecords)
	keys := corpus.Keys(2, benchPackages, 0.1)
	queries := make([]vulndb.Query, len(keys))
	for i, k := range keys {
		queries[i] = vulndb.Query{Ecosystem: k.Ecosystem, Name: k.Name, Version: "1.5.0"}
	}
	ctx := context.Background()
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			m, err := vulndb.NewMatcher(st, vulndb.WithMatchWorkers(workers))
			if err != nil {
				b.Fatal(err)
			}
			var matched int
			for b.Loop() {
				res, err := m.Match(ctx, queries)
				if err != nil {
					b.Fatal(err)
				}
				matched = 0
				for _, r := range res {
					matched += len(r.Matches)
				}
			}
			b.ReportMetric(float64(matched), "matches")
		})
	}
}
