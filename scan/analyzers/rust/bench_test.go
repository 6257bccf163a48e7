package rust

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkReadAuditDataELF streams a real ELF executable without audit
// data (the test binary itself) through the extractor: the cost every
// executable of an image pays.
func BenchmarkReadAuditDataELF(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	body, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		data, err := ReadAuditData(bytes.NewReader(body))
		if err != nil || data != nil {
			b.Fatal(data, err)
		}
	}
}

// BenchmarkReadAuditDataAuditable streams a 20 MiB ELF executable with
// audit data at its start, found by a verified capture.
func BenchmarkReadAuditDataAuditable(b *testing.B) {
	body := buildELF(elfSpec{textSize: 20 << 20, dep: zlibBytes(bigAudit(500))})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		data, err := ReadAuditData(bytes.NewReader(body))
		if err != nil || data == nil {
			b.Fatal(err)
		}
	}
}
