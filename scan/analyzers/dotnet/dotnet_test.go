package dotnet_test

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
	"github.com/portcullis-oci/portcullis/scan/analyzers/dotnet"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func analyze(t *testing.T, a *dotnet.Analyzer, files ...*scan.File) ([]scan.Package, error) {
	t.Helper()
	return a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), files...))
}

func file(path, content string) *scan.File {
	return scan.NewFile(path, 0o644, int64(len(content)), strings.NewReader(content))
}

func purls(pkgs []scan.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.PURL.String())
	}
	return out
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name, path, fixture string
		want                []string
	}{
		{
			name: "deps.json", path: "app/WebApp.deps.json", fixture: "webapp.deps.json",
			want: []string{
				"pkg:nuget/Newtonsoft.Json@13.0.3",
				"pkg:nuget/Serilog.AspNetCore@8.0.0", // sorted by key: "." before "/"
				"pkg:nuget/Serilog@3.1.1",
				"pkg:nuget/System.Text.Encodings.Web@4.7.2",
			},
		},
		{
			name: "packages.lock.json", path: "src/MyApp/packages.lock.json", fixture: "packages.lock.json",
			want: []string{
				"pkg:nuget/Microsoft.Extensions.DependencyInjection@6.0.0",
				"pkg:nuget/Microsoft.Extensions.Logging@6.0.0",
				"pkg:nuget/Microsoft.Extensions.Logging@8.0.0",
				"pkg:nuget/Newtonsoft.Json@13.0.1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := dotnet.New()
			require.True(t, a.Match(tt.path, 0o644))
			pkgs, err := analyze(t, a, file(tt.path, readTestdata(t, tt.fixture)))
			require.NoError(t, err)
			assert.Equal(t, tt.want, purls(pkgs))
			for _, p := range pkgs {
				assert.Equal(t, scan.TypeNuGet, p.Type)
				assert.Equal(t, []string{tt.path}, p.Paths)
				assert.Equal(t, p.PURL.Name, p.Name)
				assert.Equal(t, p.PURL.Version, p.Version)
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
		{"app/WebApp.deps.json", 0o644, true},
		{"WebApp.deps.json", 0o644, true},
		{"usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json", 0o644, true},
		{"src/packages.lock.json", 0o644, true},
		{"app/.deps.json", 0o644, false},
		{"app/WebApp.runtimeconfig.json", 0o644, false},
		{"app/WebApp.deps.json", fs.ModeSymlink | 0o777, false},
		{"app/WebApp.csproj", 0o644, false},
		{"src/mypackages.lock.json.bak", 0o644, false},
	}
	a := dotnet.New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), tt.path)
	}
	assert.Equal(t, "dotnet", a.Name())
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		content string
		want    []string
		errIs   error
		errHas  []string
	}{
		{name: "truncated", path: "a.deps.json", content: readTestdata(t, "webapp.deps.json")[:500], errHas: []string{"dotnet: invalid JSON"}},
		{name: "empty", path: "a.deps.json", content: "", errHas: []string{"dotnet: invalid JSON"}},
		{name: "binary", path: "packages.lock.json", content: "MZ\x90\x00", errHas: []string{"dotnet: invalid JSON at byte 1"}},
		{name: "no libraries", path: "a.deps.json", content: `{"targets":{}}`, errIs: dotnet.ErrNotDotnet},
		{name: "libraries an array", path: "a.deps.json", content: `{"libraries":[]}`, errIs: dotnet.ErrNotDotnet},
		{name: "no dependencies", path: "packages.lock.json", content: `{"version":1}`, errIs: dotnet.ErrNotDotnet},
		{
			name: "bad library keys", path: "a.deps.json",
			content: `{"libraries":{"Good/1.0":{"type":"package"},"NoVersion":{"type":"package"},"Bad/":{"type":"package"},"A/B/C":{"type":"package"},"X/1":"string","P/1":{"type":"project"}}}`,
			want:    []string{"pkg:nuget/Good@1.0"},
			errHas:  []string{"dotnet: 4 of 6 entries skipped", `libraries["A/B/C"]: not "Name/Version"`, `libraries["X/1"]: not a library object`},
		},
		{
			name: "lock entries without versions", path: "packages.lock.json",
			content: `{"dependencies":{"net8.0":{"A":{"type":"Direct","resolved":"1.0.0"},"B":{"type":"Transitive"},"C":7}}}`,
			want:    []string{"pkg:nuget/A@1.0.0"},
			errHas:  []string{"dotnet: 2 of 3 entries skipped", `dependencies["net8.0"]["B"]: no resolved version`},
		},
		{name: "deeply nested", path: "a.deps.json", content: strings.Repeat(`{"a":`, 100000), errHas: []string{"dotnet: invalid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, dotnet.New(), file(tt.path, tt.content))
			assert.Equal(t, tt.want, purls(pkgs))
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

func TestLimits(t *testing.T) {
	t.Run("larger than WithMaxFileBytes", func(t *testing.T) {
		pkgs, err := analyze(t, dotnet.New(dotnet.WithMaxFileBytes(64)), file("a.deps.json", readTestdata(t, "webapp.deps.json")))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, scan.ErrTooLarge)
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		_, err := analyze(t, dotnet.New(), scan.NewFile("a.deps.json", 0o644, 100, io.MultiReader(strings.NewReader("{"), iotest.ErrReader(boom))))
		require.ErrorIs(t, err, boom)
	})
}

// TestScanImage runs the analyzer through a real scan: the application's
// deps.json in layer 0, replaced by an update in layer 2; the packages that
// did not change keep layer 0.
func TestScanImage(t *testing.T) {
	deps := readTestdata(t, "webapp.deps.json")
	updated := strings.ReplaceAll(deps, "Serilog/3.1.1", "Serilog/3.1.2")
	img := testimage.Image(
		[]testimage.Entry{testimage.File("app/WebApp.deps.json", deps)},
		[]testimage.Entry{testimage.File("app/README", "unrelated")},
		[]testimage.Entry{testimage.File("app/WebApp.deps.json", updated), testimage.File("src/packages.lock.json", readTestdata(t, "packages.lock.json"))},
	)
	sc, err := scan.New(scan.WithAnalyzers(dotnet.New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)
	got := map[string]int{}
	for _, p := range rep.Packages {
		got[p.Paths[0]+" "+p.Name+"@"+p.Version] = p.Layer.Index
	}
	assert.Equal(t, map[string]int{
		"app/WebApp.deps.json Newtonsoft.Json@13.0.3":                           0,
		"app/WebApp.deps.json Serilog@3.1.2":                                    2,
		"app/WebApp.deps.json Serilog.AspNetCore@8.0.0":                         0,
		"app/WebApp.deps.json System.Text.Encodings.Web@4.7.2":                  0,
		"src/packages.lock.json Microsoft.Extensions.DependencyInjection@6.0.0": 2,
		"src/packages.lock.json Microsoft.Extensions.Logging@6.0.0":             2,
		"src/packages.lock.json Microsoft.Extensions.Logging@8.0.0":             2,
		"src/packages.lock.json Newtonsoft.Json@13.0.1":                         2,
	}, got)
}
