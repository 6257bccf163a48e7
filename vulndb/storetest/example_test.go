package storetest_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

func ExampleNewCorpus() {
	c := storetest.NewCorpus(1, 300_000)
	v := c.Record(0)
	fmt.Println(v.ID, v.Aliases[0] != "", len(v.Affected) > 0)
	// The same seed and index always give the same record.
	fmt.Println(c.Record(12345).ID == storetest.NewCorpus(1, 300_000).Record(12345).ID)
	// Output:
	// GHSA-2222-2222-2223 true true
	// true
}

func ExampleFull() {
	v := storetest.Full("osv", "GHSA-xxxx-yyyy-zzzz")
	fmt.Println(v.Source, v.ID, len(v.Affected), v.Affected[0].Package.Name, v.KEV != nil, v.Withdrawn != nil)
	// Output:
	// osv GHSA-xxxx-yyyy-zzzz 2 left-pad true true
}
