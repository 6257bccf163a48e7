package portcullis_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/portcullis-oci/portcullis/"

// layerOf places each top-level package in the dependency order of
// DESIGN §1: a package may import only packages of a lower or equal rank.
// registry and vulndb share a rank but must not import each other.
var ranks = map[string]int{"internal": 0, "registry": 1, "vulndb": 1, "scan": 2, "policy": 3, "promote": 4, "examples": 5}

func topOf(importPath string) string {
	top, _, _ := strings.Cut(strings.TrimPrefix(importPath, module), "/")
	return top
}

// TestDependencyDirection enforces internal ← registry, vulndb ← scan ←
// policy ← promote: vulndb never imports scan, registry never imports scan,
// and nothing but examples imports the top of the stack.
func TestDependencyDirection(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		from := topOf(filepath.ToSlash(path))
		if from == filepath.Base(path) { // a file in the root
			from = ""
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			checked++
			to := topOf(p)
			if from == "" {
				continue // root tests may import anything
			}
			fr, ok1 := ranks[from]
			tr, ok2 := ranks[to]
			if !ok1 || !ok2 {
				t.Errorf("%s imports %s: unknown top-level package", path, p)
				continue
			}
			if tr > fr || (tr == fr && from != to) {
				t.Errorf("%s (%s) imports %s (%s): against the dependency direction", path, from, p, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no imports checked: is the walk looking at the right tree?")
	}
}
