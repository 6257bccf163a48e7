package rpmdb

// The ndb layout follows rpm's lib/backend/ndb/rpmpkg.c (rpmpkgReadHeader,
// rpmpkgReadSlots, rpmpkgReadBlob); go-rpmdb's pkg/ndb (MIT, Copyright (c)
// 2021 SUSE LLC) reads it the same way.
//
// A Packages.db file is a 32-byte header ("RpmP", version 0, generation,
// number of slot pages, next package index), then that many 4 KiB slot
// pages of 16-byte slots ("Slot", package index, block offset, block
// count; the header takes the first two slots), then blobs in 16-byte
// blocks: a 16-byte blob head ("BlbS", package index, timestamp, blob
// length), the header blob, zero padding and a 12-byte tail (adler32,
// blob length, "BlbE").

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

const (
	ndbMagic      = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic  = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic  = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbTailMagic  = 'B' | 'l'<<8 | 'b'<<16 | 'E'<<24
	ndbVersion    = 0
	ndbHeaderSize = 32
	ndbPageSize   = 4096
	ndbSlotSize   = 16
	ndbBlockSize  = 16
	ndbBlobHead   = 16
	ndbBlobTail   = 12
)

// ndbMeta is what the ndb header says.
type ndbMeta struct {
	slotPages uint32
}

// readNDBMeta checks the ndb header.
func readNDBMeta(f io.ReaderAt, size int64) (*ndbMeta, error) {
	var h [ndbHeaderSize]byte
	if err := readFull(f, h[:], 0); err != nil {
		return nil, fmt.Errorf("ndb header: %w", err)
	}
	if v := binary.LittleEndian.Uint32(h[4:]); v != ndbVersion {
		return nil, fmt.Errorf("ndb header: %w: version %d, want %d", ErrUnknownFormat, v, ndbVersion)
	}
	m := &ndbMeta{slotPages: binary.LittleEndian.Uint32(h[12:])}
	if m.slotPages == 0 || int64(m.slotPages)*ndbPageSize > size {
		return nil, malformed("ndb header: %d slot pages of %d bytes in a file of %d bytes", m.slotPages, ndbPageSize, size)
	}
	if size%ndbBlockSize != 0 {
		return nil, malformed("ndb: file size %d is not a multiple of the %d-byte block", size, ndbBlockSize)
	}
	return m, nil
}

// ndbSlot is one used slot.
type ndbSlot struct {
	no, pkgIdx, blkOff, blkCnt uint32
}

// readNDB reads the slot pages, then each used slot's blob.
func (db *DB) readNDB(ctx context.Context, c *collector) error {
	m := db.ndb
	fileBlocks := uint64(db.size) / ndbBlockSize
	minBlock := uint64(m.slotPages) * (ndbPageSize / ndbBlockSize)
	page := make([]byte, ndbPageSize)
	var slots []ndbSlot
	for p := range m.slotPages {
		if err := readFull(db.r, page, int64(p)*ndbPageSize); err != nil {
			return fmt.Errorf("rpmdb: ndb slot page %d: %w", p, err)
		}
		first := 0
		if p == 0 {
			first = ndbHeaderSize / ndbSlotSize
		}
		for i := first; i < ndbPageSize/ndbSlotSize; i++ {
			s := page[i*ndbSlotSize:]
			no := p*(ndbPageSize/ndbSlotSize) + uint32(i)
			if magic := binary.LittleEndian.Uint32(s); magic != ndbSlotMagic {
				// rpm refuses the whole database here.
				return fmt.Errorf("rpmdb: ndb slot %d at offset %d: %w", no, int64(no)*ndbSlotSize, malformed("slot magic %#08x", magic))
			}
			sl := ndbSlot{no: no, pkgIdx: binary.LittleEndian.Uint32(s[4:]), blkOff: binary.LittleEndian.Uint32(s[8:]), blkCnt: binary.LittleEndian.Uint32(s[12:])}
			if sl.blkOff == 0 {
				continue // a free slot
			}
			if sl.pkgIdx == 0 || sl.blkCnt == 0 || uint64(sl.blkOff) < minBlock || uint64(sl.blkOff)+uint64(sl.blkCnt) > fileBlocks {
				c.fail(fmt.Sprintf("ndb slot %d at offset %d", no, int64(no)*ndbSlotSize),
					malformed("package %d in blocks %d+%d, outside blocks %d..%d of the file", sl.pkgIdx, sl.blkOff, sl.blkCnt, minBlock, fileBlocks))
				continue
			}
			slots = append(slots, sl)
		}
	}
	// Blobs must not overlap: a slot that points into another's blocks
	// would repeat a package or read a blob from its middle.
	byOffset := slices.Clone(slots)
	slices.SortFunc(byOffset, func(a, b ndbSlot) int { return cmp.Compare(a.blkOff, b.blkOff) })
	bad := map[uint32]bool{}
	var last ndbSlot // the slot whose blocks reach furthest so far
	for i, cur := range byOffset {
		if i > 0 && uint64(last.blkOff)+uint64(last.blkCnt) > uint64(cur.blkOff) {
			bad[cur.no] = true
			c.fail(fmt.Sprintf("ndb slot %d at offset %d", cur.no, int64(cur.no)*ndbSlotSize),
				malformed("package %d blocks %d+%d overlap slot %d's blocks %d+%d", cur.pkgIdx, cur.blkOff, cur.blkCnt, last.no, last.blkOff, last.blkCnt))
			if uint64(cur.blkOff)+uint64(cur.blkCnt) <= uint64(last.blkOff)+uint64(last.blkCnt) {
				continue
			}
		}
		last = cur
	}
	for i, sl := range slots {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("rpmdb: ndb slot %d: %w", sl.no, err)
			}
		}
		if bad[sl.no] {
			continue
		}
		where := fmt.Sprintf("ndb slot %d (package %d, blob at offset %d)", sl.no, sl.pkgIdx, int64(sl.blkOff)*ndbBlockSize)
		blob, skip, fatal := db.readNDBBlob(c, where, sl)
		if fatal != nil {
			return fatal
		}
		if skip {
			continue
		}
		if fatal := c.add(where, blob); fatal != nil {
			return fatal
		}
	}
	return nil
}

// readNDBBlob reads and checks the blob of one slot. skip is set when the
// blob was recorded as bad.
func (db *DB) readNDBBlob(c *collector, where string, sl ndbSlot) (blob []byte, skip bool, fatal error) {
	off := int64(sl.blkOff) * ndbBlockSize
	var head [ndbBlobHead]byte
	if err := readFull(db.r, head[:], off); err != nil {
		c.fail(where, err)
		return nil, true, nil
	}
	if magic := binary.LittleEndian.Uint32(head[:]); magic != ndbBlobMagic {
		c.fail(where, malformed("blob magic %#08x", magic))
		return nil, true, nil
	}
	if idx := binary.LittleEndian.Uint32(head[4:]); idx != sl.pkgIdx {
		c.fail(where, malformed("blob belongs to package %d", idx))
		return nil, true, nil
	}
	n := binary.LittleEndian.Uint32(head[12:])
	if want := (uint64(ndbBlobHead) + uint64(n) + ndbBlobTail + ndbBlockSize - 1) / ndbBlockSize; want != uint64(sl.blkCnt) {
		c.fail(where, malformed("blob of %d bytes needs %d blocks, the slot has %d", n, want, sl.blkCnt))
		return nil, true, nil
	}
	ok, fatal := c.reserve(where, int64(n))
	if fatal != nil || !ok {
		return nil, true, fatal
	}
	blob = make([]byte, n)
	if err := readFull(db.r, blob, off+ndbBlobHead); err != nil {
		c.fail(where, err)
		return nil, true, nil
	}
	var tail [ndbBlobTail]byte
	if err := readFull(db.r, tail[:], off+int64(sl.blkCnt)*ndbBlockSize-ndbBlobTail); err != nil {
		c.fail(where, err)
		return nil, true, nil
	}
	if tn, magic := binary.LittleEndian.Uint32(tail[4:]), binary.LittleEndian.Uint32(tail[8:]); tn != n || magic != ndbTailMagic {
		c.fail(where, malformed("blob tail says %d bytes with magic %#08x, the head %d bytes", tn, magic, n))
		return nil, true, nil
	}
	return blob, false, nil
}
