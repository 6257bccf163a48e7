package gobinary_test

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/binary"
	"errors"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/gobinary"
)

// selfBinary returns the test binary's bytes and build information as
// debug/buildinfo reads them.
func selfBinary(t *testing.T) ([]byte, *debug.BuildInfo) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	b, err := os.ReadFile(exe)
	require.NoError(t, err)
	bi, err := buildinfo.ReadFile(exe)
	require.NoError(t, err)
	return b, bi
}

// TestRealBinaryInALayer scans an image holding this test binary and
// compares the packages with what debug/buildinfo reports.
func TestRealBinaryInALayer(t *testing.T) {
	exe, bi := selfBinary(t)
	layer := testimage.Layer(testimage.Gzip, testimage.Entry{Name: "usr/local/bin/app", Body: exe, Mode: 0o755})
	img := testimage.FromLayers(layer)
	sc, err := scan.New(scan.WithAnalyzers(gobinary.New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)

	want := map[string]string{}
	if bi.Main.Path != "" {
		want[bi.Main.Path] = bi.Main.Version
	}
	for _, d := range bi.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		want[m.Path] = m.Version
	}
	want["stdlib"] = strings.Fields(bi.GoVersion)[0]
	got := map[string]string{}
	for _, p := range rep.Packages {
		got[p.Name] = p.Version
		assert.Equal(t, []string{"usr/local/bin/app"}, p.Paths)
		assert.Equal(t, scan.TypeGolang, p.Type)
		assert.Equal(t, 0, p.Layer.Index)
	}
	assert.Equal(t, want, got)

	for _, p := range rep.Packages {
		switch p.Name {
		case "stdlib":
			assert.Equal(t, "pkg:golang/stdlib@"+strings.TrimPrefix(want["stdlib"], "go"), p.PURL.String())
		case "github.com/stretchr/testify":
			assert.Equal(t, "pkg:golang/github.com/stretchr/testify@"+want[p.Name], p.PURL.String())
		}
	}
}

// header builds an inline (Go 1.18+) build information blob.
func header(vers, mod string) []byte {
	h := make([]byte, 32)
	copy(h, "\xff Go buildinf:")
	h[14], h[15] = 8, 2
	h = binary.AppendUvarint(h, uint64(len(vers)))
	h = append(h, vers...)
	wrapped := strings.Repeat("S", 16) + mod + strings.Repeat("E", 16)
	h = binary.AppendUvarint(h, uint64(len(wrapped)))
	return append(h, wrapped...)
}

const modinfo = "path\texample.com/app\nmod\texample.com/app\tv1.2.3\th1:abc=\ndep\tgolang.org/x/text\tv0.3.7\th1:def=\ndep\tgithub.com/old/mod\tv1.0.0\n=>\tgithub.com/new/mod\tv1.1.0\th1:ghi=\nbuild\tGOARCH=arm64\n"

func analyze(t *testing.T, path string, body []byte, mode os.FileMode) ([]scan.Package, error) {
	t.Helper()
	f := scan.NewFile(path, mode, int64(len(body)), bytes.NewReader(body))
	return gobinary.New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), f))
}

func TestSyntheticBinaries(t *testing.T) {
	elf := append([]byte("\x7fELF"), make([]byte, 60)...) // 64 bytes: 16-aligned
	t.Run("inline header after a decoy", func(t *testing.T) {
		body := append([]byte{}, elf...)
		body = append(body, "xx\xff Go buildinf:garbage"...) // unaligned decoy
		for len(body)%16 != 0 {
			body = append(body, 0)
		}
		decoy := make([]byte, 32)
		copy(decoy, "\xff Go buildinf:") // aligned, but ptrSize 0
		body = append(body, decoy...)
		body = append(body, header("go1.21.5 X:boringcrypto", modinfo)...)
		pkgs, err := analyze(t, "bin/app", body, 0o755)
		require.NoError(t, err)
		got := map[string]string{}
		for _, p := range pkgs {
			got[p.Name] = p.Version
			assert.Equal(t, "arm64", p.Arch)
		}
		assert.Equal(t, map[string]string{"example.com/app": "v1.2.3", "golang.org/x/text": "v0.3.7", "github.com/new/mod": "v1.1.0", "stdlib": "go1.21.5"}, got)
	})
	t.Run("header across the read window", func(t *testing.T) {
		body := append([]byte{}, elf...)
		body = append(body, make([]byte, 1<<20-64-16)...) // the header starts 16 bytes before the first window ends
		body = append(body, header("go1.22.0", modinfo)...)
		pkgs, err := analyze(t, "bin/app", body, 0o755)
		require.NoError(t, err)
		assert.Len(t, pkgs, 4)
	})
	t.Run("not a Go binary", func(t *testing.T) {
		pkgs, err := analyze(t, "bin/sh", append(elf, bytes.Repeat([]byte("x"), 5000)...), 0o755)
		require.NoError(t, err)
		assert.Empty(t, pkgs)
	})
	t.Run("script", func(t *testing.T) {
		pkgs, err := analyze(t, "bin/run.sh", []byte("#!/bin/sh\necho \xff Go buildinf:\n"), 0o755)
		require.NoError(t, err)
		assert.Empty(t, pkgs)
	})
	t.Run("old toolchain", func(t *testing.T) {
		h := make([]byte, 32)
		copy(h, "\xff Go buildinf:")
		h[14], h[15] = 8, 0
		_, err := analyze(t, "bin/old", append(append([]byte{}, elf...), h...), 0o755)
		require.Error(t, err)
		assert.True(t, errors.Is(err, gobinary.ErrOldToolchain))
		assert.Contains(t, err.Error(), "bin/old")
	})
	t.Run("corrupt build information is skipped with a reason", func(t *testing.T) {
		h := make([]byte, 32)
		copy(h, "\xff Go buildinf:")
		h[14], h[15] = 8, 2
		h = binary.AppendUvarint(h, 8)
		h = append(h, "go1.22.0"...)
		h = binary.AppendUvarint(h, 1<<40)
		pkgs, err := analyze(t, "bin/x", append(append([]byte{}, elf...), h...), 0o755)
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, gobinary.ErrCorrupt)
		assert.Contains(t, err.Error(), "bin/x")
		assert.Contains(t, err.Error(), "module list")

		bad := header("go1.22.0", "path\tx\nmod\tx\tv1\th1:a\textra\tcolumns\n")
		_, err = analyze(t, "bin/y", append(append([]byte{}, elf...), bad...), 0o755)
		require.ErrorIs(t, err, gobinary.ErrCorrupt)
	})
}

func TestMatch(t *testing.T) {
	a := gobinary.New()
	assert.True(t, a.Match("usr/bin/app", 0o755))
	assert.True(t, a.Match("app.exe", 0o644))
	assert.False(t, a.Match("etc/passwd", 0o644))
	assert.False(t, a.Match("usr/bin/link", os.ModeSymlink|0o777))
}

func FuzzAnalyze(f *testing.F) {
	f.Add(append([]byte("\x7fELF"), header("go1.21.0", modinfo)...))
	f.Add([]byte("\x7fELF\xff Go buildinf:"))
	f.Fuzz(func(t *testing.T, body []byte) {
		file := scan.NewFile("bin/x", 0o755, int64(len(body)), bytes.NewReader(body))
		_, _ = gobinary.New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), file))
	})
}
