package memstore_test

import (
	"context"
	"fmt"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
)

func Example() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()

	err := s.Update(ctx, "osv", false, func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{
			ID:      "PYSEC-2023-1",
			Aliases: []string{"CVE-2023-0001"},
			Affected: []vulndb.Affected{{
				Package: vulndb.Package{Ecosystem: vulndb.EcosystemPyPI, Name: "Foo_Bar"},
				Ranges:  []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "1.2"}}}},
			}},
		})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Keys go through KeyOf, so any spelling of the name finds the record.
	key := vulndb.KeyOf(vulndb.Package{Ecosystem: vulndb.EcosystemPyPI, Name: "foo.bar"})
	out, err := s.Query(ctx, []vulndb.PackageKey{key})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range out[0] {
		fmt.Println(v.Source, v.ID, v.Affected[0].Package.Name)
	}
	byAlias, _ := s.Get(ctx, "CVE-2023-0001")
	fmt.Println(byAlias[0].ID)
	// Output:
	// osv PYSEC-2023-1 Foo_Bar
	// PYSEC-2023-1
}
