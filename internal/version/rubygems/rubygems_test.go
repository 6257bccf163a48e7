package rubygems

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "rubygems-versions.txt", Compare)
	vectortest.RunOSV(t, "rubygems-versions-generated.txt", Compare)
}

// TestCompare has cases of rubygems' test/rubygems/test_gem_version.rb
// (test_spaceship, test_semver, test_canonical_segments).
func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0.0", 0},
		{"1.0", "1.0.a", 1},
		{"1.8.2", "0.0.0", 1},
		{"1.8.2", "1.8.2.a", 1},
		{"1.8.2.b", "1.8.2.a", 1},
		{"1.8.2.a", "1.8.2", -1},
		{"1.8.2.a10", "1.8.2.a9", 1},
		{"0.beta.1", "0.0.beta.1", 0},
		{"0.0.beta", "0.0.beta.1", -1},
		{"5.a", "5.0.0.rc2", -1},
		{"5.x", "5.0.0.rc2", 1},
		{"1.0.0-beta", "1.0.0.pre.beta", 0},
		{"1.0.0-1", "1.0.0.pre.1", 0},
		{"1.0.0.1", "1.0.0-1", 1},
		{"1.0.0-rc1", "1.0.0", -1},
		{"1.9.3", "1.9.3-p551", 1},
		{" 1.0 ", "1", 0},
		{"1.0.A", "1.0.a", -1},
		{"9999999999999999999999.1", "9999999999999999999999.0.9", 1},
		{"1beta", "1.beta", 0},
		{"1beta", "1", -1},
		{"1beta2", "1.beta.2", 0},
		{"1beta2", "1beta10", -1},
		{"1gamma", "1beta", 1},
		{"1b", "1.0.a", 1},
		{"10rc1-2", "10.rc.1.pre.2", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			got, err := Compare(tt.a, tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			got, err = Compare(tt.b, tt.a)
			require.NoError(t, err)
			assert.Equal(t, -tt.want, got)
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		pre  bool
		want error
	}{
		{in: "1.0"},
		{in: "1.2.0.a", pre: true},
		{in: "2.9.b", pre: true},
		{in: "22.1.50.0.d", pre: true},
		{in: "1.2.d.42", pre: true},
		{in: "1.A", pre: true},
		{in: "1-1", pre: true},
		{in: "1-a", pre: true},
		{in: "1.0.0-rc-1.x", pre: true},
		{in: "\t1.0\n"},
		{in: "", want: ErrEmpty},
		{in: "  ", want: ErrEmpty},
		{in: "junk", want: ErrInvalid},
		{in: "1.0\n2.0", want: ErrInvalid},
		{in: "1beta", pre: true},
		{in: "1rc2.0-x", pre: true},
		{in: "beta1", want: ErrInvalid},
		{in: "1beta_2", want: ErrInvalid},
		{in: "1..0", want: ErrInvalid},
		{in: "1.0.", want: ErrInvalid},
		{in: "1.0-", want: ErrInvalid},
		{in: "1.0-a..b", want: ErrInvalid},
		{in: "1.0+b", want: ErrInvalid},
		{in: "v1.0", want: ErrInvalid},
		{in: "1.0\x00", want: ErrInvalid},
		{in: strings.Repeat("1", MaxLen+1), want: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			v, err := Parse(tt.in)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.pre, v.IsPrerelease())
			assert.Equal(t, tt.in, v.String())
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("1.0.0-rc-1.x", "1.0.0.pre.rc.pre.1.x", "0.0.beta")
	f.Add("1.0.a.0.0", "1.0.a", "1.a")
	vectortest.AddOSVSeeds(f, "rubygems-versions.txt", "rubygems-versions-generated.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("7.0.8.1", "7.0.8.rc1"); err != nil {
			b.Fatal(err)
		}
	}
}
