package apk_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/apk"
)

func Example() {
	for _, p := range [][2]string{
		{"1.2.3_rc1-r0", "1.2.3-r0"},
		{"1.2.3-r10", "1.2.3-r9"},
		{"1.2.3_p1", "1.2.3"},
	} {
		c, err := apk.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.2.3_rc1-r0 -1 1.2.3-r0
	// 1.2.3-r10 1 1.2.3-r9
	// 1.2.3_p1 1 1.2.3
}

func ExampleParseLegacy() {
	_, err := apk.Parse("6.0.2p1-r0")
	fmt.Println(err)
	a, _ := apk.ParseLegacy("6.0.2p1-r0")
	b, _ := apk.ParseLegacy("6.0.2p1-r1")
	fmt.Println(a.IsLegacy(), a.Compare(b))
	// Output:
	// not a valid apk version
	// true -1
}

func ExampleVersion_Remainder() {
	v, err := apk.ParseLegacy("1.2_blah")
	if err != nil {
		fmt.Println(err)
		return
	}
	w, _ := apk.ParseLegacy("1.2")
	fmt.Printf("%q %d\n", v.Remainder(), v.Compare(w))
	_, err = apk.ParseLegacy("1.2 blah")
	fmt.Println(err)
	// Output:
	// "_blah" -1
	// not a valid apk version
}
