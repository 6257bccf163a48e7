package epss_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/epss"
)

// Import a downloaded daily file, gzipped as FIRST publishes it.
func Example() {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprint(zw, "#model_version:v2025.03.14,score_date:2025-03-16T00:00:00+0000\n"+
		"cve,epss,percentile\n"+
		"CVE-2021-44228,0.94358,0.99961\n"+
		"CVE-2024-3094,0.84232,0.99271\n"+
		"CVE-2024-9999,1.7,0.5\n")
	zw.Close()
	dir, err := os.MkdirTemp("", "epss-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "epss_scores-2025-03-16.csv.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		panic(err)
	}

	src, err := epss.New(epss.WithPath(path))
	if err != nil {
		panic(err)
	}
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		fmt.Println(v.ID, v.EPSS.Score, v.EPSS.Percentile, v.EPSS.Date)
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(src.Skipped())
	// Output:
	// CVE-2021-44228 0.94358 0.99961 2025-03-16
	// CVE-2024-3094 0.84232 0.99271 2025-03-16
	// 1 [score not a number in [0,1]: 1 (first: line 5: "1.7")]
}
