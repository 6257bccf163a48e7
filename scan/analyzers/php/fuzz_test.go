package php

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

func addSeeds(f *testing.F) {
	for _, name := range []string{"installed-v1.json", "installed-v2.json", "composer.lock"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "[]", "{}", `{"packages":null}`, `[{"name":"a/b","version":"v1"}]`, `{"packages":[{"name":"a","version":"1","license":"MIT"}],"packages-dev":[1]}`} {
		f.Add([]byte(s))
	}
}

// checkEntries checks what every parse must give: named, versioned entries
// without control characters, no more than the input could hold.
func checkEntries(t *testing.T, data []byte, entries []Entry, err error) {
	if len(entries) > bytes.Count(data, []byte("{")) {
		t.Fatalf("%d entries from %d objects", len(entries), bytes.Count(data, []byte("{")))
	}
	for _, e := range entries {
		if e.Name == "" || e.Version == "" || !validToken(e.Name) || !validToken(e.Version) {
			t.Fatalf("bad entry %+v", e)
		}
	}
	if len(entries) == 0 && err == nil && !bytes.Contains(data, []byte("[")) {
		t.Fatal("no packages and no error from input without a list")
	}
}

func FuzzInstalledJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseInstalled(data)
		checkEntries(t, data, entries, err)
		pkgs, aerr := New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "",
			scan.NewFile(InstalledFile, 0o644, int64(len(data)), bytes.NewReader(data))))
		if len(pkgs) != len(entries) || (aerr == nil) != (err == nil) {
			t.Fatalf("analyzer and parser disagree: %d/%d, %v / %v", len(pkgs), len(entries), aerr, err)
		}
	})
}

func FuzzComposerLock(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseLock(data)
		checkEntries(t, data, entries, err)
	})
}
