// The Berkeley DB hash layout (libdb's dbinc/db_page.h) as go-rpmdb's
// pkg/bdb reads it, with page numbers, item offsets and overflow chains
// checked, and chains that loop or run long detected.
//
// Portions adapted from github.com/knqyf263/go-rpmdb:
//
// MIT License
//
// Copyright (c) 2019 Teppei Fukuda
//
// Permission is hereby granted, free of charge, to any person obtaining a copy
// of this software and associated documentation files (the "Software"), to deal
// in the Software without restriction, including without limitation the rights
// to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
// copies of the Software, and to permit persons to whom the Software is
// furnished to do so, subject to the following conditions:
//
// The above copyright notice and this permission notice shall be included in all
// copies or substantial portions of the Software.
//
// THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
// IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
// FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
// AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
// LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
// OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
// SOFTWARE.

package rpmdb

import (
	"context"
	"encoding/binary"
	"fmt"
)

// Berkeley DB constants (db_page.h).
const (
	bdbHashMagic = 0x00061561

	bdbPageHeaderSize = 26 // lsn, pgno, prev, next, entries, hf_offset, level, type
	bdbMetaSize       = 72 // the generic metadata page fields

	bdbPageHashUnsorted = 2  // P_HASH_UNSORTED, hash pages before db 4.6
	bdbPageOverflow     = 7  // P_OVERFLOW
	bdbPageHashMeta     = 8  // P_HASHMETA
	bdbPageHash         = 13 // P_HASH

	bdbItemKeyData   = 1 // H_KEYDATA: the data follows in the page
	bdbItemDuplicate = 2 // H_DUPLICATE
	bdbItemOffPage   = 3 // H_OFFPAGE: the data is in an overflow chain
	bdbItemOffDup    = 4 // H_OFFDUP
	bdbOffPageSize   = 12

	bdbMetaChecksum = 0x01 // DBMETA_CHKSUM in the metadata flags
)

// bdbMeta is what the hash metadata page says.
type bdbMeta struct {
	order    binary.ByteOrder
	pageSize uint32
	lastPage uint32
}

// isBDBHash reports whether head starts with a Berkeley DB hash metadata
// page, in either byte order.
func isBDBHash(head []byte) bool {
	if len(head) < 16 {
		return false
	}
	return binary.LittleEndian.Uint32(head[12:]) == bdbHashMagic ||
		binary.BigEndian.Uint32(head[12:]) == bdbHashMagic
}

// readBDBMeta checks the hash metadata page at the start of the file.
func readBDBMeta(head []byte, size int64) (*bdbMeta, error) {
	if len(head) < bdbMetaSize {
		return nil, malformed("bdb: metadata page truncated to %d bytes", len(head))
	}
	m := &bdbMeta{order: binary.LittleEndian}
	if binary.LittleEndian.Uint32(head[12:]) != bdbHashMagic {
		m.order = binary.BigEndian
	}
	m.pageSize = m.order.Uint32(head[20:])
	if m.pageSize < 512 || m.pageSize > 65536 || m.pageSize&(m.pageSize-1) != 0 {
		return nil, malformed("bdb: page size %d is not a power of two from 512 to 65536", m.pageSize)
	}
	if alg := head[24]; alg != 0 {
		return nil, fmt.Errorf("bdb: %w: encrypted database (algorithm %d)", ErrUnknownFormat, alg)
	}
	if typ := head[25]; typ != bdbPageHashMeta {
		return nil, malformed("bdb: metadata page has type %d, want %d", typ, bdbPageHashMeta)
	}
	if flags := head[26]; flags&bdbMetaChecksum != 0 {
		return nil, fmt.Errorf("bdb: %w: database with page checksums", ErrUnknownFormat)
	}
	m.lastPage = m.order.Uint32(head[32:])
	if end := (int64(m.lastPage) + 1) * int64(m.pageSize); end > size {
		return nil, malformed("bdb: last page %d of %d bytes ends at byte %d, the file has %d", m.lastPage, m.pageSize, end, size)
	}
	return m, nil
}

// readBDB walks the hash pages in page order and reads each data item.
func (db *DB) readBDB(ctx context.Context, c *collector) error {
	m := db.bdb
	ps := int(m.pageSize)
	page := make([]byte, ps)
	over := make([]byte, ps)
	for pg := uint32(1); pg <= m.lastPage; pg++ {
		if (pg-1)%64 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("rpmdb: bdb page %d: %w", pg, err)
			}
		}
		if err := readFull(db.r, page, int64(pg)*int64(ps)); err != nil {
			return fmt.Errorf("rpmdb: bdb page %d: %w", pg, err)
		}
		if typ := page[25]; typ != bdbPageHash && typ != bdbPageHashUnsorted {
			continue
		}
		n := int(m.order.Uint16(page[20:]))
		if n%2 != 0 || bdbPageHeaderSize+2*n > ps {
			c.fail(fmt.Sprintf("bdb page %d", pg), malformed("%d items on a hash page of %d bytes", n, ps))
			continue
		}
		prev := ps // items grow down from the end of the page
		for i := range n {
			off := int(m.order.Uint16(page[bdbPageHeaderSize+2*i:]))
			where := fmt.Sprintf("bdb page %d item %d", pg, i)
			if off < bdbPageHeaderSize+2*n || off >= prev {
				c.fail(where, malformed("item offset %d outside %d..%d", off, bdbPageHeaderSize+2*n, prev))
				break
			}
			item := page[off:prev]
			prev = off
			if i%2 == 0 {
				continue // a key: the header instance number
			}
			switch item[0] {
			case bdbItemKeyData:
				// Small values stay in the page: the record under key 0
				// holds rpm's next instance number (4 bytes). A header is
				// at least a preamble and one index entry.
				if v := item[1:]; len(v) >= preambleSize+entrySize {
					if ok, fatal := c.reserve(where, int64(len(v))); fatal != nil {
						return fatal
					} else if ok {
						if fatal := c.add(where, v); fatal != nil {
							return fatal
						}
					}
				}
			case bdbItemOffPage:
				if len(item) < bdbOffPageSize {
					c.fail(where, malformed("off-page item of %d bytes", len(item)))
					continue
				}
				first := m.order.Uint32(item[4:])
				tlen := m.order.Uint32(item[8:])
				ok, fatal := c.reserve(where, int64(tlen))
				if fatal != nil {
					return fatal
				}
				if !ok {
					continue
				}
				blob, err := db.readOverflow(first, tlen, over)
				if err != nil {
					c.fail(where, err)
					continue
				}
				if fatal := c.add(where, blob); fatal != nil {
					return fatal
				}
			case bdbItemDuplicate, bdbItemOffDup:
				c.fail(where, malformed("duplicate-key item (type %d), which rpm never writes", item[0]))
			default:
				c.fail(where, malformed("unknown item type %d", item[0]))
			}
		}
	}
	return nil
}

// readOverflow reads the chain of overflow pages from first holding a value
// of tlen bytes. buf is a scratch page.
func (db *DB) readOverflow(first, tlen uint32, buf []byte) ([]byte, error) {
	m := db.bdb
	room := int(m.pageSize) - bdbPageHeaderSize
	maxPages := int(tlen)/room + 1
	out := make([]byte, 0, tlen)
	visited := make(map[uint32]struct{}, maxPages)
	for pg := first; pg != 0; {
		if pg > m.lastPage {
			return nil, malformed("overflow chain from page %d: page %d beyond the last page %d", first, pg, m.lastPage)
		}
		if _, seen := visited[pg]; seen {
			return nil, malformed("overflow chain from page %d loops back to page %d", first, pg)
		}
		if len(visited) >= maxPages {
			return nil, malformed("overflow chain from page %d runs past %d pages for %d bytes", first, maxPages, tlen)
		}
		visited[pg] = struct{}{}
		if err := readFull(db.r, buf, int64(pg)*int64(m.pageSize)); err != nil {
			return nil, fmt.Errorf("overflow page %d: %w", pg, err)
		}
		if typ := buf[25]; typ != bdbPageOverflow {
			return nil, malformed("overflow chain from page %d: page %d has type %d, want %d", first, pg, typ, bdbPageOverflow)
		}
		n := int(m.order.Uint16(buf[22:]))
		if n > room || len(out)+n > int(tlen) {
			return nil, malformed("overflow page %d holds %d bytes; page room %d, %d of %d bytes read", pg, n, room, len(out), tlen)
		}
		out = append(out, buf[bdbPageHeaderSize:bdbPageHeaderSize+n]...)
		pg = m.order.Uint32(buf[16:])
	}
	if len(out) != int(tlen) {
		return nil, malformed("overflow chain from page %d holds %d bytes, the item says %d", first, len(out), tlen)
	}
	return out, nil
}
