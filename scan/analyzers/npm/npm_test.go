package npm

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
)

func file(path, content string) *scan.File {
	return scan.NewFile(path, 0o644, int64(len(content)), strings.NewReader(content))
}

func testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

func analyze(tb testing.TB, a *Analyzer, files ...*scan.File) ([]scan.Package, error) {
	tb.Helper()
	return a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{Index: 1, DiffID: "sha256:test"}, tb.TempDir(), files...))
}

// short is a package as "name@version", with " dev" for development
// dependencies.
func short(pkgs []scan.Package) []string {
	var out []string
	for _, p := range pkgs {
		s := p.Name + "@" + p.Version
		if p.Dev {
			s += " dev"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"app/node_modules/lodash/package.json", 0o644, true},
		{"node_modules/lodash/package.json", 0o644, true},
		{"app/node_modules/@babel/runtime/package.json", 0o644, true},
		{"app/node_modules/a/node_modules/b/package.json", 0o644, true},
		{"app/node_modules/a/node_modules/@s/b/package.json", 0o644, true},
		{"usr/local/lib/node_modules/npm/package.json", 0o644, true},
		{"usr/share/nodejs/acorn/package.json", 0o644, true},
		{"usr/share/nodejs/@types/node/package.json", 0o644, true},
		{"usr/lib/x86_64-linux-gnu/nodejs/undici/package.json", 0o644, true},
		{"usr/lib/nodejs/cjs-module-lexer/package.json", 0o644, true},
		// a package's own folders
		{"app/node_modules/lodash/fp/package.json", 0o644, false},
		{"app/node_modules/resolve/test/resolver/baz/package.json", 0o644, false},
		{"app/node_modules/@babel/runtime/helpers/esm/package.json", 0o644, false},
		{"usr/share/nodejs/acorn/dist/package.json", 0o644, false},
		{"app/node_modules/@babel/package.json", 0o644, false},
		{"app/node_modules/package.json", 0o644, false},
		{"app/node_modules/.bin/package.json", 0o644, false},
		{"app/node_modules/.pnpm/lock.yaml", 0o644, false},
		{"app/node_modules/_x/package.json", 0o644, false},
		{"app/my_node_modules/x/package.json", 0o644, true}, // a project's package.json: not under node_modules
		// projects
		{"app/package.json", 0o644, true},
		{"package.json", 0o644, true},
		// lock files
		{"app/package-lock.json", 0o644, true},
		{"app/yarn.lock", 0o644, true},
		{"pnpm-lock.yaml", 0o644, true},
		{"app/node_modules/x/package-lock.json", 0o644, false},
		{"app/node_modules/x/yarn.lock", 0o644, false},
		// other files and kinds
		{"app/node_modules/lodash/package.json", fs.ModeSymlink | 0o777, false},
		{"app/node_modules/lodash", fs.ModeDir | 0o755, false},
		{"app/node_modules/lodash/index.js", 0o644, false},
		{"app/npm-shrinkwrap.jsonx", 0o644, false},
		{"app/package.json.bak", 0o644, false},
	}
	a := New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), "%s %v", tt.path, tt.mode)
	}
	assert.Equal(t, Name, a.Name())
	assert.Equal(t, 1, a.Version())
}

// wantLock is what every lock file in testdata/lock describes: an
// application depending on @babel/runtime, lodash, string-width (under the
// alias string-width-cjs) and a local directory, with mocha as a
// development dependency that shares lodash.
var wantLock = []string{
	"@babel/runtime@7.22.3",
	"debug@4.3.4 dev",
	"lodash@4.17.21",
	"mocha@10.0.0 dev",
	"ms@2.1.2 dev",
	"ms@2.1.3 dev",
	"regenerator-runtime@0.13.11",
	"string-width@4.2.3",
	"supports-color@8.1.1 dev",
}

func TestLockFiles(t *testing.T) {
	tests := []struct {
		fixture, name string
		manifest      bool // the project's package.json in the layer
		want          []string
	}{
		{"package-lock-v1.json", PackageLockFile, false, wantLock},
		{"package-lock-v2.json", PackageLockFile, false, wantLock},
		{"package-lock-v3.json", PackageLockFile, false, wantLock},
		{"yarn-v1.lock", YarnLockFile, true, wantLock},
		{"yarn-berry.lock", YarnLockFile, true, wantLock},
		{"pnpm-v5.yaml", PnpmLockFile, false, wantLock},
		{"pnpm-v6.yaml", PnpmLockFile, false, wantLock},
		{"pnpm-v9.yaml", PnpmLockFile, false, wantLock},
		// Without the package.json, yarn's development dependencies are
		// not known; nothing is marked.
		{"yarn-v1.lock", YarnLockFile, false, notDev(wantLock)},
		{"yarn-berry.lock", YarnLockFile, false, notDev(wantLock)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s manifest=%v", tt.fixture, tt.manifest), func(t *testing.T) {
			files := []*scan.File{file("srv/app/"+tt.name, testdata(t, "lock/"+tt.fixture))}
			if tt.manifest {
				files = append(files, file("srv/app/package.json", testdata(t, "lock/package.json")))
			}
			pkgs, err := analyze(t, New(), files...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, short(pkgs))
			for _, p := range pkgs {
				assert.Equal(t, []string{"srv/app/" + tt.name}, p.Paths)
				assert.Equal(t, scan.TypeNPM, p.Type)
				assert.Empty(t, p.Licenses)
				if p.Name == "@babel/runtime" {
					assert.Equal(t, "pkg:npm/%40babel/runtime@7.22.3", p.PURL.String())
				}
			}
		})
	}
}

func notDev(pkgs []string) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, strings.TrimSuffix(p, " dev"))
	}
	return out
}

func TestManifestOrderDoesNotMatter(t *testing.T) {
	pkgs, err := analyze(t, New(),
		file("srv/app/package.json", testdata(t, "lock/package.json")),
		file("srv/app/yarn.lock", testdata(t, "lock/yarn-v1.lock")))
	require.NoError(t, err)
	assert.Equal(t, wantLock, short(pkgs))
}

// manifestJSON returns an installed package.json.
func manifestJSON(name, version, license string) string {
	return fmt.Sprintf(`{"name": %q, "version": %q, "description": "x", %s "main": "index.js"}`, name, version, license)
}

func TestInstalled(t *testing.T) {
	files := []*scan.File{
		file("app/node_modules/lodash/package.json", manifestJSON("lodash", "4.17.21", `"license": "MIT",`)),
		file("app/node_modules/@babel/runtime/package.json", manifestJSON("@babel/runtime", "7.22.3", `"license": {"type": "MIT", "url": "https://x"},`)),
		file("app/node_modules/mocha/node_modules/ms/package.json", manifestJSON("ms", "2.1.3", `"licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}],`)),
		file("app/node_modules/mocha/node_modules/@s/deep/node_modules/x/package.json", manifestJSON("x", "1.0.0", `"licenses": ["BSD-2-Clause", "MIT"], "license": "ISC",`)),
		file("app/node_modules/noname/package.json", `{"version": "0.1.0"}`),
		file("app/node_modules/expr/package.json", manifestJSON("expr", "1.0.0", `"license": "(MIT OR Apache-2.0)",`)),
		file("app/node_modules/odd/package.json", manifestJSON("odd", "1.0.0", `"license": 42, "licenses": {"type": "MIT"},`)),
		// the lock file of a project with a node_modules tree is not read
		file("app/package-lock.json", testdata(t, "lock/package-lock-v3.json")),
	}
	pkgs, err := analyze(t, New(), files...)
	require.NoError(t, err)
	slices.SortFunc(pkgs, func(a, b scan.Package) int { return cmp.Compare(a.Name, b.Name) })
	want := []scan.Package{
		{Name: "@babel/runtime", Version: "7.22.3", Licenses: []string{"MIT"}, Paths: []string{"app/node_modules/@babel/runtime/package.json"},
			PURL: scan.NewPURL("npm", "@babel", "runtime", "7.22.3")},
		{Name: "expr", Version: "1.0.0", Licenses: []string{"(MIT OR Apache-2.0)"}, Paths: []string{"app/node_modules/expr/package.json"},
			PURL: scan.NewPURL("npm", "", "expr", "1.0.0")},
		{Name: "lodash", Version: "4.17.21", Licenses: []string{"MIT"}, Paths: []string{"app/node_modules/lodash/package.json"},
			PURL: scan.NewPURL("npm", "", "lodash", "4.17.21")},
		{Name: "ms", Version: "2.1.3", Licenses: []string{"MIT", "Apache-2.0"}, Paths: []string{"app/node_modules/mocha/node_modules/ms/package.json"},
			PURL: scan.NewPURL("npm", "", "ms", "2.1.3")},
		{Name: "noname", Version: "0.1.0", Paths: []string{"app/node_modules/noname/package.json"},
			PURL: scan.NewPURL("npm", "", "noname", "0.1.0")},
		{Name: "odd", Version: "1.0.0", Licenses: []string{"MIT"}, Paths: []string{"app/node_modules/odd/package.json"},
			PURL: scan.NewPURL("npm", "", "odd", "1.0.0")},
		{Name: "x", Version: "1.0.0", Licenses: []string{"ISC", "BSD-2-Clause", "MIT"}, Paths: []string{"app/node_modules/mocha/node_modules/@s/deep/node_modules/x/package.json"},
			PURL: scan.NewPURL("npm", "", "x", "1.0.0")},
	}
	for i := range want {
		want[i].Type = scan.TypeNPM
	}
	assert.Equal(t, want, pkgs)
	assert.Equal(t, "pkg:npm/%40babel/runtime@7.22.3", pkgs[0].PURL.String())
}

func TestLockFilesAndTrees(t *testing.T) {
	lock := testdata(t, "lock/package-lock-v3.json")
	tests := []struct {
		name  string
		files []*scan.File
		want  []string
	}{
		{
			name: "tree in the lock's directory",
			files: []*scan.File{
				file("app/package-lock.json", lock),
				file("app/node_modules/left-pad/package.json", manifestJSON("left-pad", "1.3.0", "")),
			},
			want: []string{"left-pad@1.3.0"},
		},
		{
			name: "tree first in the stream",
			files: []*scan.File{
				file("app/node_modules/left-pad/package.json", manifestJSON("left-pad", "1.3.0", "")),
				file("app/package-lock.json", lock),
			},
			want: []string{"left-pad@1.3.0"},
		},
		{
			name: "tree of another project",
			files: []*scan.File{
				file("app/package-lock.json", lock),
				file("other/node_modules/left-pad/package.json", manifestJSON("left-pad", "1.3.0", "")),
				file("app/sub/node_modules/x/package.json", manifestJSON("x", "1.0.0", "")),
			},
			want: append([]string{"left-pad@1.3.0", "x@1.0.0"}, wantLock...),
		},
		{
			name: "a lock in a package is the package's own",
			files: []*scan.File{
				file("app/node_modules/x/package-lock.json", lock),
			},
			want: nil,
		},
		{
			name: "two lock files of one project",
			files: []*scan.File{
				file("app/package-lock.json", lock),
				file("app/yarn.lock", "# yarn lockfile v1\n\nleft-pad@^1.3.0:\n  version \"1.3.0\"\n"),
			},
			want: append([]string{"left-pad@1.3.0"}, wantLock...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New()
			var files []*scan.File
			for _, f := range tt.files {
				if a.Match(f.Path, f.Mode) {
					files = append(files, f)
				}
			}
			pkgs, err := analyze(t, a, files...)
			require.NoError(t, err)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			assert.Equal(t, want, short(pkgs))
		})
	}
}

func TestLockDetails(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{
			name: "package-lock v2 alias and nested duplicate",
			file: PackageLockFile,
			content: `{"lockfileVersion": 2, "packages": {
				"": {"name": "app"},
				"node_modules/a": {"version": "1.0.0", "dev": true},
				"node_modules/b/node_modules/a": {"version": "1.0.0"},
				"node_modules/c": {"name": "@real/c", "version": "2.0.0"},
				"node_modules/ws": {"resolved": "packages/ws", "link": true},
				"packages/ws": {"name": "ws", "version": "9.9.9"},
				"node_modules/g": {"version": "git+ssh://git@github.com/x/g.git#abc"}
			}}`,
			want: []string{"@real/c@2.0.0", "a@1.0.0", "g@git+ssh://git@github.com/x/g.git#abc"},
		},
		{
			name:    "package-lock v1 dev everywhere",
			file:    PackageLockFile,
			content: `{"lockfileVersion": 1, "dependencies": {"a": {"version": "1.0.0", "dev": true, "dependencies": {"a": {"version": "1.0.0", "dev": true}}}}}`,
			want:    []string{"a@1.0.0 dev"},
		},
		{
			name:    "empty lock",
			file:    PackageLockFile,
			content: `{"name": "app", "lockfileVersion": 3, "packages": {"": {"name": "app"}}}`,
		},
		{
			name: "yarn classic quoting and several specs",
			file: YarnLockFile,
			content: "# yarn lockfile v1\n\n\"@types/node@*\", \"@types/node@>=12\":\n  version \"20.1.0\"\n\n" +
				"js-tokens@^3.0.0, \"js-tokens@^3.0.0 || ^4.0.0\":\r\n  version \"4.0.0\"\r\n\n" +
				"\"lodash@npm:lodash-es@^4.17.21\":\n  version \"4.17.21\"\n",
			want: []string{"@types/node@20.1.0", "js-tokens@4.0.0", "lodash-es@4.17.21"},
		},
		{
			name: "yarn berry patch and workspaces",
			file: YarnLockFile,
			content: "__metadata:\n  version: 6\n\n" +
				"\"fsevents@npm:2.3.2\":\n  version: 2.3.2\n  resolution: \"fsevents@npm:2.3.2\"\n  linkType: hard\n\n" +
				"\"fsevents@patch:fsevents@npm%3A2.3.2#~builtin<compat/fsevents>\":\n  version: 2.3.2\n  resolution: \"fsevents@patch:fsevents@npm%3A2.3.2#~builtin<compat/fsevents>::version=2.3.2&hash=df0bf1\"\n  linkType: hard\n\n" +
				"\"pkg-a@workspace:packages/a\":\n  version: 0.0.0-use.local\n  resolution: \"pkg-a@workspace:packages/a\"\n  linkType: soft\n",
			want: []string{"fsevents@2.3.2"},
		},
		{
			name: "pnpm v9 workspace importers",
			file: PnpmLockFile,
			content: "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      a:\n        specifier: ^1\n        version: 1.0.0\n" +
				"  packages/web:\n    dependencies:\n      b:\n        specifier: ^1\n        version: 1.0.0(a@1.0.0)\n      w:\n        specifier: workspace:*\n        version: link:../w\n" +
				"packages:\n  a@1.0.0:\n    resolution: {integrity: x}\n  b@1.0.0:\n    resolution: {integrity: x}\n  c@1.0.0:\n    resolution: {integrity: x}\n  d@1.0.0:\n    resolution: {integrity: x}\n" +
				"snapshots:\n  a@1.0.0:\n    dependencies:\n      c: 1.0.0\n  b@1.0.0(a@1.0.0):\n    dependencies:\n      a: 1.0.0\n  c@1.0.0: {}\n  d@1.0.0: {}\n",
			// a and c are reached from b, a production dependency of a
			// workspace; d from nothing.
			want: []string{"a@1.0.0", "b@1.0.0", "c@1.0.0", "d@1.0.0"},
		},
		{
			name:    "pnpm v6 non-registry package with name and version",
			file:    PnpmLockFile,
			content: "lockfileVersion: '6.1'\npackages:\n  github.com/x/y/abc123:\n    resolution: {tarball: https://codeload.github.com/x/y/tar.gz/abc123}\n    name: y\n    version: 1.2.0\n    dev: true\n",
			want:    []string{"y@1.2.0 dev"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, New(), file("app/"+tt.file, tt.content))
			require.NoError(t, err)
			assert.Equal(t, tt.want, short(pkgs))
		})
	}
}

func TestPnpmKey(t *testing.T) {
	tests := []struct{ key, name, version string }{
		{"/lodash/4.17.21", "lodash", "4.17.21"},
		{"/@babel/core/7.0.0", "@babel/core", "7.0.0"},
		{"/debug/4.3.4_supports-color@8.1.1", "debug", "4.3.4"},
		{"/@babel/core/7.0.0_@types+node@20.0.0", "@babel/core", "7.0.0"},
		{"/lodash@4.17.21", "lodash", "4.17.21"},
		{"/@babel/core@7.0.0(supports-color@8.1.1)", "@babel/core", "7.0.0"},
		{"lodash@4.17.21", "lodash", "4.17.21"},
		{"@babel/core@7.0.0(@types/node@20.0.0)(x@1)", "@babel/core", "7.0.0"},
		{"", "", ""},
		{"/", "", ""},
		{"@scope", "", ""},
		{"a/b/c", "", ""},
	}
	for _, tt := range tests {
		n, v, ok := pnpmKey(tt.key)
		assert.Equal(t, tt.name, n, tt.key)
		assert.Equal(t, tt.version, v, tt.key)
		assert.Equal(t, tt.name != "", ok, tt.key)
	}
}

// A lock file copied in one layer and installed by `npm ci` in the next:
// each package is reported once, from node_modules.
func TestLockFileSupersededAcrossLayers(t *testing.T) {
	lock := `{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/left-pad":{"version":"1.3.0"}}}`
	img := testimage.Image(
		[]testimage.Entry{testimage.File("app/package.json", `{"name":"app","version":"1.0.0"}`), testimage.File("app/package-lock.json", lock)},
		[]testimage.Entry{testimage.File("app/node_modules/left-pad/package.json", `{"name":"left-pad","version":"1.3.0","license":"WTFPL"}`)},
	)
	sc, err := scan.New(scan.WithAnalyzers(New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, rep.Packages, 1)
	assert.Equal(t, "app/node_modules/left-pad/package.json", rep.Packages[0].Paths[0])
	assert.Equal(t, 1, rep.Packages[0].Layer.Index)

	// Without the install, the lock file speaks.
	img = testimage.Image([]testimage.Entry{testimage.File("app/package.json", `{"name":"app","version":"1.0.0"}`), testimage.File("app/package-lock.json", lock)})
	rep, err = sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, rep.Packages, 1)
	assert.Equal(t, "app/package-lock.json", rep.Packages[0].Paths[0])
}
