package vectortest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findDir is Dir without skipping: ok is false when the data is absent.
func findDir(sub string) (string, bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "data", "version-vectors", sub)
			_, err := os.Stat(p)
			return p, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// maxSeedsPerFile bounds the seeds taken from one fixture file, so that the
// fuzzer's baseline run stays short.
const maxSeedsPerFile = 300

// AddOSVSeeds adds (a, b, c) seeds to a three-string fuzz target from the
// asserted lines of osv-scalibr-semantic fixture files: each line's two
// versions and the first version of the next line, spread over the file
// and at most maxSeedsPerFile per file. Absent files add nothing; the
// target's own seeds still run.
func AddOSVSeeds(f *testing.F, files ...string) {
	f.Helper()
	dir, ok := findDir("osv-scalibr-semantic")
	if !ok {
		return
	}
	for _, file := range files {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			continue
		}
		var pairs [][2]string
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimRight(line, "\r")
			if OSVCommented(line) {
				continue
			}
			if p := strings.Split(line, " "); len(p) == 3 {
				pairs = append(pairs, [2]string{p[0], p[2]})
			}
		}
		step := len(pairs)/maxSeedsPerFile + 1
		for i := 0; i < len(pairs); i += step {
			next := pairs[(i+1)%len(pairs)][0]
			f.Add(pairs[i][0], pairs[i][1], next)
		}
	}
}

// Ordered is what every version type of this module provides.
type Ordered[V any] interface {
	Compare(V) int
	String() string
}

// CheckOrder parses a, b and c with parse (which must not panic) and, for
// those that parse, checks that Compare is reflexive, antisymmetric and,
// if transitive is set, transitive.
func CheckOrder[V Ordered[V]](t *testing.T, parse func(string) (V, error), transitive bool, a, b, c string) {
	t.Helper()
	var vs []V
	var in []string
	for _, s := range []string{a, b, c} {
		v, err := parse(s)
		if err != nil {
			continue
		}
		vs = append(vs, v)
		in = append(in, s)
	}
	for i := range vs {
		if got := vs[i].Compare(vs[i]); got != 0 {
			t.Fatalf("Compare(%q, itself) = %d", in[i], got)
		}
		for j := range vs {
			x, y := Sign(vs[i].Compare(vs[j])), Sign(vs[j].Compare(vs[i]))
			if x != -y {
				t.Fatalf("not antisymmetric: Compare(%q, %q) = %d, reversed %d", in[i], in[j], x, y)
			}
		}
	}
	if !transitive {
		return
	}
	for i := range vs {
		for j := range vs {
			for k := range vs {
				ij, jk, ik := Sign(vs[i].Compare(vs[j])), Sign(vs[j].Compare(vs[k])), Sign(vs[i].Compare(vs[k]))
				if ij <= 0 && jk <= 0 && ik > 0 {
					t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", in[i], in[j], in[k], in[i], in[k])
				}
				if ij == 0 && jk == 0 && ik != 0 {
					t.Fatalf("equality not transitive: %q = %q = %q but %q vs %q = %d", in[i], in[j], in[k], in[i], in[k], ik)
				}
			}
		}
	}
}
