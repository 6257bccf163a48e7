package binary

import (
	"bytes"
	"context"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

// FuzzClassify runs every classifier over arbitrary bytes, with a small
// read size so that strings cross reads: no panic, and every version found
// is one its expression captured.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"\x00OpenSSL 3.0.13 30 Jan 2024\x00", "BusyBox v1.36.1 (", "node.js/v20.11.0", "\x00v4.9.1\x00", "\x003.11.7\x00",
		"nginx version: nginx/1.25.3", "\x007.2.4buildkitsandbox-1702957741000000000", "\x004.0.11841ce7054bd9-1542359302000000000",
		"curl/8.5.0", "@(#)Bash version 5.2.21(1) release", "(PostgreSQL) 16.1", "Apache/2.4.58", "HAProxy version 2.8.5-1b3c4a5",
		"\x002.7.3-1065b10\x00x\x00HAProxy version %s", "version 2.4.22-f8e3218, released 2023",
	} {
		f.Add([]byte(s))
	}
	a := New(WithChunkBytes(4096))
	names := []string{"openssl", "busybox", "node", "python3.11", "nginx", "redis-server", "curl", "bash", "postgres", "httpd", "haproxy"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, n := range names {
			body := append(bytes.Repeat([]byte{0}, 4000), data...) // cross the first read
			pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", scan.NewFile("usr/bin/"+n, 0o755, int64(len(body)), bytes.NewReader(body))))
			if err != nil {
				t.Fatal(err)
			}
			if len(pkgs) > 1 {
				t.Fatalf("%s: %d packages", n, len(pkgs))
			}
			for _, p := range pkgs {
				if p.Version == "" || !bytes.Contains(body, []byte(p.Version)) {
					t.Fatalf("%s: version %q not in the input", n, p.Version)
				}
				if len(p.CPEs) == 0 {
					t.Fatalf("%s: no CPE", n)
				}
			}
		}
	})
}

func FuzzJavaRelease(f *testing.F) {
	f.Add([]byte(temurin21))
	f.Add([]byte("JAVA_VERSION=\"1.8.0_392\"\nFULL_VERSION=\"1.8.0_392-b08\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rel, ok := ParseJavaRelease(data)
		if !ok {
			return
		}
		p := rel.Package("opt/java/release")
		if !validJavaVersion(p.Version) || p.PURL.String() == "" {
			t.Fatalf("bad package %+v from %+v", p, rel)
		}
	})
}
