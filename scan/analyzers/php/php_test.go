package php_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/php"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func analyze(t *testing.T, a *php.Analyzer, files ...*scan.File) ([]scan.Package, error) {
	t.Helper()
	return a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), files...))
}

func file(path, content string) *scan.File {
	return scan.NewFile(path, 0o644, int64(len(content)), strings.NewReader(content))
}

// summary is "name version dev purl licences" for each package.
func summary(pkgs []scan.Package) []string {
	var out []string
	for _, p := range pkgs {
		s := p.Name + " " + p.Version + " " + p.PURL.String() + " " + strings.Join(p.Licenses, ",")
		if p.Dev {
			s += " dev"
		}
		out = append(out, s)
	}
	return out
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name, path, fixture string
		want                []string
	}{
		{
			name: "Composer 1 installed.json", path: "app/vendor/composer/installed.json", fixture: "installed-v1.json",
			want: []string{
				"monolog/monolog 1.27.1 pkg:composer/monolog/monolog@1.27.1 MIT",
				"psr/log 1.1.4 pkg:composer/psr/log@1.1.4 MIT",
				"symfony/polyfill-ctype 1.19.0 pkg:composer/symfony/polyfill-ctype@1.19.0 MIT",
			},
		},
		{
			name: "Composer 2 installed.json", path: "var/www/html/vendor/composer/installed.json", fixture: "installed-v2.json",
			want: []string{
				"guzzlehttp/guzzle 7.8.1 pkg:composer/guzzlehttp/guzzle@7.8.1 MIT",
				"symfony/console 6.4.2 pkg:composer/symfony/console@6.4.2 MIT",
				"phpunit/phpunit 10.5.5 pkg:composer/phpunit/phpunit@10.5.5 BSD-3-Clause dev",
				"acme/internal-tools dev-main pkg:composer/acme/internal-tools@dev-main proprietary",
			},
		},
		{
			name: "composer.lock", path: "srv/app/composer.lock", fixture: "composer.lock",
			want: []string{
				"laravel/framework 10.40.0 pkg:composer/laravel/framework@10.40.0 MIT",
				"nesbot/carbon 2.72.1 pkg:composer/nesbot/carbon@2.72.1 MIT",
				"doctrine/dbal 3.7.2 pkg:composer/doctrine/dbal@3.7.2 MIT",
				"mockery/mockery 1.6.7 pkg:composer/mockery/mockery@1.6.7 BSD-3-Clause dev",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := php.New()
			require.True(t, a.Match(tt.path, 0o644))
			pkgs, err := analyze(t, a, file(tt.path, readTestdata(t, tt.fixture)))
			require.NoError(t, err)
			assert.Equal(t, tt.want, summary(pkgs))
			for _, p := range pkgs {
				assert.Equal(t, scan.TypeComposer, p.Type)
				assert.Equal(t, []string{tt.path}, p.Paths)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"vendor/composer/installed.json", 0o644, true},
		{"var/www/vendor/composer/installed.json", 0o644, true},
		{"composer.lock", 0o644, true},
		{"srv/app/composer.lock", 0o644, true},
		{"srv/app/composer.lock", fs.ModeSymlink | 0o777, false},
		{"srv/app/composer.json", 0o644, false},
		{"vendor/composer/installed.php", 0o644, false},
		{"vendor/other/installed.json", 0o644, false},
		{"myvendor/composer/installed.json", 0o644, false},
		{"app/mycomposer.lock", 0o644, false},
	}
	a := php.New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), tt.path)
	}
	assert.Equal(t, "php", a.Name())
	assert.Equal(t, 1, a.Version())
}

func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{"v1.2.3": "1.2.3", "V2.0": "2.0", "1.0.0": "1.0.0", "dev-main": "dev-main", "v": "v", "vfoo": "vfoo", "": ""} {
		assert.Equal(t, want, php.NormalizeVersion(in), in)
	}
}

// TestBadInput: malformed files and entries are errors naming the file,
// never a panic, and never an empty result that looks clean.
func TestBadInput(t *testing.T) {
	const path = "app/vendor/composer/installed.json"
	tests := []struct {
		name    string
		path    string
		content string
		want    []string // package names
		errIs   error
		errHas  []string
	}{
		{name: "truncated", path: path, content: readTestdataString("installed-v2.json")[:300], errHas: []string{"php: invalid JSON"}},
		{name: "empty", path: path, content: "", errHas: []string{"php: invalid JSON"}},
		{name: "not JSON", path: path, content: "\x7fELF\x02\x01", errHas: []string{"php: invalid JSON at byte 1"}},
		{name: "object without packages", path: path, content: `{"foo": 1}`, errIs: php.ErrNotComposer},
		{name: "packages not an array", path: path, content: `{"packages": {"a": 1}}`, errIs: php.ErrNotComposer},
		{name: "lock without packages", path: "composer.lock", content: `{"content-hash": "x"}`, errIs: php.ErrNotComposer},
		{name: "a number", path: path, content: `42`, errIs: php.ErrNotComposer},
		{
			name: "entries without name or version", path: path,
			content: `[{"name":"a/b","version":"1.0"},{"version":"2.0"},{"name":"c/d"},{"name":"e/f","version":7},"x",null,{"name":"g/h","version":"1 2"},{"name":"i/j","version":"v3"}]`,
			want:    []string{"a/b", "i/j"},
			errHas:  []string{"php: 6 of 8 package entries skipped", "[1]: no name", `[2]: package "c/d" has no version`, "[4]: not a package object", "and 1 more"},
		},
		{
			name: "bad dev-package-names", path: path,
			content: `{"packages":[{"name":"a/b","version":"1.0"}],"dev-package-names":"a/b"}`,
			want:    []string{"a/b"},
			errHas:  []string{"dev-package-names is not a list of names"},
		},
		{name: "deeply nested", path: path, content: strings.Repeat("[", 100000) + strings.Repeat("]", 100000), errHas: []string{"php:"}},
		{name: "licence of the wrong type is dropped", path: "composer.lock", content: `{"packages":[{"name":"a/b","version":"1.0","license":{"x":1}}]}`, want: []string{"a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, php.New(), file(tt.path, tt.content))
			var names []string
			for _, p := range pkgs {
				names = append(names, p.Name)
				assert.Empty(t, p.Licenses)
			}
			assert.Equal(t, tt.want, names)
			if tt.errIs == nil && tt.errHas == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.path, fe.Path)
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			for _, s := range tt.errHas {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func readTestdataString(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestLimits(t *testing.T) {
	t.Run("larger than WithMaxFileBytes", func(t *testing.T) {
		content := readTestdata(t, "composer.lock")
		pkgs, err := analyze(t, php.New(php.WithMaxFileBytes(100)), file("composer.lock", content))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, scan.ErrTooLarge)
		assert.Contains(t, err.Error(), "composer.lock")
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		f := scan.NewFile("composer.lock", 0o644, 1000, io.MultiReader(strings.NewReader(`{"packages":[`), iotest.ErrReader(boom)))
		pkgs, err := analyze(t, php.New(), f)
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, boom)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := php.New().Analyze(ctx, scan.NewInput(scan.LayerRef{}, t.TempDir(), file("composer.lock", "{}")))
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// TestScanImage runs the analyzer through a real scan: a package keeps the
// layer that first installed it at its version; an upgrade belongs to the
// layer that made it (and is no removal); a deleted lock file takes its
// packages with it.
func TestScanImage(t *testing.T) {
	v1 := readTestdata(t, "installed-v1.json")
	upgraded := strings.Replace(v1, `"version": "1.1.4"`, `"version": "1.1.5"`, 1)
	img := testimage.Image(
		[]testimage.Entry{
			testimage.File("app/vendor/composer/installed.json", v1),
			testimage.File("app/composer.lock", readTestdata(t, "composer.lock")),
		},
		[]testimage.Entry{
			testimage.File("app/vendor/composer/installed.json", upgraded),
			testimage.Whiteout("app/composer.lock"),
		},
	)
	sc, err := scan.New(scan.WithAnalyzers(php.New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)
	got := map[string]int{}
	for _, p := range rep.Packages {
		got[p.Name+"@"+p.Version] = p.Layer.Index
		assert.Equal(t, php.Name, p.FoundBy)
	}
	assert.Equal(t, map[string]int{"monolog/monolog@1.27.1": 0, "psr/log@1.1.5": 1, "symfony/polyfill-ctype@1.19.0": 0}, got)
	var removed []string
	for _, r := range rep.Removed {
		removed = append(removed, r.Name)
	}
	assert.ElementsMatch(t, []string{"laravel/framework", "nesbot/carbon", "doctrine/dbal", "mockery/mockery"}, removed)
}
