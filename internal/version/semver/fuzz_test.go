package semver

import (
	"testing"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func FuzzParse(f *testing.F) {
	for i, s := range sorted {
		f.Add(s, sorted[(i+1)%len(sorted)], "1.2.3.0")
	}
	vectortest.AddOSVSeeds(f, "semver-versions.txt", "pub-versions.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func FuzzParseGo(f *testing.F) {
	for _, s := range []string{"go1.21.3", "go1.21rc2", "go1", "v2.0.0+incompatible", "1.9beta1", "v0.0.0-20230101120000-abcdefabcdef"} {
		f.Add(s, "1.21.0", "v1.21.0-rc.1")
	}
	vectortest.AddOSVSeeds(f, "semver-versions.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, ParseGo, true, a, b, c)
	})
}

func FuzzParseNPM(f *testing.F) {
	for _, s := range []string{"= v 1.2.3-0", "1.2.3beta", "1.2.3-", "01.2.3", " v1.2.3+build ", "1.2.3-alpha-.-beta"} {
		f.Add(s, "1.2.3", "1.2.3-a.10")
	}
	vectortest.AddOSVSeeds(f, "semver-versions.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		strict := func(s string) (Version, error) { return ParseNPM(s, false) }
		loose := func(s string) (Version, error) { return ParseNPM(s, true) }
		vectortest.CheckOrder(t, strict, true, a, b, c)
		vectortest.CheckOrder(t, loose, true, a, b, c)
		// Everything strict mode accepts, loose mode accepts alike.
		if vs, err := ParseNPM(a, false); err == nil {
			vl, err := ParseNPM(a, true)
			if err != nil || vs.Compare(vl) != 0 {
				t.Fatalf("%q: strict %+v, loose %+v (%v)", a, vs, vl, err)
			}
		}
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("1.2.3-beta.11", "1.2.3-beta.2"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompareGo(b *testing.B) {
	for b.Loop() {
		x, err := ParseGo("go1.21.3")
		if err != nil {
			b.Fatal(err)
		}
		y, err := ParseGo("v1.21.0-rc.2")
		if err != nil {
			b.Fatal(err)
		}
		x.Compare(y)
	}
}

func FuzzParseNPMRange(f *testing.F) {
	for _, s := range []string{"^1.2.3", "~1.2", "1.x || >=2.5.0 <3", "1.2.3 - 2.3.4", ">=1.0.0-0", "~>3.2.1", "== 1.0.0 || foo", ""} {
		f.Add(s, "1.2.4-beta.1", false, false)
		f.Add(s, "2.0.0", true, true)
	}
	f.Fuzz(func(t *testing.T, rng, version string, loose, incPr bool) {
		r, err := ParseNPMRange(rng, NPMRangeOptions{Loose: loose, IncludePrerelease: incPr})
		if err != nil {
			return
		}
		r.IncludesString(version)
	})
}
