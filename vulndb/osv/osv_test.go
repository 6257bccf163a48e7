package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// fetchAll runs one Fetch of src and returns the records by ID.
func fetchAll(t testing.TB, src *Source) (map[string]vulndb.Vulnerability, vulndb.Cursor) {
	t.Helper()
	got := map[string]vulndb.Vulnerability{}
	c, err := src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		got[v.ID] = v
		return nil
	})
	require.NoError(t, err)
	return got, c
}

// rawEvents flattens the events of a generic (JSON- or YAML-decoded) range
// into "introduced:1.0" strings.
func rawEvents(t *testing.T, rg map[string]any) []string {
	t.Helper()
	var out []string
	for _, e := range rg["events"].([]any) {
		for k, v := range e.(map[string]any) {
			out = append(out, k+":"+v.(string))
		}
	}
	return out
}

func modelEvents(evs []vulndb.Event) []string {
	var out []string
	for _, e := range evs {
		switch {
		case e.Introduced != "":
			out = append(out, "introduced:"+e.Introduced)
		case e.Fixed != "":
			out = append(out, "fixed:"+e.Fixed)
		case e.LastAffected != "":
			out = append(out, "last_affected:"+e.LastAffected)
		default:
			out = append(out, "limit:"+e.Limit)
		}
	}
	return out
}

func dedup(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestGoVulnDB imports the whole Go vulnerability database and checks every
// record against its raw file, read independently.
func TestGoVulnDB(t *testing.T) {
	dir := shareddata.Path(t, "osv", "go-vulndb", "osv")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	src, err := New(WithPath(dir))
	require.NoError(t, err)
	got, cur := fetchAll(t, src)
	n, reasons := src.Skipped()
	assert.Zero(t, n, "skips: %v", reasons)
	assert.Len(t, got, len(files), "one record per file")
	assert.Contains(t, string(cur), `"records":`)
	t.Logf("go-vulndb: %d files, %d records, %d skipped", len(files), len(got), n)

	var stdlib, toolchain, withdrawn int
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var raw map[string]any
		require.NoError(t, json.Unmarshal(b, &raw))
		id := raw["id"].(string)
		assert.Equal(t, strings.TrimSuffix(filepath.Base(f), ".json"), id)
		v, ok := got[id]
		if !assert.True(t, ok, "record %s imported", id) {
			continue
		}
		if a, ok := raw["aliases"]; ok {
			assert.Equal(t, dedup(strs(a)), v.Aliases, id, "aliases as in the file, without repeats")
		} else {
			assert.Empty(t, v.Aliases, id)
		}
		if _, ok := raw["withdrawn"]; ok {
			withdrawn++
			assert.True(t, v.IsWithdrawn(), id)
		} else {
			assert.False(t, v.IsWithdrawn(), id)
		}
		affs := raw["affected"].([]any)
		require.Len(t, v.Affected, len(affs), id)
		for i, a := range affs {
			am := a.(map[string]any)
			pkg := am["package"].(map[string]any)
			ga := v.Affected[i]
			assert.Equal(t, pkg["ecosystem"], ga.Package.Ecosystem, id)
			assert.Equal(t, pkg["name"], ga.Package.Name, id)
			switch ga.Package.Name {
			case "stdlib":
				stdlib++
			case "toolchain":
				toolchain++
			}
			rs := am["ranges"].([]any)
			require.Len(t, ga.Ranges, len(rs), id)
			fixed := false
			for j, r := range rs {
				rm := r.(map[string]any)
				assert.Equal(t, "SEMVER", ga.Ranges[j].Type, id)
				want := rawEvents(t, rm)
				assert.Equal(t, want, modelEvents(ga.Ranges[j].Events), "%s affected[%d] ranges[%d]", id, i, j)
				for _, e := range want {
					fixed = fixed || strings.HasPrefix(e, "fixed:")
				}
			}
			if fixed {
				assert.Equal(t, vulndb.StatusFixed, ga.Status, id)
			} else {
				assert.Equal(t, vulndb.StatusNotFixed, ga.Status, id)
			}
		}
	}
	assert.Positive(t, stdlib, "stdlib entries")
	assert.Positive(t, toolchain, "toolchain entries")
	assert.Positive(t, withdrawn, "withdrawn records")
	t.Logf("go-vulndb: %d stdlib entries, %d toolchain entries, %d withdrawn records", stdlib, toolchain, withdrawn)

	// Spot checks of one record, against the raw file as read above.
	v := got["GO-2022-0229"]
	assert.Equal(t, []string{"CVE-2020-7919", "GHSA-cjjc-xp8v-855w"}, v.Aliases)
	require.Len(t, v.Affected, 2)
	assert.Equal(t, "stdlib", v.Affected[0].Package.Name)
	assert.Equal(t, []string{"introduced:0", "fixed:1.12.16", "introduced:1.13.0-0", "fixed:1.13.7"}, modelEvents(v.Affected[0].Ranges[0].Events))
	assert.Equal(t, "golang.org/x/crypto", v.Affected[1].Package.Name)
	assert.Equal(t, "2022-07-06T18:23:48Z", v.Published.Format("2006-01-02T15:04:05Z07:00"))
}

// TestPyPA imports the whole PyPA advisory database (OSV as YAML).
func TestPyPA(t *testing.T) {
	dir := shareddata.Path(t, "osv", "pypa-advisory-database", "vulns")
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return err
	}))
	require.NotEmpty(t, files)

	src, err := New(WithPath(dir))
	require.NoError(t, err)
	got, _ := fetchAll(t, src)
	n, reasons := src.Skipped()
	t.Logf("pypa: %d files, %d records, %d skipped", len(files), len(got), n)
	for _, r := range reasons {
		t.Logf("  skipped: %s", r)
	}
	// Every record skipped whole is accounted for by a reason.
	skippedRecords := 0
	for _, r := range reasons {
		if strings.HasPrefix(r, "record skipped") {
			m := reasonCount.FindStringSubmatch(r)
			require.NotNil(t, m, r)
			k, err := strconv.Atoi(m[1])
			require.NoError(t, err)
			skippedRecords += k
		}
	}
	assert.Equal(t, len(files), len(got)+skippedRecords)
	assert.Less(t, skippedRecords, len(files)/100, "almost every record is usable")

	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var raw map[string]any
		require.NoError(t, yaml.Unmarshal(b, &raw))
		id := raw["id"].(string)
		assert.Equal(t, strings.TrimSuffix(filepath.Base(f), ".yaml"), id)
		v, ok := got[id]
		if !ok {
			continue
		}
		checked++
		// Names are kept as the file spells them.
		affs := raw["affected"].([]any)
		for _, ga := range v.Affected {
			found := false
			for _, a := range affs {
				pkg := a.(map[string]any)["package"].(map[string]any)
				found = found || (pkg["name"] == ga.Package.Name && pkg["ecosystem"] == ga.Package.Ecosystem)
			}
			assert.True(t, found, "%s: %s/%s as in the file", id, ga.Package.Ecosystem, ga.Package.Name)
			for _, r := range ga.Ranges {
				assert.Equal(t, "ECOSYSTEM", r.Type, "GIT ranges are dropped")
			}
		}
		_, w := raw["withdrawn"]
		assert.Equal(t, w, v.IsWithdrawn(), id)
	}
	assert.Equal(t, len(got), checked)

	// A record listing the newer branch first keeps both pairs, sorted.
	if v, ok := got["PYSEC-2017-4"]; assert.True(t, ok) {
		assert.Equal(t, []string{"introduced:2.3.0.0", "fixed:2.3.3.0", "introduced:2.4.0.0", "fixed:2.4.1.0"}, modelEvents(v.Affected[0].Ranges[0].Events))
		assert.Equal(t, vulndb.StatusFixed, v.Affected[0].Status)
		assert.NotEmpty(t, v.Affected[0].Versions)
	}
	// A withdrawn record whose only entry has neither ranges nor versions
	// is kept (withdrawn), the entry counted.
	if v, ok := got["PYSEC-2022-15"]; assert.True(t, ok) {
		assert.True(t, v.IsWithdrawn())
		assert.Empty(t, v.Affected)
	}
	// CVSS vectors are parsed and scored.
	if v, ok := got["PYSEC-2020-342"]; assert.True(t, ok) {
		require.Len(t, v.Severity, 1)
		assert.Equal(t, vulndb.CVSS{Type: vulndb.CVSSV3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Source: "pysec"}, v.Severity[0])
	}
}

// reasonCount finds the count in a reason line "why: N (first: …)".
var reasonCount = regexp.MustCompile(`: (\d+) \(first: `)

// TestRustSec imports the RustSec database only if it is OSV; the stored
// snapshot is RustSec's native format (TOML front matter in Markdown).
func TestRustSec(t *testing.T) {
	prov := string(shareddata.Read(t, "osv", "rustsec-advisory-db", "PROVENANCE.md"))
	if strings.Contains(prov, "NOT OSV") {
		t.Skip("rustsec-advisory-db is RustSec's native format (TOML in Markdown), not OSV: not imported")
	}
	src, err := New(WithPath(shareddata.Path(t, "osv", "rustsec-advisory-db")))
	require.NoError(t, err)
	got, _ := fetchAll(t, src)
	assert.NotEmpty(t, got)
}

// TestZipSameAsDir builds a zip from the Go database's files and checks it
// gives the same records as the directory.
func TestZipSameAsDir(t *testing.T) {
	dir := shareddata.Path(t, "osv", "go-vulndb", "osv")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		w, err := zw.Create(filepath.Base(f))
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	zipPath := filepath.Join(t.TempDir(), "all.zip")
	require.NoError(t, os.WriteFile(zipPath, buf.Bytes(), 0o600))

	fromDir, err := New(WithPath(dir))
	require.NoError(t, err)
	fromZip, err := New(WithPath(zipPath))
	require.NoError(t, err)
	a, _ := fetchAll(t, fromDir)
	b, _ := fetchAll(t, fromZip)
	require.Len(t, b, len(files))
	ids := make([]string, 0, len(a))
	for id := range a {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		assert.Equal(t, a[id], b[id], id)
	}
	assert.False(t, fromZip.Snapshot(), "a local zip adds to the store")
	assert.Equal(t, DefaultName, fromZip.Name())
}
