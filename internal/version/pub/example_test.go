package pub_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/pub"
)

func Example() {
	for _, p := range [][2]string{
		{"1.0.0-dev", "1.0.0"},
		{"1.0.0", "1.0.0+1"},
		{"1.0.0+1", "1.0.0+2"},
	} {
		c, err := pub.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.0.0-dev -1 1.0.0
	// 1.0.0 -1 1.0.0+1
	// 1.0.0+1 -1 1.0.0+2
}
