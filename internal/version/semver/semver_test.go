package semver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sorted is the precedence example of the SemVer 2.0.0 specification plus
// leniency cases; each entry sorts strictly after the previous one.
var sorted = []string{
	"0.0.0-foo", "0.0.0", "0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
	"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "v1.1",
	"1.2.3-R2", "1.2.3-r100", "1.2.3-r2", "1.2.3", "1.2.3.1-rc.1", "1.2.3.1", "1.2.3.1.1", "1.2.3.2",
	"2", "18446744073709551616",
}

func TestOrder(t *testing.T) {
	vs := make([]Version, len(sorted))
	for i, s := range sorted {
		v, err := Parse(s)
		require.NoError(t, err, s)
		vs[i] = v
	}
	for i := range vs {
		for j := range vs {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			assert.Equal(t, want, vs[i].Compare(vs[j]), "%s vs %s", sorted[i], sorted[j])
		}
	}
}

func TestEqual(t *testing.T) {
	for _, p := range [][2]string{
		{"1.2.3", "v1.2.3"}, {"1.2.3+build", "1.2.3+other"}, {"1", "1.0.0"}, {"1.02", "1.2.0"},
		{"1.0.0-01", "1.0.0-1"}, {"1.2.3.0", "1.2.3"}, {"1.2.3.0.0+x", "v1.2.3"},
	} {
		c, err := Compare(p[0], p[1])
		require.NoError(t, err)
		assert.Equal(t, 0, c, "%s = %s", p[0], p[1])
	}
	v, err := Parse("v1.2-rc.1+b.7")
	require.NoError(t, err)
	assert.Equal(t, "1", v.Major)
	assert.Equal(t, "2", v.Minor)
	assert.Equal(t, "", v.Patch)
	assert.Equal(t, "rc.1", v.Prerelease)
	assert.Equal(t, "b.7", v.Build)
	assert.True(t, v.IsPrerelease())
	assert.Equal(t, "v1.2-rc.1+b.7", v.String())
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]error{
		"":                            ErrEmpty,
		"v":                           ErrNumber,
		"1.x":                         ErrNumber,
		"1..2":                        ErrNumber,
		"1.2.3.x":                     ErrNumber,
		"1.2.3.":                      ErrNumber,
		"1.2.3-":                      ErrIdentifier,
		"1.2.3-a..b":                  ErrIdentifier,
		"1.2.3+":                      ErrIdentifier,
		"1.2.3-a_b":                   ErrIdentifier,
		"1.2.3 ":                      ErrNumber,
		strings.Repeat("1", MaxLen+1): ErrTooLong,
	} {
		_, err := Parse(in)
		assert.ErrorIs(t, err, want, "%q", in)
	}
	_, err := Compare("1", "x")
	assert.Error(t, err)
	_, err = Compare("x", "1")
	assert.Error(t, err)
}
