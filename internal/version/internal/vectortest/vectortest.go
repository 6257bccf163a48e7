// Package vectortest locates and reads the peers' version-comparison vectors
// kept outside the repository (../shared/data/version-vectors relative to the
// module root). It is imported only by tests.
package vectortest

import (
	"bufio"
	"encoding/json"
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

// OSVLine is one asserted line of an osv-scalibr semantic fixture
// ("a op b"): Want is the expected sign of Compare(A, B).
type OSVLine struct {
	N    int
	A, B string
	Op   string
	Want int
}

// OSVCommented reports whether line is skipped by the osv-scalibr fixture
// reader: empty, or starting with "# " or "// ".
func OSVCommented(line string) bool {
	return line == "" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "// ")
}

// OSVLines reads the osv-scalibr-semantic fixture file (for example
// "maven-versions.txt"). Lines are split on single spaces as the peer does;
// a line that is not "a op b" fails the test. The test is skipped when the
// data is absent.
func OSVLines(t testing.TB, file string) (path string, lines []OSVLine) {
	t.Helper()
	path = filepath.Join(Dir(t, "osv-scalibr-semantic"), file)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("fixture %s not present", path)
	}
	for _, l := range ReadLines(t, path, func(s string) bool { return !OSVCommented(s) }) {
		p := strings.Split(l.Text, " ")
		if len(p) != 3 {
			t.Fatalf("%s:%d: want \"a op b\", got %q", path, l.N, l.Text)
		}
		want, ok := OpResult(p[1])
		if !ok {
			t.Fatalf("%s:%d: unknown operator %q", path, l.N, p[1])
		}
		lines = append(lines, OSVLine{N: l.N, A: p[0], Op: p[1], B: p[2], Want: want})
	}
	return path, lines
}

// RunOSV asserts compare on every asserted line of the
// osv-scalibr-semantic fixture file, in both directions, and logs how many
// lines passed. It fails if the file exists but holds no asserted line.
func RunOSV(t *testing.T, file string, compare func(a, b string) (int, error)) {
	t.Helper()
	path, lines := OSVLines(t, file)
	if len(lines) == 0 {
		t.Fatalf("%s: no vectors ran", path)
	}
	passed := 0
	for _, l := range lines {
		got, err := compare(l.A, l.B)
		rev, rerr := compare(l.B, l.A)
		switch {
		case err != nil:
			t.Errorf("%s:%d: %s %s %s: %v", file, l.N, l.A, l.Op, l.B, err)
		case rerr != nil:
			t.Errorf("%s:%d: %s %s %s: reversed: %v", file, l.N, l.A, l.Op, l.B, rerr)
		case Sign(got) != l.Want:
			t.Errorf("%s:%d: %s %s %s: got %d", file, l.N, l.A, l.Op, l.B, Sign(got))
		case Sign(rev) != -l.Want:
			t.Errorf("%s:%d: %s %s %s: reversed: got %d", file, l.N, l.A, l.Op, l.B, Sign(rev))
		default:
			passed++
		}
	}
	t.Logf("osv-scalibr-semantic/%s: %d of %d vectors passed", file, passed, len(lines))
}

// NPMEntries reads one of the node-semver fixture files in npm-semver/ (a
// JSON array of arrays) and returns its entries undecoded. The test fails
// if the file exists but cannot be decoded; it is skipped when absent.
func NPMEntries(t testing.TB, file string) []json.RawMessage {
	t.Helper()
	path := filepath.Join(Dir(t, "npm-semver"), file)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("fixture %s not present", path)
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if len(entries) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	return entries
}

// NPMOptions are node-semver's options as the fixtures give them: true
// means loose; an object sets each option that holds a truthy value.
type NPMOptions struct {
	Loose             bool
	IncludePrerelease bool
}

// ParseNPMOptions decodes a fixture options value with JavaScript
// truthiness.
func ParseNPMOptions(raw json.RawMessage) (NPMOptions, error) {
	var o NPMOptions
	if len(raw) == 0 {
		return o, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return o, err
	}
	switch v := v.(type) {
	case map[string]any:
		o.Loose = truthy(v["loose"])
		o.IncludePrerelease = truthy(v["includePrerelease"])
	default:
		o.Loose = truthy(v)
	}
	return o, nil
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case float64:
		return v != 0
	case string:
		return v != ""
	}
	return true
}
