package alpine

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

func fetchAll(t *testing.T, src *Source, since vulndb.Cursor) (map[string]vulndb.Vulnerability, []string, vulndb.Cursor, error) {
	t.Helper()
	got := map[string]vulndb.Vulnerability{}
	var order []string
	cur, err := src.Fetch(context.Background(), since, func(v vulndb.Vulnerability) error {
		if _, dup := got[v.ID]; dup {
			t.Errorf("record %s emitted twice", v.ID)
		}
		got[v.ID] = v
		order = append(order, v.ID)
		return nil
	})
	return got, order, cur, err
}

// secdbDir writes files (path → content) under a new directory.
func secdbDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(c), 0o644))
	}
	return dir
}

func fromFiles(t *testing.T, files map[string]string, opts ...Option) (map[string]vulndb.Vulnerability, *Source, error) {
	t.Helper()
	src, err := New(append([]Option{WithPath(secdbDir(t, files))}, opts...)...)
	require.NoError(t, err)
	got, _, _, err := fetchAll(t, src, "")
	return got, src, err
}

func affectedOf(v vulndb.Vulnerability, ecosystem, name string) *vulndb.Affected {
	for i, a := range v.Affected {
		if a.Package.Ecosystem == ecosystem && a.Package.Name == name {
			return &v.Affected[i]
		}
	}
	return nil
}

func fixedOf(a *vulndb.Affected) string {
	if a == nil {
		return ""
	}
	for _, r := range a.Ranges {
		for _, e := range r.Events {
			if e.Fixed != "" {
				return e.Fixed
			}
		}
	}
	return ""
}

// TestVunnelSnapshots checks that every record of vunnel's expected output
// for its Alpine fixture is in ours, with the same package and fixed
// version, and that we have no record vunnel lacks.
func TestVunnelSnapshots(t *testing.T) {
	base := shareddata.Path(t, "feeds", "vunnel-fixtures", "alpine")
	src, err := New(WithPath(filepath.Join(base, "input", "secdb")))
	require.NoError(t, err)
	got, _, _, err := fetchAll(t, src, "")
	require.NoError(t, err)
	n, reasons := src.Skipped()
	assert.Zero(t, n, reasons)

	files, err := filepath.Glob(filepath.Join(base, "snapshots", "*", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 16)
	want := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var rec struct {
			Item struct {
				Vulnerability struct {
					Name, NamespaceName, Severity string
					FixedIn                       []struct{ Name, Version, NamespaceName string }
				}
			} `json:"item"`
		}
		require.NoError(t, json.Unmarshal(b, &rec), f)
		vv := rec.Item.Vulnerability
		want[vv.Name] = true
		eco := "Alpine:v" + strings.TrimPrefix(vv.NamespaceName, "alpine:")
		ours, ok := got[vv.Name]
		require.True(t, ok, "%s: %s missing", f, vv.Name)
		assert.Equal(t, "Unknown", vv.Severity, "the secdb has no severity")
		assert.Nil(t, ours.Rating)
		require.Len(t, vv.FixedIn, 1, f)
		a := affectedOf(ours, eco, vv.FixedIn[0].Name)
		require.NotNil(t, a, "%s: %s in %s", f, vv.FixedIn[0].Name, eco)
		assert.Equal(t, vulndb.StatusFixed, a.Status)
		assert.Equal(t, vv.FixedIn[0].Version, fixedOf(a), f)
		assert.Nil(t, a.Rating)
		assert.Len(t, ours.Affected, 1, f)
	}
	for id := range got {
		assert.True(t, want[id], "we have %s, vunnel does not", id)
	}
}

// TestSecdb2020 imports every file of the 2020 copy of the secdb. The
// totals were computed independently with PyYAML (BaseLoader, so versions
// keep their spelling), the regular expression ^[0-9][0-9a-z._]*(-r[0-9]*)?$
// for what apk-tools 2 accepted, and one for CVE/XSA/TALOS/ZBX/wnpa-sec
// IDs: 2474 IDs, 11866 (release, package, ID) entries, 8 versions that are
// not apk versions (all with a second dash: "57-1-r2", "2.7.16-33").
func TestSecdb2020(t *testing.T) {
	dir := shareddata.Path(t, "feeds", "alpine-secdb-2020")
	src, err := New(WithPath(dir))
	require.NoError(t, err)
	got, order, cur, err := fetchAll(t, src, "")
	require.NoError(t, err)
	assert.Len(t, got, 2474)
	entries := 0
	releases := map[string]int{}
	for _, v := range got {
		entries += len(v.Affected)
		for _, a := range v.Affected {
			releases[a.Package.Ecosystem]++
			assert.Empty(t, a.Rating)
		}
	}
	assert.Equal(t, 11866, entries)
	assert.Len(t, releases, 9, "v3.3 … v3.11")
	assert.True(t, sortedStrings(order))

	n, reasons := src.Skipped()
	t.Logf("skipped %d: %s", n, strings.Join(reasons, "; "))
	joined := strings.Join(reasons, "\n")
	assert.Contains(t, joined, "invalid fixed version: 8 (first: ")
	assert.Contains(t, joined, "version lists no ID: 1 (first: ")
	assert.Contains(t, joined, "heimdal 7.4.0-r0")
	assert.Contains(t, joined, "text beside an ID ignored: ")

	// Spot checks of entries the parser has to work for.
	tests := []struct {
		id, eco, pkg, fixed string
		aliases             []string
	}{
		{"CVE-2018-14468", "Alpine:v3.10", "tcpdump", "4.9.3-r0", nil}, // "CVE-2018-14468 (FrameRelay)"
		{"CVE-2019-5060", "Alpine:v3.10", "sdl2_image", "2.0.5-r0", []string{"TALOS-2019-0844"}},
		{"CVE-2019-2426", "Alpine:v3.10", "openjdk7", "7.211.2.6.17-r0", nil}, // spelled CVE_2019-2426
		{"CVE-2017-17434", "Alpine:v3.10", "rsync", "3.1.2-r7", nil},          // CVE-2017-17434-1 and -2
		{"CVE-2018-16859", "Alpine:v3.9", "ansible", "", nil},                 // "CVE 2018-16859"
		{"XSA-207", "Alpine:v3.10", "xen", "4.7.1-r5", nil},
		{"XSA-284", "Alpine:v3.9", "xen", "", nil},                        // "CVE-????-?????  XSA-284"
		{"CVE-2017-10965", "Alpine:v3.3", "irssi", "0.8.21.r2", nil},      // apk-tools 2 accepted it
		{"CVE-2020-7247", "Alpine:v3.11", "opensmtpd", "6.6.2p1-r0", nil}, // likewise
	}
	for _, tt := range tests {
		v, ok := got[tt.id]
		if !assert.True(t, ok, tt.id) {
			continue
		}
		a := affectedOf(v, tt.eco, tt.pkg)
		if !assert.NotNil(t, a, "%s %s %s", tt.id, tt.eco, tt.pkg) {
			continue
		}
		if tt.fixed != "" {
			assert.Equal(t, tt.fixed, fixedOf(a), tt.id)
		}
		for _, al := range tt.aliases {
			assert.Contains(t, v.Aliases, al, tt.id)
		}
	}
	assert.Equal(t, []vulndb.Reference{{Type: "ADVISORY", URL: "https://security.alpinelinux.org/vuln/CVE-2019-5060"}}, got["CVE-2019-5060"].References)
	assert.Empty(t, got["XSA-207"].References)
	assert.Nil(t, affectedOf(got["CVE-2016-7415"], "Alpine:v3.4", "icu"), "57-1-r2 is no apk version")

	// The same files again: unchanged.
	_, _, _, err = fetchAll(t, src, cur)
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)

	// Only some releases.
	some, err := New(WithPath(dir), WithReleases("v3.10", "3.11", "v3.99"))
	require.NoError(t, err)
	got, _, _, err = fetchAll(t, some, "")
	require.NoError(t, err)
	_, reasons = some.Skipped()
	assert.Contains(t, strings.Join(reasons, "\n"), "release missing from the local copy: 1 (first: "+filepath.Join(dir, "v3.99")+")")
	for _, v := range got {
		for _, a := range v.Affected {
			assert.Contains(t, []string{"Alpine:v3.10", "Alpine:v3.11"}, a.Package.Ecosystem)
		}
	}
}

func sortedStrings(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// TestJSONMatchesYAML converts the 2020 YAML files to JSON, as the secdb
// serves them today, and checks both read the same.
func TestJSONMatchesYAML(t *testing.T) {
	dir := shareddata.Path(t, "feeds", "alpine-secdb-2020")
	yamls, err := filepath.Glob(filepath.Join(dir, "v3.1*", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, yamls)
	jsonDir, yamlDir := t.TempDir(), t.TempDir()
	for _, y := range yamls {
		b, err := os.ReadFile(y)
		require.NoError(t, err)
		var doc any
		require.NoError(t, yaml.Unmarshal(b, &doc))
		rel := filepath.Base(filepath.Dir(y))
		repo := strings.TrimSuffix(filepath.Base(y), ".yaml")
		j, err := json.Marshal(stringKeys(doc))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(jsonDir, rel), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(jsonDir, rel, repo+".json"), j, 0o644))
		require.NoError(t, os.MkdirAll(filepath.Join(yamlDir, rel), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(yamlDir, rel, repo+".yaml"), b, 0o644))
	}
	read := func(d string) (map[string]vulndb.Vulnerability, int) {
		src, err := New(WithPath(d))
		require.NoError(t, err)
		got, _, _, err := fetchAll(t, src, "")
		require.NoError(t, err)
		n, _ := src.Skipped()
		return got, n
	}
	fromJSON, nj := read(jsonDir)
	fromYAML, ny := read(yamlDir)
	assert.Equal(t, ny, nj)
	assert.Equal(t, len(fromYAML), len(fromJSON))
	for id, v := range fromYAML {
		assert.Equal(t, v, fromJSON[id], id)
	}
}

// stringKeys makes a YAML value JSON-encodable, turning map keys into
// strings. Versions the YAML decoder read as numbers are not in v3.1x.
func stringKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = stringKeys(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = stringKeys(e)
		}
		return x
	}
	return v
}

func TestParseIDs(t *testing.T) {
	tests := []struct {
		text    string
		ids     []string
		aliases []string
		extra   bool
	}{
		{"CVE-2019-1234", []string{"CVE-2019-1234"}, nil, false},
		{"CVE-2019-12345678", []string{"CVE-2019-12345678"}, nil, false},
		{"cve-2019-1234", []string{"CVE-2019-1234"}, nil, false},
		{"CVE_2019-2426", []string{"CVE-2019-2426"}, nil, false},
		{"CVE 2018-16859", []string{"CVE-2018-16859"}, nil, false},
		{"CVE-2019-5060 TALOS-2019-0844", []string{"CVE-2019-5060"}, []string{"TALOS-2019-0844"}, false},
		{"CVE-2016-6258 XSA-182", []string{"CVE-2016-6258"}, []string{"XSA-182"}, false},
		{"XSA-207", []string{"XSA-207"}, nil, false},
		{"CVE-????-?????  XSA-284", []string{"XSA-284"}, nil, true},
		{"CVE-2018-14468 (FrameRelay)", []string{"CVE-2018-14468"}, nil, true},
		{"CVE-2017-17434-1", []string{"CVE-2017-17434"}, nil, true},
		{"CVE-2019-1234.patch", []string{"CVE-2019-1234"}, nil, true},
		{"CVE-2017-5753 CVE-2017-5715 XSA-254 XPTI", []string{"CVE-2017-5753", "CVE-2017-5715"}, []string{"XSA-254"}, true},
		{"GHSA-jfh8-c2jp-5v3q", []string{"GHSA-jfh8-c2jp-5v3q"}, nil, false},
		{"wnpa-sec-2019-10 ZBX-16532", []string{"wnpa-sec-2019-10"}, []string{"ZBX-16532"}, false},
		{"CVE-2019-123", nil, nil, true},
		{"CVE-19-12345", nil, nil, true},
		{"just words", nil, nil, true},
		{"", nil, nil, false},
		{"CVE-2019-1234 CVE-2019-1234", []string{"CVE-2019-1234"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			ids, aliases, extra := parseIDs(tt.text)
			assert.Equal(t, tt.ids, ids)
			assert.Equal(t, tt.aliases, aliases)
			assert.Equal(t, tt.extra, extra)
		})
	}
}

func TestRecordsAndFixes(t *testing.T) {
	main := `packages:
  - pkg:
      name: zlib
      secfixes:
        1.2.12-r0:
          - CVE-2018-25032
        1.2.12-r2:
          - CVE-2018-25032
        0:
          - CVE-2000-0001
  - pkg:
      name: curl
      secfixes:
        0:
          - CVE-2018-25032
        7.1-r0:
          - CVE-2018-25032
        1.10-r0: CVE-2020-0002
`
	got, src, err := fromFiles(t, map[string]string{
		"v3.9/main.yaml":      main,
		"v3.10/main.yaml":     main,
		"edge/community.json": `{"packages":[{"pkg":{"name":"zlib","secfixes":{"1.3-r0":["CVE-2018-25032"]}}}]}`,
		"notarelease/x.yaml":  "ignored",
	})
	require.NoError(t, err)
	v := got["CVE-2018-25032"]
	var keys []string
	for _, a := range v.Affected {
		keys = append(keys, a.Package.Ecosystem+" "+a.Package.Name+" "+fixedOf(&a))
	}
	assert.Equal(t, []string{
		"Alpine:v3.9 curl 7.1-r0", // a fix wins over "0"
		"Alpine:v3.9 zlib 1.2.12-r2",
		"Alpine:v3.10 curl 7.1-r0",
		"Alpine:v3.10 zlib 1.2.12-r2", // the highest of two listings
		"Alpine:edge zlib 1.3-r0",
	}, keys)
	na := got["CVE-2000-0001"].Affected[0]
	assert.Equal(t, vulndb.StatusNotAffected, na.Status)
	assert.Empty(t, na.Ranges)
	assert.Equal(t, "1.10-r0", fixedOf(affectedOf(got["CVE-2020-0002"], "Alpine:v3.9", "curl")), "a version keeps its spelling")
	n, reasons := src.Skipped()
	assert.Equal(t, 3, n, "v3.9, v3.10 and edge lack one repository each")
	assert.Contains(t, strings.Join(reasons, "\n"), "file missing from the local copy: 3")
}

func TestSkips(t *testing.T) {
	got, src, err := fromFiles(t, map[string]string{
		"v3.20/main.json": `{"packages":[
			{"pkg":{"name":"ok","secfixes":{"1.0-r0":["CVE-2024-0001"]}}},
			{"pkg":{"name":"bad name","secfixes":{"1.0-r0":["CVE-2024-0002"]}}},
			{"pkg":"nope"},
			{"pkg":{"name":"p","secfixes":{"1-2-3":["CVE-2024-0003"],"2.0-r0":[1],"3.0-r0":null,"4.0-r0":["no id here"],"5.0-r0":{"a":1}}}}
		]}`,
		"v3.20/community.yaml": `packages:
  - pkg:
      name: q
      secfixes: [1, 2]
  - pkg: {}
  - other: 1
  - &anchor
    pkg:
      name: r
      secfixes:
        1.0-r0: [CVE-2024-0004]
  - *anchor
  - pkg:
      name: s
      secfixes:
        ? [a, b]
        : [CVE-2024-0005]
        2.0-r0: [*anchor]
`,
	})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"CVE-2024-0001", "CVE-2024-0004"}, keysOf(got))
	n, reasons := src.Skipped()
	joined := strings.Join(reasons, "\n")
	t.Log(joined)
	for _, r := range []string{
		`invalid package name: 1`,
		"malformed package entry: 4", // {"pkg":"nope"}, pkg: {}, other: 1, *anchor
		"invalid fixed version: 1",
		"malformed ID list: 3", // [1], {"a":1}, [*x]
		"version lists no ID: 1",
		"no known ID in entry: 1",
		"malformed secfixes: 1",
		"malformed secfixes version: 1",
	} {
		assert.Contains(t, joined, r)
	}
	assert.Equal(t, 13, n)
}

func keysOf(m map[string]vulndb.Vulnerability) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestBadFiles(t *testing.T) {
	ok := `{"packages":[{"pkg":{"name":"ok","secfixes":{"1.0-r0":["CVE-2024-0001"]}}}]}`
	tests := []struct {
		name, file, content, err string
	}{
		{"yaml syntax", "v3.20/main.yaml", "packages:\n  - pkg: [\n", "main.yaml: yaml: line"},
		{"yaml list", "v3.20/main.yaml", "- a\n- b\n", "not a mapping"},
		{"yaml empty", "v3.20/main.yaml", "", "empty file"},
		{"yaml packages map", "v3.20/main.yaml", "packages:\n  a: 1\n", "line 2: packages is not a list"},
		{"json syntax", "v3.20/main.json", "{\n\"packages\": [\n}", "main.json: not a secdb file: line 3"},
		{"json list", "v3.20/main.json", "[]", "not a secdb file"},
		{"json trailing", "v3.20/main.json", ok + "{}", "data after"},
		{"json packages object", "v3.20/main.json", `{"packages":{}}`, "packages is not a list"},
		{"nothing", "v3.20/main.json", `{"packages":[]}`, "no usable record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{tt.file: tt.content}
			if tt.name != "nothing" {
				files["v3.19/main.json"] = ok
			}
			_, _, err := fromFiles(t, files)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.True(t, strings.HasPrefix(err.Error(), "alpine: "), err.Error())
		})
	}
	_, _, err := fromFiles(t, map[string]string{"v3.20/README": "x"})
	assert.ErrorContains(t, err, "no secdb file")
	_, err = New(WithReleases("3"))
	assert.ErrorContains(t, err, `"3" is not a release`)
	_, _, err = fromFiles(t, map[string]string{"v3.20/main.json": ok}, WithMaxBytes(10))
	assert.ErrorIs(t, err, feedinput.ErrTooLarge)
}

// secdbServer serves files by path and answers 304 to a matching ETag.
type secdbServer struct {
	mu    sync.Mutex
	files map[string]string
	log   []string
}

func (s *secdbServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, ok := s.files[r.URL.Path]
	sum := sha256.Sum256([]byte(body))
	tag := `"` + hex.EncodeToString(sum[:8]) + `"`
	cond := r.Header.Get("If-None-Match")
	s.log = append(s.log, r.URL.Path+" "+cond)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if cond == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", tag)
	w.Write([]byte(body))
}

func (s *secdbServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.log
	s.log = nil
	return out
}

func TestHTTP(t *testing.T) {
	srv := &secdbServer{files: map[string]string{
		"/secdb/v3.20/main.json":      `{"packages":[{"pkg":{"name":"a","secfixes":{"1.0-r0":["CVE-2024-0001"]}}}]}`,
		"/secdb/v3.20/community.json": `{"packages":[{"pkg":{"name":"b","secfixes":{"1.0-r0":["CVE-2024-0002"]}}}]}`,
		"/secdb/edge/main.json":       `{"packages":[{"pkg":{"name":"a","secfixes":{"1.1-r0":["CVE-2024-0001"]}}}]}`,
	}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	src, err := New(WithURL(ts.URL+"/secdb"), WithReleases("v3.20", "edge"), WithClient(fetch.New(fetch.WithRetries(0))))
	require.NoError(t, err)

	got, _, cur, err := fetchAll(t, src, "")
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.Len(t, got["CVE-2024-0001"].Affected, 2)
	assert.Len(t, srv.requests(), 4)
	n, reasons := src.Skipped()
	assert.Equal(t, 1, n)
	assert.Contains(t, reasons[0], "file not published: 1 (first: "+ts.URL+"/secdb/edge/community.json)")

	// Nothing changed: four conditional requests, no records.
	_, _, cur2, err := fetchAll(t, src, cur)
	require.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.Empty(t, cur2)
	reqs := srv.requests()
	require.Len(t, reqs, 4)
	for _, r := range reqs {
		if !strings.Contains(r, "edge/community") {
			assert.Contains(t, r, `"`, "conditional: %s", r)
		}
	}

	// One file changed: the unchanged ones are fetched again in full, as
	// the source emits the whole secdb.
	srv.mu.Lock()
	srv.files["/secdb/edge/main.json"] = `{"packages":[{"pkg":{"name":"a","secfixes":{"1.2-r0":["CVE-2024-0001"]}}}]}`
	srv.mu.Unlock()
	got, _, cur3, err := fetchAll(t, src, cur)
	require.NoError(t, err)
	assert.Len(t, got, 2, "records from unchanged files are emitted too")
	assert.Equal(t, "1.2-r0", fixedOf(affectedOf(got["CVE-2024-0001"], "Alpine:edge", "a")))
	assert.Len(t, srv.requests(), 4+2, "two unchanged files fetched again")
	assert.NotEqual(t, cur, cur3)

	// A file that disappears is a change too.
	srv.mu.Lock()
	delete(srv.files, "/secdb/v3.20/community.json")
	srv.mu.Unlock()
	got, _, _, err = fetchAll(t, src, cur3)
	require.NoError(t, err)
	assert.NotContains(t, got, "CVE-2024-0002")

	// Server errors are errors; no data is half-emitted as a snapshot.
	srv.mu.Lock()
	srv.files = map[string]string{}
	srv.mu.Unlock()
	_, _, _, err = fetchAll(t, src, "")
	assert.ErrorContains(t, err, "none of the releases' files exists")
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }))
	defer broken.Close()
	src2, err := New(WithURL(broken.URL), WithClient(fetch.New(fetch.WithRetries(0))))
	require.NoError(t, err)
	_, _, _, err = fetchAll(t, src2, "")
	var se *fetch.StatusError
	assert.ErrorAs(t, err, &se)
}

func TestEmitErrorAndDefaults(t *testing.T) {
	dir := secdbDir(t, map[string]string{"v3.20/main.json": `{"packages":[{"pkg":{"name":"a","secfixes":{"1.0-r0":["CVE-2024-0001"]}}}]}`})
	src, err := New(WithPath(dir))
	require.NoError(t, err)
	stop := errors.New("stop")
	_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return stop })
	assert.Equal(t, stop, err)

	d, err := New()
	require.NoError(t, err)
	assert.Equal(t, "alpine", d.Name())
	assert.True(t, d.Snapshot())
	assert.Equal(t, DefaultReleases(), d.opts.releases)
	assert.Equal(t, "https://secdb.alpinelinux.org/", d.opts.URL)
	assert.Equal(t, []string{"v3.14", "v3.15", "v3.16", "v3.17", "v3.18", "v3.19", "v3.20", "v3.21", "v3.22", "edge"}, DefaultReleases())
}

func TestCompareReleases(t *testing.T) {
	rels := []string{"edge", "v3.10", "v3.9", "v4.0", "v3.100", "v3.09"}
	want := []string{"v3.09", "v3.9", "v3.10", "v3.100", "v4.0", "edge"}
	sortFn := func(s []string) {
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				if compareReleases(s[j], s[i]) < 0 {
					s[i], s[j] = s[j], s[i]
				}
			}
		}
	}
	sortFn(rels)
	assert.Equal(t, want, rels)
}

func TestGzipFile(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"packages":[{"pkg":{"name":"a","secfixes":{"1.0-r0":["CVE-2024-0001"]}}}]}`))
	zw.Close()
	got, _, err := fromFiles(t, map[string]string{"v3.20/main.json.gz": buf.String()})
	require.NoError(t, err)
	assert.Contains(t, got, "CVE-2024-0001")
}
