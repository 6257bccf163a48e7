package packagist_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/packagist"
)

func Example() {
	for _, p := range [][2]string{
		{"v5.4.21", "5.4.21"},
		{"1.0-dev", "1.0-alpha1"},
		{"2.0.0-RC1", "2.0.0"},
		{"1.0pl1", "1.0"},
	} {
		c, err := packagist.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// v5.4.21 0 5.4.21
	// 1.0-dev -1 1.0-alpha1
	// 2.0.0-RC1 -1 2.0.0
	// 1.0pl1 1 1.0
}
