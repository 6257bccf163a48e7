package policytest_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/policy/policytest"
)

// RunDir runs a directory of case files, as `portcullis policy test` does.
func ExampleRunDir() {
	sum, err := policytest.RunDir(context.Background(), filepath.Join("testdata", "pass"))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range sum.Results {
		fmt.Printf("%v %s\n", r.Passed(), r.Case)
	}
	fmt.Printf("%d passed, %d failed\n", sum.Passed, sum.Failed)
	// Output:
	// true clean
	// true untagged warns
	// true critical
	// true unscanned
	// 4 passed, 0 failed
}
