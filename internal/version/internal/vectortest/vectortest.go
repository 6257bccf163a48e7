// Package vectortest locates and reads the peers' version-comparison vectors
// kept outside the repository (../shared/data/version-vectors relative to the
// module root). It is imported only by tests.
package vectortest

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir returns the path of the version-vector directory sub (for example
// "dpkg"), found by walking up from the working directory to the directory
// holding go.mod. The test is skipped when the data is absent.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "data", "version-vectors", sub)
			if _, err := os.Stat(p); err != nil {
				t.Skipf("version vectors not present at %s", p)
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Line is one non-comment line of a vector file with its 1-based number.
type Line struct {
	N      int
	Text   string
	Fields []string
}

// ReadLines returns the lines of path for which keep reports true, with
// trailing CR and whitespace removed and the fields split on runs of blanks.
// The test fails if the file cannot be read.
func ReadLines(t testing.TB, path string, keep func(line string) bool) []Line {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var out []Line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimRight(sc.Text(), " \t\r")
		if !keep(text) {
			continue
		}
		out = append(out, Line{N: n, Text: text, Fields: strings.Fields(text)})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return out
}

// NotBlankOrHash keeps lines that are neither blank nor start with '#'.
func NotBlankOrHash(line string) bool {
	return strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#")
}

// Files lists the regular files in dir whose names match pattern (as in
// filepath.Match), sorted. The test fails if the directory cannot be read.
func Files(t testing.TB, dir, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatalf("glob %s: %v", pattern, err)
	}
	return m
}

// Sign reduces a comparison result to -1, 0 or +1.
func Sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// OpResult maps an operator of the OSV fixture format to the expected
// comparison result; ok is false for anything else.
func OpResult(op string) (int, bool) {
	switch op {
	case "<":
		return -1, true
	case "=", "==":
		return 0, true
	case ">":
		return 1, true
	}
	return 0, false
}
