package hackage_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/hackage"
)

func Example() {
	for _, p := range [][2]string{
		{"0.10.1", "0.9.2"},
		{"1.0", "1.0.0"},
	} {
		c, err := hackage.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	_, err := hackage.Parse("1.01")
	fmt.Println(err)
	// Output:
	// 0.10.1 1 0.9.2
	// 1.0 -1 1.0.0
	// version number has a leading zero
}
