package apk

import (
	"testing"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.2.3-r0", "1.2.3a_rc1_p2~abc123-r10", "0.1_git20240101_pre1", "1.02", "1.1"} {
		f.Add(s, "1.2.3", "1.2.3_p1-r1")
	}
	vectortest.AddOSVSeeds(f, "alpine-versions.txt", "alpine-versions-generated.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func FuzzParseLegacy(f *testing.F) {
	for _, s := range []string{
		"6.6.2p1-r0", "0..8", ".1", "a", "1-r", "1.0a2b", "0.8.21.r2", "1.2_blah", "1-r0-1", "1--ruff1",
		"1.2.0A", "1.0bc", "0.r1", "1.2~X",
	} {
		f.Add(s, "6.6.2_p1", "1.2.3-r0")
	}
	vectortest.AddOSVSeeds(f, "alpine-versions.txt", "alpine-versions-generated.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, ParseLegacy, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("3.1.4-r5", "3.1.4_rc1-r6"); err != nil {
			b.Fatal(err)
		}
	}
}
