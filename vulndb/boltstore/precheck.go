package boltstore

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
)

// bbolt's file format (version 2), as far as the precheck reads it: two
// meta pages at the start, each a 16-byte page header and the meta fields,
// in the machine's byte order.
const (
	boltMagic          = 0xED0CDAED
	boltVersion        = 2
	pageHeaderSize     = 16
	metaSize           = 64 // magic .. checksum
	metaChecksumOffset = 56
	freelistPageFlag   = 0x10
	noFreelist         = ^uint64(0)
	// maxPageSize bounds the page size a meta page may claim.
	maxPageSize = 1 << 16
)

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64 // high-water mark: pages in use
	txid     uint64
}

// precheck reads the meta pages and the freelist page header of a
// non-empty bbolt file with plain reads, and rejects what would make bbolt
// fault or panic while opening it: pages in use past the end of the file,
// a root or freelist page past the high-water mark, a freelist that claims
// more entries than its pages hold. bbolt maps the file into memory, and a
// fault while it opens the file leaves the mapping, and with it the file
// lock, held until the process exits.
//
// A file whose meta pages are both invalid passes: bbolt reports that
// itself, before mapping anything.
//
// The meta page is read before the file's size: bbolt grows the file
// before it writes a meta page that counts the new pages, and never
// shrinks it, so a writer in another process cannot make a sound file look
// truncated.
func precheck(f *os.File) error {
	m, ok := readMetas(f)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	ps := uint64(m.pageSize)
	if m.pgid > uint64(size)/ps {
		return fmt.Errorf("truncated: %d bytes, but %d pages of %d bytes are in use", size, m.pgid, ps)
	}
	if m.root >= m.pgid {
		return fmt.Errorf("root page %d is past the %d pages in use", m.root, m.pgid)
	}
	if m.freelist == noFreelist {
		return nil
	}
	if m.freelist < 2 || m.freelist >= m.pgid {
		return fmt.Errorf("freelist page %d is outside the %d pages in use", m.freelist, m.pgid)
	}
	var hdr [pageHeaderSize + 8]byte
	if _, err := f.ReadAt(hdr[:], int64(m.freelist*ps)); err != nil {
		return fmt.Errorf("reading the freelist page: %w", err)
	}
	flags := binary.NativeEndian.Uint16(hdr[8:])
	count := uint64(binary.NativeEndian.Uint16(hdr[10:]))
	overflow := uint64(binary.NativeEndian.Uint32(hdr[12:]))
	if flags != freelistPageFlag {
		return fmt.Errorf("freelist page %d has flags %#x", m.freelist, flags)
	}
	if m.freelist+overflow >= m.pgid {
		return fmt.Errorf("freelist pages %d+%d reach past the %d pages in use", m.freelist, overflow, m.pgid)
	}
	first := uint64(0) // index of the first page ID
	if count == 0xFFFF {
		count = binary.NativeEndian.Uint64(hdr[pageHeaderSize:])
		first = 1
	}
	if room := ((overflow+1)*ps - pageHeaderSize) / 8; count+first > room {
		return fmt.Errorf("freelist claims %d entries, its pages hold %d", count, room)
	}
	// Every free page must be one the file holds: bbolt would write a page
	// it takes from the list wherever its ID points.
	buf := make([]byte, 8*(count+first))
	if _, err := f.ReadAt(buf, int64(m.freelist*ps+pageHeaderSize)); err != nil {
		return fmt.Errorf("reading the freelist: %w", err)
	}
	for i := first; i < first+count; i++ {
		if id := binary.NativeEndian.Uint64(buf[8*i:]); id < 2 || id >= m.pgid {
			return fmt.Errorf("freelist lists page %d, outside the %d pages in use", id, m.pgid)
		}
	}
	return nil
}

// readMetas returns the meta page bbolt would use: the valid one with the
// higher transaction ID.
func readMetas(f *os.File) (boltMeta, bool) {
	var best boltMeta
	found := false
	m0, ok0 := readMeta(f, 0)
	if ok0 {
		best, found = m0, true
	}
	// Meta page 1 sits one page in: use page 0's size when it is valid, or
	// try the common sizes.
	sizes := []int64{4096, 8192, 16384, 65536}
	if ok0 {
		sizes = []int64{int64(m0.pageSize)}
	}
	for _, ps := range sizes {
		if m1, ok := readMeta(f, ps); ok && (!found || m1.txid > best.txid) {
			best, found = m1, true
			break
		}
	}
	return best, found
}

func readMeta(f *os.File, off int64) (boltMeta, bool) {
	var b [pageHeaderSize + metaSize]byte
	if _, err := f.ReadAt(b[:], off); err != nil { // a short read is io.EOF
		return boltMeta{}, false
	}
	m := b[pageHeaderSize:]
	h := fnv.New64a()
	h.Write(m[:metaChecksumOffset])
	if binary.NativeEndian.Uint32(m[0:]) != boltMagic ||
		binary.NativeEndian.Uint32(m[4:]) != boltVersion ||
		binary.NativeEndian.Uint64(m[metaChecksumOffset:]) != h.Sum64() {
		return boltMeta{}, false
	}
	meta := boltMeta{
		pageSize: binary.NativeEndian.Uint32(m[8:]),
		root:     binary.NativeEndian.Uint64(m[16:]),
		freelist: binary.NativeEndian.Uint64(m[32:]),
		pgid:     binary.NativeEndian.Uint64(m[40:]),
		txid:     binary.NativeEndian.Uint64(m[48:]),
	}
	if meta.pageSize < 1024 || meta.pageSize > maxPageSize || meta.pageSize&(meta.pageSize-1) != 0 {
		return boltMeta{}, false
	}
	return meta, true
}
