package maven_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/maven"
)

func Example() {
	for _, p := range [][2]string{
		{"1.0-SNAPSHOT", "1.0"},
		{"1.0", "1.0.0.Final"},
		{"2.13.4", "2.13.4.2"},
		{"1.0-beta-1", "1.0-alpha-2"},
	} {
		c, err := maven.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.0-SNAPSHOT -1 1.0
	// 1.0 0 1.0.0.Final
	// 2.13.4 -1 2.13.4.2
	// 1.0-beta-1 1 1.0-alpha-2
}
