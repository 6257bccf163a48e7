package dpkg_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/dpkg"
)

func Example() {
	for _, p := range [][2]string{
		{"1.0~rc1-1", "1.0-1"},
		{"1:0.9-1", "2.0-1"},
		{"2.36-9+deb12u4", "2.36-9+deb12u10"},
	} {
		c, err := dpkg.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.0~rc1-1 -1 1.0-1
	// 1:0.9-1 1 2.0-1
	// 2.36-9+deb12u4 -1 2.36-9+deb12u10
}
