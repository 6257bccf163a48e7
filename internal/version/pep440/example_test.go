package pep440_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/pep440"
)

func Example() {
	for _, p := range [][2]string{
		{"1.0rc1", "1.0"},
		{"1.0.post1", "1.0"},
		{"1.0.dev0", "1.0a1"},
		{"1!0.1", "2.0"},
	} {
		c, err := pep440.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.0rc1 -1 1.0
	// 1.0.post1 1 1.0
	// 1.0.dev0 -1 1.0a1
	// 1!0.1 1 2.0
}
