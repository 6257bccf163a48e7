package ruby_test

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
	"github.com/portcullis-oci/portcullis/scan/analyzers/ruby"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func analyze(t *testing.T, a *ruby.Analyzer, files ...*scan.File) ([]scan.Package, error) {
	t.Helper()
	return a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), files...))
}

func file(path, content string) *scan.File {
	return scan.NewFile(path, 0o644, int64(len(content)), strings.NewReader(content))
}

func TestGemspecs(t *testing.T) {
	tests := []struct {
		fixture, path string
		want          scan.Package
	}{
		{
			fixture: "rake-13.1.0.gemspec", path: "usr/local/bundle/specifications/rake-13.1.0.gemspec",
			want: scan.Package{Name: "rake", Version: "13.1.0", Licenses: []string{"MIT"}, PURL: scan.NewPURL("gem", "", "rake", "13.1.0")},
		},
		{
			fixture: "nokogiri-1.15.4-x86_64-linux.gemspec", path: "usr/lib/ruby/gems/3.2.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec",
			want: scan.Package{Name: "nokogiri", Version: "1.15.4", Licenses: []string{"MIT"}, PURL: scan.NewPURL("gem", "", "nokogiri", "1.15.4", "platform", "x86_64-linux")},
		},
		{
			fixture: "json-2.6.3.gemspec", path: "usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec",
			want: scan.Package{Name: "json", Version: "2.6.3", Licenses: []string{"Ruby"}, PURL: scan.NewPURL("gem", "", "json", "2.6.3")},
		},
		{
			fixture: "handwritten.gemspec", path: "root/.gem/ruby/3.2.0/specifications/acme-client-2.0.0.pre.beta1.gemspec",
			want: scan.Package{Name: "acme-client", Version: "2.0.0.pre.beta1", Licenses: []string{"Apache-2.0", "MIT"}, PURL: scan.NewPURL("gem", "", "acme-client", "2.0.0.pre.beta1")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			a := ruby.New()
			require.True(t, a.Match(tt.path, 0o644))
			pkgs, err := analyze(t, a, file(tt.path, readTestdata(t, tt.fixture)))
			require.NoError(t, err)
			tt.want.Type = scan.TypeGem
			tt.want.Paths = []string{tt.path}
			assert.Equal(t, []scan.Package{tt.want}, pkgs)
		})
	}
	assert.Equal(t, "pkg:gem/nokogiri@1.15.4?platform=x86_64-linux", scan.NewPURL("gem", "", "nokogiri", "1.15.4", "platform", "x86_64-linux").String())
}

func TestGemspecForms(t *testing.T) {
	tests := []struct {
		name, src         string
		wantName, wantVer string
		wantLic           []string
		errIs             error
		errHas            string
	}{
		{name: "single quotes", src: "s.name = 'a'\ns.version = '1.0'\n", wantName: "a", wantVer: "1.0"},
		{name: "CRLF and tabs", src: "Gem::Specification.new do |s|\r\n\ts.name\t= \"a\".freeze\r\n\ts.version = \"1.0\"\r\nend\r\n", wantName: "a", wantVer: "1.0"},
		{name: "Gem::Version.new", src: "s.name = \"a\"\ns.version = Gem::Version.new(\"2.1.0\")\n", wantName: "a", wantVer: "2.1.0"},
		{name: "percent literals", src: "s.name = %q{a-b}\ns.version = %q(3.0)\ns.licenses = %w(MIT BSD-2-Clause)\n", wantName: "a-b", wantVer: "3.0", wantLic: []string{"MIT", "BSD-2-Clause"}},
		{name: "license singular", src: "s.name = \"a\"\ns.version = \"1\"\ns.license = \"GPL-2.0\"\n", wantName: "a", wantVer: "1", wantLic: []string{"GPL-2.0"}},
		{name: "licences over lines", src: "s.name = \"a\"\ns.version = \"1\"\ns.licenses = [\"MIT\".freeze,\n   \"Ruby\".freeze]\n", wantName: "a", wantVer: "1", wantLic: []string{"MIT", "Ruby"}},
		{name: "escapes in licence", src: "s.name = \"a\"\ns.version = \"1\"\ns.licenses = [\"Caf\\u00E9 \\\"License\\\"\"]\n", wantName: "a", wantVer: "1", wantLic: []string{"Café \"License\""}},
		{name: "comparison is no assignment", src: "s.name == \"x\"\ns.name = \"a\"\ns.version = \"1\" if s.respond_to? :version=\n", wantName: "a", wantVer: "1"},
		{name: "stub fallback for a constant version", src: "# stub: foo 4.5.6 ruby lib\ns.name = \"foo\"\ns.version = Foo::VERSION\n", wantName: "foo", wantVer: "4.5.6"},
		{name: "interpolation is not evaluated", src: "s.name = \"a\"\ns.version = \"#{major}.0\"\n", errIs: ruby.ErrNoGem, errHas: "line 2: version is not a string literal"},
		{name: "no name", src: "s.version = \"1.0\"\n", errIs: ruby.ErrNoGem},
		{name: "invalid version", src: "s.name = \"a\"\ns.version = \"latest\"\n", errIs: ruby.ErrNoGem, errHas: `invalid version "latest"`},
		{name: "unterminated string", src: "s.name = \"a\ns.version = \"1\"\n", errIs: ruby.ErrNoGem},
		{name: "unreadable licence kept as a problem", src: "s.name = \"a\"\ns.version = \"1\"\ns.licenses = LICENSES\n", wantName: "a", wantVer: "1", errHas: "gemspec a 1: line 3: licenses is not a string or a list of strings"},
		{name: "platform constant", src: "s.name = \"a\"\ns.version = \"1\"\ns.platform = Gem::Platform::RUBY\n", wantName: "a", wantVer: "1"},
		{name: "empty", src: "", errIs: ruby.ErrNoGem},
		{name: "binary", src: "\x00\x01\x02\xff", errIs: ruby.ErrNoGem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ruby.ParseGemspec([]byte(tt.src))
			assert.Equal(t, tt.wantName, g.Name)
			assert.Equal(t, tt.wantVer, g.Version)
			assert.Equal(t, tt.wantLic, g.Licenses)
			if tt.errIs == nil && tt.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			assert.Contains(t, err.Error(), tt.errHas)
		})
	}
}

func TestGemfileLock(t *testing.T) {
	const path = "srv/app/Gemfile.lock"
	pkgs, err := analyze(t, ruby.New(), file(path, readTestdata(t, "Gemfile.lock")))
	require.NoError(t, err)
	var got []string
	for _, p := range pkgs {
		got = append(got, p.PURL.String())
		assert.Equal(t, []string{path}, p.Paths)
		assert.Equal(t, scan.TypeGem, p.Type)
	}
	assert.Equal(t, []string{
		"pkg:gem/sprockets-rails@3.4.2?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Frails%2Fsprockets-rails.git%409a52f8e1f1e0f0b5d1a6c6a3b3fdc8bd7a3b1e6d",
		"pkg:gem/actionpack@7.0.8",
		"pkg:gem/activesupport@7.0.8",
		"pkg:gem/concurrent-ruby@1.2.2",
		"pkg:gem/i18n@1.14.1",
		"pkg:gem/mini_portile2@2.8.5",
		"pkg:gem/minitest@5.20.0",
		"pkg:gem/nokogiri@1.15.4", // three platforms, one gem
		"pkg:gem/pg@1.5.4",
		"pkg:gem/racc@1.7.3",
		"pkg:gem/rack@2.2.8",
		"pkg:gem/sprockets@4.2.1",
		"pkg:gem/tzinfo@2.0.6",
	}, got)
}

func TestGemfileLockBadInput(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
		errIs     error
		errHas    string
	}{
		{name: "empty", src: "", errIs: ruby.ErrNotGemfileLock},
		{name: "not a lock file", src: "source 'https://rubygems.org'\ngem 'rails'\n", errIs: ruby.ErrNotGemfileLock},
		{name: "no gems is fine", src: "GEM\n  remote: https://rubygems.org/\n  specs:\n\nPLATFORMS\n  ruby\n", want: nil},
		{name: "malformed specs", src: "GEM\n  specs:\n    good (1.0)\n    noversion\n    bad (x.y)\n    spaced name (1.0)\n    ok (2.0-java)\n",
			want: []string{"good@1.0", "ok@2.0"}, errHas: "ruby: 3 of 5 gem specs skipped (line 4: not \"name (version)\": \"noversion\""},
		{name: "overlong line", src: "GEM\n  specs:\n    a (1.0)\n    " + strings.Repeat("x", ruby.MaxLockLineBytes) + "\n", want: []string{"a@1.0"}, errHas: "line 4: line longer than 65536 bytes"},
		{name: "truncated in a spec line", src: truncatedLock(t), want: []string{"sprockets-rails@3.4.2", "actionpack@7.0.8", "activesupport@7.0.8"},
			errHas: `ruby: 1 of 4 gem specs skipped (line 29: not "name (version)": "concurrent-ruby")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gems, err := ruby.ParseGemfileLock([]byte(tt.src))
			var got []string
			for _, g := range gems {
				got = append(got, g.Name+"@"+g.Version)
			}
			assert.Equal(t, tt.want, got)
			if tt.errIs == nil && tt.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			assert.Contains(t, err.Error(), tt.errHas)
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"usr/local/bundle/specifications/rake-13.1.0.gemspec", 0o644, true},
		{"usr/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec", 0o644, true},
		{"specifications/a-1.gemspec", 0o644, true},
		{"var/lib/gems/3.1.0/specifications/a-1.gemspec", fs.ModeSymlink | 0o777, false},
		{"usr/local/bundle/specifications/.gemspec", 0o644, false},
		{"usr/local/bundle/gems/rake-13.1.0/rake.gemspec", 0o644, false},
		{"usr/local/bundle/bundler/gems/x-abc/x.gemspec", 0o644, false},
		{"usr/local/bundle/myspecifications/a.gemspec", 0o644, false},
		{"usr/local/bundle/specifications/other/a.gemspec", 0o644, false},
		{"srv/app/Gemfile.lock", 0o644, true},
		{"Gemfile.lock", 0o644, true},
		{"srv/app/gems.locked", 0o644, true},
		{"srv/app/Gemfile", 0o644, false},
	}
	a := ruby.New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), tt.path)
	}
	assert.Equal(t, "ruby", a.Name())
}

func TestAnalyzeErrors(t *testing.T) {
	t.Run("gemspec error names the file", func(t *testing.T) {
		const path = "usr/local/bundle/specifications/x.gemspec"
		pkgs, err := analyze(t, ruby.New(), file(path, "s.name = \"x\"\n"), file("usr/local/bundle/specifications/rake-13.1.0.gemspec", readTestdata(t, "rake-13.1.0.gemspec")))
		require.Len(t, pkgs, 1)
		assert.Equal(t, "rake", pkgs[0].Name)
		var fe *scan.FileError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, path, fe.Path)
		assert.ErrorIs(t, err, ruby.ErrNoGem)
	})
	t.Run("larger than WithMaxFileBytes", func(t *testing.T) {
		_, err := analyze(t, ruby.New(ruby.WithMaxFileBytes(10)), file("Gemfile.lock", readTestdata(t, "Gemfile.lock")))
		require.ErrorIs(t, err, scan.ErrTooLarge)
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		_, err := analyze(t, ruby.New(), scan.NewFile("Gemfile.lock", 0o644, 100, io.MultiReader(strings.NewReader("GEM\n"), iotest.ErrReader(boom))))
		require.ErrorIs(t, err, boom)
	})
}

// TestScanImage runs the analyzer through a real scan: gems installed by
// two layers, one gem upgraded in the second.
func TestScanImage(t *testing.T) {
	const dir = "usr/local/bundle/specifications/"
	rake := readTestdata(t, "rake-13.1.0.gemspec")
	rake2 := strings.ReplaceAll(rake, "13.1.0", "13.2.1")
	img := testimage.Image(
		[]testimage.Entry{
			testimage.File(dir+"rake-13.1.0.gemspec", rake),
			testimage.File(dir+"default/json-2.6.3.gemspec", readTestdata(t, "json-2.6.3.gemspec")),
		},
		[]testimage.Entry{
			testimage.Whiteout(dir + "rake-13.1.0.gemspec"),
			testimage.File(dir+"rake-13.2.1.gemspec", rake2),
			testimage.File(dir+"nokogiri-1.15.4-x86_64-linux.gemspec", readTestdata(t, "nokogiri-1.15.4-x86_64-linux.gemspec")),
			testimage.File("srv/app/Gemfile.lock", readTestdata(t, "Gemfile.lock")),
		},
	)
	sc, err := scan.New(scan.WithAnalyzers(ruby.New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)
	got := map[string]int{}
	for _, p := range rep.Packages {
		if strings.HasPrefix(p.Paths[0], dir) {
			got[p.Name+"@"+p.Version] = p.Layer.Index
		} else {
			assert.Equal(t, 1, p.Layer.Index, p.Name)
		}
	}
	assert.Equal(t, map[string]int{"json@2.6.3": 0, "rake@13.2.1": 1, "nokogiri@1.15.4": 1}, got)
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, "rake", rep.Removed[0].Name)
	assert.Equal(t, "13.1.0", rep.Removed[0].Version)
}

// truncatedLock is the test lock file cut in the middle of a spec line.
func truncatedLock(t *testing.T) string {
	s := readTestdata(t, "Gemfile.lock")
	i := strings.Index(s, "    concurrent-ruby (1.2.2)")
	require.Positive(t, i)
	return s[:i+20]
}
