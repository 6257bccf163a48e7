package dotnet

import (
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F) {
	for _, name := range []string{"webapp.deps.json", "packages.lock.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "{}", `{"libraries":{}}`, `{"libraries":{"a/1":{"type":"package"}}}`, `{"dependencies":{"x":{"a":{"resolved":"1"}}}}`} {
		f.Add([]byte(s))
	}
}

func checkEntries(t *testing.T, entries []Entry, err error) {
	seen := map[Entry]bool{}
	for _, e := range entries {
		if !validToken(e.Name) || !validToken(e.Version) {
			t.Fatalf("bad entry %+v", e)
		}
		seen[e] = true
	}
	if err == nil && len(seen) != len(entries) {
		t.Fatalf("duplicate entries in %v", entries)
	}
}

func FuzzDepsJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseDeps(data)
		checkEntries(t, entries, err)
	})
}

func FuzzPackagesLock(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseLock(data)
		checkEntries(t, entries, err)
	})
}
