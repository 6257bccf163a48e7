package rpmdb

// Builders of small, valid header blobs and databases for the tests, and
// helpers to find the shared real data.

import (
	"encoding/binary"
	"hash/adler32"
	"os"
	"path/filepath"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
)

// tv is one tag value for buildHeader.
type tv struct {
	tag   int32
	typ   uint32
	count uint32
	data  []byte
}

func tStr(tag int32, s string) tv { return tv{tag, typeString, 1, append([]byte(s), 0)} }

func tStrs(tag int32, ss ...string) tv {
	var b []byte
	for _, s := range ss {
		b = append(append(b, s...), 0)
	}
	return tv{tag, typeStringArray, uint32(len(ss)), b}
}

func tI18N(tag int32, ss ...string) tv {
	t := tStrs(tag, ss...)
	t.typ = typeI18NString
	return t
}

func tI32(tag int32, vs ...uint32) tv {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return tv{tag, typeInt32, uint32(len(vs)), b}
}

func tI64(tag int32, v uint64) tv {
	return tv{tag, typeInt64, 1, binary.BigEndian.AppendUint64(nil, v)}
}

// basic returns the tags of a minimal package.
func basic(name, version, release, arch string) []tv {
	return []tv{tStr(tagName, name), tStr(tagVersion, version), tStr(tagRelease, release), tStr(tagArch, arch)}
}

// buildHeader lays out a header blob as rpm stores it in a database: an
// immutable region (tag 63) holding the region tags and its trailer, then
// the dribble tags. Without region tags there is no region (a legacy
// header).
func buildHeader(region, dribble []tv) []byte {
	type ie struct {
		tag             int32
		typ, off, count uint32
	}
	var (
		data  []byte
		index []ie
	)
	place := func(t tv) {
		for uint64(len(data))%typeAlign[t.typ] != 0 {
			data = append(data, 0)
		}
		index = append(index, ie{t.tag, t.typ, uint32(len(data)), t.count})
		data = append(data, t.data...)
	}
	if len(region) > 0 {
		index = append(index, ie{})
		for _, t := range region {
			place(t)
		}
		ril := len(region) + 1
		index[0] = ie{tagHeaderImmutable, typeBin, uint32(len(data)), entrySize}
		data = binary.BigEndian.AppendUint32(data, tagHeaderImmutable)
		data = binary.BigEndian.AppendUint32(data, typeBin)
		data = binary.BigEndian.AppendUint32(data, uint32(int32(-ril*entrySize)))
		data = binary.BigEndian.AppendUint32(data, entrySize)
	}
	for _, t := range dribble {
		place(t)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(len(index)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	for _, e := range index {
		b = binary.BigEndian.AppendUint32(b, uint32(e.tag))
		b = binary.BigEndian.AppendUint32(b, e.typ)
		b = binary.BigEndian.AppendUint32(b, e.off)
		b = binary.BigEndian.AppendUint32(b, e.count)
	}
	return append(b, data...)
}

// setEntry overwrites field f (0 tag, 1 type, 2 offset, 3 count) of index
// entry i of a header blob.
func setEntry(blob []byte, i, f int, v uint32) []byte {
	b := append([]byte(nil), blob...)
	binary.BigEndian.PutUint32(b[preambleSize+i*entrySize+4*f:], v)
	return b
}

// byteOrder reads and appends in one byte order.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// bdbFile builds a Berkeley DB hash file with one hash page (page 1) that
// holds rpm's key-0 counter and one off-page item per blob; blob i's
// overflow chain starts at chains[i].
func bdbFile(pageSize int, order byteOrder, blobs [][]byte) (file []byte, chains []uint32) {
	room := pageSize - bdbPageHeaderSize
	pages := [][]byte{make([]byte, pageSize), make([]byte, pageSize)}
	newPage := func() ([]byte, uint32) {
		p := make([]byte, pageSize)
		pages = append(pages, p)
		n := uint32(len(pages) - 1)
		order.PutUint32(p[8:], n)
		return p, n
	}
	// Items of the hash page: key 0 with the 4-byte counter, then a key and
	// an off-page value per blob.
	var items [][]byte
	key := func(k uint32) []byte { return order.AppendUint32([]byte{bdbItemKeyData}, k) }
	items = append(items, key(0), order.AppendUint32([]byte{bdbItemKeyData}, uint32(len(blobs)+1)))
	for i, blob := range blobs {
		var prev []byte
		var prevNo, first uint32
		for off := 0; off < len(blob) || off == 0; off += room {
			p, no := newPage()
			if first == 0 {
				first = no
			}
			chunk := blob[off:min(off+room, len(blob))]
			copy(p[bdbPageHeaderSize:], chunk)
			order.PutUint16(p[20:], 1)
			order.PutUint16(p[22:], uint16(len(chunk)))
			p[25] = bdbPageOverflow
			if prev != nil {
				order.PutUint32(prev[16:], no)
				order.PutUint32(p[12:], prevNo)
			}
			prev, prevNo = p, no
			if len(blob) == 0 {
				break
			}
		}
		chains = append(chains, first)
		v := []byte{bdbItemOffPage, 0, 0, 0}
		v = order.AppendUint32(v, first)
		v = order.AppendUint32(v, uint32(len(blob)))
		items = append(items, key(uint32(i+1)), v)
	}
	hp := pages[1]
	order.PutUint32(hp[8:], 1)
	hp[25] = bdbPageHash
	order.PutUint16(hp[20:], uint16(len(items)))
	top := pageSize
	for i, it := range items {
		top -= len(it)
		copy(hp[top:], it)
		order.PutUint16(hp[bdbPageHeaderSize+2*i:], uint16(top))
	}
	order.PutUint16(hp[22:], uint16(top))
	meta := pages[0]
	order.PutUint32(meta[12:], bdbHashMagic)
	order.PutUint32(meta[16:], 9)
	order.PutUint32(meta[20:], uint32(pageSize))
	meta[25] = bdbPageHashMeta
	order.PutUint32(meta[32:], uint32(len(pages)-1))
	for _, p := range pages {
		file = append(file, p...)
	}
	return file, chains
}

// bdbPage returns page n of a bdb file.
func bdbPage(file []byte, pageSize int, n uint32) []byte {
	return file[int(n)*pageSize : int(n+1)*pageSize]
}

// ndbFile builds an ndb file with one slot page and the blobs as packages
// 1, 2, …; slot i (counting used slots) is at byte offset 32+16*i.
func ndbFile(blobs [][]byte) []byte {
	page := make([]byte, ndbPageSize)
	le := binary.LittleEndian
	le.PutUint32(page[0:], ndbMagic)
	le.PutUint32(page[4:], ndbVersion)
	le.PutUint32(page[8:], 1)
	le.PutUint32(page[12:], 1)
	le.PutUint32(page[16:], uint32(len(blobs)+1))
	for i := ndbHeaderSize / ndbSlotSize; i < ndbPageSize/ndbSlotSize; i++ {
		le.PutUint32(page[i*ndbSlotSize:], ndbSlotMagic)
	}
	file := page
	for i, blob := range blobs {
		blk := uint32(len(file) / ndbBlockSize)
		cnt := uint32((ndbBlobHead + len(blob) + ndbBlobTail + ndbBlockSize - 1) / ndbBlockSize)
		s := file[ndbHeaderSize+i*ndbSlotSize:]
		le.PutUint32(s[4:], uint32(i+1))
		le.PutUint32(s[8:], blk)
		le.PutUint32(s[12:], cnt)
		b := make([]byte, int(cnt)*ndbBlockSize)
		le.PutUint32(b[0:], ndbBlobMagic)
		le.PutUint32(b[4:], uint32(i+1))
		le.PutUint32(b[8:], 1700000000)
		le.PutUint32(b[12:], uint32(len(blob)))
		copy(b[ndbBlobHead:], blob)
		t := b[len(b)-ndbBlobTail:]
		le.PutUint32(t[0:], adler32.Checksum(b[:len(b)-ndbBlobTail]))
		le.PutUint32(t[4:], uint32(len(blob)))
		le.PutUint32(t[8:], ndbTailMagic)
		file = append(file, b...)
	}
	return file
}

// writeFile writes b to a new file in a test directory and returns its path.
func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sharedData returns ../shared/data/pkgdb/rpmdb-go-rpmdb beside the
// module root, skipping the test when it is absent.
func sharedData(tb testing.TB) string {
	tb.Helper()
	return shareddata.Path(tb, "pkgdb", "rpmdb-go-rpmdb")
}

// sharedDataDir returns the shared rpm data directory, or "".
func sharedDataDir() string { return shareddata.Find("pkgdb", "rpmdb-go-rpmdb") }
