package registry

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseReference checks the reference parser: no panic, an error that
// matches ErrInvalidReference and stays bounded, or a reference whose parts
// put back together give the input.
func FuzzParseReference(f *testing.F) {
	tmp := f.TempDir()
	layoutDir := filepath.Join(tmp, "lay:out")
	archive := filepath.Join(tmp, "a:b.tar")
	if err := os.MkdirAll(layoutDir, 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(archive, nil, 0o644); err != nil {
		f.Fatal(err)
	}
	// Only the temporary directory exists, so that the fuzzer's paths do
	// not depend on the machine.
	stat := func(p string) (fs.FileInfo, error) {
		if c := filepath.Clean(p); c != tmp && !strings.HasPrefix(c, tmp+string(filepath.Separator)) {
			return nil, fs.ErrNotExist
		}
		return os.Stat(p)
	}
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, s := range []string{
		"alpine", "alpine:3.20", "registry:alpine", "registry:", "foo:bar", "oci:x", "docker://x",
		"localhost:5000/a/b:c", "127.0.0.1/x", "[::1]:5000/x@" + digest, "weird:/x", "host:/x", "a:99999/x",
		"oci-dir:" + layoutDir, "oci-dir:" + layoutDir + ":v1", "oci-dir:" + layoutDir + "@" + digest,
		"oci-dir:" + layoutDir + ":docker.io/library/x:2.0", "oci-dir:" + layoutDir + ":a--b", "oci-dir:" + layoutDir + ":a---b",
		"oci-dir:" + layoutDir + "@sha256:00", "oci-dir:", "oci-dir:" + tmp + ":lay:out",
		"docker-archive:" + archive, "docker-archive:" + archive + ":app:1", "docker-archive:" + archive + ":Bad",
		"dir:" + tmp, "dir:", "", ":", "::", "@", "a@b", "\x00", "registry:\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseReference(s, stat)
		if err != nil {
			if !errors.Is(err, ErrInvalidReference) {
				t.Fatalf("%q: error %v does not match ErrInvalidReference", s, err)
			}
			if n := len(err.Error()); n > 8*len(s)+1024 {
				t.Fatalf("%q: error of %d bytes", s, n)
			}
			return
		}
		var back string
		switch r.kind {
		case kindRemote:
			if r.remote == nil || r.remote.Name() == "" {
				t.Fatalf("%q: empty remote reference", s)
			}
			return
		case kindOCIDir:
			back = "oci-dir:" + r.path
			if r.tag != "" {
				back += ":" + r.tag
			}
			if r.digest.Hex != "" {
				back += "@" + r.digest.String()
			}
		case kindDockerArchive:
			back = "docker-archive:" + r.path
			if r.tag != "" {
				back += ":" + r.tag
			}
		case kindDir:
			back = "dir:" + r.path
		default:
			t.Fatalf("%q: kind %d", s, r.kind)
		}
		if back != s {
			t.Fatalf("%q: parsed into parts that give %q", s, back)
		}
		if r.path == "" {
			t.Fatalf("%q: empty path", s)
		}
	})
}
