// Package gobinary is the analyzer for Go executables: from the build
// information the Go toolchain embeds in every binary it links, it reports
// the main module, every dependency module (with its replacement, when one
// was used), and the standard library at the toolchain version the binary
// was built with.
//
// The build information is found while the file streams by, without
// holding or spooling the binary: since Go 1.18 it sits inline after the
// "\xff Go buildinf:" header at the start of the .go.buildinfo section.
// Binaries built by older toolchains (before 2022) store pointers instead,
// which cannot be followed in a stream; they are recorded as not analysed
// ([ErrOldToolchain]).
package gobinary

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name.
const Name = "gobinary"

// MaxModInfoBytes bounds the embedded module list read from a binary.
const MaxModInfoBytes = 1 << 20

// Analyzer reports the Go modules compiled into executables. It is safe for
// concurrent use.
type Analyzer struct {
	// buffers holds the search windows, reused from one executable to
	// the next: an image has hundreds and each needs about a megabyte.
	buffers sync.Pool
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a Go binary analyzer.
func New() *Analyzer {
	a := &Analyzer{}
	a.buffers.New = func() any { b := make([]byte, 0, window); return &b }
	return a
}

// Name returns "gobinary".
func (*Analyzer) Name() string { return Name }

// Version is part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match selects regular files that are executable by someone, and shared
// libraries and Windows executables whatever their mode.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	if mode.Perm()&0o111 != 0 {
		return true
	}
	return strings.HasSuffix(path, ".exe") || strings.HasSuffix(path, ".so")
}

// Analyze reads the build information of each executable.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bi, err := a.read(f)
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
			continue
		}
		if bi != nil {
			pkgs = append(pkgs, Packages(f.Path, bi)...)
		}
	}
	return pkgs, errors.Join(errs...)
}

// magic starts the build information header.
var magic = []byte("\xff Go buildinf:")

// Executable formats Go links.
var formats = [][]byte{
	[]byte("\x7fELF"),
	[]byte("MZ"),               // PE
	{0xfe, 0xed, 0xfa, 0xce},   // Mach-O 32
	{0xfe, 0xed, 0xfa, 0xcf},   // Mach-O 64
	{0xce, 0xfa, 0xed, 0xfe},   // Mach-O 32, little endian
	{0xcf, 0xfa, 0xed, 0xfe},   // Mach-O 64, little endian
	[]byte("\x00asm"),          // WebAssembly
	{0x01, 0xdf}, {0x01, 0xf7}, // XCOFF
}

const (
	headerSize = 32
	window     = 1 << 20
	bufSize    = window + headerSize + 2*binary.MaxVarintLen64 + 256 + MaxModInfoBytes
)

// read returns the build information of f, or nil when f is not a Go
// binary.
func (a *Analyzer) read(f *scan.File) (*debug.BuildInfo, error) {
	var head [4]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil {
		return nil, nil // shorter than any executable
	}
	isExe := false
	for _, m := range formats {
		if bytes.HasPrefix(head[:n], m) {
			isExe = true
			break
		}
	}
	if !isExe {
		return nil, nil
	}
	bp := a.buffers.Get().(*[]byte)
	r := &streamSearch{r: f, buf: append((*bp)[:0], head[:]...)}
	bi, old, err := r.find()
	*bp = r.buf[:0] // keep what it grew to: the next binary needs as much
	a.buffers.Put(bp)
	if err != nil {
		return nil, err
	}
	if old {
		return nil, ErrOldToolchain
	}
	return bi, nil
}

// ErrOldToolchain is matched by the error for a binary built by a Go
// toolchain older than 1.18 (released in 2022), whose build information
// is a set of pointers that can only be followed with random access to the
// whole file; such binaries are recorded as not analysed rather than
// spooled.
var ErrOldToolchain = errors.New("gobinary: built by Go older than 1.18: pointer-format build information is not read")

// streamSearch looks for the build information header in a stream.
type streamSearch struct {
	r   io.Reader
	buf []byte // bytes read and not yet discarded
	off int64  // file offset of buf[0]
	eof bool
}

// fill reads up to want more bytes.
func (s *streamSearch) fill(want int) error {
	if s.eof {
		return nil
	}
	start := len(s.buf)
	if cap(s.buf)-start < want {
		nb := make([]byte, start, start+want)
		copy(nb, s.buf)
		s.buf = nb
	}
	n, err := io.ReadFull(s.r, s.buf[start:start+want])
	s.buf = s.buf[:start+n]
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		s.eof = true
		return nil
	}
	return err
}

// find returns the inline build information, or old=true when the header
// of a pre-1.18 binary was found (the stream is then positioned after
// s.consumed), or nil when the stream ends without a header.
func (s *streamSearch) find() (bi *debug.BuildInfo, old bool, err error) {
	pos := 0 // where to search from in buf
	for {
		if err := s.fill(window); err != nil {
			return nil, false, fmt.Errorf("gobinary: %w", err)
		}
		for {
			i := bytes.Index(s.buf[pos:], magic)
			if i < 0 {
				break
			}
			p := pos + i
			if (s.off+int64(p))%16 != 0 {
				pos = p + 1
				continue
			}
			// Make sure the header and strings are in the buffer.
			if need := p + headerSize + 2*binary.MaxVarintLen64 + 256 + MaxModInfoBytes; len(s.buf) < need && !s.eof {
				s.discard(p)
				p, pos = 0, 0
				if err := s.fill(need - len(s.buf)); err != nil {
					return nil, false, fmt.Errorf("gobinary: %w", err)
				}
			}
			bi, old, ok, corrupt := parseHeader(s.buf[p:])
			if old {
				return nil, true, nil
			}
			if ok {
				return bi, false, nil
			}
			if corrupt != nil {
				return nil, false, corrupt
			}
			pos = p + 1
		}
		if s.eof {
			return nil, false, nil
		}
		// Keep a magic's length minus one, in case it straddles the chunks.
		keep := min(len(magic)-1, len(s.buf))
		s.discard(len(s.buf) - keep)
		pos = 0
	}
}

// discard drops the first n bytes of the buffer.
func (s *streamSearch) discard(n int) {
	rest := copy(s.buf, s.buf[n:])
	s.buf = s.buf[:rest]
	s.off += int64(n)
}

// ErrCorrupt is matched by the error for a binary whose build
// information header is in place but whose content does not decode.
var ErrCorrupt = errors.New("gobinary: corrupt build information")

// parseHeader reads the build information at the start of b. ok is false
// when b does not hold a header (the magic appeared in other data); old is
// set for the pointer format of Go before 1.18; corrupt is set when the
// header is there but what follows it does not decode.
func parseHeader(b []byte) (bi *debug.BuildInfo, old, ok bool, corrupt error) {
	if len(b) < headerSize || !bytes.HasPrefix(b, magic) {
		return nil, false, false, nil
	}
	ptrSize, flags := int(b[14]), b[15]
	if ptrSize != 4 && ptrSize != 8 {
		return nil, false, false, nil
	}
	if flags&2 == 0 {
		return nil, true, false, nil
	}
	rest := b[headerSize:]
	vers, rest, good := varString(rest, 256)
	if !good || !(strings.HasPrefix(vers, "go") || strings.HasPrefix(vers, "devel")) {
		return nil, false, false, fmt.Errorf("%w: the Go version string does not decode", ErrCorrupt)
	}
	mod, _, good := varString(rest, MaxModInfoBytes)
	if !good {
		return nil, false, false, fmt.Errorf("%w: the module list does not decode or is larger than %d bytes", ErrCorrupt, MaxModInfoBytes)
	}
	// The module information is wrapped in 16-byte sentinels.
	if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
		mod = mod[16 : len(mod)-16]
	} else {
		mod = ""
	}
	info, err := debug.ParseBuildInfo(mod)
	if err != nil {
		return nil, false, false, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	info.GoVersion = vers
	return info, false, true, nil
}

// varString reads a uvarint-length-prefixed string of at most max bytes.
func varString(b []byte, max int) (string, []byte, bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(max) || n > uint64(len(b)-w) {
		return "", nil, false
	}
	return string(b[w : w+int(n)]), b[w+int(n):], true
}

// Packages converts build information to packages: the main module, each
// dependency (its replacement when replaced), and "stdlib" at the
// toolchain's version. path is the binary's path in the image.
func Packages(path string, bi *debug.BuildInfo) []scan.Package {
	var arch string
	for _, s := range bi.Settings {
		if s.Key == "GOARCH" {
			arch = s.Value
		}
	}
	var out []scan.Package
	add := func(modPath, version string) {
		if modPath == "" {
			return
		}
		ns, name := splitModule(modPath)
		purlVersion := version
		if version == "(devel)" {
			purlVersion = ""
		}
		out = append(out, scan.Package{
			Name:    modPath,
			Version: version,
			Type:    scan.TypeGolang,
			PURL:    scan.NewPURL(scan.TypeGolang, ns, name, purlVersion),
			Arch:    arch,
			Paths:   []string{path},
		})
	}
	add(bi.Main.Path, bi.Main.Version)
	for _, d := range bi.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		if strings.HasPrefix(m.Path, ".") || strings.HasPrefix(m.Path, "/") {
			m = &debug.Module{Path: d.Path, Version: "(devel)"} // replaced by a local directory
		}
		add(m.Path, m.Version)
	}
	if v := toolchainVersion(bi.GoVersion); v != "" {
		out = append(out, scan.Package{
			Name:    "stdlib",
			Version: v,
			Type:    scan.TypeGolang,
			PURL:    scan.NewPURL(scan.TypeGolang, "", "stdlib", strings.TrimPrefix(v, "go")),
			Arch:    arch,
			Paths:   []string{path},
		})
	}
	return out
}

// toolchainVersion trims experiment suffixes ("go1.22.1 X:boringcrypto")
// and keeps "go1.22.1"; development toolchains give "".
func toolchainVersion(v string) string {
	v, _, _ = strings.Cut(v, " ")
	if !strings.HasPrefix(v, "go1") {
		return ""
	}
	return v
}

// splitModule splits a module path into a PURL namespace and name.
func splitModule(p string) (string, string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}
