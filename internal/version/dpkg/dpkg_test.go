package dpkg

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in       string
		epoch    int
		upstream string
		revision string
		err      error
	}{
		{in: "1.0", upstream: "1.0"},
		{in: "1:2.3-4", epoch: 1, upstream: "2.3", revision: "4"},
		{in: "2.30-1ubuntu1~22.04", upstream: "2.30", revision: "1ubuntu1~22.04"},
		{in: "1:1.2-3-4", epoch: 1, upstream: "1.2-3", revision: "4"},
		{in: "2147483647:1", epoch: 2147483647, upstream: "1"},
		{in: "2147483648:1", err: ErrEpochTooBig},
		{in: "", err: ErrEmpty},
		{in: " \t", err: ErrEmpty},
		{in: "1 2", err: ErrEmbeddedSpace},
		{in: ":1", err: ErrEpochEmpty},
		{in: "x:1", err: ErrEpochNotNumber},
		{in: "-1:1", err: ErrEpochNegative},
		{in: "1:", err: ErrNothingAfterColon},
		{in: "-1", err: ErrUpstreamEmpty},
		{in: "a1", err: ErrNoLeadingDigit},
		{in: "1_2", err: ErrUpstreamChar},
		{in: "1-a_b", err: ErrRevisionChar},
		{in: "1\x00", err: ErrUpstreamChar},
		{in: strings.Repeat("1", MaxLen+1), err: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := Parse(tt.in)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.epoch, v.Epoch)
			assert.Equal(t, tt.upstream, v.Upstream)
			assert.Equal(t, tt.revision, v.Revision)
			assert.Equal(t, tt.in, v.String())
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0~rc1", "1.0", -1},
		{"1.0", "1.0+b1", -1},
		{"1:0.1", "2.0", 1},
		{"1.0-1", "1.0-1~bpo1", 1},
		{"1.0-0", "1.0", 0},
		{"1.a", "1.+", -1},
		{"99999999999999999999999999", "99999999999999999999999998", 1},
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
	_, err := Compare("1", "a")
	assert.ErrorIs(t, err, ErrNoLeadingDigit)
	_, err = Compare("a", "1")
	assert.ErrorIs(t, err, ErrNoLeadingDigit)
}

// TestDpkgVersionCompareVectors runs dpkg's scripts/t/Dpkg_Version.t data.
func TestDpkgVersionCompareVectors(t *testing.T) {
	path := filepath.Join(vectortest.Dir(t, "dpkg"), "dpkg-version-compare.txt")
	lines := vectortest.ReadLines(t, path, vectortest.NotBlankOrHash)
	require.NotEmpty(t, lines)
	passed := 0
	for _, l := range lines {
		name := fmt.Sprintf("line%d", l.N)
		ok := t.Run(name, func(t *testing.T) {
			require.Len(t, l.Fields, 3, "%s:%d", path, l.N)
			want, err := strconv.Atoi(l.Fields[2])
			require.NoError(t, err)
			got, err := Compare(l.Fields[0], l.Fields[1])
			require.NoError(t, err, "%s:%d: %s", path, l.N, l.Text)
			assert.Equal(t, want, got, "%s:%d: %s", path, l.N, l.Text)
			rev, err := Compare(l.Fields[1], l.Fields[0])
			require.NoError(t, err)
			assert.Equal(t, -want, rev, "%s:%d: reversed", path, l.N)
		})
		if ok {
			passed++
		}
	}
	t.Logf("%s: %d of %d vectors passed", filepath.Base(path), passed, len(lines))
}

type parseVectors struct {
	Valid []struct {
		Input    string `json:"input"`
		Epoch    int    `json:"epoch"`
		Upstream string `json:"upstream"`
		Revision string `json:"revision"`
	} `json:"c_parseversion_valid"`
	Error   []string `json:"c_parseversion_error"`
	Warning []string `json:"c_parseversion_warning_invalid"`
	Compare []struct {
		A      part `json:"a"`
		B      part `json:"b"`
		Result int  `json:"result"`
	} `json:"c_compare"`
	PerlInvalid []string `json:"perl_is_valid_false"`
	PerlHas     []struct {
		Input       string `json:"input"`
		HasEpoch    bool   `json:"has_epoch"`
		HasRevision bool   `json:"has_revision"`
	} `json:"perl_has_epoch_has_revision"`
}

type part struct {
	Epoch    int    `json:"epoch"`
	Upstream string `json:"upstream"`
	Revision string `json:"revision"`
}

// TestDpkgVersionParseVectors runs the facts transcribed from dpkg's
// lib/dpkg/t/t-version.c and scripts/t/Dpkg_Version.t.
func TestDpkgVersionParseVectors(t *testing.T) {
	path := filepath.Join(vectortest.Dir(t, "dpkg"), "dpkg-version-parse.json")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var pv parseVectors
	require.NoError(t, json.Unmarshal(b, &pv))
	require.NotEmpty(t, pv.Valid)
	require.NotEmpty(t, pv.Error)
	require.NotEmpty(t, pv.Warning)
	require.NotEmpty(t, pv.Compare)
	require.NotEmpty(t, pv.PerlInvalid)
	require.NotEmpty(t, pv.PerlHas)

	count := func(name string, n int, run func(i int) bool) {
		passed := 0
		for i := 0; i < n; i++ {
			if run(i) {
				passed++
			}
		}
		t.Logf("%s %s: %d of %d vectors passed", filepath.Base(path), name, passed, n)
	}
	count("c_parseversion_valid", len(pv.Valid), func(i int) bool {
		e := pv.Valid[i]
		return t.Run(fmt.Sprintf("valid/%d", i), func(t *testing.T) {
			v, err := Parse(e.Input)
			require.NoError(t, err, "%q", e.Input)
			assert.Equal(t, e.Epoch, v.Epoch, "%q", e.Input)
			assert.Equal(t, e.Upstream, v.Upstream, "%q", e.Input)
			assert.Equal(t, e.Revision, v.Revision, "%q", e.Input)
		})
	})
	count("c_parseversion_error", len(pv.Error), func(i int) bool {
		in := pv.Error[i]
		return t.Run(fmt.Sprintf("error/%d", i), func(t *testing.T) {
			_, err := Parse(in)
			assert.Error(t, err, "%q", in)
		})
	})
	count("c_parseversion_warning_invalid", len(pv.Warning), func(i int) bool {
		in := pv.Warning[i]
		return t.Run(fmt.Sprintf("warning/%d", i), func(t *testing.T) {
			_, err := Parse(in)
			assert.Error(t, err, "%q", in)
			assert.True(t, errors.Is(err, ErrNoLeadingDigit) || errors.Is(err, ErrUpstreamChar) ||
				errors.Is(err, ErrRevisionChar), "%q: %v", in, err)
		})
	})
	count("c_compare", len(pv.Compare), func(i int) bool {
		e := pv.Compare[i]
		return t.Run(fmt.Sprintf("compare/%d", i), func(t *testing.T) {
			a := Version{Epoch: e.A.Epoch, Upstream: e.A.Upstream, Revision: e.A.Revision}
			b := Version{Epoch: e.B.Epoch, Upstream: e.B.Upstream, Revision: e.B.Revision}
			assert.Equal(t, e.Result, a.Compare(b), "%+v vs %+v", e.A, e.B)
			assert.Equal(t, -e.Result, b.Compare(a), "%+v vs %+v", e.B, e.A)
		})
	})
	count("perl_is_valid_false", len(pv.PerlInvalid), func(i int) bool {
		in := pv.PerlInvalid[i]
		return t.Run(fmt.Sprintf("perl_invalid/%d", i), func(t *testing.T) {
			assert.False(t, Valid(in), "%q", in)
		})
	})
	count("perl_has_epoch_has_revision", len(pv.PerlHas), func(i int) bool {
		e := pv.PerlHas[i]
		return t.Run(fmt.Sprintf("perl_has/%d", i), func(t *testing.T) {
			assert.True(t, Valid(e.Input), "%q", e.Input)
			v, err := Parse(e.Input)
			require.NoError(t, err)
			assert.Equal(t, e.HasEpoch, v.HasEpoch(), "%q", e.Input)
			assert.Equal(t, e.HasRevision, v.HasRevision(), "%q", e.Input)
		})
	})
}

func BenchmarkVerrevcmp(b *testing.B) {
	x, y := "2.36.1-8+deb11u1~bpo10", "2.36.1-8+deb11u2"
	for b.Loop() {
		verrevcmp(x, y)
	}
}

// TestOSVVectors runs osv-scalibr's Debian fixtures.
func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "debian-versions.txt", Compare)
	vectortest.RunOSV(t, "debian-versions-generated.txt", Compare)
}
