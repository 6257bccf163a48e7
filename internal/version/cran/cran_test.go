package cran

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "cran-versions.txt", Compare)
	vectortest.RunOSV(t, "cran-versions-generated.txt", Compare)
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		// From R's ?package_version examples and base R behaviour.
		{"1.2-3", "1.2.3", 0},
		{"1.2-3", "1.2-10", -1},
		{"0.9", "0.75", -1},
		{"1.0", "1.0.0", -1},
		{"1.0.0", "1.0-1", -1},
		{"01.002", "1.2", 0},
		{"2147483647", "2147483646.9", 1},
	}
	for _, tt := range tests {
		got, err := Compare(tt.a, tt.b)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%s vs %s", tt.a, tt.b)
		got, err = Compare(tt.b, tt.a)
		require.NoError(t, err)
		assert.Equal(t, -tt.want, got, "%s vs %s", tt.b, tt.a)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]error{
		"1.2-3":                       nil,
		"0":                           nil,
		"":                            ErrEmpty,
		"1..2":                        ErrInvalid,
		"1.-2":                        ErrInvalid,
		"1.2.":                        ErrInvalid,
		"-1":                          ErrInvalid,
		"1.2a":                        ErrInvalid,
		"1 .2":                        ErrInvalid,
		"v1.2":                        ErrInvalid,
		"2147483648":                  ErrTooBig,
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
	f.Add("1.2-3", "1.2.3", "1.2-10")
	f.Add("0", "0.0", "0-0-0")
	vectortest.AddOSVSeeds(f, "cran-versions.txt", "cran-versions-generated.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("1.4-2.1", "1.4-10"); err != nil {
			b.Fatal(err)
		}
	}
}
