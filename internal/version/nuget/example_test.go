package nuget_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/nuget"
)

func Example() {
	for _, p := range [][2]string{
		{"1.0", "1.0.0.0"},
		{"4.7.0-RC1", "4.7.0-rc1"},
		{"6.0.0-preview.7", "6.0.0"},
		{"1.2.3+build.1", "1.2.3+build.2"},
	} {
		c, err := nuget.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.0 0 1.0.0.0
	// 4.7.0-RC1 0 4.7.0-rc1
	// 6.0.0-preview.7 -1 6.0.0
	// 1.2.3+build.1 0 1.2.3+build.2
}
