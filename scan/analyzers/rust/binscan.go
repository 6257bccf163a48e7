package rust

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/portcullis-oci/portcullis/scan"
)

// SectionName is the section cargo-auditable writes.
const SectionName = ".dep-v0"

// Bounds of the executable reader.
const (
	// headBytes is how much of the start is read before the headers are
	// parsed; more is read when the headers say they are longer.
	headBytes = 64 << 10
	// maxHeaderBytes bounds PE and Mach-O headers and load commands.
	maxHeaderBytes = 4 << 20
	// maxSections bounds an ELF section header table.
	maxSections = 1 << 16
	// maxNameHits bounds the recorded positions of ".dep-v0\x00".
	maxNameHits = 1024
	// maxCandidates bounds the zlib streams kept while an ELF file streams.
	maxCandidates = 64
	// maxSectionHeader bounds the size of one ELF section header (40 or 64
	// bytes in practice).
	maxSectionHeader = 256
	// maxFatArchs bounds the slices of a universal Mach-O binary.
	maxFatArchs = 32
	// chunkBytes is how much is read at a time.
	chunkBytes = 1 << 20
	// lookahead is how many bytes a trial inflate may use: enough for a
	// dynamic Huffman block header and the first literals.
	lookahead = 2048
)

// ErrTruncated is matched by the error for an executable that ends before
// its audit data or its section table.
var ErrTruncated = errors.New("executable truncated")

type format int

const (
	formatELF format = iota + 1
	formatPE
	formatMachO
	formatFat
)

// detect tells the executable format from the first four bytes.
func detect(b []byte) (format, bool) {
	if len(b) < 4 {
		if len(b) >= 2 && b[0] == 'M' && b[1] == 'Z' {
			return formatPE, true
		}
		return 0, false
	}
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return formatELF, true
	case b[0] == 'M' && b[1] == 'Z':
		return formatPE, true
	}
	switch binary.BigEndian.Uint32(b) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
		return formatMachO, true
	case 0xcafebabe, 0xcafebabf:
		return formatFat, true
	}
	return 0, false
}

// capture collects the bytes [off, off+n) of the stream as they pass.
type capture struct {
	off, n int64
	buf    []byte
	done   func(*capture) error // called once all bytes are in
	failed bool                 // the range had passed when it was asked for
	// optional: a failed optional capture is no error (ELF's direct path,
	// which the candidates back up).
	optional bool
}

// candidate is a zlib stream found in an ELF file that inflated to JSON.
type candidate struct {
	off, clen int64
	data      []byte // decompressed
	err       error
}

// extractor finds the audit data of one executable as it streams.
type extractor struct {
	r io.Reader
	// headSize and chunkSize are headBytes and chunkBytes, smaller in
	// tests that exercise chunk boundaries.
	headSize, chunkSize int

	buf  []byte // stream bytes [base, base+len(buf))
	base int64
	eof  bool

	captures []*capture
	fatal    error // a problem that ends the search

	// Direct result: the compressed section content.
	section    []byte
	sectionOff int64

	// ELF state.
	elf        *elfFile
	candPos    int64 // next offset to try as a zlib start
	nameHits   map[int64]bool
	tooManyNm  bool
	cands      []candidate
	tooMany    bool
	zr         io.ReadCloser
	br         bytes.Reader
	shstrtab   []byte // exact section names, when captured
	elfSecs    []elfSection
	elfSHTDone bool

	// how says how the data was found ("section" or "candidate"), for tests.
	how string
}

// ReadAuditData reads an executable (ELF, PE, Mach-O, universal Mach-O)
// from r and returns its decompressed cargo-auditable data, or nil when
// it has none. Files of other formats give nil and no error; r is then
// read no further than its first bytes.
func ReadAuditData(r io.Reader) ([]byte, error) {
	e := &extractor{r: r}
	return e.run()
}

func (e *extractor) run() ([]byte, error) {
	if e.headSize == 0 {
		e.headSize, e.chunkSize = headBytes, chunkBytes
	}
	if err := e.ensure(4); err != nil {
		return nil, err
	}
	f, ok := detect(e.buf)
	if !ok {
		return nil, nil
	}
	if err := e.ensure(e.headSize); err != nil {
		return nil, err
	}
	var err error
	switch f {
	case formatELF:
		err = e.startELF()
	case formatPE:
		err = e.startPE()
	case formatMachO:
		err = e.startMachO(0, e.buf)
	case formatFat:
		err = e.startFat()
	}
	if err != nil {
		return nil, err
	}
	if e.elf == nil && len(e.captures) == 0 {
		return nil, nil // no .dep-v0 section
	}
	if err := e.processCaptures(); err != nil {
		return nil, err
	}
	for {
		if e.fatal != nil {
			return nil, e.fatal
		}
		if e.elf != nil {
			if err := e.scanCandidates(); err != nil {
				return nil, err
			}
		}
		if e.section != nil || (e.elf == nil && !e.pending()) {
			break
		}
		if e.eof {
			break
		}
		e.discard()
		if err := e.more(e.chunkSize); err != nil {
			return nil, err
		}
	}
	if e.fatal != nil {
		return nil, e.fatal
	}
	if e.section != nil {
		e.how = "section"
		return Decompress(e.section)
	}
	if e.elf != nil {
		return e.resolveELF()
	}
	for _, c := range e.captures {
		if !c.optional && len(c.buf) < int(c.n) {
			return nil, fmt.Errorf("rust: %w: the stream ends at byte %d, before byte %d", ErrTruncated, e.end(), c.off+c.n)
		}
	}
	return nil, nil
}

func (e *extractor) end() int64 { return e.base + int64(len(e.buf)) }

// pending reports whether a capture still waits for bytes.
func (e *extractor) pending() bool {
	for _, c := range e.captures {
		if !c.failed && int64(len(c.buf)) < c.n {
			return true
		}
	}
	return false
}

// ensure reads until the buffer holds n bytes from the start of the file
// or the stream ends; it is used before anything is discarded.
func (e *extractor) ensure(n int) error {
	for len(e.buf) < n && !e.eof {
		if err := e.more(n - len(e.buf)); err != nil {
			return err
		}
	}
	return nil
}

// more reads up to n more bytes and hands them to the captures and the
// name search.
func (e *extractor) more(n int) error {
	if e.eof {
		return nil
	}
	old := len(e.buf)
	if cap(e.buf)-old < n {
		nb := make([]byte, old, old+max(n, old/2))
		copy(nb, e.buf)
		e.buf = nb
	}
	got, err := io.ReadFull(e.r, e.buf[old:old+n])
	e.buf = e.buf[:old+got]
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("rust: reading: %w", err)
		}
		e.eof = true
	}
	if e.elf != nil {
		e.findNames(old)
	}
	return e.processCaptures()
}

// discard drops the bytes no longer needed: those before the next
// candidate position, keeping enough for a name split across chunks.
func (e *extractor) discard() {
	keep := e.end() - int64(len(SectionName))
	if e.elf != nil {
		keep = min(keep, e.candPos)
	}
	n := int(keep - e.base)
	if n <= 0 {
		return
	}
	rest := copy(e.buf, e.buf[n:])
	e.buf = e.buf[:rest]
	e.base += int64(n)
}

// addCapture asks for the bytes [off, off+n).
func (e *extractor) addCapture(c *capture) {
	e.captures = append(e.captures, c)
}

// processCaptures copies the buffered bytes into the captures that want
// them and completes those that are full; completions may add captures.
func (e *extractor) processCaptures() error {
	for changed := true; changed; {
		changed = false
		for _, c := range e.captures {
			if c.failed || int64(len(c.buf)) >= c.n {
				continue
			}
			next := c.off + int64(len(c.buf)) // the next byte the capture wants
			if next < e.base {
				c.failed = true
				if !c.optional {
					return fmt.Errorf("rust: section data at byte %d lies before the headers that describe it", c.off)
				}
				continue
			}
			if next >= e.end() {
				if e.eof {
					c.failed = true
				}
				continue
			}
			take := min(c.n-int64(len(c.buf)), e.end()-next)
			c.buf = append(c.buf, e.buf[next-e.base:next-e.base+take]...)
			if int64(len(c.buf)) == c.n && c.done != nil {
				if err := c.done(c); err != nil {
					return err
				}
				changed = true
			}
		}
	}
	return nil
}

// wantSection captures a section's compressed content.
func (e *extractor) wantSection(off, size int64, optional bool) error {
	if size <= 0 {
		return fmt.Errorf("rust: %w: empty %s section", ErrAuditData, SectionName)
	}
	if size > MaxAuditDataBytes {
		return fmt.Errorf("rust: %s section of %d bytes: %w of %d bytes", SectionName, size, scan.ErrTooLarge, MaxAuditDataBytes)
	}
	e.addCapture(&capture{off: off, n: size, optional: optional, buf: make([]byte, 0, size), done: func(c *capture) error {
		if e.section == nil {
			e.section, e.sectionOff = c.buf, c.off
		}
		return nil
	}})
	return nil
}

// ---- PE ----

func (e *extractor) startPE() error {
	h := e.buf
	if len(h) < 0x40 {
		return nil // too short to be a PE image: a DOS stub at most
	}
	peOff := int64(binary.LittleEndian.Uint32(h[0x3c:]))
	if peOff+24 > maxHeaderBytes {
		return nil
	}
	if err := e.ensure(int(peOff) + 24); err != nil {
		return err
	}
	h = e.buf
	if int64(len(h)) < peOff+24 || !bytes.Equal(h[peOff:peOff+4], []byte("PE\x00\x00")) {
		return nil // an MS-DOS program, or not a PE image at all
	}
	coff := h[peOff+4:]
	nsec := int64(binary.LittleEndian.Uint16(coff[2:]))
	optSize := int64(binary.LittleEndian.Uint16(coff[16:]))
	secOff := peOff + 24 + optSize
	end := secOff + nsec*40
	if end > maxHeaderBytes {
		return fmt.Errorf("rust: PE section table ends at byte %d: %w of %d bytes", end, scan.ErrTooLarge, maxHeaderBytes)
	}
	if err := e.ensure(int(end)); err != nil {
		return err
	}
	h = e.buf
	if int64(len(h)) < end {
		return fmt.Errorf("rust: %w: the PE section table ends at byte %d, the file at %d", ErrTruncated, end, len(h))
	}
	for i := int64(0); i < nsec; i++ {
		s := h[secOff+i*40 : secOff+i*40+40]
		if string(bytes.TrimRight(s[:8], "\x00")) != SectionName {
			continue
		}
		vsize := int64(binary.LittleEndian.Uint32(s[8:]))
		rawSize := int64(binary.LittleEndian.Uint32(s[16:]))
		rawOff := int64(binary.LittleEndian.Uint32(s[20:]))
		size := rawSize
		if vsize > 0 && vsize < rawSize {
			size = vsize // the raw size is rounded up to the file alignment
		}
		return e.wantSection(rawOff, size, false)
	}
	return nil
}

// ---- Mach-O ----

// startMachO reads the load commands of the Mach-O image at off, whose
// first bytes are h, and asks for its __DATA,.dep-v0 section.
func (e *extractor) startMachO(off int64, h []byte) error {
	if len(h) < 28 {
		return nil
	}
	var bo binary.ByteOrder
	var is64 bool
	switch binary.BigEndian.Uint32(h) {
	case 0xfeedface:
		bo = binary.BigEndian
	case 0xfeedfacf:
		bo, is64 = binary.BigEndian, true
	case 0xcefaedfe:
		bo = binary.LittleEndian
	case 0xcffaedfe:
		bo, is64 = binary.LittleEndian, true
	default:
		return nil
	}
	hdr := int64(28)
	if is64 {
		hdr = 32
	}
	ncmds := int64(bo.Uint32(h[16:]))
	size := hdr + int64(bo.Uint32(h[20:]))
	if size > maxHeaderBytes {
		return fmt.Errorf("rust: Mach-O load commands of %d bytes: %w of %d bytes", size, scan.ErrTooLarge, maxHeaderBytes)
	}
	if int64(len(h)) < size {
		// Read on; the load commands come straight after the header.
		e.addCapture(&capture{off: off, n: size, done: func(c *capture) error { return e.machOCommands(off, c.buf, bo, is64, ncmds, hdr) }})
		return nil
	}
	return e.machOCommands(off, h[:size], bo, is64, ncmds, hdr)
}

func (e *extractor) machOCommands(off int64, h []byte, bo binary.ByteOrder, is64 bool, ncmds, p int64) error {
	for i := int64(0); i < ncmds && p+8 <= int64(len(h)); i++ {
		cmd, size := bo.Uint32(h[p:]), int64(bo.Uint32(h[p+4:]))
		if size < 8 || p+size > int64(len(h)) {
			return fmt.Errorf("rust: %w: Mach-O load command %d has size %d", ErrAuditData, i, size)
		}
		lc := h[p : p+size]
		p += size
		var segHdr, secSize int64
		switch {
		case cmd == 0x19 && is64: // LC_SEGMENT_64
			segHdr, secSize = 72, 80
		case cmd == 0x1 && !is64: // LC_SEGMENT
			segHdr, secSize = 56, 68
		default:
			continue
		}
		if int64(len(lc)) < segHdr {
			continue
		}
		nsects := int64(bo.Uint32(lc[segHdr-8:]))
		for j := int64(0); j < nsects && segHdr+(j+1)*secSize <= int64(len(lc)); j++ {
			s := lc[segHdr+j*secSize:]
			if string(bytes.TrimRight(s[:16], "\x00")) != SectionName {
				continue
			}
			var size, offset int64
			if is64 {
				size, offset = int64(bo.Uint64(s[40:])), int64(bo.Uint32(s[48:]))
			} else {
				size, offset = int64(bo.Uint32(s[36:])), int64(bo.Uint32(s[40:]))
			}
			if size < 0 {
				return fmt.Errorf("rust: %w: section size %d", ErrAuditData, size)
			}
			return e.wantSection(off+offset, size, false)
		}
	}
	return nil
}

// startFat reads a universal binary's slice list and asks for each
// slice's header.
func (e *extractor) startFat() error {
	h := e.buf
	if len(h) < 8 {
		return nil
	}
	is64 := binary.BigEndian.Uint32(h) == 0xcafebabf
	n := int64(binary.BigEndian.Uint32(h[4:]))
	if n == 0 || n > maxFatArchs {
		return nil // a Java class file shares the magic; its "count" is its version
	}
	entry := int64(20)
	if is64 {
		entry = 32
	}
	if err := e.ensure(int(8 + n*entry)); err != nil {
		return err
	}
	h = e.buf
	if int64(len(h)) < 8+n*entry {
		return fmt.Errorf("rust: %w: universal binary header", ErrTruncated)
	}
	var offs []int64
	for i := int64(0); i < n; i++ {
		a := h[8+i*entry:]
		var off int64
		if is64 {
			off = int64(binary.BigEndian.Uint64(a[8:]))
		} else {
			off = int64(binary.BigEndian.Uint32(a[8:]))
		}
		if off < 0 {
			continue
		}
		offs = append(offs, off)
	}
	slices.Sort(offs)
	for _, off := range slices.Compact(offs) {
		e.addCapture(&capture{off: off, n: 32, optional: true, done: func(c *capture) error {
			return e.startMachO(c.off, c.buf)
		}})
	}
	return nil
}

// ---- ELF ----

type elfFile struct {
	bo        binary.ByteOrder
	is64      bool
	shoff     int64
	shentsize int64
	shnum     int64
	shstrndx  int64
}

type elfSection struct {
	name      int64 // offset in .shstrtab
	typ       uint32
	off, size int64
}

func (e *extractor) startELF() error {
	h := e.buf
	if len(h) < 52 {
		return nil
	}
	f := &elfFile{}
	switch h[5] {
	case 1:
		f.bo = binary.LittleEndian
	case 2:
		f.bo = binary.BigEndian
	default:
		return nil
	}
	switch h[4] {
	case 1:
		f.shoff = int64(f.bo.Uint32(h[32:]))
		f.shentsize = int64(f.bo.Uint16(h[46:]))
		f.shnum = int64(f.bo.Uint16(h[48:]))
		f.shstrndx = int64(f.bo.Uint16(h[50:]))
		if f.shentsize < 40 {
			return nil
		}
	case 2:
		if len(h) < 64 {
			return nil
		}
		f.is64 = true
		f.shoff = int64(f.bo.Uint64(h[40:]))
		f.shentsize = int64(f.bo.Uint16(h[58:]))
		f.shnum = int64(f.bo.Uint16(h[60:]))
		f.shstrndx = int64(f.bo.Uint16(h[62:]))
		if f.shentsize < 64 {
			return nil
		}
	default:
		return nil
	}
	if f.shoff <= 0 || f.shentsize > maxSectionHeader {
		return nil // no usable section table: nothing can name a .dep-v0
	}
	e.elf = f
	e.nameHits = make(map[int64]bool)
	e.findNames(0)
	n := f.shnum
	if n == 0 {
		n = 1 // extended numbering: the count is in section 0
	}
	e.addCapture(&capture{off: f.shoff, n: n * f.shentsize, optional: true, done: e.elfTable})
	return nil
}

// elfTable reads the section header table once the stream reaches it.
func (e *extractor) elfTable(c *capture) error {
	f := e.elf
	if f.shnum == 0 {
		s0 := e.elfSection(c.buf)
		if s0.size <= 0 || s0.size > maxSections {
			return nil
		}
		f.shnum = s0.size
		if f.shstrndx == 0xffff { // SHN_XINDEX: the index is section 0's sh_link
			if f.is64 {
				f.shstrndx = int64(f.bo.Uint32(c.buf[40:]))
			} else {
				f.shstrndx = int64(f.bo.Uint32(c.buf[24:]))
			}
		}
		e.addCapture(&capture{off: f.shoff, n: f.shnum * f.shentsize, optional: true, done: e.elfTable})
		return nil
	}
	secs := make([]elfSection, 0, f.shnum)
	for i := int64(0); i < f.shnum; i++ {
		secs = append(secs, e.elfSection(c.buf[i*f.shentsize:]))
	}
	e.elfSecs = secs
	e.elfSHTDone = true
	if f.shstrndx <= 0 || f.shstrndx >= int64(len(secs)) {
		return nil
	}
	str := secs[f.shstrndx]
	if str.size > 0 && str.size <= maxHeaderBytes && str.off >= e.base {
		// The names are still ahead: read them exactly.
		e.addCapture(&capture{off: str.off, n: str.size, optional: true, done: func(c *capture) error {
			e.shstrtab = c.buf
			if s, ok := e.findDepSection(); ok && s.off >= e.base {
				return e.wantSection(s.off, s.size, true)
			}
			return nil
		}})
	}
	return nil
}

func (e *extractor) elfSection(b []byte) elfSection {
	bo := e.elf.bo
	if e.elf.is64 {
		return elfSection{name: int64(bo.Uint32(b)), typ: bo.Uint32(b[4:]), off: int64(bo.Uint64(b[24:])), size: int64(bo.Uint64(b[32:]))}
	}
	return elfSection{name: int64(bo.Uint32(b)), typ: bo.Uint32(b[4:]), off: int64(bo.Uint32(b[16:])), size: int64(bo.Uint32(b[20:]))}
}

// findDepSection finds the .dep-v0 section by name: from the captured
// .shstrtab when there is one, otherwise from the recorded positions of
// the name in the stream.
func (e *extractor) findDepSection() (elfSection, bool) {
	f := e.elf
	if f == nil || !e.elfSHTDone || f.shstrndx <= 0 || f.shstrndx >= int64(len(e.elfSecs)) {
		return elfSection{}, false
	}
	str := e.elfSecs[f.shstrndx]
	for _, s := range e.elfSecs {
		if s.name < 0 || s.name >= str.size || s.typ == 8 { // SHT_NOBITS has no content
			continue
		}
		var ok bool
		if e.shstrtab != nil {
			ok = bytes.HasPrefix(e.shstrtab[s.name:], []byte(SectionName+"\x00"))
		} else {
			ok = e.nameHits[str.off+s.name]
		}
		if ok {
			return s, true
		}
	}
	return elfSection{}, false
}

// findNames records the positions of ".dep-v0\x00" in the bytes from
// buffer index from on (looking back for a name split across reads).
func (e *extractor) findNames(from int) {
	pat := []byte(SectionName + "\x00")
	i := max(0, from-len(pat)+1)
	for {
		j := bytes.Index(e.buf[i:], pat)
		if j < 0 {
			return
		}
		pos := e.base + int64(i+j)
		if len(e.nameHits) >= maxNameHits {
			e.tooManyNm = true
			return
		}
		e.nameHits[pos] = true
		i += j + 1
	}
}

// scanCandidates tries each zlib header in the buffered bytes as the start
// of audit data.
func (e *extractor) scanCandidates() error {
	for {
		if e.candPos < e.base {
			e.candPos = e.base
		}
		limit := e.end()
		if !e.eof {
			limit -= lookahead
		}
		if e.candPos >= limit {
			return nil
		}
		rel := int(e.candPos - e.base)
		i := bytes.IndexByte(e.buf[rel:int(limit-e.base)], 0x78)
		if i < 0 {
			e.candPos = limit
			return nil
		}
		p := e.candPos + int64(i)
		e.candPos = p + 1
		if e.tooMany {
			continue
		}
		if !e.looksLikeJSONStream(p) {
			continue
		}
		c, err := e.decodeCandidate(p)
		if err != nil {
			return err
		}
		if c == nil {
			continue
		}
		if len(e.cands) >= maxCandidates {
			e.tooMany = true
			continue
		}
		e.cands = append(e.cands, *c)
		e.candPos = p + max(c.clen, 1)
	}
}

// looksLikeJSONStream reports whether a zlib stream starts at p and
// inflates to `{"`.
func (e *extractor) looksLikeJSONStream(p int64) bool {
	b := e.buf[p-e.base:]
	if len(b) < 3 {
		return false
	}
	cmf, flg := b[0], b[1]
	if (uint16(cmf)<<8|uint16(flg))%31 != 0 || flg&0x20 != 0 {
		return false
	}
	if (b[2]>>1)&3 == 3 { // reserved block type
		return false
	}
	b = b[:min(len(b), lookahead)]
	e.br.Reset(b)
	if !e.resetZlib(&e.br) {
		return false
	}
	var head [2]byte
	n, _ := io.ReadFull(e.zr, head[:])
	return n == 2 && head[0] == '{' && head[1] == '"'
}

func (e *extractor) resetZlib(r io.Reader) bool {
	if e.zr == nil {
		zr, err := zlib.NewReader(r)
		if err != nil {
			return false
		}
		e.zr = zr
		return true
	}
	return e.zr.(zlib.Resetter).Reset(r, nil) == nil
}

// decodeCandidate inflates the zlib stream at p whole, reading more of the
// file as it needs, up to the limit.
func (e *extractor) decodeCandidate(p int64) (*candidate, error) {
	for {
		avail := e.buf[p-e.base:]
		e.br.Reset(avail)
		if !e.resetZlib(&e.br) {
			return nil, nil
		}
		var out bytes.Buffer
		_, err := io.Copy(&out, io.LimitReader(e.zr, MaxAuditDataBytes+1))
		switch {
		case err == nil && out.Len() > MaxAuditDataBytes:
			return &candidate{off: p, clen: int64(len(avail) - e.br.Len()), err: fmt.Errorf("rust: audit data: decompressed: %w of %d bytes", scan.ErrTooLarge, MaxAuditDataBytes)}, nil
		case err == nil:
			return &candidate{off: p, clen: int64(len(avail) - e.br.Len()), data: out.Bytes()}, nil
		case errors.Is(err, io.ErrUnexpectedEOF) && !e.eof && len(avail) < MaxAuditDataBytes:
			// The stream goes on past the buffer: read more, keeping p.
			want := min(max(len(avail), e.chunkSize), MaxAuditDataBytes+lookahead-len(avail))
			if err := e.more(want); err != nil {
				return nil, err
			}
		default:
			return nil, nil // not a zlib stream after all
		}
	}
}

// resolveELF decides, once the stream has ended, whether the file has a
// .dep-v0 section and which capture holds it.
func (e *extractor) resolveELF() ([]byte, error) {
	if !e.elfSHTDone {
		if len(e.nameHits) > 0 {
			return nil, fmt.Errorf("rust: %w: a %s name is present, but the section header table at byte %d is not (the file ends at byte %d)", ErrTruncated, SectionName, e.elf.shoff, e.end())
		}
		return nil, nil
	}
	s, ok := e.findDepSection()
	if !ok {
		if e.tooManyNm {
			return nil, fmt.Errorf("rust: more than %d strings %q: %w", maxNameHits, SectionName, scan.ErrTooLarge)
		}
		return nil, nil
	}
	if s.size > MaxAuditDataBytes {
		return nil, fmt.Errorf("rust: %s section of %d bytes: %w of %d bytes", SectionName, s.size, scan.ErrTooLarge, MaxAuditDataBytes)
	}
	for _, c := range e.cands {
		if c.off == s.off && c.clen <= s.size {
			e.how = "candidate"
			if c.err != nil {
				return nil, c.err
			}
			return c.data, nil
		}
	}
	if s.off+s.size > e.end() {
		return nil, fmt.Errorf("rust: %w: the %s section ends at byte %d, the file at %d", ErrTruncated, SectionName, s.off+s.size, e.end())
	}
	if e.tooMany {
		return nil, fmt.Errorf("rust: %s section at byte %d not read: more than %d compressed streams before it: %w", SectionName, s.off, maxCandidates, scan.ErrTooLarge)
	}
	return nil, fmt.Errorf("rust: %w: the %s section at byte %d (%d bytes) is not zlib-compressed JSON", ErrAuditData, SectionName, s.off, s.size)
}
