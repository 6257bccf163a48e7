package semver_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/semver"
)

func Example() {
	for _, p := range [][2]string{
		{"1.0.0-beta.2", "1.0.0-beta.11"},
		{"v1.2.3", "1.2.3+build.7"},
		{"1.0.0-rc.1", "1.0.0"},
	} {
		c, err := semver.Compare(p[0], p[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p[0], c, p[1])
	}
	// Output:
	// 1.0.0-beta.2 -1 1.0.0-beta.11
	// v1.2.3 0 1.2.3+build.7
	// 1.0.0-rc.1 -1 1.0.0
}

func ExampleParseGo() {
	toolchain, _ := semver.ParseGo("go1.21rc2")
	fixed, _ := semver.ParseGo("1.21.0")
	fmt.Println(toolchain.Major, toolchain.Minor, toolchain.Patch, toolchain.Prerelease)
	fmt.Println(toolchain.Compare(fixed))
	// Output:
	// 1 21  rc.2
	// -1
}

func ExampleParseNPM() {
	_, err := semver.ParseNPM("=1.2.3", false)
	fmt.Println(err)
	v, _ := semver.ParseNPM("= v1.2.3beta", true)
	fmt.Println(v.Major, v.Minor, v.Patch, v.Prerelease)
	// Output:
	// major, minor and patch must be numbers
	// 1 2 3 beta
}

func ExampleParseNPMRange() {
	r, err := semver.ParseNPMRange("^1.2.3 || >=2.5.0 <3", semver.NPMRangeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range []string{"1.9.0", "2.0.0", "2.6.1", "1.3.0-beta.1", "3.0.0"} {
		fmt.Println(v, r.IncludesString(v))
	}
	// Output:
	// 1.9.0 true
	// 2.0.0 false
	// 2.6.1 true
	// 1.3.0-beta.1 false
	// 3.0.0 false
}
