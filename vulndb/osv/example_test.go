package osv_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/osv"
)

// Import a directory of OSV records, as for an air-gapped update.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "osv-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	rec := `{"id": "GO-2099-0001", "modified": "2099-01-02T00:00:00Z", "aliases": ["CVE-2099-0001"],
	  "database_specific": {"severity": "HIGH"},
	  "affected": [
	    {"package": {"ecosystem": "Go", "name": "example.com/mod"},
	     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.4.2"}]}]},
	    {"package": {"ecosystem": "OSS-Fuzz", "name": "plug"}, "versions": ["1.0.0"]}]}`
	if err := os.WriteFile(filepath.Join(dir, "GO-2099-0001.json"), []byte(rec), 0o600); err != nil {
		log.Fatal(err)
	}

	src, err := osv.New(osv.WithPath(dir))
	if err != nil {
		log.Fatal(err)
	}
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		for _, a := range v.Affected {
			fmt.Println(v.ID, v.Aliases, a.Package.Name, a.Ranges[0].Events, a.Status)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	n, reasons := src.Skipped()
	fmt.Println(n, reasons)
	// Output:
	// GO-2099-0001 [CVE-2099-0001] example.com/mod [{0   } { 1.4.2  }] fixed
	// 1 [unknown ecosystem "OSS-Fuzz": 1 (first: GO-2099-0001 affected[1] "OSS-Fuzz/plug")]
}
