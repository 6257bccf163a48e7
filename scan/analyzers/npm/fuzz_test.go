package npm

// Run each target for a short while with a short minimisation time (the
// lock-file seeds are a few KiB, and minimising them takes the default
// minute):
//
//	go test -run '^$' -fuzz '^FuzzPnpmLock$' -fuzztime 20s -fuzzminimizetime 2s ./scan/analyzers/npm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

// seeds adds the lock files of testdata/lock whose name has the prefix.
func seeds(f *testing.F, prefix string, extra ...string) {
	paths, err := filepath.Glob(filepath.Join("testdata", "lock", prefix+"*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkLock is the invariant of every lock parser: each package has a
// name of the right shape and a version, and there are no duplicates.
func checkLock(t *testing.T, pkgs []lockPackage, data []byte) {
	t.Helper()
	pkgs = dedupe(pkgs)
	seen := map[[2]string]bool{}
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" || seen[[2]string{p.Name, p.Version}] {
			t.Fatalf("bad package %+v", p)
		}
		seen[[2]string{p.Name, p.Version}] = true
	}
	if len(pkgs) > len(data) {
		t.Fatalf("%d packages from %d bytes", len(pkgs), len(data))
	}
}

// analyzeAs runs the analyzer on data as a file at path and checks the
// packages it returns.
func analyzeAs(t *testing.T, path string, data []byte) {
	t.Helper()
	pkgs, _ := New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "",
		scan.NewFile(path, 0o644, int64(len(data)), strings.NewReader(string(data)))))
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" || p.PURL.Name == "" || len(p.Paths) != 1 {
			t.Fatalf("bad package %+v", p)
		}
	}
}

func FuzzPackageJSON(f *testing.F) {
	for _, s := range []string{
		`{"name": "a", "version": "1.0.0", "license": "MIT"}`,
		`{"name": "@s/a", "version": "1.0.0", "license": {"type": "MIT"}}`,
		`{"name": "a", "version": "1", "licenses": [{"type": "MIT"}, "ISC", 3, null]}`,
		`{"version": "1"}`, `{}`, `[]`, `null`, `{"name": 1}`, `{"license": [[["x"]]]}`,
	} {
		f.Add([]byte(s))
	}
	seeds(f, "package.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err == nil && len(m.Licenses) > maxLicenses {
			t.Fatalf("%d licences", len(m.Licenses))
		}
		_, _ = parseProjectManifest(data)
		analyzeAs(t, "app/node_modules/@s/a/package.json", data)
	})
}

func FuzzPackageLock(f *testing.F) {
	seeds(f, "package-lock", `{"packages": {"node_modules/a": {"version": "1"}}}`, `{"dependencies": {"a": {"version": "npm:b@1"}}}`, `{"dependencies": null}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := parsePackageLock(data)
		checkLock(t, pkgs, data)
		analyzeAs(t, "app/package-lock.json", data)
	})
}

func FuzzYarnLock(f *testing.F) {
	seeds(f, "yarn", "a@1:\n  version \"1\"\n  dependencies:\n    b \"1\"\n", "__metadata:\n  version: 6\n\"a@npm:1\":\n  version: 1\n  resolution: \"a@npm:1\"\n")
	manifest, err := os.ReadFile(filepath.Join("testdata", "lock", "package.json"))
	if err != nil {
		f.Fatal(err)
	}
	m, err := parseProjectManifest(manifest)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, _ := parseYarnLock(data)
		if g != nil {
			checkLock(t, g.packages(m), data)
			checkLock(t, g.packages(nil), data)
		}
		analyzeAs(t, "app/yarn.lock", data)
	})
}

func FuzzPnpmLock(f *testing.F) {
	seeds(f, "pnpm", "lockfileVersion: 5.3\npackages:\n  /a/1.0.0_b@1:\n    dev: true\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := parsePnpmLock(data)
		checkLock(t, pkgs, data)
		analyzeAs(t, "app/pnpm-lock.yaml", data)
	})
}
