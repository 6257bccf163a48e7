package dpkg

import (
	"testing"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1:2.3-4", "2.30-1ubuntu1~22.04", "1.0~rc1", "1.0+b1", "1:1.2-3-4"} {
		f.Add(s, "1.0", "1.0-0")
	}
	vectortest.AddOSVSeeds(f, "debian-versions.txt", "debian-versions-generated.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("2.36-9+deb12u4", "2.36-9+deb12u10"); err != nil {
			b.Fatal(err)
		}
	}
}
