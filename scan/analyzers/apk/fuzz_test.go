package apk

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/scan"
)

// FuzzApkInstalled runs the analyzer and the parser over arbitrary bytes:
// no panic, no more packages than entries, and every package named and
// versioned.
func FuzzApkInstalled(f *testing.F) {
	if d := shareddata.Find("pkgdb", "apk-trivy/installed"); d != "" {
		b, err := os.ReadFile(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// Each entry on its own too: small inputs fuzz faster.
		for _, e := range bytes.SplitAfter(b, []byte("\n\n")) {
			f.Add(e)
		}
	}
	for _, s := range []string{
		"", "\n", entryA, entryB, entryA + entryB, entryA + "\n" + entryB,
		"P:a\r\nV:1\r\n", "P:a\n", "V:1\n", "P:a\nV:abc\n", "P:a\nV:1\nV:2\n", "P:a\nV:1\nx\n", "P:a\x00\nV:1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, perr := ParseInstalled(context.Background(), bytes.NewReader(data))
		pkgs, err := New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "",
			scan.NewFile(InstalledPath, 0o644, int64(len(data)), bytes.NewReader(data))))
		if len(pkgs) != len(entries) || (err == nil) != (perr == nil) {
			t.Fatalf("analyzer and parser disagree: %d/%d packages, %v / %v", len(pkgs), len(entries), err, perr)
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; len(entries) > lines {
			t.Fatalf("%d entries from %d lines", len(entries), lines)
		}
		seen := map[string]bool{}
		files := 0
		for _, e := range entries {
			if e.Name == "" || checkVersion(e.Name, e.Version) != "" || seen[e.Name] {
				t.Fatalf("bad entry %+v", e)
			}
			seen[e.Name] = true
			files += len(e.Files)
		}
		if files > len(data) {
			t.Fatalf("%d files from %d bytes", files, len(data))
		}
		if len(data) == 0 && err == nil {
			t.Fatal("empty database without an error")
		}
	})
}
