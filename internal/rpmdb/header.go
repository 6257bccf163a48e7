// The header blob checks follow rpm's lib/header.c (hdrblobInit,
// hdrblobVerifyRegion, hdrblobVerifyInfo, dataLength) as go-rpmdb's
// pkg/entry.go and pkg/package.go transcribe them, with every size, count
// and offset bounded before use.
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
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Header tags (rpm's lib/rpmtag.h).
const (
	tagHeaderImage      = 61
	tagHeaderSignatures = 62
	tagHeaderImmutable  = 63
	tagI18NTable        = 100

	tagName            = 1000
	tagVersion         = 1001
	tagRelease         = 1002
	tagEpoch           = 1003
	tagSize            = 1009
	tagVendor          = 1011
	tagLicense         = 1014
	tagArch            = 1022
	tagOldFilenames    = 1027
	tagSourceRPM       = 1044
	tagDirIndexes      = 1116
	tagBasenames       = 1117
	tagDirnames        = 1118
	tagLongSize        = 5009
	tagModularityLabel = 5096
)

// Header data types (rpmTagType_e).
const (
	typeNull        = 0
	typeChar        = 1
	typeInt8        = 2
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeBin         = 7
	typeStringArray = 8
	typeI18NString  = 9
	typeMax         = 9
)

// Header limits from rpm's lib/header_internal.h: at most 0xffff index
// entries and 256 MiB of data.
const (
	headerMaxTags = 0x0000ffff
	headerMaxData = 0x0fffffff
	entrySize     = 16 // one index entry: tag, type, offset, count
	preambleSize  = 8  // index length and data length
)

// typeSize is the element size of the fixed-size types, 0 for the others.
var typeSize = [typeMax + 1]uint64{
	typeChar:  1,
	typeInt8:  1,
	typeInt16: 2,
	typeInt32: 4,
	typeInt64: 8,
	typeBin:   1,
}

// typeAlign is the alignment of each type's data in the data store.
var typeAlign = [typeMax + 1]uint64{1, 1, 1, 2, 4, 8, 1, 1, 1, 1}

// entry is one checked index entry; data is the entry's bytes in the data
// store.
type entry struct {
	tag   int32
	typ   uint32
	count uint32
	data  []byte
}

// wanted lists the tags decoded into a Package.
var wanted = [...]int32{
	tagName, tagVersion, tagRelease, tagEpoch, tagSize, tagVendor,
	tagLicense, tagArch, tagOldFilenames, tagSourceRPM, tagDirIndexes,
	tagBasenames, tagDirnames, tagLongSize, tagModularityLabel,
}

func wantedIndex(tag int32) int {
	for i, t := range wanted {
		if t == tag {
			return i
		}
	}
	return -1
}

// ParseHeader decodes one RPM header blob as stored in a package
// database: the index length and data length (big-endian), the index
// entries, then the data store. The blob must be exactly as long as its
// preamble says. The options that apply are [WithMaxBlobBytes],
// [WithMaxFiles], [WithMaxPathBytes] and [WithFiles].
func ParseHeader(blob []byte, opts ...Option) (p Package, err error) {
	o := newOptions(opts)
	defer func() {
		if r := recover(); r != nil {
			p, err = Package{}, fmt.Errorf("rpmdb: header: %w: panic: %v", errPanic, r)
		}
	}()
	if int64(len(blob)) > o.maxBlobBytes {
		return Package{}, fmt.Errorf("rpmdb: header: %w: %d bytes, the limit is %d", ErrLimit, len(blob), o.maxBlobBytes)
	}
	budget := o.maxPathBytes
	p, err = parseHeader(blob, &o, &budget)
	if err != nil {
		return Package{}, fmt.Errorf("rpmdb: header: %w", err)
	}
	return p, nil
}

// parseHeader decodes blob, charging file paths to *pathBudget. Running
// out of the path budget is reported as a *fatalError.
func parseHeader(blob []byte, o *options, pathBudget *int64) (Package, error) {
	entries, err := parseIndex(blob)
	if err != nil {
		return Package{}, err
	}
	var found [len(wanted)]*entry
	for i := range entries {
		if w := wantedIndex(entries[i].tag); w >= 0 {
			found[w] = &entries[i] // a later (dribble) entry replaces an earlier one
		}
	}
	get := func(tag int32) *entry { return found[wantedIndex(tag)] }

	var p Package
	if p.Name, err = stringTag(get(tagName), "NAME"); err != nil {
		return Package{}, err
	}
	if p.Version, err = stringTag(get(tagVersion), "VERSION"); err != nil {
		return Package{}, err
	}
	if p.Name == "" || p.Version == "" {
		return Package{}, malformed("header has no NAME or no VERSION (name %q)", p.Name)
	}
	if p.Release, err = stringTag(get(tagRelease), "RELEASE"); err != nil {
		return Package{}, err
	}
	if e := get(tagEpoch); e != nil {
		v, err := intTag(e, "EPOCH")
		if err != nil {
			return Package{}, err
		}
		p.Epoch, p.HasEpoch = int(v), true
	}
	if p.Arch, err = stringTag(get(tagArch), "ARCH"); err != nil {
		return Package{}, err
	}
	if p.SourceRPM, err = noneTag(get(tagSourceRPM), "SOURCERPM"); err != nil {
		return Package{}, err
	}
	if p.License, err = noneTag(get(tagLicense), "LICENSE"); err != nil {
		return Package{}, err
	}
	if p.Vendor, err = noneTag(get(tagVendor), "VENDOR"); err != nil {
		return Package{}, err
	}
	if p.ModularityLabel, err = stringTag(get(tagModularityLabel), "MODULARITYLABEL"); err != nil {
		return Package{}, err
	}
	if e := get(tagLongSize); e != nil {
		if e.typ != typeInt64 {
			return Package{}, malformed("tag LONGSIZE has type %d, want int64", e.typ)
		}
		p.Size = int64(binary.BigEndian.Uint64(e.data) & (1<<63 - 1))
	} else if e := get(tagSize); e != nil {
		v, err := intTag(e, "SIZE")
		if err != nil {
			return Package{}, err
		}
		p.Size = int64(v)
	}
	if o.files {
		if p.Files, err = fileList(get(tagDirnames), get(tagBasenames), get(tagDirIndexes), get(tagOldFilenames), o, pathBudget); err != nil {
			return Package{}, err
		}
	}
	return p, nil
}

// parseIndex checks the preamble, the region and every index entry, and
// returns the entries other than the region tag.
func parseIndex(blob []byte) ([]entry, error) {
	if len(blob) < preambleSize {
		return nil, malformed("header blob of %d bytes is shorter than its %d-byte preamble", len(blob), preambleSize)
	}
	il := binary.BigEndian.Uint32(blob[0:])
	dl := binary.BigEndian.Uint32(blob[4:])
	if il == 0 || il > headerMaxTags {
		return nil, malformed("header index length %d out of range 1..%d", il, headerMaxTags)
	}
	if dl > headerMaxData {
		return nil, malformed("header data length %d over %d", dl, headerMaxData)
	}
	want := preambleSize + uint64(il)*entrySize + uint64(dl)
	if uint64(len(blob)) != want {
		return nil, malformed("header declares %d index entries and %d data bytes (%d bytes in all), blob has %d bytes", il, dl, want, len(blob))
	}
	index := blob[preambleSize : preambleSize+int(il)*entrySize]
	data := blob[preambleSize+int(il)*entrySize:]
	raw := func(i int) (tag int32, typ uint32, off int32, count uint32) {
		b := index[i*entrySize:]
		return int32(binary.BigEndian.Uint32(b)), binary.BigEndian.Uint32(b[4:]),
			int32(binary.BigEndian.Uint32(b[8:])), binary.BigEndian.Uint32(b[12:])
	}

	// The region: an immutable header starts with a region tag whose data
	// is a trailer entry at the end of the region's data.
	start := 0
	var rdl int64 = -1 // region data length, -1 without a region
	tag, typ, off, count := raw(0)
	if tag == tagHeaderImage || tag == tagHeaderSignatures || tag == tagHeaderImmutable {
		if typ != typeBin || count != entrySize {
			return nil, malformed("region tag %d has type %d and count %d, want %d and %d", tag, typ, count, typeBin, entrySize)
		}
		if off < 0 || int64(off)+entrySize > int64(dl) {
			return nil, malformed("region tag %d trailer at data offset %d outside the %d data bytes", tag, off, dl)
		}
		t := data[off : off+entrySize]
		ttag := int32(binary.BigEndian.Uint32(t))
		ttyp := binary.BigEndian.Uint32(t[4:])
		toff := int64(int32(binary.BigEndian.Uint32(t[8:])))
		tcount := binary.BigEndian.Uint32(t[12:])
		if tag == tagHeaderSignatures && ttag == tagHeaderImage {
			ttag = tagHeaderSignatures // old packages, as rpm fixes up
		}
		if ttag != tag || ttyp != typeBin || tcount != entrySize {
			return nil, malformed("region trailer at data offset %d has tag %d, type %d, count %d, want %d, %d, %d", off, ttag, ttyp, tcount, tag, typeBin, entrySize)
		}
		toff = -toff
		ril := toff / entrySize
		if toff%entrySize != 0 || ril < 1 || ril > int64(il) {
			return nil, malformed("region trailer offset %d gives %d region entries of %d", -toff, ril, il)
		}
		rdl = int64(off) + entrySize
		start = 1
	}

	entries := make([]entry, 0, int(il)-start)
	var end int64 // end of the previous entry's data
	for i := start; i < int(il); i++ {
		tag, typ, off, count := raw(i)
		where := func() string {
			return fmt.Sprintf("index entry %d (tag %d, type %d, offset %d, count %d)", i, tag, typ, off, count)
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s: %w", where(), malformed(format, args...))
		}
		if tag < tagI18NTable {
			return nil, bad("tag below %d", tagI18NTable)
		}
		if typ == typeNull || typ > typeMax {
			return nil, bad("unknown type")
		}
		if off < 0 || int64(off) > int64(dl) {
			return nil, bad("offset outside the %d data bytes", dl)
		}
		if uint64(off)%typeAlign[typ] != 0 {
			return nil, bad("offset not aligned to %d", typeAlign[typ])
		}
		if int64(off) < end {
			return nil, bad("data overlaps the previous entry, which ends at %d", end)
		}
		n, err := dataLength(data, typ, count, int64(off))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where(), err)
		}
		end = int64(off) + n
		if rdl >= 0 && end > rdl-entrySize && int64(off) < rdl {
			return nil, bad("data overlaps the region trailer")
		}
		entries = append(entries, entry{tag: tag, typ: typ, count: count, data: data[off:end]})
	}
	return entries, nil
}

// dataLength returns the bytes an entry's data takes from off, checking
// that it fits in data.
func dataLength(data []byte, typ, count uint32, off int64) (int64, error) {
	avail := int64(len(data)) - off
	if count == 0 {
		return 0, malformed("count 0")
	}
	switch typ {
	case typeString, typeStringArray, typeI18NString:
		if typ == typeString && count != 1 {
			return 0, malformed("string with count %d", count)
		}
		if int64(count) > avail {
			return 0, malformed("%d strings in %d bytes", count, avail)
		}
		pos := off
		for range count {
			i := bytes.IndexByte(data[pos:], 0)
			if i < 0 {
				return 0, malformed("string at data offset %d has no terminating NUL", pos)
			}
			pos += int64(i) + 1
		}
		return pos - off, nil
	default:
		n := uint64(count) * typeSize[typ]
		if n > uint64(avail) {
			return 0, malformed("%d bytes of data from offset %d, only %d left", n, off, avail)
		}
		return int64(n), nil
	}
}

// stringTag returns a string entry's value ("" when e is nil); for arrays
// and i18n strings, the first string.
func stringTag(e *entry, name string) (string, error) {
	if e == nil {
		return "", nil
	}
	switch e.typ {
	case typeString, typeI18NString, typeStringArray:
		s, _, _ := bytes.Cut(e.data, []byte{0})
		return string(s), nil
	}
	return "", malformed("tag %s has type %d, want string", name, e.typ)
}

// noneTag is stringTag with rpm's "(none)" turned into "".
func noneTag(e *entry, name string) (string, error) {
	s, err := stringTag(e, name)
	if s == "(none)" {
		s = ""
	}
	return s, err
}

// intTag returns the first value of an int32 entry, unsigned as rpm's.
func intTag(e *entry, name string) (uint32, error) {
	if e.typ != typeInt32 {
		return 0, malformed("tag %s has type %d, want int32", name, e.typ)
	}
	return binary.BigEndian.Uint32(e.data), nil
}

// stringArray splits a string-array entry into its count strings, all
// backed by one string.
func stringArray(e *entry, name string) ([]string, error) {
	if e.typ != typeStringArray {
		return nil, malformed("tag %s has type %d, want string array", name, e.typ)
	}
	all := string(e.data[:len(e.data)-1]) // the data ends with the last NUL
	out := make([]string, 0, e.count)
	for s := range strings.SplitSeq(all, "\x00") {
		out = append(out, s)
	}
	if len(out) != int(e.count) {
		return nil, malformed("tag %s has %d strings, count says %d", name, len(out), e.count)
	}
	return out, nil
}

// fileList joins dirnames, basenames and dirindexes (or takes the legacy
// old filenames) into absolute paths, within the limits.
func fileList(dirs, bases, idx, old *entry, o *options, pathBudget *int64) ([]string, error) {
	if bases == nil {
		if old == nil {
			return nil, nil
		}
		if int64(old.count) > int64(o.maxFiles) {
			return nil, fmt.Errorf("%w: %d files, the limit is %d", ErrLimit, old.count, o.maxFiles)
		}
		files, err := stringArray(old, "OLDFILENAMES")
		if err != nil {
			return nil, err
		}
		n := int64(len(old.data))
		if n > *pathBudget {
			return nil, &fatalError{fmt.Errorf("%w: file paths total more than %d bytes", ErrLimit, o.maxPathBytes)}
		}
		*pathBudget -= n
		return files, nil
	}
	if dirs == nil || idx == nil {
		return nil, malformed("BASENAMES without DIRNAMES or DIRINDEXES")
	}
	if int64(bases.count) > int64(o.maxFiles) || int64(dirs.count) > int64(o.maxFiles) {
		return nil, fmt.Errorf("%w: %d files in %d directories, the limit is %d", ErrLimit, bases.count, dirs.count, o.maxFiles)
	}
	if idx.typ != typeInt32 {
		return nil, malformed("tag DIRINDEXES has type %d, want int32", idx.typ)
	}
	if idx.count != bases.count {
		return nil, malformed("%d DIRINDEXES for %d BASENAMES", idx.count, bases.count)
	}
	dn, err := stringArray(dirs, "DIRNAMES")
	if err != nil {
		return nil, err
	}
	bn, err := stringArray(bases, "BASENAMES")
	if err != nil {
		return nil, err
	}
	var total int64
	for i := range bn {
		d := binary.BigEndian.Uint32(idx.data[4*i:])
		if uint64(d) >= uint64(len(dn)) {
			return nil, malformed("file %d (%q) has directory index %d of %d directories", i, bn[i], int32(d), len(dn))
		}
		total += int64(len(dn[d]) + len(bn[i]))
		if total > *pathBudget {
			return nil, &fatalError{fmt.Errorf("%w: file paths total more than %d bytes", ErrLimit, o.maxPathBytes)}
		}
	}
	*pathBudget -= total
	var sb strings.Builder
	sb.Grow(int(total))
	ends := make([]int, len(bn))
	for i := range bn {
		sb.WriteString(dn[binary.BigEndian.Uint32(idx.data[4*i:])])
		sb.WriteString(bn[i])
		ends[i] = sb.Len()
	}
	all := sb.String()
	files := make([]string, len(bn))
	prev := 0
	for i, e := range ends {
		files[i] = all[prev:e]
		prev = e
	}
	return files, nil
}
