package pep440

import (
	"testing"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1!2.0.post1.dev3+local.7", "1.0rc1", "1.0-1", "v1.0a", "2013-01-21T20:33:09+0100"} {
		f.Add(s, "1.0", "1.0.dev0")
	}
	vectortest.AddOSVSeeds(f, "pypi-versions.txt", "pypi-versions-generated.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
		vectortest.CheckOrder(t, ParseLegacy, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("2.31.0", "2.32.0rc1"); err != nil {
			b.Fatal(err)
		}
	}
}
