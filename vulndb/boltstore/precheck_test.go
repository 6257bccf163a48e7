package boltstore

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// TestPrecheck damages the parts of a file that bbolt reads while opening
// it (the meta pages and the free list), which would make it fault or
// panic with the file locked: Open must refuse them first.
func TestPrecheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vuln.db")
	s, err := Open(context.Background(), path)
	require.NoError(t, err)
	for i := range 3 { // several commits leave freed pages in the free list
		require.NoError(t, s.Update(t.Context(), "a", true, func(tx vulndb.Tx) error {
			return tx.Put(vulndb.Vulnerability{ID: "A", Summary: string(rune('a' + i))})
		}))
	}
	require.NoError(t, s.Close())
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	f, err := os.Open(path)
	require.NoError(t, err)
	m, ok := readMetas(f)
	require.NoError(t, f.Close())
	require.True(t, ok)
	require.NotEqual(t, noFreelist, m.freelist)
	require.NotZero(t, binary.NativeEndian.Uint16(good[int(m.freelist)*int(m.pageSize)+10:]), "the free list has entries to damage")
	ps := int(m.pageSize)
	// The meta page in use: the one with m.txid.
	metaOff := 0
	if binary.NativeEndian.Uint64(good[pageHeaderSize+48:]) != m.txid {
		metaOff = ps
	}
	// setMeta rewrites a field of the current meta page with a valid
	// checksum, so that only the precheck's own tests can refuse it.
	setMeta := func(b []byte, field int, v uint64) {
		meta := b[metaOff+pageHeaderSize:]
		binary.NativeEndian.PutUint64(meta[field:], v)
		h := fnv.New64a()
		h.Write(meta[:metaChecksumOffset])
		binary.NativeEndian.PutUint64(meta[metaChecksumOffset:], h.Sum64())
	}
	fl := int(m.freelist) * ps
	tests := []struct {
		name   string
		damage func(b []byte) []byte
		want   string
	}{
		{"truncated below the high-water mark", func(b []byte) []byte { return b[:int(m.pgid-1)*ps] }, "truncated"},
		{"freelist flags", func(b []byte) []byte { b[fl+8] = 0x02; return b }, "freelist page"},
		{"freelist count", func(b []byte) []byte {
			binary.NativeEndian.PutUint16(b[fl+10:], 0xFFFF)
			binary.NativeEndian.PutUint64(b[fl+16:], 1<<40)
			return b
		}, "freelist claims"},
		{"freelist entry", func(b []byte) []byte {
			// The free list holds page IDs after its header (and after the
			// count, when the count overflows the header's 16 bits).
			at := fl + pageHeaderSize
			if binary.NativeEndian.Uint16(b[fl+10:]) == 0xFFFF {
				at += 8
			}
			binary.NativeEndian.PutUint64(b[at:], 1<<40)
			return b
		}, "freelist lists page"},
		{"freelist overflow", func(b []byte) []byte { binary.NativeEndian.PutUint32(b[fl+12:], 1<<30); return b }, "reach past"},
		{"freelist past the end", func(b []byte) []byte { setMeta(b, 32, m.pgid+5); return b }, "outside"},
		{"root past the end", func(b []byte) []byte { setMeta(b, 16, m.pgid); return b }, "root page"},
		{"high-water mark past the end", func(b []byte) []byte { setMeta(b, 40, 1<<40); return b }, "truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "damaged.db")
			require.NoError(t, os.WriteFile(p, tc.damage(append([]byte(nil), good...)), 0o644))
			for _, opts := range [][]Option{nil, {WithReadOnly()}} {
				_, err := Open(t.Context(), p, opts...)
				require.ErrorIs(t, err, ErrCorrupt)
				assert.ErrorContains(t, err, tc.want)
				assert.ErrorContains(t, err, p)
			}
		})
	}
}
