package nuget

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "nuget-versions.txt", Compare)
}

// sorted follows NuGet.Versioning's VersionComparer tests and the SemVer
// precedence example, extended to four parts; each entry sorts strictly
// after the previous one.
var sorted = []string{
	"0.9.9", "1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
	"1.0.0-BETA", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-beta2", "1.0.0-rc.1", "1.0.0", "1.0.0.1-alpha",
	"1.0.0.1", "1.0.1", "1.1", "2147483647.0", "2147483648", "10000000000.0.0.1", "99999999999999999999",
}

func TestOrder(t *testing.T) {
	for i := range sorted {
		for j := range sorted {
			got, err := Compare(sorted[i], sorted[j])
			require.NoError(t, err)
			assert.Equal(t, vectortest.Sign(i-j), got, "%s vs %s", sorted[i], sorted[j])
		}
	}
}

func TestEqual(t *testing.T) {
	for _, p := range [][2]string{
		{"1", "1.0.0.0"}, {"1.0.01", "1.0.1"}, {"1.0.0+a", "1.0.0+b"}, {"1.0.0-BETA.X+AA", "1.0.0-beta.x"},
		{" 1.0 ", "1.0"}, {"1.0.0--1", "1.0.0--01"},
	} {
		c, err := Compare(p[0], p[1])
		require.NoError(t, err, "%q %q", p[0], p[1])
		assert.Equal(t, 0, c, "%s = %s", p[0], p[1])
	}
	// int.TryParse reads "-1" as a number, so it sorts before "0" and "a".
	c, err := Compare("1.0.0--1", "1.0.0-0")
	require.NoError(t, err)
	assert.Equal(t, -1, c)
}

func TestParse(t *testing.T) {
	tests := []struct {
		in                string
		nums              [4]string
		release, metadata string
		err               error
	}{
		{in: "1.2.3.4-beta.1+build.5", nums: [4]string{"1", "2", "3", "4"}, release: "beta.1", metadata: "build.5"},
		{in: "1", nums: [4]string{"1", "0", "0", "0"}},
		{in: "1.0+meta", nums: [4]string{"1", "0", "0", "0"}, metadata: "meta"},
		{in: "1.0.0-0A", nums: [4]string{"1", "0", "0", "0"}, release: "0A"},
		{in: "1.0.0+001", nums: [4]string{"1", "0", "0", "0"}, metadata: "001"},
		{in: "01.000.0020", nums: [4]string{"1", "0", "20", "0"}},
		{in: " \t007.0.1 ", nums: [4]string{"7", "0", "1", "0"}},
		{in: "2147483648.99999999999999999999", nums: [4]string{"2147483648", "99999999999999999999", "0", "0"}},
		{in: "", err: ErrEmpty},
		{in: "  ", err: ErrEmpty},
		{in: "v1.0", err: ErrNumber},
		{in: "1.0.0.0.0", err: ErrNumber},
		{in: "1..0", err: ErrNumber},
		{in: "1.", err: ErrNumber},
		{in: "-1.0", err: ErrNumber},
		{in: "+1.0", err: ErrNumber},
		{in: "1.0a", err: ErrNumber},
		{in: "1. 0", err: ErrNumber},
		{in: "1.0-", err: ErrLabel},
		{in: "1.0-beta..1", err: ErrLabel},
		{in: "1.0-01", err: ErrLabel},
		{in: "1.0-be_ta", err: ErrLabel},
		{in: "1.0+", err: ErrMetadata},
		{in: "1.0-a+", err: ErrMetadata},
		{in: "1.0+a..b", err: ErrMetadata},
		{in: "1.0+a+b", err: ErrMetadata},
		{in: strings.Repeat("1", MaxLen+1), err: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			v, err := Parse(tt.in)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.nums, v.Numbers())
			assert.Equal(t, tt.release, v.Release)
			assert.Equal(t, tt.metadata, v.Metadata)
			assert.Equal(t, tt.release != "", v.IsPrerelease())
			assert.Equal(t, tt.in, v.String())
		})
	}
}

func FuzzParse(f *testing.F) {
	for i, s := range sorted {
		f.Add(s, sorted[(i+1)%len(sorted)], "1.0.0--1")
	}
	vectortest.AddOSVSeeds(f, "nuget-versions.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("6.0.21", "6.0.0-preview.7.21377.19"); err != nil {
			b.Fatal(err)
		}
	}
}
