package npm

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
)

func TestBadInput(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	tests := []struct {
		name   string
		path   string
		body   string
		want   []string
		errIs  error
		errHas []string
	}{
		{name: "installed: invalid JSON", path: "app/node_modules/a/package.json", body: `{"name": "a", "version": `,
			errHas: []string{"app/node_modules/a/package.json: npm: package.json: unexpected end of JSON input"}},
		{name: "installed: not an object", path: "app/node_modules/a/package.json", body: `["a"]`, errHas: []string{"npm: package.json: json: cannot unmarshal array"}},
		{name: "installed: no version", path: "app/node_modules/a/package.json", body: `{"name": "a"}`, errHas: []string{`npm: package "a" has no version`}},
		{name: "installed: version not a string", path: "app/node_modules/a/package.json", body: `{"name": "a", "version": 1}`, errHas: []string{`"version" is not a string`}},
		{name: "installed: nested 20,000 deep", path: "app/node_modules/a/package.json", body: `{"name": "a", "version": "1", "x": ` + deep + `}`, errHas: []string{"exceeded max depth"}},
		{name: "installed: empty", path: "app/node_modules/a/package.json", body: ``, errHas: []string{"unexpected end of JSON input"}},
		{name: "package-lock: invalid JSON", path: "app/package-lock.json", body: `{"lockfileVersion": 3, "packages": {`, errHas: []string{"app/package-lock.json: npm: package-lock.json: unexpected end of JSON input"}},
		{name: "package-lock: nothing", path: "app/package-lock.json", body: `{"lockfileVersion": 3}`, errIs: ErrNoPackages},
		{name: "package-lock: v1 tree of the wrong shape", path: "app/package-lock.json", body: `{"dependencies": {"a": {"version": 1}}}`, errHas: []string{"dependencies: json: cannot unmarshal number"}},
		{name: "package-lock: bad entries skipped", path: "app/package-lock.json",
			body:   `{"packages": {"node_modules/a": {"version": "1.0.0"}, "node_modules/b": {"version": 2}, "node_modules/c": {}, "node_modules/d": null}}`,
			want:   []string{"a@1.0.0"},
			errHas: []string{"app/package-lock.json: npm: package-lock.json: 3 entries skipped", `packages["node_modules/b"]: json: cannot unmarshal number`, `packages["node_modules/c"]: no version`}},
		{name: "package-lock: nested 20,000 deep", path: "app/package-lock.json", body: `{"dependencies": ` + strings.Repeat(`{"a": {"version": "1", "dependencies": `, 10000) + "{}" + strings.Repeat("}}", 10000) + "}",
			errHas: []string{"exceeded max depth"}},
		{name: "pnpm: invalid YAML", path: "app/pnpm-lock.yaml", body: "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n", errHas: []string{"app/pnpm-lock.yaml: npm: pnpm-lock.yaml: yaml: "}},
		{name: "pnpm: no lockfileVersion", path: "app/pnpm-lock.yaml", body: "packages:\n  /a/1.0.0: {}\n", errHas: []string{`lockfileVersion "" is not a number`}},
		{name: "pnpm: alias bomb is not expanded", path: "app/pnpm-lock.yaml", body: aliasBomb(), errHas: []string{"yaml: "}},
		{name: "pnpm: bad key", path: "app/pnpm-lock.yaml", body: "lockfileVersion: 5.4\npackages:\n  /@scope/1.0.0:\n    dev: true\n  /a/1.0.0:\n    dev: false\n", want: []string{"a@1.0.0"}, errHas: []string{"1 entries skipped"}},
		{name: "yarn: no version", path: "app/yarn.lock", body: "# yarn lockfile v1\n\na@^1:\n  resolved \"x\"\n\nb@^1:\n  version \"1.0.0\"\n", want: []string{"b@1.0.0"}, errHas: []string{"app/yarn.lock: npm: yarn.lock: 1 entries skipped (a: no version)"}},
		{name: "yarn: not a lock", path: "app/yarn.lock", body: "hello world\n  version \"1\"\n", errHas: []string{`line 1: not an entry: "hello world"`}},
		{name: "yarn berry: invalid YAML", path: "app/yarn.lock", body: "__metadata:\n  version: 6\n\"a@npm:1\": [\n", errHas: []string{"app/yarn.lock: npm: yarn.lock: yaml: "}},
		{name: "too large", path: "app/node_modules/a/package.json", body: manifestJSON("a", "1.0.0", `"readme": "`+strings.Repeat("x", 2000)+`",`), errIs: scan.ErrTooLarge,
			errHas: []string{"app/node_modules/a/package.json: npm: 2"}},
	}
	a := New(WithMaxFileBytes(1500))
	big := New(WithMaxFileBytes(1 << 20))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			an := big
			if errors.Is(tt.errIs, scan.ErrTooLarge) {
				an = a
			}
			start := time.Now()
			pkgs, err := analyze(t, an, file(tt.path, tt.body))
			assert.Less(t, time.Since(start), 2*time.Second)
			assert.Equal(t, tt.want, short(pkgs))
			require.Error(t, err)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.path, fe.Path)
			assert.True(t, strings.HasPrefix(err.Error(), tt.path+": npm: "), err.Error())
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			for _, s := range tt.errHas {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

// aliasBomb is a "billion laughs" YAML document.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("lockfileVersion: '9.0'\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("packages: *a9\n")
	return b.String()
}

func TestErrorsAndManifests(t *testing.T) {
	t.Run("one bad package among good ones", func(t *testing.T) {
		pkgs, err := analyze(t, New(),
			file("app/node_modules/a/package.json", manifestJSON("a", "1.0.0", "")),
			file("app/node_modules/b/package.json", "{"),
			file("app/node_modules/c/package.json", manifestJSON("c", "1.0.0", "")))
		assert.Equal(t, []string{"a@1.0.0", "c@1.0.0"}, short(pkgs))
		require.Error(t, err)
		assert.Equal(t, "app/node_modules/b/package.json: npm: package.json: unexpected end of JSON input", err.Error())
	})
	t.Run("a malformed project package.json matters only beside a yarn.lock", func(t *testing.T) {
		pkgs, err := analyze(t, New(),
			file("other/package.json", "{"),
			file("app/package.json", "{"),
			file("app/yarn.lock", testdata(t, "lock/yarn-v1.lock")))
		assert.Equal(t, notDev(wantLock), short(pkgs))
		require.Error(t, err)
		assert.Equal(t, "app/yarn.lock: npm: development dependencies not marked: app/package.json: npm: package.json: unexpected end of JSON input", err.Error())
	})
	t.Run("a malformed lock superseded by a tree is not an error", func(t *testing.T) {
		pkgs, err := analyze(t, New(),
			file("app/package-lock.json", "{"),
			file("app/node_modules/a/package.json", manifestJSON("a", "1.0.0", "")))
		require.NoError(t, err)
		assert.Equal(t, []string{"a@1.0.0"}, short(pkgs))
	})
	t.Run("yarn 1 workspace root: dev not marked", func(t *testing.T) {
		pkgs, err := analyze(t, New(),
			file("app/package.json", strings.Replace(testdata(t, "lock/package.json"), `"private": true,`, `"private": true, "workspaces": ["packages/*"],`, 1)),
			file("app/yarn.lock", testdata(t, "lock/yarn-v1.lock")))
		require.NoError(t, err)
		assert.Equal(t, notDev(wantLock), short(pkgs))
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		r := io.MultiReader(strings.NewReader(`{"name": "a", `), iotest.ErrReader(boom))
		pkgs, err := analyze(t, New(), scan.NewFile("app/node_modules/a/package.json", 0o644, 100, r))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "app/node_modules/a/package.json: npm: ")
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pkgs, err := New().Analyze(ctx, scan.NewInput(scan.LayerRef{}, t.TempDir(), file("app/node_modules/a/package.json", manifestJSON("a", "1", ""))))
		assert.Empty(t, pkgs)
		assert.ErrorIs(t, err, context.Canceled)
	})
}
