package packagist

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "packagist-versions.txt", Compare)
	vectortest.RunOSV(t, "packagist-versions-generated.txt", Compare)
}

// sorted follows the order of PHP's version_compare documentation
// (dev < alpha = a < beta = b < RC = rc < # < pl = p); each entry sorts
// strictly after the previous one.
var sorted = []string{
	"1.0-foo", "1.0-dev", "1.0alpha1", "1.0b1", "1.0beta2", "1.0RC1", "1.0-rc.2", "1.0", "1.0.0",
	"1.0.0.1", "1.0pl1", "1.0p2", "1.0patch3", "1.1", "v1.2", "10",
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
		{"1.0a1", "1.0alpha1"}, {"1.0RC1", "1.0rc1"}, {"1.0-beta_2+3", "1.0.beta.2.3"}, {"v1.0", "V1.0"},
		{"1..0", "1.0"}, {"01.0", "1.0"}, {"1.0pl1", "1.0p1"},
		{"1.2.3.#", "1.2.3"}, {"1.2.3.#", "1.2.3.7"}, {"1.2.3.#.#", "1.2.3"}, {"1.2.#.4", "1.2.9.4"},
	} {
		c, err := Compare(p[0], p[1])
		require.NoError(t, err, "%q %q", p[0], p[1])
		assert.Equal(t, 0, c, "%s = %s", p[0], p[1])
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in  string
		err error
	}{
		{in: "v1.0.0"},
		{in: "dev-master"},
		{in: "1.0.x-dev"},
		{in: "", err: ErrEmpty},
		{in: "v", err: ErrEmpty},
		{in: "1.0-", err: ErrInvalid},
		{in: "-1.0", err: ErrInvalid},
		{in: "1.0 ", err: ErrInvalid},
		{in: "1.2.3.#"},
		{in: "1.2.3.#.beta"},
		{in: "1.0-#"},
		{in: "#", err: ErrInvalid},
		{in: "v#1", err: ErrInvalid},
		{in: "#.1", err: ErrInvalid},
		{in: "1.0*", err: ErrInvalid},
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
			assert.Equal(t, tt.in, v.String())
		})
	}
}

// TestHash checks the order of versions with '#' that osv-scalibr's
// fixture does not cover.
func TestHash(t *testing.T) {
	for _, p := range [][3]string{
		{"1.2.3.#.1", ">", "1.2.3.#"},
		{"1.2.3.#.pl1", ">", "1.2.3"},
		{"1.2.3.#.RC1", "<", "1.2.3"},
		{"1.2.3.#.dev", "<", "1.2.3.#.alpha"},
		{"1.2.3.#", ">", "1.2.3.rc1"},
		{"1.2.3.#", "<", "1.2.3.p1"},
		{"1.2.#", "<", "1.2.3.1"},
	} {
		c, err := Compare(p[0], p[2])
		require.NoError(t, err)
		want, _ := vectortest.OpResult(p[1])
		assert.Equal(t, want, c, "%s %s %s", p[0], p[1], p[2])
		c, err = Compare(p[2], p[0])
		require.NoError(t, err)
		assert.Equal(t, -want, c, "%s %s %s reversed", p[0], p[1], p[2])
	}
}

func FuzzParse(f *testing.F) {
	for i, s := range sorted {
		f.Add(s, sorted[(i+3)%len(sorted)], "1.0-dev")
	}
	vectortest.AddOSVSeeds(f, "packagist-versions.txt", "packagist-versions-generated.txt")
	f.Add("1.2.3.#", "1.2.3", "1.2.3.1")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		// '#' equals any number, so the order is transitive only
		// without it (see the package documentation).
		vectortest.CheckOrder(t, Parse, !strings.Contains(a+b+c, "#"), a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("v5.4.21", "5.4.22-RC1"); err != nil {
			b.Fatal(err)
		}
	}
}
