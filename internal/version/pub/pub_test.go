package pub

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
	"github.com/portcullis-oci/portcullis/internal/version/semver"
)

func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "pub-versions.txt", Compare)
}

// sorted is the ascending list of pub_semver's version_test.dart
// ("compareTo"), plus numeric-identifier cases; each entry sorts strictly
// after the previous one.
var sorted = []string{
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0-rc.1+build.1",
	"1.0.0", "1.0.0+0.3.7", "1.3.7+build", "1.3.7+build.2.b8f12d7", "1.3.7+build.11.e0f985a", "2.0.0",
	"2.1.0", "2.2.0", "2.11.0", "2.11.1", "2.11.1+-1", "2.11.1+01", "2.11.1+2", "2.11.1+a",
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

func TestParse(t *testing.T) {
	v, err := Parse("1.2.3-dev.1+42")
	require.NoError(t, err)
	assert.True(t, v.IsPrerelease())
	assert.Equal(t, "1.2.3-dev.1+42", v.String())
	for _, in := range []string{"", "1.2.3-", "1.2.3+", "x"} {
		_, err := Parse(in)
		assert.Error(t, err, "%q", in)
	}
	_, err = Compare("1.0.0", "1.0.0+")
	assert.ErrorIs(t, err, semver.ErrIdentifier)
}

func FuzzParse(f *testing.F) {
	for i, s := range sorted {
		f.Add(s, sorted[(i+1)%len(sorted)], "1.0.0+1")
	}
	vectortest.AddOSVSeeds(f, "pub-versions.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vectortest.CheckOrder(t, Parse, true, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("3.1.0+2", "3.1.0-dev.4"); err != nil {
			b.Fatal(err)
		}
	}
}
