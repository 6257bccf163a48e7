package rubygems_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/rubygems"
)

func Example() {
	for _, p := range [][2]string{
		{"7.0.8.rc1", "7.0.8"},
		{"1.0.0-beta", "1.0.0.pre.beta"},
		{"3.10", "3.9.1"},
	} {
		c, err := rubygems.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	_, err := rubygems.Parse("beta1")
	fmt.Println(err)
	// Output:
	// 7.0.8.rc1 -1 7.0.8
	// 1.0.0-beta 0 1.0.0.pre.beta
	// 3.10 1 3.9.1
	// not a valid RubyGems version
}
