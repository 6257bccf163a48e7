package rust

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// FuzzAuditableBinary reads arbitrary bytes as an executable, once with
// the real read sizes and once with tiny ones, so that every byte is a
// chunk boundary: no panic, bounded output, and the same audit data both
// ways when both succeed.
func FuzzAuditableBinary(f *testing.F) {
	dep := zlibBytes(sampleAudit)
	f.Add(buildELF(elfSpec{textSize: 2 << 10, dep: dep, rodata: zlibBytes(auditJSON(map[string]any{"name": "x", "version": "1"}))}))
	f.Add(buildELF(elfSpec{is32: true, bigEndian: true, textSize: 1 << 10, dep: dep}))
	f.Add(buildELF(elfSpec{shtFirst: true, textSize: 1 << 10, dep: dep}))
	f.Add(buildMachO(dep))
	f.Add(buildFat(buildMachO(nil), buildMachO(dep)))
	f.Add(buildPE(dep))
	f.Add([]byte("\x7fELF"))
	f.Add([]byte("MZ"))
	f.Fuzz(func(t *testing.T, data []byte) {
		big, err1 := (&extractor{r: bytes.NewReader(data)}).run()
		small, err2 := (&extractor{r: iotest.OneByteReader(bytes.NewReader(data)), headSize: 64, chunkSize: 7}).run()
		if len(big) > MaxAuditDataBytes || len(small) > MaxAuditDataBytes {
			t.Fatalf("%d / %d bytes of audit data", len(big), len(small))
		}
		if err1 == nil && err2 == nil && !bytes.Equal(big, small) {
			t.Fatalf("chunking changes the result: %q / %q", big, small)
		}
		if big != nil {
			pkgs, _ := ParseAuditJSON(big)
			for _, p := range pkgs {
				if !validToken(p.Name) || !validToken(p.Version) {
					t.Fatalf("bad package %+v", p)
				}
			}
		}
	})
}

func FuzzAuditJSON(f *testing.F) {
	f.Add(sampleAudit)
	f.Add([]byte(`{"packages":[{"name":"a","version":"1","source":{"Other":"x"},"root":true}]}`))
	f.Add([]byte(`{"packages":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseAuditJSON(data)
		if err == nil && len(pkgs) == 0 && !bytes.Contains(data, []byte("[")) {
			t.Fatal("no packages, no list and no error")
		}
		for i, p := range pkgs {
			if !validToken(p.Name) || !validToken(p.Version) {
				t.Fatalf("bad package %+v", p)
			}
			if i > 0 && p.Root && !pkgs[i-1].Root {
				t.Fatal("root package after a non-root one")
			}
		}
	})
}

func FuzzCargoLock(f *testing.F) {
	for _, v := range []string{"v1", "v2", "v3", "v4"} {
		b, err := os.ReadFile(filepath.Join("testdata", "Cargo.lock."+v))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("a = [[[{b = [1]}]]]\n"))
	f.Add([]byte("x = \"\"\"a\\\"\"\"[[\"\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := ParseCargoLock(data)
		for _, p := range pkgs {
			if !validToken(p.Name) || !validToken(p.Version) || !validToken(p.Source) {
				t.Fatalf("bad package %+v", p)
			}
			_ = p.Package("Cargo.lock")
		}
	})
}
