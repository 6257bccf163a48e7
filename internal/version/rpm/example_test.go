package rpm_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/rpm"
)

func Example() {
	for _, p := range [][2]string{
		{"1:3.0.7-25.el9_3", "1:3.0.7-27.el9"},
		{"1.0~rc1-1", "1.0-1"},
		{"0:1.0-1", "1.0-1"},
	} {
		c, err := rpm.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1:3.0.7-25.el9_3 -1 1:3.0.7-27.el9
	// 1.0~rc1-1 -1 1.0-1
	// 0:1.0-1 0 1.0-1
}
