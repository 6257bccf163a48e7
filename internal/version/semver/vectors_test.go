package semver

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

// TestOSVVectors runs osv-scalibr's semver fixture, which its tests use for
// npm, crates.io, Go and Hex.
func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "semver-versions.txt", Compare)
	vectortest.RunOSV(t, "semver-versions.txt", func(a, b string) (int, error) {
		va, err := ParseGo(a)
		if err != nil {
			return 0, err
		}
		vb, err := ParseGo(b)
		if err != nil {
			return 0, err
		}
		return va.Compare(vb), nil
	})
}

// npmPair decodes a [v1, v2, options?] fixture entry.
func npmPair(t *testing.T, raw json.RawMessage) (a, b string, o vectortest.NPMOptions) {
	t.Helper()
	var e []json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &e))
	require.GreaterOrEqual(t, len(e), 2, "%s", raw)
	require.NoError(t, json.Unmarshal(e[0], &a), "%s", raw)
	if err := json.Unmarshal(e[1], &b); err != nil {
		// range-exclude has non-string versions (false); keep them as text.
		b = string(e[1])
	}
	if len(e) > 2 {
		var err error
		o, err = vectortest.ParseNPMOptions(e[2])
		require.NoError(t, err, "%s", raw)
	}
	return a, b, o
}

func npmCompare(t *testing.T, a, b string, loose bool) int {
	t.Helper()
	va, err := ParseNPM(a, loose)
	require.NoError(t, err, "%q", a)
	vb, err := ParseNPM(b, loose)
	require.NoError(t, err, "%q", b)
	return va.Compare(vb)
}

// runNPM runs check on every entry of an npm-semver fixture file and logs
// the count.
func runNPM(t *testing.T, file string, check func(t *testing.T, raw json.RawMessage)) {
	entries := vectortest.NPMEntries(t, file)
	passed := 0
	for i, raw := range entries {
		if t.Run(fmt.Sprintf("%d", i), func(t *testing.T) { check(t, raw) }) {
			passed++
		}
	}
	t.Logf("npm-semver/%s: %d of %d vectors passed", file, passed, len(entries))
}

func TestNPMComparisons(t *testing.T) {
	runNPM(t, "comparisons.json", func(t *testing.T, raw json.RawMessage) {
		a, b, o := npmPair(t, raw)
		assert.Equal(t, 1, npmCompare(t, a, b, o.Loose), "%s > %s", a, b)
		assert.Equal(t, -1, npmCompare(t, b, a, o.Loose), "%s < %s", b, a)
	})
}

func TestNPMEquality(t *testing.T) {
	runNPM(t, "equality.json", func(t *testing.T, raw json.RawMessage) {
		a, b, o := npmPair(t, raw)
		assert.Equal(t, 0, npmCompare(t, a, b, o.Loose), "%s = %s", a, b)
		assert.Equal(t, 0, npmCompare(t, b, a, o.Loose), "%s = %s", b, a)
	})
}

func TestNPMValidVersions(t *testing.T) {
	runNPM(t, "valid-versions.json", func(t *testing.T, raw json.RawMessage) {
		var e []json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &e))
		require.Len(t, e, 6)
		var in string
		var major, minor, patch int
		var pre, build []any
		require.NoError(t, json.Unmarshal(e[0], &in))
		require.NoError(t, json.Unmarshal(e[1], &major))
		require.NoError(t, json.Unmarshal(e[2], &minor))
		require.NoError(t, json.Unmarshal(e[3], &patch))
		require.NoError(t, json.Unmarshal(e[4], &pre))
		require.NoError(t, json.Unmarshal(e[5], &build))
		v, err := ParseNPM(in, false)
		require.NoError(t, err, "%q", in)
		num := func(n int) string {
			if n == 0 {
				return ""
			}
			return fmt.Sprint(n)
		}
		assert.Equal(t, num(major), v.Major, "%q major", in)
		assert.Equal(t, num(minor), v.Minor, "%q minor", in)
		assert.Equal(t, num(patch), v.Patch, "%q patch", in)
		assert.Equal(t, joinIDs(pre), v.Prerelease, "%q prerelease", in)
		assert.Equal(t, joinIDs(build), v.Build, "%q build", in)
	})
}

// joinIDs joins decoded JSON identifiers (strings or numbers) with '.'.
func joinIDs(ids []any) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += "."
		}
		s += fmt.Sprint(id)
	}
	return s
}

func TestParseNPM(t *testing.T) {
	tests := []struct {
		in    string
		loose bool
		pre   string
		err   error
	}{
		{in: "1.2.3"},
		{in: " v1.2.3 "},
		{in: "=1.2.3", err: ErrNumber},
		{in: "=1.2.3", loose: true},
		{in: "= v 1.2.3-0", loose: true, pre: "0"},
		{in: "01.2.3", err: ErrNumber},
		{in: "01.2.3", loose: true},
		{in: "1.2", err: ErrNumber},
		{in: "1.2.3-01", err: ErrIdentifier},
		{in: "1.2.3-01", loose: true, pre: "01"},
		{in: "1.2.3beta", err: ErrIdentifier},
		{in: "1.2.3beta", loose: true, pre: "beta"},
		{in: "1.2.3-", loose: true, pre: "-"},
		{in: "1.2.3-", err: ErrIdentifier},
		{in: "1.2.3.4", err: ErrIdentifier},
		{in: "9007199254740991.0.0"},
		{in: "9007199254740992.0.0", err: ErrTooBig},
		{in: "", err: ErrEmpty},
		{in: "1.2.3+", err: ErrIdentifier},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q/%v", tt.in, tt.loose), func(t *testing.T) {
			v, err := ParseNPM(tt.in, tt.loose)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.pre, v.Prerelease)
			assert.Equal(t, tt.in, v.String())
		})
	}
}

func TestParseGo(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"go1.21.3", "1.21.3", 0},
		{"go1.21.3", "v1.21.3", 0},
		{"go1.21", "1.21.0", 0},
		{"go1", "1.0.0", 0},
		{"go1.21rc2", "1.21.0-rc.2", 0},
		{"1.21rc2", "1.21.0-rc.2", 0},
		{"go1.9beta1", "1.9.0-beta.1", 0},
		{"go1.21rc2", "1.21.0-0", 1},
		{"go1.21rc2", "go1.21.0", -1},
		{"go1.20.14", "go1.21rc1", -1},
		{"v2.0.0+incompatible", "2.0.0", 0},
		{"v2.0.0+incompatible", "v2.0.1", -1},
		{"v0.0.0-20230101120000-abcdefabcdef", "v0.0.0", -1},
		{"v1.2.4-0.20230101120000-abcdefabcdef", "v1.2.3", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			a, err := ParseGo(tt.a)
			require.NoError(t, err)
			b, err := ParseGo(tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, a.Compare(b))
			assert.Equal(t, -tt.want, b.Compare(a))
			assert.Equal(t, tt.a, a.String())
		})
	}
	for _, in := range []string{"go", "gox", "go1.21.3.4", "go1.21.3rc1", "go1.21rc", "go1.21alpha1", "go1.2.3-pre", "1.21rc"} {
		_, err := ParseGo(in)
		assert.Error(t, err, "%q", in)
	}
}

// npmRangeEntry decodes a [range, version, options?] fixture entry.
func npmRangeEntry(t *testing.T, raw json.RawMessage) (rng string, version json.RawMessage, o NPMRangeOptions) {
	t.Helper()
	var e []json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &e))
	require.GreaterOrEqual(t, len(e), 2, "%s", raw)
	require.NoError(t, json.Unmarshal(e[0], &rng), "%s", raw)
	if len(e) > 2 {
		opts, err := vectortest.ParseNPMOptions(e[2])
		require.NoError(t, err, "%s", raw)
		o = NPMRangeOptions{Loose: opts.Loose, IncludePrerelease: opts.IncludePrerelease}
	}
	return rng, e[1], o
}

// satisfies is node-semver's satisfies(version, range, options): false for
// an invalid range or a version that is not a string or not valid.
func satisfies(rng string, version json.RawMessage, o NPMRangeOptions) bool {
	var s string
	if json.Unmarshal(version, &s) != nil {
		return false
	}
	r, err := ParseNPMRange(rng, o)
	return err == nil && r.IncludesString(s)
}

func TestNPMRangeInclude(t *testing.T) {
	runNPM(t, "range-include.json", func(t *testing.T, raw json.RawMessage) {
		rng, v, o := npmRangeEntry(t, raw)
		_, err := ParseNPMRange(rng, o)
		require.NoError(t, err, "%q", rng)
		assert.True(t, satisfies(rng, v, o), "%q should include %s (%+v)", rng, v, o)
	})
}

func TestNPMRangeExclude(t *testing.T) {
	runNPM(t, "range-exclude.json", func(t *testing.T, raw json.RawMessage) {
		rng, v, o := npmRangeEntry(t, raw)
		assert.False(t, satisfies(rng, v, o), "%q should exclude %s (%+v)", rng, v, o)
	})
}
