package scan_test

// Matching a real Go binary, built here against old module versions,
// against the real Go vulnerability database: the findings must be exactly
// the advisories whose ranges hold the binary's module versions, computed
// independently with golang.org/x/mod/semver (what govulncheck uses).

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/semver"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
	"github.com/portcullis-oci/portcullis/vulndb/osv"
)

// oldModules are what the test binary is built against: versions with
// published vulnerabilities.
var oldModules = map[string]string{"golang.org/x/net": "v0.7.0", "golang.org/x/text": "v0.7.0"}

// buildOldBinary builds a small program that imports old x/net and x/text
// and returns the executable. It needs the Go module proxy (or a module
// cache holding those versions); without either the test is skipped.
func buildOldBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	gomod := "module example.com/oldapp\n\ngo 1.21\n\nrequire (\n"
	for m, v := range oldModules {
		gomod += "\t" + m + " " + v + "\n"
	}
	gomod += ")\n"
	main := `package main

import (
	"fmt"
	"os"

	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

func main() {
	doc, err := html.Parse(os.Stdin)
	fmt.Println(doc != nil, err, language.English)
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644))
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir, tidy.Env = dir, env
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Skipf("cannot fetch the old modules (no module proxy?): %v\n%s", err, out)
	}
	exe := filepath.Join(dir, "oldapp")
	build := exec.Command("go", "build", "-trimpath", "-o", exe, ".")
	build.Dir, build.Env = dir, env
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return exe
}

// expectedGoVulns evaluates every Go advisory in dir against the modules
// of the binary with x/mod/semver, independently of Portcullis's parser,
// store and matcher.
func expectedGoVulns(t *testing.T, dir string, mods map[string]string) map[string][]string {
	t.Helper()
	type event struct{ Introduced, Fixed, LastAffected string }
	type record struct {
		ID        string
		Withdrawn string
		Affected  []struct {
			Package struct{ Ecosystem, Name string }
			Ranges  []struct {
				Type   string
				Events []event
			}
		}
	}
	want := map[string][]string{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		var r record
		require.NoError(t, json.Unmarshal(b, &r), e.Name())
		if r.Withdrawn != "" {
			continue
		}
		for _, a := range r.Affected {
			v, ok := mods[a.Package.Name]
			if a.Package.Ecosystem != "Go" || !ok {
				continue
			}
			hit := false
			for _, rg := range a.Ranges {
				if rg.Type != "SEMVER" {
					continue
				}
				// Events are sorted in the Go database; walk them.
				affected := false
				for _, ev := range rg.Events {
					switch {
					case ev.Introduced != "":
						if ev.Introduced == "0" || semver.Compare(v, "v"+ev.Introduced) >= 0 {
							affected = true
						}
					case ev.Fixed != "":
						if semver.Compare(v, "v"+ev.Fixed) >= 0 {
							affected = false
						}
					case ev.LastAffected != "":
						if semver.Compare(v, "v"+ev.LastAffected) > 0 {
							affected = false
						}
					}
				}
				hit = hit || affected
			}
			if hit && !slices.Contains(want[a.Package.Name], r.ID) {
				want[a.Package.Name] = append(want[a.Package.Name], r.ID)
			}
		}
	}
	for m := range want {
		slices.Sort(want[m])
	}
	return want
}

func TestGoBinaryAgainstGoVulnDB(t *testing.T) {
	dbDir := shareddata.Path(t, "osv", "go-vulndb", "osv")
	exe := buildOldBinary(t)
	bi, err := buildinfo.ReadFile(exe)
	require.NoError(t, err)
	mods := map[string]string{"stdlib": "v" + strings.TrimPrefix(strings.Fields(bi.GoVersion)[0], "go")}
	for _, d := range bi.Deps {
		mods[d.Path] = d.Version
	}
	for m, v := range oldModules {
		require.Equal(t, v, mods[m], "the binary is built against %s %s", m, v)
	}

	// The real Go database, through the OSV feed, into a store.
	st := memstore.New()
	src, err := osv.New(osv.WithPath(dbDir))
	require.NoError(t, err)
	_, err = vulndb.Update(context.Background(), st, src, nil)
	require.NoError(t, err)
	m, err := vulndb.NewMatcher(st)
	require.NoError(t, err)

	body, err := os.ReadFile(exe)
	require.NoError(t, err)
	img := testimage.Image(
		[]testimage.Entry{testimage.File("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")},
		[]testimage.Entry{{Name: "usr/local/bin/oldapp", Body: body, Mode: 0o755}},
	)
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithMatcher(m))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)

	got := map[string][]string{}
	for _, f := range rep.Findings {
		assert.Equal(t, 1, f.Layer.Index, "%s: the binary came in layer 1", f.ID)
		assert.Equal(t, scan.TypeGolang, f.Type)
		ids := append([]string{f.ID}, f.Aliases...)
		goID := ""
		for _, id := range ids {
			if strings.HasPrefix(id, "GO-") {
				goID = id
			}
		}
		require.NotEmpty(t, goID, "finding %s carries its Go advisory ID", f.ID)
		got[f.Package] = append(got[f.Package], goID)
	}
	for m := range got {
		slices.Sort(got[m])
	}
	want := expectedGoVulns(t, dbDir, mods)
	require.NotEmpty(t, want["golang.org/x/net"], "x/net v0.7.0 has known vulnerabilities")
	assert.Equal(t, want, got)
}
