package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "boltstore-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	s, err := boltstore.Open(ctx, filepath.Join(dir, "vuln.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// A feed's snapshot: one transaction, replacing what the source had.
	err = s.Update(ctx, "debian", true, func(tx vulndb.Tx) error {
		for _, id := range []string{"CVE-2024-0001", "CVE-2024-0002"} {
			err := tx.Put(vulndb.Vulnerability{
				ID: id,
				Affected: []vulndb.Affected{{
					Package: vulndb.Package{Ecosystem: "Debian:12", Name: "openssl"},
					Ranges:  []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "3.0.13-1"}}}},
					Status:  vulndb.StatusFixed,
				}},
			})
			if err != nil {
				return err
			}
		}
		return tx.SetInfo(vulndb.SourceInfo{Cursor: "etag-1"})
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	out, err := s.Query(ctx, []vulndb.PackageKey{
		{Ecosystem: "Debian:12", Name: "openssl"},
		{Ecosystem: "Debian:12", Name: "zlib"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, recs := range out {
		fmt.Println(i, len(recs))
	}
	infos, _ := s.Sources(ctx)
	fmt.Println(infos[0].Name, infos[0].Records, infos[0].Cursor)
	// Output:
	// 0 2
	// 1 0
	// debian 2 etag-1
}
