package rpmdb

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bigHeader returns a header that spans several 512-byte overflow pages.
func bigHeader(name string) []byte {
	return buildHeader(append(basic(name, "1.0", "1", "x86_64"),
		tStr(tagLicense, strings.Repeat("GPL-2.0-or-later AND ", 60)+"MIT")), nil)
}

func TestBDB(t *testing.T) {
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		t.Run(order.String(), func(t *testing.T) {
			small := buildHeader(basic("small", "1", "1", "noarch"), nil)
			file, chains := bdbFile(512, order, [][]byte{bigHeader("big"), small})
			require.Len(t, chains, 2)
			db, err := Open(writeFile(t, "Packages", file))
			require.NoError(t, err)
			defer db.Close()
			assert.Equal(t, FormatBDB, db.Format())
			pkgs, err := db.Packages(context.Background())
			require.NoError(t, err)
			assert.Equal(t, []string{"big", "small"}, names(pkgs))
			assert.True(t, strings.HasSuffix(pkgs[0].License, "AND MIT"))
		})
	}
}

func TestBDBInlineValue(t *testing.T) {
	// A header small enough to stay in the hash page (H_KEYDATA) is read
	// too; rpm's 4-byte counter under key 0 is not a header.
	small := buildHeader(basic("tiny", "1", "1", "noarch"), nil)
	file, _ := bdbFile(512, binary.LittleEndian, nil)
	hp := bdbPage(file, 512, 1)
	n := int(binary.LittleEndian.Uint16(hp[20:]))
	top := int(binary.LittleEndian.Uint16(hp[bdbPageHeaderSize+2*(n-1):]))
	items := [][]byte{binary.LittleEndian.AppendUint32([]byte{bdbItemKeyData}, 7), append([]byte{bdbItemKeyData}, small...)}
	for i, it := range items {
		top -= len(it)
		copy(hp[top:], it)
		binary.LittleEndian.PutUint16(hp[bdbPageHeaderSize+2*(n+i):], uint16(top))
	}
	binary.LittleEndian.PutUint16(hp[20:], uint16(n+2))
	db, err := Open(writeFile(t, "Packages", file))
	require.NoError(t, err)
	defer db.Close()
	pkgs, err := db.Packages(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"tiny"}, names(pkgs))
}

func TestBDBCorrupt(t *testing.T) {
	const ps = 512
	le := binary.LittleEndian
	build := func() ([]byte, []uint32) {
		return bdbFile(ps, le, [][]byte{bigHeader("big"), buildHeader(basic("small", "1", "1", "noarch"), nil)})
	}
	// lastOf returns the last page of the chain from first.
	lastOf := func(file []byte, first uint32) uint32 {
		pg := first
		for {
			next := le.Uint32(bdbPage(file, ps, pg)[16:])
			if next == 0 {
				return pg
			}
			pg = next
		}
	}
	// valueItem returns the off-page item of blob i on the hash page.
	valueItem := func(file []byte, i int) []byte {
		hp := bdbPage(file, ps, 1)
		off := le.Uint16(hp[bdbPageHeaderSize+2*(2*i+3):])
		return hp[off:]
	}
	tests := []struct {
		name   string
		mutate func(file []byte, chains []uint32)
		names  []string // packages still read
		msg    string
	}{
		{"overflow chain loops", func(f []byte, c []uint32) {
			le.PutUint32(bdbPage(f, ps, lastOf(f, c[0]))[16:], c[0])
		}, []string{"small"}, "loops back to page"},
		{"overflow chain loops to itself", func(f []byte, c []uint32) {
			le.PutUint32(bdbPage(f, ps, c[0])[16:], c[0])
		}, []string{"small"}, "loops back to page"},
		{"overflow chain points past the last page", func(f []byte, c []uint32) {
			le.PutUint32(bdbPage(f, ps, c[0])[16:], 9999)
		}, []string{"small"}, "page 9999 beyond the last page"},
		{"overflow chain into the hash page", func(f []byte, c []uint32) {
			le.PutUint32(bdbPage(f, ps, c[0])[16:], 1)
		}, []string{"small"}, "has type 13, want 7"},
		{"overflow page claims more than a page", func(f []byte, c []uint32) {
			le.PutUint16(bdbPage(f, ps, c[0])[22:], ps)
		}, []string{"small"}, "holds 512 bytes"},
		{"chain shorter than the item", func(f []byte, c []uint32) {
			le.PutUint32(valueItem(f, 0)[8:], le.Uint32(valueItem(f, 0)[8:])+1)
		}, []string{"small"}, "the item says"},
		{"chain longer than the item", func(f []byte, c []uint32) {
			le.PutUint32(valueItem(f, 0)[8:], le.Uint32(valueItem(f, 0)[8:])-1)
		}, []string{"small"}, "holds"},
		{"item points at page 0", func(f []byte, c []uint32) {
			le.PutUint32(valueItem(f, 0)[4:], 0)
		}, []string{"small"}, "holds 0 bytes"},
		{"blob is not a header", func(f []byte, c []uint32) {
			copy(bdbPage(f, ps, c[1])[bdbPageHeaderSize:], "garbage!")
		}, []string{"big"}, "bdb page 1 item 5"},
		{"duplicate item", func(f []byte, c []uint32) {
			valueItem(f, 1)[0] = bdbItemDuplicate
		}, []string{"big"}, "duplicate-key item"},
		{"unknown item type", func(f []byte, c []uint32) {
			valueItem(f, 1)[0] = 9
		}, []string{"big"}, "unknown item type 9"},
		{"odd item count", func(f []byte, c []uint32) {
			le.PutUint16(bdbPage(f, ps, 1)[20:], 5)
		}, nil, "5 items on a hash page"},
		{"item count past the page", func(f []byte, c []uint32) {
			le.PutUint16(bdbPage(f, ps, 1)[20:], 1000)
		}, nil, "1000 items"},
		{"item offsets out of order", func(f []byte, c []uint32) {
			hp := bdbPage(f, ps, 1)
			le.PutUint16(hp[bdbPageHeaderSize+2*3:], ps-1)
		}, nil, "item offset 511 outside"},
		{"item offset inside the index", func(f []byte, c []uint32) {
			le.PutUint16(bdbPage(f, ps, 1)[bdbPageHeaderSize:], 4)
		}, nil, "item offset 4 outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, chains := build()
			tt.mutate(file, chains)
			db, err := Open(writeFile(t, "Packages", file))
			require.NoError(t, err)
			defer db.Close()
			done := make(chan struct{})
			var (
				pkgs []Package
			)
			go func() {
				defer close(done)
				pkgs, err = db.Packages(context.Background())
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Packages hangs")
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrMalformed)
			assert.False(t, errors.Is(err, errPanic))
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, tt.names, names(pkgs))
		})
	}
}

func TestBDBOpenErrors(t *testing.T) {
	const ps = 512
	le := binary.LittleEndian
	tests := []struct {
		name   string
		mutate func(meta []byte) []byte
		is     error
		msg    string
	}{
		{"page size not a power of two", func(m []byte) []byte { le.PutUint32(m[20:], 1000); return m }, ErrMalformed, "page size 1000"},
		{"page size too large", func(m []byte) []byte { le.PutUint32(m[20:], 1<<17); return m }, ErrMalformed, "page size 131072"},
		{"encrypted", func(m []byte) []byte { m[24] = 1; return m }, ErrUnknownFormat, "encrypted"},
		{"checksummed pages", func(m []byte) []byte { m[26] = 1; return m }, ErrUnknownFormat, "checksums"},
		{"not a metadata page", func(m []byte) []byte { m[25] = bdbPageHash; return m }, ErrMalformed, "metadata page has type 13"},
		{"last page past the file", func(m []byte) []byte { le.PutUint32(m[32:], 1<<31); return m }, ErrMalformed, "last page 2147483648"},
		{"last page at the 32-bit limit", func(m []byte) []byte { le.PutUint32(m[32:], 0xffffffff); return m }, ErrMalformed, "last page 4294967295"},
		{"metadata page cut short", func(m []byte) []byte { return m[:40] }, ErrMalformed, "metadata page truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, _ := bdbFile(ps, le, [][]byte{buildHeader(basic("a", "1", "1", "x86_64"), nil)})
			file = tt.mutate(file)
			db, err := Open(writeFile(t, "Packages", file))
			require.Error(t, err)
			assert.Nil(t, db)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}
