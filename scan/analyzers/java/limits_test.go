package java

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
)

// deepJar returns a jar nested n levels deep: level-0 holds level-1, and so
// on; each holds its own pom.properties.
func deepJar(t *testing.T, n int, store bool) []byte {
	var b []byte
	for i := n; i >= 0; i-- {
		entries := []entry{pomProps("g", fmt.Sprintf("level-%d", i), "1.0")}
		if b != nil {
			en := entry{name: fmt.Sprintf("lib/level-%d.jar", i+1), body: b, store: store}
			entries = append(entries, en)
		}
		b = zipOf(t, entries...)
	}
	return b
}

// TestLimits checks that zip bombs and deeply nested archives stop at the
// limits with a recorded incompleteness (an error matching
// scan.ErrTooLarge naming the archive), keeping the packages found before.
func TestLimits(t *testing.T) {
	zeros := bytes.Repeat([]byte{0}, 64<<20) // deflates to about 64 KiB
	bombJar := zipOf(t, pomProps("g", "bomb", "1"), deflated("lib/zeros.jar", zeros))
	good := libJar(t, "com.example", "good", "1.0")

	// One small pom.properties padded to 600 bytes, read twice (shaded):
	// the second read goes past a 1000-byte total budget. Declared sizes
	// are all small, so only counting the bytes read catches it.
	padded := func(a string) entry {
		p := pomProps("g", a, "1")
		p.body = append(p.body, "#"+strings.Repeat("x", 600-len(p.body))+"\n"...)
		return p
	}
	twoProps := zipOf(t, padded("a"), padded("b"))

	many := []entry{pomProps("g", "many", "1")}
	for i := range 3000 {
		many = append(many, e(fmt.Sprintf("c/C%d.class", i), "x"))
	}
	manyJar := zipOf(t, many...)

	tests := []struct {
		name   string
		body   []byte
		opts   []Option
		want   []string
		errHas []string
	}{
		{
			name: "nested 10 deep: stops below the default depth 4",
			body: deepJar(t, 10, false),
			want: []string{"g:level-0@1.0", "g:level-1@1.0 <- x.jar!/lib/level-1.jar", "g:level-2@1.0 <- x.jar!/lib/level-1.jar!/lib/level-2.jar",
				"g:level-3@1.0 <- x.jar!/lib/level-1.jar!/lib/level-2.jar!/lib/level-3.jar",
				"g:level-4@1.0 <- x.jar!/lib/level-1.jar!/lib/level-2.jar!/lib/level-3.jar!/lib/level-4.jar"},
			errHas: []string{"x.jar: java: lib/level-1.jar!/lib/level-2.jar!/lib/level-3.jar!/lib/level-4.jar!/lib/level-5.jar: nested 5 archives deep, deeper than WithMaxDepth (4): not read: larger than the limit"},
		},
		{
			name: "nested 20 deep, stored: the same",
			body: deepJar(t, 20, true),
			want: []string{"g:level-0@1.0", "g:level-1@1.0 <- x.jar!/lib/level-1.jar", "g:level-2@1.0 <- x.jar!/lib/level-1.jar!/lib/level-2.jar",
				"g:level-3@1.0 <- x.jar!/lib/level-1.jar!/lib/level-2.jar!/lib/level-3.jar",
				"g:level-4@1.0 <- x.jar!/lib/level-1.jar!/lib/level-2.jar!/lib/level-3.jar!/lib/level-4.jar"},
			errHas: []string{"nested 5 archives deep"},
		},
		{
			name:   "depth 0: no nested archive read",
			body:   deepJar(t, 2, false),
			opts:   []Option{WithMaxDepth(0)},
			want:   []string{"g:level-0@1.0"},
			errHas: []string{"x.jar: java: lib/level-1.jar: nested 1 archives deep, deeper than WithMaxDepth (0)"},
		},
		{
			name:   "zip bomb: declared size over the entry limit",
			body:   bombJar,
			opts:   []Option{WithMaxEntryBytes(16 << 20)},
			want:   []string{"g:bomb@1"},
			errHas: []string{"x.jar: java: lib/zeros.jar: 67108864 bytes declared, more than WithMaxEntryBytes (16777216): not read"},
		},
		{
			name:   "zip bomb: declared size over the total limit",
			body:   bombJar,
			opts:   []Option{WithMaxTotalBytes(32 << 20)},
			want:   []string{"g:bomb@1"},
			errHas: []string{"x.jar: java: lib/zeros.jar: 67108864 bytes declared, more than the", "left of WithMaxTotalBytes (33554432): not read"},
		},
		{
			name:   "bytes read counted against the total",
			body:   twoProps,
			opts:   []Option{WithMaxTotalBytes(1000)},
			want:   []string{"g:a@1"},
			errHas: []string{"x.jar: java: META-INF/maven/g/b/pom.properties: more than WithMaxTotalBytes (1000) decompressed: reading stopped"},
		},
		{
			name:   "too many entries",
			body:   manyJar,
			opts:   []Option{WithMaxEntries(1000)},
			errHas: []string{"x.jar: java: 3001 entries declared, more than the 1000 left of WithMaxEntries (1000)"},
		},
		{
			name:   "end record claiming 2^40 entries (zip64)",
			body:   zip64Claim(t, good, 1<<40),
			errHas: []string{"x.jar: java: 1099511627776 entries declared"},
		},
		{
			name: "overlapping entries: 10,000 records of one stored jar, itself 10,000 records deep",
			opts: []Option{WithMaxEntries(15000)},
			body: overlapping(t, "lib/a.jar", overlapping(t, "lib/b.jar", good, 10000), 10000),
			want: []string{":x@"},
			// Each archive is read once, and the 10,000 + 10,000 entries
			// of the first two go past a budget of 15,000.
			errHas: []string{"x.jar: java: lib/a.jar: 10000 entries declared, more than the 5000 left of WithMaxEntries (15000)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			pkgs, err := analyze(t, New(tt.opts...), file("x.jar", tt.body))
			assert.Less(t, time.Since(start), 10*time.Second)
			assert.Equal(t, tt.want, short(pkgs))
			require.Error(t, err)
			assert.ErrorIs(t, err, scan.ErrTooLarge)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "x.jar", fe.Path)
			for _, s := range tt.errHas {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestOverlappingEntries(t *testing.T) {
	good := libJar(t, "com.example", "good", "1.0")
	start := time.Now()
	pkgs, err := analyze(t, New(), file("x.jar", overlapping(t, "lib/a.jar", overlapping(t, "lib/b.jar", good, 10000), 10000)))
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, []string{":x@", ":a@ <- x.jar!/lib/a.jar", "com.example:good@1.0 <- x.jar!/lib/a.jar!/lib/b.jar"}, short(pkgs))
	require.Error(t, err)
	assert.NotErrorIs(t, err, scan.ErrTooLarge)
	assert.Equal(t, "java: lib/a.jar: 9999 entries share their data with an earlier entry (overlapping entries): read once\n"+
		"java: 9999 entries share their data with an earlier entry (overlapping entries): read once", err.Error()[len("x.jar: "):])
}

func TestBombWithinTheLimits(t *testing.T) {
	// 64 MiB of zeros named like a jar, within the default limits: read,
	// and found not to be an archive.
	bombJar := zipOf(t, pomProps("g", "bomb", "1"), deflated("lib/zeros.jar", bytes.Repeat([]byte{0}, 64<<20)))
	pkgs, err := analyze(t, New(), file("x.jar", bombJar))
	assert.Equal(t, []string{"g:bomb@1"}, short(pkgs))
	require.Error(t, err)
	assert.NotErrorIs(t, err, scan.ErrTooLarge)
	assert.Contains(t, err.Error(), "x.jar: java: lib/zeros.jar: not a valid zip archive")
}

// zip64Claim replaces z's end record with a zip64 one declaring n entries.
func zip64Claim(t *testing.T, z []byte, n uint64) []byte {
	t.Helper()
	eocd := z[len(z)-22:]
	require.Equal(t, "PK\x05\x06", string(eocd[:4]))
	body := bytes.Clone(z[:len(z)-22])
	rec64 := make([]byte, 56)
	copy(rec64, "PK\x06\x06")
	binary.LittleEndian.PutUint64(rec64[4:], 44)
	binary.LittleEndian.PutUint64(rec64[24:], n)
	binary.LittleEndian.PutUint64(rec64[32:], n)
	binary.LittleEndian.PutUint64(rec64[40:], uint64(binary.LittleEndian.Uint32(eocd[12:])))
	binary.LittleEndian.PutUint64(rec64[48:], uint64(binary.LittleEndian.Uint32(eocd[16:])))
	off := len(body)
	loc := make([]byte, 20)
	copy(loc, "PK\x06\x07")
	binary.LittleEndian.PutUint64(loc[8:], uint64(off))
	binary.LittleEndian.PutUint32(loc[16:], 1)
	end := bytes.Clone(eocd)
	binary.LittleEndian.PutUint16(end[8:], 0xffff)
	binary.LittleEndian.PutUint16(end[10:], 0xffff)
	binary.LittleEndian.PutUint32(end[16:], 0xffffffff)
	return append(append(append(body, rec64...), loc...), end...)
}

// TestLimitErrorsAreBounded: an archive with thousands of problems reports
// a few and counts the rest.
func TestLimitErrorsAreBounded(t *testing.T) {
	var entries []entry
	for i := range 500 {
		entries = append(entries, e(fmt.Sprintf("lib/bad-%d.jar", i), "not a zip"))
	}
	pkgs, err := analyze(t, New(), file("app-1.war", zipOf(t, entries...)))
	assert.Equal(t, []string{":app@1"}, short(pkgs))
	require.Error(t, err)
	assert.Equal(t, maxProblems+1, strings.Count(err.Error(), "\n")+1)
	assert.Contains(t, err.Error(), "java: and 492 more problems")
}
