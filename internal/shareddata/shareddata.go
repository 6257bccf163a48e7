// Package shareddata finds the third-party test data kept beside the
// repository (../shared/data from the module root), for tests only. The
// data is never copied into the repository; tests that need it skip
// cleanly when it is absent.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Find returns the path of ../shared/data/<elem...> relative to the module
// root (the nearest directory above the working directory holding go.mod),
// or "" when it does not exist.
func Find(elem ...string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "data"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// Path is [Find], skipping the test when the data is absent.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := Find(elem...)
	if p == "" {
		tb.Skipf("shared test data absent: ../shared/data/%s", filepath.Join(elem...))
	}
	return p
}

// Read returns the contents of ../shared/data/<elem...>, skipping the test
// when it is absent and failing it when it cannot be read.
func Read(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, elem...))
	if err != nil {
		tb.Fatalf("reading shared test data: %v", err)
	}
	return b
}
