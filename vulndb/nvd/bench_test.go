package nvd

import (
	"context"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// BenchmarkImportNVD measures decoding and converting osv.dev's NVD 1.1
// sample (669 CVEs with CPE configurations) into a discarding emit.
func BenchmarkImportNVD(b *testing.B) {
	path := shareddata.Path(b, "feeds", "nvd-osvdev-fixtures", "nvdcve-1.1-test-data.json")
	src, err := New(WithPath(path))
	if err != nil {
		b.Fatal(err)
	}
	records := 0
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error {
			records++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
}
