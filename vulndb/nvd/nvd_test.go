package nvd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
)

func fetchPath(t testing.TB, path string, opts ...Option) (map[string]vulndb.Vulnerability, *Source) {
	t.Helper()
	src, err := New(append([]Option{WithPath(path)}, opts...)...)
	require.NoError(t, err)
	got := map[string]vulndb.Vulnerability{}
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		got[v.ID] = v
		return nil
	})
	require.NoError(t, err)
	return got, src
}

// want is what a raw CVE object (read generically) says about the fields
// that map to ours.
type want struct {
	id       string
	vectors  map[string]float64 // vector+" "+source → score
	cpes     map[string][]vulndb.CPEMatch
	cwes     []string
	details  string
	rejected bool
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// wantAPI reads a raw API 2.0 CVE object.
func wantAPI(t *testing.T, cve map[string]any) want {
	t.Helper()
	w := want{id: str(cve, "id"), vectors: map[string]float64{}, cpes: map[string][]vulndb.CPEMatch{}}
	w.rejected = str(cve, "vulnStatus") == "Rejected"
	for _, d := range cve["descriptions"].([]any) {
		dm := d.(map[string]any)
		if str(dm, "lang") == "en" && w.details == "" {
			w.details = strings.TrimSpace(str(dm, "value"))
		}
	}
	metrics, _ := cve["metrics"].(map[string]any)
	for _, key := range []string{"cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"} {
		list, _ := metrics[key].([]any)
		for _, m := range list {
			mm := m.(map[string]any)
			data := mm["cvssData"].(map[string]any)
			src := str(mm, "source")
			if str(mm, "type") == "Primary" {
				src = "nvd"
			}
			w.vectors[str(data, "vectorString")+" "+src] = data["baseScore"].(float64)
		}
	}
	if ws, ok := cve["weaknesses"].([]any); ok {
		for _, x := range ws {
			for _, d := range x.(map[string]any)["description"].([]any) {
				v := str(d.(map[string]any), "value")
				if strings.HasPrefix(v, "CWE-") && !contains(w.cwes, v) {
					w.cwes = append(w.cwes, v)
				}
			}
		}
	}
	if cfgs, ok := cve["configurations"].([]any); ok {
		for _, c := range cfgs {
			for _, n := range c.(map[string]any)["nodes"].([]any) {
				nm := n.(map[string]any)
				if neg, _ := nm["negate"].(bool); neg {
					continue
				}
				for _, m := range nm["cpeMatch"].([]any) {
					addMatch(w.cpes, m.(map[string]any), "criteria")
				}
			}
		}
	}
	return w
}

// splitCPE splits a CPE 2.3 string at colons not escaped by a backslash.
func splitCPE(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func addMatch(cpes map[string][]vulndb.CPEMatch, mm map[string]any, critKey string) {
	if v, _ := mm["vulnerable"].(bool); !v {
		return
	}
	crit := str(mm, critKey)
	parts := splitCPE(crit)
	name := parts[3] + ":" + parts[4]
	m := vulndb.CPEMatch{
		Criteria:              crit,
		VersionStartIncluding: str(mm, "versionStartIncluding"),
		VersionStartExcluding: str(mm, "versionStartExcluding"),
		VersionEndIncluding:   str(mm, "versionEndIncluding"),
		VersionEndExcluding:   str(mm, "versionEndExcluding"),
	}
	for _, x := range cpes[name] {
		if x == m {
			return
		}
	}
	cpes[name] = append(cpes[name], m)
}

// check compares a converted record with what its raw object says.
func check(t *testing.T, w want, v vulndb.Vulnerability) {
	t.Helper()
	assert.Equal(t, w.id, v.ID)
	assert.Equal(t, w.details, v.Details, w.id)
	assert.Equal(t, w.rejected, v.IsWithdrawn(), w.id)
	got := map[string]float64{}
	for _, c := range v.Severity {
		got[c.Vector+" "+c.Source] = c.Score
		assert.Contains(t, []string{"CVSS_V2", "CVSS_V3", "CVSS_V4"}, c.Type)
	}
	assert.Equal(t, w.vectors, got, "%s: vectors, sources and scores", w.id)
	gotCPE := map[string][]vulndb.CPEMatch{}
	for _, a := range v.Affected {
		assert.Equal(t, vulndb.EcosystemNVD, a.Package.Ecosystem)
		gotCPE[a.Package.Name] = a.CPEs
	}
	assert.Equal(t, w.cpes, gotCPE, "%s: CPE matches by vendor:product", w.id)
	assert.ElementsMatch(t, w.cwes, v.CWEs, w.id)
	if len(w.vectors) > 0 {
		assert.NotNil(t, v.Rating, "%s: a record with CVSS has a rating", w.id)
	}
}

// TestOSVDevAPIFixtures imports every NVD API 2.0 response among osv.dev's
// test data and checks each against its raw file.
func TestOSVDevAPIFixtures(t *testing.T) {
	dir := shareddata.Path(t, "feeds", "nvd-osvdev-fixtures", "nvdcve-2.0")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	got, src := fetchPath(t, dir)
	n, reasons := src.Skipped()
	assert.Zero(t, n, "%v", reasons)
	total := 0
	for _, f := range files {
		var page map[string]any
		require.NoError(t, json.Unmarshal(readFile(t, f), &page))
		for _, it := range page["vulnerabilities"].([]any) {
			cve := it.(map[string]any)["cve"].(map[string]any)
			total++
			w := wantAPI(t, cve)
			assert.Equal(t, strings.TrimSuffix(filepath.Base(f), ".json"), w.id)
			check(t, w, got[w.id])
		}
	}
	assert.Len(t, got, total)
	t.Logf("osv.dev NVD 2.0 fixtures: %d files, %d records, %d skipped", len(files), len(got), n)

	// xz: two exact-version matches, no bounds, and a critical rating.
	xz := got["CVE-2024-3094"]
	require.Len(t, xz.Affected, 1)
	assert.Equal(t, "tukaani:xz", xz.Affected[0].Package.Name)
	assert.Equal(t, []vulndb.CPEMatch{{Criteria: "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*"}, {Criteria: "cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*"}}, xz.Affected[0].CPEs)
	assert.Equal(t, &vulndb.Rating{Severity: vulndb.Critical, Source: "nvd"}, xz.Rating)
}

// wantLegacy reads a raw 1.1 CVE item.
func wantLegacy(t *testing.T, it map[string]any) want {
	t.Helper()
	cve := it["cve"].(map[string]any)
	w := want{id: str(cve["CVE_data_meta"].(map[string]any), "ID"), vectors: map[string]float64{}, cpes: map[string][]vulndb.CPEMatch{}}
	for _, d := range cve["description"].(map[string]any)["description_data"].([]any) {
		dm := d.(map[string]any)
		if str(dm, "lang") == "en" && w.details == "" {
			w.details = strings.TrimSpace(str(dm, "value"))
			w.rejected = strings.HasPrefix(w.details, "** REJECT **")
		}
	}
	impact, _ := it["impact"].(map[string]any)
	for key, cvss := range map[string]string{"baseMetricV3": "cvssV3", "baseMetricV2": "cvssV2"} {
		if bm, ok := impact[key].(map[string]any); ok {
			data := bm[cvss].(map[string]any)
			w.vectors[str(data, "vectorString")+" nvd"] = data["baseScore"].(float64)
		}
	}
	for _, p := range cve["problemtype"].(map[string]any)["problemtype_data"].([]any) {
		for _, d := range p.(map[string]any)["description"].([]any) {
			v := str(d.(map[string]any), "value")
			if strings.HasPrefix(v, "CWE-") && !contains(w.cwes, v) {
				w.cwes = append(w.cwes, v)
			}
		}
	}
	var walk func(nodes []any)
	walk = func(nodes []any) {
		for _, n := range nodes {
			nm := n.(map[string]any)
			for _, m := range nm["cpe_match"].([]any) {
				addMatch(w.cpes, m.(map[string]any), "cpe23Uri")
			}
			if ch, ok := nm["children"].([]any); ok {
				walk(ch)
			}
		}
	}
	walk(it["configurations"].(map[string]any)["nodes"].([]any))
	return w
}

// TestLegacyFeed imports osv.dev's NVD 1.1 feed sample.
func TestLegacyFeed(t *testing.T) {
	path := shareddata.Path(t, "feeds", "nvd-osvdev-fixtures", "nvdcve-1.1-test-data.json")
	got, src := fetchPath(t, path)
	n, reasons := src.Skipped()
	assert.Zero(t, n, "%v", reasons)
	var feed map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, path), &feed))
	items := feed["CVE_Items"].([]any)
	assert.Len(t, got, len(items))
	and := 0
	for _, it := range items {
		itm := it.(map[string]any)
		w := wantLegacy(t, itm)
		check(t, w, got[w.id])
		for _, n := range itm["configurations"].(map[string]any)["nodes"].([]any) {
			if str(n.(map[string]any), "operator") == "AND" {
				and++
			}
		}
	}
	t.Logf("NVD 1.1 sample: %d items, %d records, %d AND nodes, %d skipped", len(items), len(got), and, n)

}

// TestVunnel imports vunnel's NVD fixtures and compares each record with
// vunnel's snapshot of it.
func TestVunnel(t *testing.T) {
	base := shareddata.Path(t, "feeds", "vunnel-fixtures", "nvd")
	for _, tc := range []struct{ input, snapshots string }{
		{"full-page.json", "full-page"},
		{"single-entry.json", "single-entry"},
	} {
		t.Run(tc.input, func(t *testing.T) {
			got, src := fetchPath(t, filepath.Join(base, tc.input))
			n, reasons := src.Skipped()
			assert.Zero(t, n, "%v", reasons)
			var snaps []string
			require.NoError(t, filepath.WalkDir(filepath.Join(base, "snapshots", tc.snapshots), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
					snaps = append(snaps, p)
				}
				return err
			}))
			require.NotEmpty(t, snaps)
			ids := map[string]bool{}
			withCPE := 0
			for _, p := range snaps {
				var snap struct {
					Identifier string `json:"identifier"`
					Item       struct {
						CVE map[string]any `json:"cve"`
					} `json:"item"`
				}
				require.NoError(t, json.Unmarshal(readFile(t, p), &snap))
				w := wantAPI(t, snap.Item.CVE)
				assert.True(t, strings.HasSuffix(snap.Identifier, strings.ToLower(w.id)), snap.Identifier)
				ids[w.id] = true
				v, ok := got[w.id]
				require.True(t, ok, "%s imported", w.id)
				check(t, w, v)
				if len(v.Affected) > 0 {
					withCPE++
				}
			}
			assert.Len(t, got, len(ids), "one record per snapshot")
			if v, ok := got["CVE-2022-22377"]; ok {
				// "app on platform": the app's vulnerable match stays, the
				// platforms (macOS, Windows: not vulnerable) go.
				require.Len(t, v.Affected, 1)
				assert.Equal(t, "ibm:security_verify_privilege_on-premises", v.Affected[0].Package.Name)
				assert.Equal(t, []vulndb.CPEMatch{{Criteria: "cpe:2.3:a:ibm:security_verify_privilege_on-premises:*:*:*:*:*:*:*:*", VersionEndExcluding: "11.5"}}, v.Affected[0].CPEs)
			}
			t.Logf("vunnel %s: %d records, %d with CPE configurations, %d snapshots", tc.input, len(got), withCPE, len(snaps))
		})
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func sortedKeys(m map[string]vulndb.Vulnerability) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
