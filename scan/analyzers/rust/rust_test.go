package rust

import (
	"bytes"
	"context"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/gobinary"
)

func analyzeBytes(t testing.TB, a *Analyzer, path string, mode fs.FileMode, body []byte) ([]scan.Package, error) {
	t.Helper()
	// A one-byte reader finds every bug in the stream handling that a chunk
	// boundary can cause; the tests use it for small inputs.
	var r io.Reader = bytes.NewReader(body)
	if len(body) < 256<<10 {
		r = iotest.OneByteReader(r)
	}
	f := scan.NewFile(path, mode, int64(len(body)), r)
	return a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), f))
}

func purls(pkgs []scan.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.PURL.String())
	}
	return out
}

// elfDep returns the .dep-v0 section of an ELF file as debug/elf reads it.
func elfDep(t *testing.T, b []byte) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	require.NoError(t, err)
	s := f.Section(SectionName)
	if s == nil {
		return nil
	}
	d, err := s.Data()
	require.NoError(t, err)
	return d
}

func TestELF(t *testing.T) {
	dep := zlibBytes(sampleAudit)
	decoy := zlibBytes(auditJSON(map[string]any{"name": "decoy", "version": "6.6.6", "source": "crates.io", "root": true}))
	big := bigAudit(3000)
	tests := []struct {
		name string
		spec elfSpec
		want []string
	}{
		{name: "64-bit, table at the end", spec: elfSpec{textSize: 2 << 20, dep: dep, rodata: decoy}, want: sampleWant},
		{name: "32-bit big-endian", spec: elfSpec{is32: true, bigEndian: true, textSize: 10 << 10, dep: dep, rodata: decoy}, want: sampleWant},
		{name: "table first", spec: elfSpec{shtFirst: true, textSize: 10 << 10, dep: dep, rodata: decoy}, want: sampleWant},
		{name: "audit data across a read chunk", spec: elfSpec{textSize: 2 << 20, dep: zlibBytes(big), depAt: headBytes + 2*chunkBytes - 3000}, want: nil},
		{name: "no .dep-v0, a decoy stream in .rodata", spec: elfSpec{textSize: 2 << 20, rodata: decoy}, want: nil},
		{name: "no .dep-v0, a stray name", spec: elfSpec{textSize: 1 << 10}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildELF(tt.spec)
			assert.Equal(t, tt.spec.dep, elfDep(t, b), "debug/elf disagrees with the fixture")
			pkgs, err := analyzeBytes(t, New(), "usr/local/bin/app", 0o755, b)
			require.NoError(t, err)
			if tt.name == "audit data across a read chunk" {
				require.Len(t, pkgs, 3000)
				assert.Equal(t, "crate-0-0", pkgs[0].Name, "root first")
				return
			}
			assert.Equal(t, tt.want, purls(pkgs))
			for _, p := range pkgs {
				assert.Equal(t, []string{"usr/local/bin/app"}, p.Paths)
				assert.Equal(t, scan.TypeCargo, p.Type)
			}
		})
	}
}

// TestELFPaths checks which way the data was found: from the section
// table when the whole file fits the first reads, from a verified capture
// when the table or the names come after the data has streamed by.
func TestELFPaths(t *testing.T) {
	dep := zlibBytes(sampleAudit)
	tests := []struct {
		spec elfSpec
		how  string
	}{
		{elfSpec{textSize: 10 << 10, dep: dep}, "section"},
		{elfSpec{textSize: 3 << 20, dep: dep, shtFirst: true}, "candidate"}, // .shstrtab comes last
		{elfSpec{textSize: 3 << 20, dep: dep}, "candidate"},
		{elfSpec{textSize: 3 << 20, dep: dep, is32: true, bigEndian: true}, "candidate"},
	}
	for _, tt := range tests {
		e := &extractor{r: bytes.NewReader(buildELF(tt.spec))}
		data, err := e.run()
		require.NoError(t, err)
		assert.Equal(t, sampleAudit, data)
		assert.Equal(t, tt.how, e.how, "%+v", tt.spec.shtFirst)
	}
}

func TestMachOAndPE(t *testing.T) {
	dep := zlibBytes(sampleAudit)
	thin := buildMachO(dep)
	mf, err := macho.NewFile(bytes.NewReader(thin))
	require.NoError(t, err)
	d, err := mf.Section(SectionName).Data()
	require.NoError(t, err)
	require.Equal(t, dep, d)
	require.Equal(t, "__DATA", mf.Section(SectionName).Seg)

	fat := buildFat(buildMachO(nil), thin)
	ff, err := macho.NewFatFile(bytes.NewReader(fat))
	require.NoError(t, err)
	require.Len(t, ff.Arches, 2)

	exe := buildPE(dep)
	pf, err := pe.NewFile(bytes.NewReader(exe))
	require.NoError(t, err)
	d, err = pf.Section(SectionName).Data()
	require.NoError(t, err)
	require.Equal(t, dep, d[:len(dep)])

	tests := []struct {
		name, path string
		body       []byte
		want       []string
	}{
		{name: "Mach-O", path: "usr/local/bin/app", body: thin, want: sampleWant},
		{name: "universal", path: "usr/local/bin/app", body: fat, want: sampleWant},
		{name: "PE", path: "app/tool.exe", body: exe, want: sampleWant},
		{name: "Mach-O without", path: "usr/local/bin/app", body: buildMachO(nil)},
		{name: "PE without", path: "app/tool.exe", body: buildPE(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyzeBytes(t, New(), tt.path, 0o755, tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, purls(pkgs))
		})
	}
}

// TestBadBinaries: malformed executables are errors naming the file or
// nothing at all, never a panic, never a package from unverified data.
func TestBadBinaries(t *testing.T) {
	good := buildELF(elfSpec{textSize: 4 << 10, dep: zlibBytes(sampleAudit)})
	shoff := int(elf64ShOff(good))
	bomb := zlibBytes(append([]byte(`{"packages":[`), make([]byte, 64<<20)...))
	tests := []struct {
		name   string
		body   []byte
		want   []string
		errIs  error
		errHas string
	}{
		{name: "truncated before the section table", body: good[:shoff-10], errIs: ErrTruncated, errHas: "section header table"},
		{name: "truncated in the header", body: good[:40]},
		{name: "garbage in .dep-v0", body: buildELF(elfSpec{textSize: 1 << 10, dep: []byte("this is not zlib")}), errIs: ErrAuditData, errHas: "not zlib"},
		{name: "garbage in a .dep-v0 past the first read", body: buildELF(elfSpec{textSize: 3 << 20, dep: []byte("this is not zlib")}), errIs: ErrAuditData, errHas: "is not zlib-compressed JSON"},
		{name: "JSON without packages", body: buildELF(elfSpec{textSize: 1 << 10, dep: zlibBytes([]byte(`{"crates":[]}`))}), errIs: ErrAuditData, errHas: `no "packages" list`},
		{name: "packages without names", body: buildELF(elfSpec{textSize: 1 << 10, dep: zlibBytes([]byte(`{"packages":[{"version":"1"},{"name":"a","version":"1.0","source":"crates.io"}]}`))}), want: []string{"pkg:cargo/a@1.0"}, errIs: ErrAuditData, errHas: "1 of 2 packages skipped"},
		{name: "decompression bomb", body: buildELF(elfSpec{textSize: 1 << 10, dep: bomb}), errIs: scan.ErrTooLarge},
		{name: "PE truncated in its section", body: buildPE(zlibBytes(sampleAudit))[:0x420], errIs: ErrTruncated},
		{name: "Mach-O load command too long", body: machOBadCommand(), errIs: ErrAuditData},
		{name: "not an executable", body: []byte("#!/bin/sh\necho .dep-v0\x00\n")},
		{name: "Java class file", body: []byte("\xca\xfe\xba\xbe\x00\x00\x00\x34rest of a class")},
		{name: "empty", body: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyzeBytes(t, New(), "bin/x", 0o755, tt.body)
			assert.Equal(t, tt.want, purls(pkgs))
			if tt.errIs == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.errIs)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "bin/x", fe.Path)
			assert.Contains(t, err.Error(), tt.errHas)
		})
	}
	t.Run("larger than WithMaxBinaryBytes", func(t *testing.T) {
		_, err := analyzeBytes(t, New(WithMaxBinaryBytes(1000)), "bin/x", 0o755, good)
		require.ErrorIs(t, err, scan.ErrTooLarge)
		assert.Contains(t, err.Error(), "WithMaxBinaryBytes")
		pkgs, err := analyzeBytes(t, New(WithMaxBinaryBytes(10)), "bin/script", 0o755, []byte("#!/bin/sh\nexit 0\n"))
		assert.Empty(t, pkgs)
		assert.NoError(t, err, "a large file that is no executable is no loss")
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		f := scan.NewFile("bin/x", 0o755, int64(len(good)), io.MultiReader(bytes.NewReader(good[:3000]), iotest.ErrReader(boom)))
		_, err := New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), f))
		require.ErrorIs(t, err, boom)
	})
}

func elf64ShOff(b []byte) uint64 {
	f, _ := elf.NewFile(bytes.NewReader(b))
	var off uint64
	for _, s := range f.Sections {
		off = max(off, s.Offset+s.Size)
	}
	return (off + 7) &^ 7
}

// machOBadCommand is a Mach-O header whose load command claims more
// bytes than the commands hold.
func machOBadCommand() []byte {
	b := buildMachO(zlibBytes(sampleAudit))
	b[32+4] = 0xff // cmdsize of the first command
	return b
}

func TestCargoLock(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string
	}{
		{"Cargo.lock.v1", []string{"pkg:cargo/cfg-if@0.1.10", "pkg:cargo/log@0.4.8", "pkg:cargo/regex@1.3.1"}},
		{"Cargo.lock.v2", []string{"pkg:cargo/aho-corasick@0.7.18", "pkg:cargo/memchr@2.4.1",
			"pkg:cargo/serde_json@1.0.79?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fserde-rs%2Fjson%40a9b1d1f6b9f5e6e0d1e9a2b2c9c1e3f6b8a2d4c1"}},
		{"Cargo.lock.v3", []string{"pkg:cargo/anyhow@1.0.75",
			"pkg:cargo/internal-crate@0.3.0?repository_url=https:%2F%2Fmy-registry.example.com%2Findex",
			"pkg:cargo/tokio@1.35.1", "pkg:cargo/pin-project-lite@0.2.13"}},
		{"Cargo.lock.v4", []string{"pkg:cargo/bytes@1.9.0", "pkg:cargo/rustls@0.23.20"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.fixture))
			require.NoError(t, err)
			pkgs, err := analyzeBytes(t, New(), "src/app/Cargo.lock", 0o644, b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, purls(pkgs))
			for _, p := range pkgs {
				assert.Equal(t, []string{"src/app/Cargo.lock"}, p.Paths)
			}
		})
	}
}

func TestCargoLockBadInput(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
		errIs     error
		errHas    string
	}{
		{name: "invalid TOML", src: "[[package]]\nname = \"a\nversion = \"1\"\n", errIs: ErrNotCargoLock, errHas: "line 2"},
		{name: "deep nesting", src: "a = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000), errIs: ErrNotCargoLock, errHas: "nested deeper than 32"},
		{name: "long dotted key", src: "[" + strings.Repeat("a.", 200000) + "a]\nx = 1\n", errIs: ErrNotCargoLock, errHas: "more than 64 dots outside strings"},
		{name: "dots in strings and comments are fine", src: "# a.b.c." + strings.Repeat(".", 100) + "\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nx = \"" + strings.Repeat(".", 100) + "\"\n",
			want: []string{"pkg:cargo/a@1.0.0"}},
		{name: "deep inline tables", src: "a = " + strings.Repeat("{b=", 100000) + "1" + strings.Repeat("}", 100000), errIs: ErrNotCargoLock},
		{name: "brackets in strings are no nesting", src: "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nx = \"" + strings.Repeat("[", 100) + "\"\ny = '''" + strings.Repeat("{", 100) + "'''\n# " + strings.Repeat("[", 100) + "\n",
			want: []string{"pkg:cargo/a@1.0.0"}},
		{name: "wrong types", src: "[[package]]\nname = 1\nversion = \"1\"\n\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
			want: []string{"pkg:cargo/b@2.0.0"}, errHas: "rust: Cargo.lock: 1 of 2 packages skipped (package 1: no valid name, version and source)"},
		{name: "package not a table list", src: "package = 3\n", errIs: ErrNotCargoLock},
		{name: "binary", src: "\x7fELF\x00\x01", errIs: ErrNotCargoLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyzeBytes(t, New(), "Cargo.lock", 0o644, []byte(tt.src))
			assert.Equal(t, tt.want, purls(pkgs))
			if tt.errIs == nil && tt.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "Cargo.lock", fe.Path)
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			assert.Contains(t, err.Error(), tt.errHas)
		})
	}
	t.Run("larger than WithMaxLockBytes", func(t *testing.T) {
		_, err := analyzeBytes(t, New(WithMaxLockBytes(10)), "Cargo.lock", 0o644, []byte("version = 3\n\n\n"))
		require.ErrorIs(t, err, scan.ErrTooLarge)
	})
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"usr/local/bin/app", 0o755, true},
		{"usr/local/bin/app", 0o700, true},
		{"app/tool.exe", 0o644, true},
		{"src/Cargo.lock", 0o644, true},
		{"Cargo.lock", 0o644, true},
		{"src/Cargo.toml", 0o644, false},
		{"etc/passwd", 0o644, false},
		{"usr/local/bin/link", fs.ModeSymlink | 0o777, false},
		{"usr/lib/libfoo.so", 0o644, false},
	}
	a := New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), tt.path)
	}
	assert.Equal(t, "rust", a.Name())
}

// TestScanImage runs the analyzer through a real scan, next to the Go
// binary analyzer so that both read the same executables: a Rust binary in
// layer 0, rebuilt with an upgraded crate in layer 1; a Cargo.lock in
// layer 1.
func TestScanImage(t *testing.T) {
	v1 := buildELF(elfSpec{textSize: 300 << 10, dep: zlibBytes(sampleAudit)})
	upgraded := bytes.Replace(sampleAudit, []byte(`"1.0.193"`), []byte(`"1.0.195"`), 1)
	v2 := buildELF(elfSpec{textSize: 300 << 10, dep: zlibBytes(upgraded), seed: 2})
	lock, err := os.ReadFile(filepath.Join("testdata", "Cargo.lock.v4"))
	require.NoError(t, err)
	img := testimage.Image(
		[]testimage.Entry{
			{Name: "usr/local/bin/app", Body: v1, Mode: 0o755},
			{Name: "usr/bin/plain", Body: buildELF(elfSpec{textSize: 10 << 10}), Mode: 0o755},
		},
		[]testimage.Entry{
			{Name: "usr/local/bin/app", Body: v2, Mode: 0o755},
			testimage.File("src/cli/Cargo.lock", string(lock)),
		},
	)
	sc, err := scan.New(scan.WithAnalyzers(New(), gobinary.New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)
	got := map[string]int{}
	for _, p := range rep.Packages {
		assert.Equal(t, Name, p.FoundBy)
		got[p.Paths[0]+" "+p.PURL.String()] = p.Layer.Index
	}
	assert.Equal(t, map[string]int{
		"usr/local/bin/app pkg:cargo/hello-auditable@0.1.0": 0,
		"usr/local/bin/app pkg:cargo/cfg-if@1.0.0":          0,
		"usr/local/bin/app pkg:cargo/log@0.4.20":            0,
		"usr/local/bin/app pkg:cargo/serde@1.0.195":         1,
		"src/cli/Cargo.lock pkg:cargo/bytes@1.9.0":          1,
		"src/cli/Cargo.lock pkg:cargo/rustls@0.23.20":       1,
	}, got)
}
