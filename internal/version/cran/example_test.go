package cran_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/cran"
)

func Example() {
	for _, p := range [][2]string{
		{"1.2-3", "1.2.3"},
		{"0.9", "0.75"},
		{"1.0", "1.0-0"},
	} {
		c, err := cran.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.2-3 0 1.2.3
	// 0.9 -1 0.75
	// 1.0 -1 1.0-0
}
