package pep440

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

// sorted is the ordering example of packaging's test suite: each entry sorts
// strictly after the previous one.
var sorted = []string{
	"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
	"1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346",
	"1.0c1.dev456", "1.0c1", "1.0rc2", "1.0c3", "1.0", "1.0.post456.dev34",
	"1.0.post456", "1.1.dev1", "1.2+123abc", "1.2+123abc456", "1.2+abc", "1.2+abc123",
	"1.2+abc123def", "1.2+1234.abc", "1.2+123456", "1.2.r32+123456", "1.2.rev33+123456",
	"1!1.0b2.post345.dev456", "1!1.0", "1!1.2.rev33+123456",
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
			want := compareInt(i, j)
			assert.Equal(t, want, vs[i].Compare(vs[j]), "%s vs %s", sorted[i], sorted[j])
		}
	}
}

func TestNormalise(t *testing.T) {
	tests := map[string]string{
		"1.0":             "1.0",
		"v1.0":            "1.0",
		" 1.0\n":          "1.0",
		"1.0-ALPHA.1":     "1.0a1",
		"1.0BETA":         "1.0b0",
		"1.0c2":           "1.0rc2",
		"1.0preview_3":    "1.0rc3",
		"1.0-1":           "1.0.post1",
		"1.0-r":           "1.0.post0",
		"1.0.REV4":        "1.0.post4",
		"1.0dev":          "1.0.dev0",
		"1.0+Local-Ver_1": "1.0+local.ver.1",
		"0001!01.002":     "1!1.2",
		"1.0.0":           "1.0.0",
	}
	for in, want := range tests {
		v, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, v.String(), in)
		assert.False(t, v.IsLegacy())
	}
	v, err := Parse("1.0rc1")
	require.NoError(t, err)
	assert.True(t, v.IsPrerelease())
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]error{
		"":                                   ErrEmpty,
		"  ":                                 ErrEmpty,
		"abc":                                ErrInvalid,
		"1.0-foo":                            ErrInvalid,
		"1.0+":                               ErrInvalid,
		"1.0+a..b":                           ErrInvalid,
		"1..0":                               ErrInvalid,
		"1.0\x00":                            ErrInvalid,
		strings.Repeat("1.", MaxLen/2) + "1": ErrTooLong,
	} {
		_, err := Parse(in)
		assert.ErrorIs(t, err, want, "%q", in)
	}
}

func TestLegacy(t *testing.T) {
	order := []string{"-class.-jw.util.version.version-pre", "0.1-bulbasaur", "0.1-charmander", "0.3m1", "0.9-doduo", "0.0.1"}
	var vs []Version
	for _, s := range order {
		v, err := ParseLegacy(s)
		require.NoError(t, err, s)
		vs = append(vs, v)
	}
	for i := 1; i < len(vs); i++ {
		assert.Equal(t, -1, vs[i-1].Compare(vs[i]), "%s < %s", order[i-1], order[i])
		assert.Equal(t, 1, vs[i].Compare(vs[i-1]), "%s > %s", order[i], order[i-1])
	}
	assert.True(t, vs[0].IsLegacy())
	assert.False(t, vs[len(vs)-1].IsLegacy())
	assert.Equal(t, "0.1-bulbasaur", vs[1].String())
	for _, in := range []string{"", "1 2", "caf\xc3\xa9"} {
		_, err := ParseLegacy(in)
		assert.Error(t, err, "%q", in)
	}
	_, err := Parse("0.1-bulbasaur")
	assert.ErrorIs(t, err, ErrInvalid)
}

// TestOSVVectors runs osv-scalibr's PyPI fixtures with ParseLegacy, the
// parser the PyPI comparer uses (the generated fixture came from a
// packaging release that still had LegacyVersion).
func TestOSVVectors(t *testing.T) {
	compare := func(a, b string) (int, error) {
		va, err := ParseLegacy(a)
		if err != nil {
			return 0, err
		}
		vb, err := ParseLegacy(b)
		if err != nil {
			return 0, err
		}
		return va.Compare(vb), nil
	}
	vectortest.RunOSV(t, "pypi-versions.txt", compare)
	vectortest.RunOSV(t, "pypi-versions-generated.txt", compare)
}
