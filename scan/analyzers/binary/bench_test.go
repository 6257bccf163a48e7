package binary

import (
	"bytes"
	"context"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

// benchmarkBlob is 50 MB of executable-like bytes with the version string
// at the very end: the classifier reads all of it.
func benchmarkAnalyze(b *testing.B, path, version string) {
	body := blob(42, 50<<20, map[float64]string{0.99999: version})
	a := New()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		f := scan.NewFile(path, 0o755, int64(len(body)), bytes.NewReader(body))
		pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", f))
		if err != nil || len(pkgs) != 1 {
			b.Fatal(pkgs, err)
		}
	}
}

// BenchmarkAnalyzeLibcrypto: one literal ("OpenSSL ").
func BenchmarkAnalyzeLibcrypto(b *testing.B) {
	benchmarkAnalyze(b, "usr/lib/libcrypto.so.3", "\x00OpenSSL 3.0.13 30 Jan 2024\x00")
}

// BenchmarkAnalyzeNode: three literals, two of them starting with a NUL,
// the commonest byte of a binary.
func BenchmarkAnalyzeNode(b *testing.B) {
	benchmarkAnalyze(b, "usr/bin/node", "\x00node.js/v20.11.0\x00")
}

// BenchmarkAnalyzePython: a literal built from the file name.
func BenchmarkAnalyzePython(b *testing.B) {
	benchmarkAnalyze(b, "usr/lib/libpython3.11.so.1.0", "\x003.11.7\x00")
}

// BenchmarkMemoryBandwidth is the yardstick: copying the same 50 MB.
func BenchmarkMemoryBandwidth(b *testing.B) {
	body := blob(42, 50<<20, nil)
	dst := make([]byte, 1<<20)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r := bytes.NewReader(body)
		for {
			n, _ := r.Read(dst)
			if n == 0 {
				break
			}
		}
	}
}
