package rpm

import (
	"testing"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1:3.0.7-25.el9_3", "1.0~rc1-1", "1.0^git1-1", "2.31-150300.63.1", "1.0-1.el9"} {
		f.Add(s, "1.0", "1.0-1")
	}
	vectortest.AddOSVSeeds(f, "redhat-versions.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("1:3.0.7-25.el9_3", "1:3.0.7-27.el9"); err != nil {
			b.Fatal(err)
		}
	}
}
