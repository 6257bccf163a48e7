package dpkg

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/scan"
)

// FuzzDpkgStatus runs the analyzer (as var/lib/dpkg/status and as a
// status.d file) and the copyright parser over arbitrary bytes. The real
// databases are seeded in pieces of a few stanzas (whole files are covered
// by the ordinary tests), which keeps the fuzzer's inputs small and fast to
// minimise.
func FuzzDpkgStatus(f *testing.F) {
	for _, name := range []string{"dpkg-trivy-ubuntu1804/status", "dpkg-claircore/debian-only.status",
		"dpkg-claircore/postgresql.status", "dpkg-claircore/vcpkg.status"} {
		if d := shareddata.Find("pkgdb", name); d != "" {
			b, err := os.ReadFile(d)
			if err != nil {
				f.Fatal(err)
			}
			for _, c := range chunks(b, 4<<10, 40) {
				f.Add(c)
			}
		}
	}
	for _, s := range []string{
		"", "\n", stanzaA, stanzaA + stanzaB, stanzaA + "\n" + stanzaB + "\n" + stanzaC,
		"Package: a\r\nStatus: install ok installed\r\nVersion: 1:\r\n",
		"Package: a\nStatus: install ok installed\nVersion: abc\n",
		"Package: a\nVersion: 1\n\nPackage: a\nVersion: 1\n",
		"Package: a\nStatus: install ok installed\nVersion: 1\nDescription: x\x00y\n",
		" x\nPackage: a\nPackage: b\n",
		"Package: b\nStatus: install ok installed\nSource: s (1\nVersion: 1\n",
		dep5,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, path := range []string{StatusPath, StatusDir + "x"} {
			pkgs, err := New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "",
				scan.NewFile(path, 0o644, int64(len(data)), bytes.NewReader(data))))
			if len(pkgs) > lines {
				t.Fatalf("%d packages from %d lines", len(pkgs), lines)
			}
			for _, p := range pkgs {
				if checkName(p.Name) != "" || checkVersion(p.Version) != "" || p.Source == nil ||
					checkName(p.Source.Name) != "" || checkVersion(p.Source.Version) != "" ||
					len(p.Paths) != 1 || p.Paths[0] != path || p.PURL.Name != p.Name {
					t.Fatalf("bad package %+v", p)
				}
			}
			if len(data) == 0 && err == nil {
				t.Fatal("empty database without an error")
			}
		}
		lics, _ := parseCopyright(bytes.NewReader(data))
		if len(lics) > MaxLicenses {
			t.Fatalf("%d licences", len(lics))
		}
		for _, l := range lics {
			if l == "" || len(l) > maxLicenseLen {
				t.Fatalf("licence %q", l)
			}
		}
	})
}

// chunks splits b at blank lines into at most n pieces of whole stanzas, each
// up to size bytes (a longer stanza is its own piece).
func chunks(b []byte, size, n int) [][]byte {
	var out [][]byte
	var cur []byte
	for _, st := range bytes.SplitAfter(b, []byte("\n\n")) {
		if len(cur) > 0 && len(cur)+len(st) > size {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, st...)
		if len(out) == n {
			return out
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
