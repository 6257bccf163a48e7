package rust

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// Test fixtures: executables in the three formats, laid out as linkers
// lay them out, built byte by byte. The tests check each one with the
// standard library's debug/elf, debug/pe and debug/macho before using it.

// auditJSON is cargo-auditable's JSON for packages.
func auditJSON(pkgs ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"packages": pkgs})
	if err != nil {
		panic(err)
	}
	return b
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, 7)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// sampleAudit is the audit data of a small application: its root crate, a
// workspace crate, crates.io, git and registry crates, a build dependency.
var sampleAudit = auditJSON(
	map[string]any{"name": "cfg-if", "version": "1.0.0", "source": "crates.io"},
	map[string]any{"name": "cc", "version": "1.0.83", "source": "crates.io", "kind": "build"},
	map[string]any{"name": "hello-auditable", "version": "0.1.0", "source": "local", "dependencies": []int{0, 1, 3, 4, 5}, "root": true},
	map[string]any{"name": "hello-util", "version": "0.1.0", "source": "local"},
	map[string]any{"name": "log", "version": "0.4.20", "source": "git"},
	map[string]any{"name": "serde", "version": "1.0.193", "source": "registry", "kind": "runtime"},
)

// sampleWant are the packages reported for sampleAudit, root first.
var sampleWant = []string{
	"pkg:cargo/hello-auditable@0.1.0",
	"pkg:cargo/cfg-if@1.0.0",
	"pkg:cargo/log@0.4.20",
	"pkg:cargo/serde@1.0.193",
}

// elfSpec describes an ELF file to build.
type elfSpec struct {
	is32, bigEndian bool
	// textSize is the size of .text, filled with code-like noise holding
	// stray zlib headers.
	textSize int
	// rodata is extra .rodata content (decoys).
	rodata []byte
	// dep is the content of .dep-v0; nil leaves the section out.
	dep []byte
	// shtFirst puts the section header table right after the file header.
	shtFirst bool
	// depAt places .dep-v0 at this file offset when not zero.
	depAt int
	seed  uint64
}

type sec struct {
	name     string
	typ      uint32
	data     []byte
	off      int
	nameOff  int
	forceOff int
}

func buildELF(s elfSpec) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	if s.bigEndian {
		bo = binary.BigEndian
	}
	ehsize, shentsize := 64, 64
	if s.is32 {
		ehsize, shentsize = 52, 40
	}
	rng := rand.New(rand.NewPCG(s.seed, 7))
	text := make([]byte, s.textSize)
	for i := range text {
		text[i] = byte(rng.IntN(256))
	}
	// Stray zlib headers, one of them followed by a valid stream that does
	// not hold JSON.
	for i := 0; i+2 < len(text); i += 997 {
		text[i], text[i+1] = 0x78, 0x9c
	}
	if len(text) > 5000 {
		copy(text[4000:], zlibBytes([]byte("not json, just text")))
	}
	// The order real binaries have: read-only data, the audit data, code,
	// then what the stream reaches last.
	secs := []*sec{
		{name: ""},
		{name: ".rodata", typ: 1, data: append([]byte("rodata strings\x00.dep-v0\x00 is a decoy name\x00"), s.rodata...)},
	}
	if s.dep != nil {
		secs = append(secs, &sec{name: SectionName, typ: 1, data: s.dep, forceOff: s.depAt})
	}
	secs = append(secs, &sec{name: ".text", typ: 1, data: text})
	secs = append(secs, &sec{name: ".comment", typ: 1, data: []byte("GCC: (GNU) 13.2.0\x00rustc version 1.75.0\x00")})
	// .shstrtab, with names in an order unlike the sections'.
	var strtab bytes.Buffer
	strtab.WriteByte(0)
	shstr := &sec{name: ".shstrtab", typ: 3}
	secs = append(secs, shstr)
	for i := len(secs) - 1; i >= 1; i-- {
		secs[i].nameOff = strtab.Len()
		strtab.WriteString(secs[i].name)
		strtab.WriteByte(0)
	}
	shstr.data = strtab.Bytes()

	out := make([]byte, ehsize)
	shoff := 0
	if s.shtFirst {
		shoff = len(out)
		out = append(out, make([]byte, shentsize*len(secs))...)
	}
	for _, x := range secs[1:] {
		if x.forceOff > 0 {
			if x.forceOff < len(out) {
				panic("depAt too small")
			}
			out = append(out, make([]byte, x.forceOff-len(out))...)
		}
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		x.off = len(out)
		out = append(out, x.data...)
	}
	if !s.shtFirst {
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		shoff = len(out)
		out = append(out, make([]byte, shentsize*len(secs))...)
	}
	for i, x := range secs {
		h := out[shoff+i*shentsize:]
		if i == 0 {
			continue
		}
		bo.PutUint32(h[0:], uint32(x.nameOff))
		bo.PutUint32(h[4:], x.typ)
		if s.is32 {
			bo.PutUint32(h[16:], uint32(x.off))
			bo.PutUint32(h[20:], uint32(len(x.data)))
			bo.PutUint32(h[32:], 1)
		} else {
			bo.PutUint64(h[24:], uint64(x.off))
			bo.PutUint64(h[32:], uint64(len(x.data)))
			bo.PutUint64(h[48:], 1)
		}
	}
	copy(out, "\x7fELF")
	out[4] = 2
	if s.is32 {
		out[4] = 1
	}
	out[5] = 1
	if s.bigEndian {
		out[5] = 2
	}
	out[6] = 1
	bo.PutUint16(out[16:], 2) // ET_EXEC
	if s.is32 {
		bo.PutUint16(out[18:], 3) // EM_386
		bo.PutUint32(out[20:], 1)
		bo.PutUint32(out[32:], uint32(shoff))
		bo.PutUint16(out[40:], uint16(ehsize))
		bo.PutUint16(out[46:], uint16(shentsize))
		bo.PutUint16(out[48:], uint16(len(secs)))
		bo.PutUint16(out[50:], uint16(len(secs)-1))
	} else {
		bo.PutUint16(out[18:], 62) // EM_X86_64
		bo.PutUint32(out[20:], 1)
		bo.PutUint64(out[40:], uint64(shoff))
		bo.PutUint16(out[52:], uint16(ehsize))
		bo.PutUint16(out[58:], uint16(shentsize))
		bo.PutUint16(out[60:], uint16(len(secs)))
		bo.PutUint16(out[62:], uint16(len(secs)-1))
	}
	return out
}

// buildMachO builds a 64-bit little-endian Mach-O executable with a
// __TEXT,__text section and, unless dep is nil, __DATA,.dep-v0.
func buildMachO(dep []byte) []byte {
	bo := binary.LittleEndian
	type msec struct {
		seg, name string
		data      []byte
	}
	secs := []msec{{"__TEXT", "__text", bytes.Repeat([]byte{0x78, 0xda, 0x90}, 3000)}}
	if dep != nil {
		secs = append(secs, msec{"__DATA", SectionName, dep})
	}
	ncmds := len(secs) // one segment per section
	sizeofcmds := ncmds * (72 + 80)
	out := make([]byte, 32+sizeofcmds)
	bo.PutUint32(out[0:], 0xfeedfacf)
	bo.PutUint32(out[4:], 0x01000007)
	bo.PutUint32(out[8:], 3)
	bo.PutUint32(out[12:], 2)
	bo.PutUint32(out[16:], uint32(ncmds))
	bo.PutUint32(out[20:], uint32(sizeofcmds))
	data := len(out)
	for data%4096 != 0 {
		data++
	}
	offs := make([]int, len(secs))
	for i, s := range secs {
		offs[i] = data
		data += len(s.data)
		for data%16 != 0 {
			data++
		}
	}
	p := 32
	for i, s := range secs {
		lc := out[p:]
		bo.PutUint32(lc[0:], 0x19)
		bo.PutUint32(lc[4:], 72+80)
		copy(lc[8:24], s.seg)
		bo.PutUint64(lc[24:], uint64(0x100000000+offs[i]))
		bo.PutUint64(lc[32:], uint64(len(s.data)))
		bo.PutUint64(lc[40:], uint64(offs[i]))
		bo.PutUint64(lc[48:], uint64(len(s.data)))
		bo.PutUint32(lc[56:], 3)
		bo.PutUint32(lc[60:], 3)
		bo.PutUint32(lc[64:], 1)
		sc := lc[72:]
		copy(sc[0:16], s.name)
		copy(sc[16:32], s.seg)
		bo.PutUint64(sc[32:], uint64(0x100000000+offs[i]))
		bo.PutUint64(sc[40:], uint64(len(s.data)))
		bo.PutUint32(sc[48:], uint32(offs[i]))
		p += 72 + 80
	}
	full := make([]byte, data)
	copy(full, out)
	for i, s := range secs {
		copy(full[offs[i]:], s.data)
	}
	return full
}

// buildFat wraps Mach-O slices in a universal binary.
func buildFat(slices ...[]byte) []byte {
	bo := binary.BigEndian
	hdr := make([]byte, 8+20*len(slices))
	bo.PutUint32(hdr[0:], 0xcafebabe)
	bo.PutUint32(hdr[4:], uint32(len(slices)))
	out := hdr
	for i, s := range slices {
		for len(out)%4096 != 0 {
			out = append(out, 0)
		}
		a := hdr[8+20*i:]
		bo.PutUint32(a[0:], uint32(0x01000007+i*5)) // x86_64, then arm64
		bo.PutUint32(a[4:], 3)
		bo.PutUint32(a[8:], uint32(len(out)))
		bo.PutUint32(a[12:], uint32(len(s)))
		bo.PutUint32(a[16:], 12)
		out = append(out, s...)
	}
	copy(out, hdr)
	return out
}

// buildPE builds a PE32+ image with .text and, unless dep is nil,
// .dep-v0, raw data aligned to 512 bytes.
func buildPE(dep []byte) []byte {
	bo := binary.LittleEndian
	type psec struct {
		name string
		data []byte
	}
	secs := []psec{{".text", bytes.Repeat([]byte{0xcc, 0x78, 0x01}, 700)}}
	if dep != nil {
		secs = append(secs, psec{SectionName, dep})
	}
	const peOff, optSize = 0x80, 240
	hdrEnd := peOff + 24 + optSize + 40*len(secs)
	out := make([]byte, hdrEnd)
	copy(out, "MZ")
	copy(out[0x40:], "This program cannot be run in DOS mode.")
	bo.PutUint32(out[0x3c:], peOff)
	copy(out[peOff:], "PE\x00\x00")
	coff := out[peOff+4:]
	bo.PutUint16(coff[0:], 0x8664)
	bo.PutUint16(coff[2:], uint16(len(secs)))
	bo.PutUint16(coff[16:], optSize)
	bo.PutUint16(coff[18:], 0x22)
	opt := out[peOff+24:]
	bo.PutUint16(opt[0:], 0x20b)
	bo.PutUint32(opt[32:], 0x1000) // SectionAlignment
	bo.PutUint32(opt[36:], 0x200)  // FileAlignment
	bo.PutUint32(opt[108:], 16)    // NumberOfRvaAndSizes
	raw := (hdrEnd + 0x1ff) &^ 0x1ff
	for i, s := range secs {
		h := out[peOff+24+optSize+40*i:]
		copy(h[0:8], s.name)
		rawSize := (len(s.data) + 0x1ff) &^ 0x1ff
		bo.PutUint32(h[8:], uint32(len(s.data)))
		bo.PutUint32(h[12:], uint32(0x1000*(i+1)))
		bo.PutUint32(h[16:], uint32(rawSize))
		bo.PutUint32(h[20:], uint32(raw))
		bo.PutUint32(h[36:], 0x40000040)
		raw += rawSize
	}
	full := make([]byte, raw)
	copy(full, out)
	raw = (hdrEnd + 0x1ff) &^ 0x1ff
	for _, s := range secs {
		copy(full[raw:], s.data)
		raw += (len(s.data) + 0x1ff) &^ 0x1ff
	}
	return full
}

// bigAudit is audit data of n packages with varied names, so that it
// compresses to more than the trial inflate's lookahead.
func bigAudit(n int) []byte {
	pkgs := make([]map[string]any, n)
	for i := range pkgs {
		pkgs[i] = map[string]any{"name": fmt.Sprintf("crate-%x-%d", i*2654435761, i), "version": fmt.Sprintf("%d.%d.%d", i%7, i%13, i), "source": "crates.io"}
	}
	pkgs[0]["root"] = true
	return auditJSON(pkgs...)
}
