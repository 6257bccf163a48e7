package hackage

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "hackage-versions.txt", Compare)
}

// sorted is in Cabal's order; each entry sorts strictly after the previous
// one.
var sorted = []string{"0", "0.0", "0.1", "0.1.0.0", "0.2", "0.10", "1", "1.0", "1.0.0", "1.0.1", "1.1", "2", "10.0"}

func TestOrder(t *testing.T) {
	for i := range sorted {
		for j := range sorted {
			got, err := Compare(sorted[i], sorted[j])
			require.NoError(t, err)
			assert.Equal(t, vectortest.Sign(i-j), got, "%s vs %s", sorted[i], sorted[j])
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]error{
		"1.2.3":                       nil,
		"0.10":                        nil,
		"":                            ErrEmpty,
		"01.0":                        ErrLeadingZero,
		"1.00":                        ErrLeadingZero,
		"1.0-beta":                    ErrInvalid,
		"1.":                          ErrInvalid,
		".1":                          ErrInvalid,
		"1..2":                        ErrInvalid,
		"v1":                          ErrInvalid,
		strings.Repeat("1", MaxLen+1): ErrTooLong,
	} {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			v, err := Parse(in)
			if want != nil {
				assert.ErrorIs(t, err, want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, in, v.String())
		})
	}
}

func FuzzParse(f *testing.F) {
	for i, s := range sorted {
		f.Add(s, sorted[(i+1)%len(sorted)], "1.0")
	}
	vectortest.AddOSVSeeds(f, "hackage-versions.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("2.10.0.1", "2.9.1.0"); err != nil {
			b.Fatal(err)
		}
	}
}
