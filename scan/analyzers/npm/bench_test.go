package npm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

// benchTree returns the files of an installed tree of n packages, a third
// of them scoped and a fifth nested, each package.json of the size npm
// writes (about 1.5 KiB), plus two files per package that Match rejects.
func benchTree(n int) (paths []string, bodies []string) {
	for i := range n {
		name := fmt.Sprintf("pkg-%04d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("@scope%d/pkg-%04d", i%17, i)
		}
		dir := "app/node_modules/" + name
		if i%5 == 0 {
			dir = fmt.Sprintf("app/node_modules/pkg-%04d/node_modules/%s", i+1, name)
		}
		m := map[string]any{
			"name": name, "version": fmt.Sprintf("%d.%d.%d", i%7, i%13, i%29), "description": "A package that does one thing well, and its README says so at length.",
			"keywords": []string{"util", "string", "array", "object", "fast"}, "homepage": "https://github.com/example/" + name + "#readme",
			"bugs":       map[string]string{"url": "https://github.com/example/" + name + "/issues"},
			"repository": map[string]string{"type": "git", "url": "git+https://github.com/example/" + name + ".git"},
			"license":    "MIT", "author": "Some One <someone@example.com>", "main": "index.js", "types": "index.d.ts",
			"files": []string{"index.js", "index.d.ts", "lib/"}, "engines": map[string]string{"node": ">=14"},
			"scripts":         map[string]string{"test": "mocha", "lint": "eslint .", "build": "tsc -p ."},
			"dependencies":    map[string]string{"lodash": "^4.17.21", "debug": "^4.3.4", "ms": "^2.1.3"},
			"devDependencies": map[string]string{"mocha": "^10.0.0", "eslint": "^8.0.0", "typescript": "^5.0.0"},
		}
		b, _ := json.MarshalIndent(m, "", "  ")
		paths = append(paths, dir+"/package.json", dir+"/index.js", dir+"/lib/package.json")
		bodies = append(bodies, string(b), "module.exports = {}", `{"type": "module"}`)
	}
	return paths, bodies
}

// BenchmarkAnalyzeInstalled matches and reads a node_modules tree of 2,000
// packages, as the scanner would hand it over.
func BenchmarkAnalyzeInstalled(b *testing.B) {
	const n = 2000
	paths, bodies := benchTree(n)
	a := New()
	b.ReportAllocs()
	for b.Loop() {
		var files []*scan.File
		for i, p := range paths {
			if a.Match(p, 0o644) {
				files = append(files, scan.NewFile(p, 0o644, int64(len(bodies[i])), strings.NewReader(bodies[i])))
			}
		}
		pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", files...))
		if err != nil || len(pkgs) != n {
			b.Fatalf("%d packages, %v", len(pkgs), err)
		}
	}
}

// BenchmarkAnalyzeLockFiles reads lock files of 2,000 packages each, in
// the package-lock v3 and pnpm v9 formats.
func BenchmarkAnalyzeLockFiles(b *testing.B) {
	const n = 2000
	pkgs := map[string]any{"": map[string]any{"name": "app", "version": "1.0.0"}}
	var pnpm strings.Builder
	pnpm.WriteString("lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n")
	for i := range n / 10 {
		fmt.Fprintf(&pnpm, "      pkg-%04d:\n        specifier: ^1.0.0\n        version: 1.0.%d\n", i, i)
	}
	pnpm.WriteString("\npackages:\n\n")
	var snaps strings.Builder
	snaps.WriteString("\nsnapshots:\n\n")
	for i := range n {
		name := fmt.Sprintf("pkg-%04d", i)
		pkgs["node_modules/"+name] = map[string]any{
			"version": fmt.Sprintf("1.0.%d", i), "resolved": "https://registry.npmjs.org/" + name + "/-/" + name + ".tgz",
			"integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==",
			"dev":       i%2 == 0, "dependencies": map[string]string{fmt.Sprintf("pkg-%04d", (i+1)%n): "^1.0.0"},
		}
		fmt.Fprintf(&pnpm, "  %s@1.0.%d:\n    resolution: {integrity: sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==}\n    engines: {node: '>=14'}\n\n", name, i)
		fmt.Fprintf(&snaps, "  %s@1.0.%d:\n    dependencies:\n      pkg-%04d: 1.0.%d\n\n", name, i, (i+1)%n, (i+1)%n)
	}
	lock, _ := json.MarshalIndent(map[string]any{"name": "app", "lockfileVersion": 3, "packages": pkgs}, "", "  ")
	pnpmLock := pnpm.String() + snaps.String()
	for _, tt := range []struct{ name, path, body string }{
		{"package-lock-v3", "app/package-lock.json", string(lock)},
		{"pnpm-v9", "app/pnpm-lock.yaml", pnpmLock},
	} {
		b.Run(tt.name, func(b *testing.B) {
			a := New()
			b.SetBytes(int64(len(tt.body)))
			b.ReportAllocs()
			for b.Loop() {
				got, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "",
					scan.NewFile(tt.path, 0o644, int64(len(tt.body)), strings.NewReader(tt.body))))
				if err != nil || len(got) != n {
					b.Fatalf("%d packages, %v", len(got), err)
				}
			}
		})
	}
}
