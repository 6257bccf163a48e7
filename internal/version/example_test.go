package version_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version"
)

func ExampleForEcosystem() {
	for _, q := range []struct{ ecosystem, a, b string }{
		{"Debian:12", "2.36-9+deb12u4", "2.36-9+deb12u10"},
		{"Go", "go1.21.3", "1.21.5"},
		{"Maven", "2.13.4.2", "2.13.4"},
		{"PyPI", "2.0.0rc1", "2.0.0"},
		{"npm", "1.0.0", "latest"},
	} {
		c, ok := version.ForEcosystem(q.ecosystem)
		if !ok {
			fmt.Println("unknown ecosystem", q.ecosystem)
			continue
		}
		n, err := c.Compare(q.a, q.b)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(q.ecosystem, q.a, n, q.b)
	}
	_, ok := version.ForEcosystem("Bioconductor")
	fmt.Println(ok)
	// Output:
	// Debian:12 2.36-9+deb12u4 -1 2.36-9+deb12u10
	// Go go1.21.3 -1 1.21.5
	// Maven 2.13.4.2 1 2.13.4
	// PyPI 2.0.0rc1 -1 2.0.0
	// version: npm version "latest": major, minor and patch must be numbers
	// false
}

func ExampleValid() {
	fmt.Println(version.Valid("Alpine:v3.20", "1.2.3-r0"))
	fmt.Println(version.Valid("Alpine:v3.20", "1.2.3+git1"))
	fmt.Println(version.Valid("NuGet", "1.0.0.0.0"))
	// Output:
	// true
	// false
	// false
}

func ExampleComparerFunc() {
	// A comparer for an ecosystem this package does not know, such as
	// plain numbers.
	var c version.Comparer = version.ComparerFunc(func(a, b string) (int, error) {
		var x, y int
		if _, err := fmt.Sscan(a, &x); err != nil {
			return 0, err
		}
		if _, err := fmt.Sscan(b, &y); err != nil {
			return 0, err
		}
		return x - y, nil
	})
	n, _ := c.Compare("10", "9")
	fmt.Println(n > 0)
	// Output:
	// true
}
