package rpmdb

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNDB(t *testing.T) {
	file := ndbFile([][]byte{
		buildHeader(basic("a", "1", "1", "x86_64"), nil),
		bigHeader("b"),
	})
	db, err := Open(writeFile(t, "Packages.db", file))
	require.NoError(t, err)
	defer db.Close()
	assert.Equal(t, FormatNDB, db.Format())
	pkgs, err := db.Packages(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names(pkgs))
}

func TestNDBCorrupt(t *testing.T) {
	le := binary.LittleEndian
	blobs := [][]byte{
		buildHeader(basic("a", "1", "1", "x86_64"), nil),
		buildHeader(basic("b", "1", "1", "x86_64"), nil),
	}
	slot := func(f []byte, i int) []byte { return f[ndbHeaderSize+i*ndbSlotSize:] }
	blob := func(f []byte, i int) []byte { return f[int(le.Uint32(slot(f, i)[8:]))*ndbBlockSize:] }
	tests := []struct {
		name   string
		mutate func(f []byte) []byte
		names  []string
		msg    string
	}{
		{"slot beyond the file", func(f []byte) []byte { le.PutUint32(slot(f, 0)[8:], 1<<30); return f }, []string{"b"}, "ndb slot 2 at offset 32: malformed: package 1 in blocks 1073741824+"},
		{"slot block count beyond the file", func(f []byte) []byte { le.PutUint32(slot(f, 0)[12:], 0xffffffff); return f }, []string{"b"}, "outside blocks"},
		{"slot inside the slot pages", func(f []byte) []byte { le.PutUint32(slot(f, 0)[8:], 3); return f }, []string{"b"}, "outside blocks 256"},
		{"slot without a package index", func(f []byte) []byte { le.PutUint32(slot(f, 0)[4:], 0); return f }, []string{"b"}, "package 0"},
		{"slot without blocks", func(f []byte) []byte { le.PutUint32(slot(f, 0)[12:], 0); return f }, []string{"b"}, "blocks 256+0"},
		{"slots overlap", func(f []byte) []byte {
			copy(slot(f, 1)[8:16], slot(f, 0)[8:16])
			return f
		}, []string{"a"}, "overlap slot 2's blocks"},
		{"blob magic", func(f []byte) []byte { copy(blob(f, 0), "XXXX"); return f }, []string{"b"}, "blob magic"},
		{"blob of another package", func(f []byte) []byte { le.PutUint32(blob(f, 0)[4:], 9); return f }, []string{"b"}, "blob belongs to package 9"},
		{"blob length disagrees with the slot", func(f []byte) []byte { le.PutUint32(blob(f, 0)[12:], 1<<20); return f }, []string{"b"}, "needs 65538 blocks, the slot has"},
		{"blob tail magic", func(f []byte) []byte {
			b := blob(f, 0)
			cnt := int(le.Uint32(slot(f, 0)[12:]))
			copy(b[cnt*ndbBlockSize-4:], "XXXX")
			return f
		}, []string{"b"}, "blob tail says"},
		{"blob is not a header", func(f []byte) []byte { copy(blob(f, 1)[ndbBlobHead:], "\xff\xff\xff\xff"); return f }, []string{"a"}, "ndb slot 3 (package 2, blob at offset"},
		{"bad slot magic stops reading", func(f []byte) []byte { copy(slot(f, 5), "XXXX"); return f }, nil, "slot magic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.mutate(ndbFile(blobs))
			db, err := Open(writeFile(t, "Packages.db", f))
			require.NoError(t, err)
			defer db.Close()
			pkgs, err := db.Packages(context.Background())
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrMalformed)
			assert.False(t, errors.Is(err, errPanic))
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, tt.names, names(pkgs))
		})
	}
}

func TestNDBOpenErrors(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name   string
		mutate func(f []byte) []byte
		is     error
		msg    string
	}{
		{"version 1", func(f []byte) []byte { le.PutUint32(f[4:], 1); return f }, ErrUnknownFormat, "version 1"},
		{"no slot pages", func(f []byte) []byte { le.PutUint32(f[12:], 0); return f }, ErrMalformed, "0 slot pages"},
		{"slot pages past the file", func(f []byte) []byte { le.PutUint32(f[12:], 0xffffffff); return f }, ErrMalformed, "4294967295 slot pages"},
		{"size not a block multiple", func(f []byte) []byte { return append(f, 0) }, ErrMalformed, "not a multiple of the 16-byte block"},
		{"header cut short", func(f []byte) []byte { return f[:20] }, ErrMalformed, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.mutate(ndbFile([][]byte{buildHeader(basic("a", "1", "1", "x86_64"), nil)}))
			db, err := Open(writeFile(t, "Packages.db", f))
			require.Error(t, err)
			assert.Nil(t, db)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestNDBEmpty(t *testing.T) {
	db, err := Open(writeFile(t, "Packages.db", ndbFile(nil)))
	require.NoError(t, err)
	defer db.Close()
	pkgs, err := db.Packages(context.Background())
	assert.NoError(t, err)
	assert.Empty(t, pkgs)
}
