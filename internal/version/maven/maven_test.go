package maven

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "maven-versions.txt", Compare)
	vectortest.RunOSV(t, "maven-versions-generated.txt", Compare)
}

// Ascending lists of maven-artifact 3.8's ComparableVersionTest
// (VERSIONS_QUALIFIER and VERSIONS_NUMBER): each entry sorts strictly after
// the previous one.
var (
	versionsQualifier = []string{
		"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc",
		"1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1",
		"1-1-snapshot", "1-1", "1-2", "1-123",
	}
	versionsNumber = []string{
		"2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1",
		"2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b",
		"11c", "11m",
	}
)

func TestOrder(t *testing.T) {
	for name, list := range map[string][]string{"qualifier": versionsQualifier, "number": versionsNumber} {
		t.Run(name, func(t *testing.T) {
			for i := range list {
				for j := range list {
					want := vectortest.Sign(i - j)
					got, err := Compare(list[i], list[j])
					require.NoError(t, err)
					assert.Equal(t, want, got, "%s vs %s", list[i], list[j])
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in  string
		err error
	}{
		{in: "1.0.0"},
		{in: "1.0-SNAPSHOT"},
		{in: "9.2.12.v20150709"},
		{in: "0.0.0-2021-05-17T01-01-51-5ec03a8b"},
		{in: "-"},
		{in: "."},
		{in: "", err: ErrEmpty},
		{in: "1.0 beta", err: ErrInvalid},
		{in: "1.0\x00", err: ErrInvalid},
		{in: "1.0-é", err: ErrInvalid},
		{in: "\x7f", err: ErrInvalid},
		{in: strings.Repeat("1", MaxLen+1), err: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			v, err := Parse(tt.in)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				_, err = Compare("1", tt.in)
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.in, v.String())
		})
	}
}

// TestNullBeforeHyphen checks the POM reference's rule that null values
// are trimmed at each hyphen (its example: 1-sp-1 < 1-ga-1 = 1-1), where
// maven-artifact 3.8 differs.
func TestNullBeforeHyphen(t *testing.T) {
	for _, p := range [][3]string{
		{"1-ga-1", "=", "1-1"},
		{"1-0-1", "=", "1-1"},
		{"1--1", "=", "1-1"},
		{"1-ga1", "=", "1-1"},
		{"1-final-0-2", "=", "1-2"},
		{"1-ga-alpha", "=", "1-alpha"},
		{"1-sp-1", "<", "1-ga-1"},
		{"1-ga-1", "<", "1-2"},
		{"1-ga-1", "<", "1.1"},
		{"1-ga-1", ">", "1"},
		{"1-ga.1", "<", "1-1"}, // the ga is not before a hyphen
		// The top-level list keeps its nesting: 0-1 is not 1.
		{"0-1", "<", "1"},
		{"0-1", ">", "0"},
		{"7.4.3.20-ga20", "=", "7.4.3.20-20"},
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

// TestDeepNesting checks that the longest input, which nests one sub-list
// per character pair, parses and compares without trouble.
func TestDeepNesting(t *testing.T) {
	a := strings.Repeat("1-", MaxLen/2)
	b := strings.Repeat("1-", MaxLen/2-1) + "2"
	c, err := Compare(a[:MaxLen-1], b)
	require.NoError(t, err)
	assert.Equal(t, -1, c)
	c, err = Compare(strings.Repeat("a1", MaxLen/2), strings.Repeat("a1", MaxLen/2))
	require.NoError(t, err)
	assert.Equal(t, 0, c)
}

// TestNotTransitive pins down a known property of Maven's ComparableVersion
// that this package reproduces: a list item ("1a0" is 1-[alpha]) compares
// against a qualifier by kind, but against a missing item by its first
// element.
func TestNotTransitive(t *testing.T) {
	for _, p := range [][3]string{{"1a0", "<", "1"}, {"1", "<", "1.a"}, {"1a0", ">", "1.a"}} {
		c, err := Compare(p[0], p[2])
		require.NoError(t, err)
		want, _ := vectortest.OpResult(p[1])
		assert.Equal(t, want, c, "%s %s %s", p[0], p[1], p[2])
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range append(versionsQualifier, versionsNumber...) {
		f.Add(s, "1.0", "1-1")
	}
	f.Add("1-.-.a1", "1..-", "-0-a-1")
	vectortest.AddOSVSeeds(f, "maven-versions.txt", "maven-versions-generated.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		// ComparableVersion is not transitive (see TestNotTransitive), so
		// only reflexivity and antisymmetry are checked.
		vectortest.CheckOrder(t, Parse, false, a, b, c)
	})
}

func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		if _, err := Compare("2.13.4.2", "2.13.4-SNAPSHOT"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVersionCompare(b *testing.B) {
	x, err := Parse("5.3.27.Final")
	require.NoError(b, err)
	y, err := Parse("5.3.28-rc1")
	require.NoError(b, err)
	for b.Loop() {
		x.Compare(y)
	}
}
