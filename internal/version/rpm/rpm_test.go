package rpm

import (
	"fmt"
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
		in                      string
		epoch, version, release string
		hasRelease              bool
		err                     error
	}{
		{in: "1.0", version: "1.0"},
		{in: "1:2.3-4.el9", epoch: "1", version: "2.3", release: "4.el9", hasRelease: true},
		{in: ":1-2", epoch: "", version: "1", release: "2", hasRelease: true},
		{in: "a:1", version: "a:1"},
		{in: "1.m+e2:1", version: "1.m+e2:1"},
		{in: "1-2-3", version: "1-2", release: "3", hasRelease: true},
		{in: "1-", version: "1", release: "", hasRelease: true},
		{in: "", err: ErrEmpty},
		{in: "1 2", err: ErrControl},
		{in: "1\x00", err: ErrControl},
		{in: "-1", err: ErrEmptyVersion},
		{in: "3:", err: ErrEmptyVersion},
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
			assert.Equal(t, tt.version, v.Version)
			assert.Equal(t, tt.release, v.Release)
			assert.Equal(t, tt.hasRelease, v.HasRelease())
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1:1.0-1", "2.0-1", 1},
		{"0:1.0-1", "1.0-1", 0},
		{"1.0-1.el9", "1.0-1.el9_1", -1},
		{"1.0", "1.0-1", -1},
		{"1.0~rc1-1", "1.0-1", -1},
		{"1.0^git1-1", "1.0-1", 1},
		{"00000000000000000000001:1", "1:1", 0},
		{"2:1", "10:1", -1},
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
	_, err := Compare("", "1")
	assert.ErrorIs(t, err, ErrEmpty)
	_, err = Compare("1", "")
	assert.ErrorIs(t, err, ErrEmpty)
}

func TestParseNEVRAErrors(t *testing.T) {
	for _, in := range []string{"", "foo", "name-:-1", strings.Repeat("a-", MaxLen)} {
		_, err := ParseNEVRA(in)
		assert.Error(t, err, "%q", in)
	}
	n, err := ParseNEVRA("bash-5.1.8-6.el9_1.x86_64")
	require.NoError(t, err)
	assert.Equal(t, "bash", n.Name)
	assert.Equal(t, "5.1.8", n.EVR.Version)
	assert.Equal(t, "6.el9_1", n.EVR.Release)
	assert.Equal(t, "x86_64", n.Arch)
	assert.Equal(t, "bash-5.1.8-6.el9_1.x86_64", n.String())
}

// TestRpmvercmpVectors runs rpm's tests/rpmvercmp.at cases.
func TestRpmvercmpVectors(t *testing.T) {
	path := filepath.Join(vectortest.Dir(t, "rpm"), "rpmvercmp.txt")
	lines := vectortest.ReadLines(t, path, vectortest.NotBlankOrHash)
	require.NotEmpty(t, lines)
	passed := 0
	for _, l := range lines {
		if t.Run(fmt.Sprintf("line%d", l.N), func(t *testing.T) {
			require.Len(t, l.Fields, 3, "%s:%d", path, l.N)
			want, err := strconv.Atoi(l.Fields[2])
			require.NoError(t, err)
			assert.Equal(t, want, Vercmp(l.Fields[0], l.Fields[1]), "%s:%d: %s", path, l.N, l.Text)
			assert.Equal(t, -want, Vercmp(l.Fields[1], l.Fields[0]), "%s:%d: reversed", path, l.N)
		}) {
			passed++
		}
	}
	t.Logf("rpm/rpmvercmp.txt: %d of %d vectors passed", passed, len(lines))
}

// TestClaircoreRpmvercmpVectors runs claircore's rpmvercmp data, which also
// asserts rpm's documented oddities (RhBug:811992, non-ASCII bytes).
func TestClaircoreRpmvercmpVectors(t *testing.T) {
	path := filepath.Join(vectortest.Dir(t, "claircore-rpmver"), "rpmvercmp.txt")
	runOpVectors(t, path, func(a, b string) (int, error) { return Vercmp(a, b), nil })
}

// TestClaircoreCompareVectors runs claircore's NEVRA/EVR comparison data.
func TestClaircoreCompareVectors(t *testing.T) {
	path := filepath.Join(vectortest.Dir(t, "claircore-rpmver"), "compare.txt")
	runOpVectors(t, path, func(a, b string) (int, error) {
		na, err := ParseNEVRA(a)
		if err != nil {
			return 0, err
		}
		nb, err := ParseNEVRA(b)
		if err != nil {
			return 0, err
		}
		return na.Compare(nb), nil
	})
}

func runOpVectors(t *testing.T, path string, cmp func(a, b string) (int, error)) {
	t.Helper()
	lines := vectortest.ReadLines(t, path, vectortest.NotBlankOrHash)
	require.NotEmpty(t, lines)
	passed := 0
	for _, l := range lines {
		if t.Run(fmt.Sprintf("line%d", l.N), func(t *testing.T) {
			require.Len(t, l.Fields, 3, "%s:%d", path, l.N)
			want, ok := vectortest.OpResult(l.Fields[1])
			require.True(t, ok, "%s:%d: operator", path, l.N)
			got, err := cmp(l.Fields[0], l.Fields[2])
			require.NoError(t, err, "%s:%d: %s", path, l.N, l.Text)
			assert.Equal(t, want, got, "%s:%d: %s", path, l.N, l.Text)
			got, err = cmp(l.Fields[2], l.Fields[0])
			require.NoError(t, err)
			assert.Equal(t, -want, got, "%s:%d: reversed", path, l.N)
		}) {
			passed++
		}
	}
	t.Logf("%s/%s: %d of %d vectors passed", filepath.Base(filepath.Dir(path)), filepath.Base(path), passed, len(lines))
}

// TestClaircoreParseVectors runs claircore's NEVRA parsing data.
func TestClaircoreParseVectors(t *testing.T) {
	path := filepath.Join(vectortest.Dir(t, "claircore-rpmver"), "parse.txt")
	lines := vectortest.ReadLines(t, path, vectortest.NotBlankOrHash)
	require.NotEmpty(t, lines)
	opt := func(s string) (string, bool) {
		if s == "''" || s == `""` {
			return "", false
		}
		return s, true
	}
	passed := 0
	for _, l := range lines {
		if t.Run(fmt.Sprintf("line%d", l.N), func(t *testing.T) {
			require.Len(t, l.Fields, 6, "%s:%d", path, l.N)
			n, err := ParseNEVRA(l.Fields[0])
			require.NoError(t, err, "%s:%d", path, l.N)
			name, hasName := opt(l.Fields[1])
			epoch, _ := opt(l.Fields[2])
			arch, hasArch := opt(l.Fields[5])
			assert.Equal(t, hasName, n.HasName(), "%s:%d name presence", path, l.N)
			assert.Equal(t, name, n.Name, "%s:%d name", path, l.N)
			assert.Equal(t, epoch, n.EVR.Epoch, "%s:%d epoch", path, l.N)
			assert.Equal(t, l.Fields[3], n.EVR.Version, "%s:%d version", path, l.N)
			assert.Equal(t, l.Fields[4], n.EVR.Release, "%s:%d release", path, l.N)
			assert.Equal(t, hasArch, n.HasArch(), "%s:%d arch presence", path, l.N)
			assert.Equal(t, arch, n.Arch, "%s:%d arch", path, l.N)
			assert.Equal(t, l.Fields[0], n.String(), "%s:%d round trip", path, l.N)
		}) {
			passed++
		}
	}
	t.Logf("%s/%s: %d of %d vectors passed", filepath.Base(filepath.Dir(path)), filepath.Base(path), passed, len(lines))
}

// TestOSVVectors runs osv-scalibr's Red Hat fixture (EVR strings).
func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "redhat-versions.txt", Compare)
}
