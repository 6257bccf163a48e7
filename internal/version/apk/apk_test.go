package apk

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in  string
		err error
	}{
		{in: "1.2.3-r0"},
		{in: "1.2.3a_rc1_p2~abc123-r10"},
		{in: "2024.01.01_git20240101"},
		{in: "", err: ErrEmpty},
		{in: "a", err: ErrInvalid},
		{in: "1.2-1", err: ErrInvalid},
		{in: "1.2-r", err: ErrInvalid},
		{in: "1.2_foo", err: ErrInvalid},
		{in: "1.2A", err: ErrInvalid},
		{in: "1.2~", err: ErrInvalid},
		{in: "1.2-r1-r2", err: ErrInvalid},
		{in: "1\x00", err: ErrInvalid},
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
			assert.Equal(t, tt.in, v.String())
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.3-r0", "1.2.3-r1", -1},
		{"1.2.3_rc1", "1.2.3", -1},
		{"1.2.3_p1", "1.2.3", 1},
		{"1.2.3a", "1.2.3", 1},
		{"1.02", "1.1", -1},
		{"1.10", "1.9", 1},
		{"007", "7", 0},
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
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
	_, err := Compare("1", "x")
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = Compare("x", "1")
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestHasPrefix(t *testing.T) {
	p, err := Parse("3.6")
	require.NoError(t, err)
	for in, want := range map[string]bool{"3.6": true, "3.6.9": true, "3.6_pre1": true, "3.60": false, "3.7": false} {
		v, err := Parse(in)
		require.NoError(t, err)
		assert.Equal(t, want, v.HasPrefix(p), in)
	}
}

// Result bits of apk_version_compare, as used by the operator masks.
const (
	bitLess = 1 << iota
	bitEqual
	bitGreater
	bitFuzzy
)

func resultBit(c int) int {
	switch {
	case c < 0:
		return bitLess
	case c > 0:
		return bitGreater
	}
	return bitEqual
}

// TestApkToolsVectors runs apk-tools' test/unit/version.data: comparison
// lines ("a op b", with apk's raw comparison, valid or not, as apk's own
// test does) and validity lines ("v" or "!v").
func TestApkToolsVectors(t *testing.T) {
	path := filepath.Join(vectortest.Dir(t, "apk"), "apk-version.data")
	lines := vectortest.ReadLines(t, path, func(string) bool { return true })
	require.NotEmpty(t, lines)
	var cmpPassed, cmpTotal, validPassed, validTotal int
	for _, l := range lines {
		text := l.Text
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		switch len(f) {
		case 0:
			continue
		case 3:
			cmpTotal++
			if t.Run(fmt.Sprintf("line%d", l.N), func(t *testing.T) {
				op := f[1]
				negate := strings.HasPrefix(op, "!")
				op = strings.TrimPrefix(op, "!")
				mask := 0
				for _, c := range op {
					switch c {
					case '<':
						mask |= bitLess
					case '>':
						mask |= bitGreater
					case '=':
						mask |= bitEqual
					case '~':
						mask |= bitFuzzy | bitEqual
					default:
						t.Fatalf("%s:%d: unknown operator %q", path, l.N, f[1])
					}
				}
				ok := resultBit(compare(f[0], f[2], mask&bitFuzzy != 0, false))&mask != 0
				if negate {
					ok = !ok
				}
				assert.True(t, ok, "%s:%d: %s", path, l.N, l.Text)
			}) {
				cmpPassed++
			}
		case 1:
			validTotal++
			if t.Run(fmt.Sprintf("line%d", l.N), func(t *testing.T) {
				in, want := f[0], true
				if strings.HasPrefix(in, "!") {
					in, want = in[1:], false
				}
				_, err := Parse(in)
				assert.Equal(t, want, err == nil, "%s:%d: %s: %v", path, l.N, l.Text, err)
			}) {
				validPassed++
			}
		default:
			t.Errorf("%s:%d: unexpected line %q", path, l.N, l.Text)
		}
	}
	t.Logf("apk/apk-version.data comparisons: %d of %d vectors passed", cmpPassed, cmpTotal)
	t.Logf("apk/apk-version.data validity: %d of %d vectors passed", validPassed, validTotal)
}

func compareLegacy(a, b string) (int, error) {
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

// TestOSVVectors runs osv-scalibr's Alpine fixtures with ParseLegacy, the
// parser the Alpine comparer uses.
func TestOSVVectors(t *testing.T) {
	vectortest.RunOSV(t, "alpine-versions.txt", compareLegacy)
	vectortest.RunOSV(t, "alpine-versions-generated.txt", compareLegacy)
}

func TestParseLegacy(t *testing.T) {
	tests := []struct {
		in     string
		legacy bool
		rem    string
		err    error
	}{
		{in: "1.2.3-r0"},
		{in: "6.6.2p1-r0", legacy: true},
		{in: "1.0a2b", legacy: true},
		{in: "0..8", legacy: true},
		{in: ".1", legacy: true},
		{in: "a", legacy: true},
		{in: "1-r", legacy: true},
		{in: "1-r-1", legacy: true, rem: "-r-1"},
		{in: "1-r0-ruff2", legacy: true, rem: "-r0-ruff2"},
		{in: "1--ruff1", legacy: true, rem: "--ruff1"},
		{in: "1.2.0A", legacy: true, rem: "A"},
		{in: "1.2_blah", legacy: true, rem: "_blah"},
		{in: "1.2_rc1_blah-r3", legacy: true, rem: "_blah-r3"},
		{in: "1.0bc", legacy: true, rem: "c"},
		{in: "1.2~XYZ", legacy: true, rem: "~XYZ"},
		{in: "a_x", legacy: true, rem: "_x"},
		{in: "1.2-1", legacy: true, rem: "-1"},
		{in: "A", err: ErrInvalid},
		{in: "_blah", err: ErrInvalid},
		{in: "-ruff", err: ErrInvalid},
		{in: "..A", err: ErrInvalid},
		{in: "1.2 r1", err: ErrInvalid},
		{in: "1.2+git", err: ErrInvalid},
		{in: "1.2_x/y", err: ErrInvalid},
		{in: "1.2A\x00", err: ErrInvalid},
		{in: "1.2_é", err: ErrInvalid},
		{in: "", err: ErrEmpty},
		{in: strings.Repeat("1", MaxLen+1), err: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := ParseLegacy(tt.in)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.legacy, v.IsLegacy())
			assert.Equal(t, tt.rem, v.Remainder())
			_, strictErr := Parse(tt.in)
			assert.Equal(t, tt.legacy, strictErr != nil)
		})
	}
	for _, p := range [][3]string{
		{"6.6.2p1-r0", "6.6.2p1-r1", "<"},
		{"6.6.2p1", "6.6.2_p1", ">"},
		{"6.6.2p1", "6.6.2p2", "<"},
		{"1-r", "1-r0", "="},
		{"0..8", "0...8", ">"},
		{".1", "1", "<"},
		// An empty dotted field sorts below a letter.
		{"0.r1", "0r2", "<"},
		{"0.r9", "0r1", "<"},
		{"0.a", "0.1", "<"},
		// A tail sorts just below the version without it, above its
		// pre-releases, and its text is ignored.
		{"1.2_blah", "1.2", "<"},
		{"1.2_blah", "1.2_rc1", ">"},
		{"1.2_blah", "1.2_foo9", "="},
		{"1.2_blah", "1.1", ">"},
		{"1.2_blah", "1.2-r0", "<"},
		{"1.2_blah", "1.2_p1", "<"},
		{"1.2_blah", "1.2a", "<"},
		{"1.2_blah", "1.2.0", "<"},
		{"1.2.0A", "1.2.0", "<"},
		{"1.0bc", "1.0b", "<"},
		{"1.0bc", "1.0a", ">"},
		// Anything after a revision makes the revision part of the tail.
		{"1-r5-1", "1-r2", "<"},
		{"1-r5-1", "1", "<"},
		{"1-r5-1", "1-r0-9", "="},
		{"1-r5-1", "1_rc1", ">"},
		{"1_p1-r0-1", "1_p1", "<"},
		{"1_p1-r0-1", "1", ">"},
	} {
		c, err := compareLegacy(p[0], p[1])
		require.NoError(t, err)
		want, _ := vectortest.OpResult(p[2])
		assert.Equal(t, want, c, "%s %s %s", p[0], p[2], p[1])
	}
}
