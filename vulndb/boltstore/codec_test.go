package boltstore

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

func TestCodecRoundTrip(t *testing.T) {
	full := storetest.Full("src", "FULL-1")
	recs := []vulndb.Vulnerability{
		full,
		{ID: "EMPTY", Source: "src"},
		{ID: "ZERO-WITHDRAWN", Source: "src", Withdrawn: new(full.Published)},
	}
	// Events with any combination of fields set.
	for bits := range 16 {
		var ev vulndb.Event
		for i, f := range []*string{&ev.Introduced, &ev.Fixed, &ev.LastAffected, &ev.Limit} {
			if bits&(1<<i) != 0 {
				*f = "1.0." + string(rune('0'+i))
			}
		}
		recs = append(recs, vulndb.Vulnerability{ID: "EV", Source: "src", Affected: []vulndb.Affected{{Ranges: []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{ev}}}}}})
	}
	recs = append(recs, slices.Collect(storetest.NewCorpus(1, 200).All())...)
	for _, v := range recs {
		if v.Source == "" {
			v.Source = "src"
		}
		keys := packageKeys(&v)
		val := encodeRecord(&v, keys)
		got, err := decodeRecord(val, v.Source, v.ID)
		require.NoError(t, err, v.ID)
		assert.Equal(t, v, got, v.ID)
		gotKeys, aliases, err := decodeRefs(val)
		require.NoError(t, err)
		assert.Equal(t, keys, gotKeys)
		assert.Equal(t, v.Aliases, aliases)
	}
}

func TestDecodeDamaged(t *testing.T) {
	v := storetest.Full("src", "FULL-1")
	val := encodeRecord(&v, packageKeys(&v))
	for n := range len(val) {
		_, err := decodeRecord(val[:n], "src", "FULL-1")
		require.Error(t, err, "cut at %d of %d", n, len(val))
	}
	_, err := decodeRecord(append(bytes.Clone(val), 0), "src", "FULL-1")
	assert.ErrorContains(t, err, "1 bytes after the last field")
	bad := bytes.Clone(val)
	bad[0] = 9
	_, err = decodeRecord(bad, "src", "FULL-1")
	assert.ErrorContains(t, err, "unknown record format 9")
	// A count that claims more items than there are bytes allocates nothing.
	huge := []byte{recordFormat, 0xff, 0xff, 0xff, 0xff, 0x0f}
	_, err = decodeRecord(huge, "src", "X")
	assert.ErrorContains(t, err, "exceeds")
}

func FuzzDecodeRecord(f *testing.F) {
	full := storetest.Full("src", "FULL-1")
	f.Add(encodeRecord(&full, packageKeys(&full)))
	for v := range storetest.NewCorpus(1, 20).All() {
		f.Add(encodeRecord(&v, packageKeys(&v)))
	}
	if dir := storetest.GoVulnDBDir(); dir != "" {
		// A sample: every worker runs this setup, so it must be quick.
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for i := 0; i < len(files); i += 300 {
			raw, err := os.ReadFile(files[i])
			require.NoError(f, err)
			var v vulndb.Vulnerability
			require.NoError(f, json.Unmarshal(raw, &v), files[i])
			f.Add(encodeRecord(&v, packageKeys(&v)))
		}
	}
	f.Fuzz(func(t *testing.T, val []byte) {
		v, err := decodeRecord(val, "src", "ID")
		_, _, refErr := decodeRefs(val)
		if err != nil {
			return
		}
		require.NoError(t, refErr, "the full decode succeeded")
		// What decodes re-encodes to something that decodes the same.
		keys, _, _ := decodeRefs(val)
		again, err := decodeRecord(encodeRecord(&v, keys), "src", "ID")
		require.NoError(t, err)
		assert.Equal(t, v, again)
	})
}

func TestKeyEncoding(t *testing.T) {
	strs := []string{"", "a", "a\x00", "a\x00b", "a\x01", "ab", "b", "\x00", "\x00\x00", "\x00\x01", "\xff", "ä"}
	for _, a := range strs {
		enc := appendKeyString(nil, a)
		got, rest, ok := cutKeyString(append(bytes.Clone(enc), "tail"...))
		require.True(t, ok, "%q", a)
		assert.Equal(t, a, got)
		assert.Equal(t, "tail", string(rest))
		for _, b := range strs {
			for _, c := range strs {
				// Tuples compare as their first elements, then their second.
				x := appendKeyString(appendKeyString(nil, a), c)
				y := appendKeyString(appendKeyString(nil, b), c)
				if a != b {
					assert.Equal(t, compare(a, b), bytes.Compare(x, y), "(%q,%q) vs (%q,%q)", a, c, b, c)
					assert.False(t, bytes.HasPrefix(y, appendKeyString(nil, a)), "%q is a prefix of (%q,...)", a, b)
				}
			}
		}
	}
	for _, bad := range []string{"", "a", "a\x00", "a\x00\x02", "a\x00\x01"} {
		_, _, ok := cutKeyString([]byte(bad))
		assert.False(t, ok, "%q", bad)
	}
	_, _, ok := cutRef(append(appendRef(nil, "s", "id"), 'x'))
	assert.False(t, ok, "trailing bytes")
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func FuzzKeyString(f *testing.F) {
	f.Add("npm", "left-pad", "GHSA-1")
	f.Add("a\x00", "\x00\x01", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		key := appendRef(appendKeyString(nil, a), b, c)
		got, rest, ok := cutKeyString(key)
		require.True(t, ok)
		require.Equal(t, a, got)
		src, id, ok := cutRef(rest)
		require.True(t, ok)
		require.Equal(t, b, src)
		require.Equal(t, c, id)
		if a != b {
			assert.Equal(t, compare(a, b), bytes.Compare(appendKeyString(nil, a), appendKeyString(nil, b)))
		}
		// Decoding arbitrary bytes never panics.
		_, _, _ = cutRef([]byte(a + b + c))
	})
}

// BenchmarkCodec compares the record encoding with encoding/json on a
// realistic record.
func BenchmarkCodec(b *testing.B) {
	v := storetest.NewCorpus(1, 10).Record(3)
	keys := packageKeys(&v)
	val := encodeRecord(&v, keys)
	js, _ := json.Marshal(v)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			encodeRecord(&v, keys)
		}
		b.ReportMetric(float64(len(val)), "bytes")
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeRecord(val, "ghsa", v.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json-encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(js)), "bytes")
	})
	b.Run("json-decode", func(b *testing.B) {
		for b.Loop() {
			var w vulndb.Vulnerability
			if err := json.Unmarshal(js, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
}
