package debian

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// fetchAll runs one Fetch and returns the records by ID.
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

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "debian.json")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func fromString(t *testing.T, content string, opts ...Option) (map[string]vulndb.Vulnerability, *Source, error) {
	t.Helper()
	src, err := New(append([]Option{WithPath(writeFile(t, content))}, opts...)...)
	require.NoError(t, err)
	got, _, _, err := fetchAll(t, src, "")
	return got, src, err
}

// affectedIn returns the entries of v for package name in ecosystem.
func affectedIn(v vulndb.Vulnerability, ecosystem, name string) []vulndb.Affected {
	var out []vulndb.Affected
	for _, a := range v.Affected {
		if a.Package.Ecosystem == ecosystem && a.Package.Name == name {
			out = append(out, a)
		}
	}
	return out
}

// inEcosystem returns the entries of v in ecosystem.
func inEcosystem(v vulndb.Vulnerability, ecosystem string) []vulndb.Affected {
	var out []vulndb.Affected
	for _, a := range v.Affected {
		if a.Package.Ecosystem == ecosystem {
			out = append(out, a)
		}
	}
	return out
}

func fixedOf(a vulndb.Affected) string {
	for _, r := range a.Ranges {
		for _, e := range r.Events {
			if e.Fixed != "" {
				return e.Fixed
			}
		}
	}
	return ""
}

// vunnelRecord is the part of vunnel's snapshot output we compare.
type vunnelRecord struct {
	Item struct {
		Vulnerability struct {
			Name          string
			NamespaceName string
			Severity      string
			FixedIn       []struct {
				Name           string
				Version        string
				VendorAdvisory struct{ NoAdvisory bool }
			}
		}
	} `json:"item"`
}

// TestVunnelSnapshots checks our reading of vunnel's Debian input against
// every record of vunnel's expected output: same CVE, release, package,
// fix (or none, or "not affected") and severity.
func TestVunnelSnapshots(t *testing.T) {
	base := shareddata.Path(t, "feeds", "vunnel-fixtures", "debian")
	src, err := New(WithPath(filepath.Join(base, "input", "debian.json")))
	require.NoError(t, err)
	got, _, _, err := fetchAll(t, src, "")
	require.NoError(t, err)

	// Records vunnel takes from its "legacy" inputs, not from the tracker's
	// JSON: the feed-service dump for wheezy (input/legacy, no packages in
	// any of them) and a results.db the vunnel test mocks. Neither is part
	// of the tracker, so we do not have them.
	legacy := map[string]bool{"debian:10/cve-2012-0833": true}
	var legacyDump []struct {
		Vulnerability struct{ Name, NamespaceName string }
	}
	b, err := os.ReadFile(filepath.Join(base, "input", "legacy", "vulnerabilities-debian:7-0.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &legacyDump))
	for _, l := range legacyDump {
		legacy[l.Vulnerability.NamespaceName+"/"+strings.ToLower(l.Vulnerability.Name)] = true
	}

	files, err := filepath.Glob(filepath.Join(base, "snapshots", "debian:*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	seen := map[string]bool{} // "Debian:N/ID" pairs vunnel has
	compared, skippedLegacy := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var rec vunnelRecord
		require.NoError(t, json.Unmarshal(b, &rec), f)
		vv := rec.Item.Vulnerability
		rel := strings.TrimPrefix(vv.NamespaceName, "debian:")
		eco := "Debian:" + rel
		key := vv.NamespaceName + "/" + strings.ToLower(vv.Name)
		if legacy[key] {
			assert.Empty(t, inEcosystem(got[vv.Name], eco), "legacy record %s", key)
			skippedLegacy++
			continue
		}
		seen[eco+"/"+vv.Name] = true
		ours, ok := got[vv.Name]
		if !assert.True(t, ok, "%s: record %s missing", f, vv.Name) {
			continue
		}
		require.NotEmpty(t, vv.FixedIn, f)
		best := vulndb.Severity("")
		for _, fi := range vv.FixedIn {
			as := affectedIn(ours, eco, fi.Name)
			if !assert.Len(t, as, 1, "%s: %s %s in %s", f, vv.Name, fi.Name, eco) {
				continue
			}
			a := as[0]
			switch fi.Version {
			case "None":
				want := vulndb.StatusNotFixed
				if fi.VendorAdvisory.NoAdvisory {
					want = vulndb.StatusWontFix
				}
				assert.Equal(t, want, a.Status, f)
				assert.Empty(t, fixedOf(a), f)
			case "0":
				assert.Equal(t, vulndb.StatusNotAffected, a.Status, f)
				assert.Empty(t, a.Ranges, f)
			default:
				assert.Equal(t, vulndb.StatusFixed, a.Status, f)
				assert.Equal(t, fi.Version, fixedOf(a), f)
			}
			compared++
		}
		// vunnel's severity is the worst of the record's packages in the
		// release; its Negligible is our Low, its Unknown no rating.
		for _, a := range inEcosystem(ours, eco) {
			if a.Rating != nil && a.Rating.Severity.Rank() > best.Rank() {
				best = a.Rating.Severity
			}
		}
		want := map[string]vulndb.Severity{"Negligible": vulndb.Low, "Low": vulndb.Low, "Medium": vulndb.Medium, "High": vulndb.High, "Critical": vulndb.Critical, "Unknown": ""}[vv.Severity]
		assert.Equal(t, want, best, "%s: severity %s", f, vv.Severity)
	}
	assert.Equal(t, 25, compared, "package entries compared")
	assert.Equal(t, 18, skippedLegacy, "legacy records (17 wheezy, 1 mocked results.db)")

	// And the other way: every release entry we produce is one vunnel has.
	for id, v := range got {
		for _, a := range v.Affected {
			assert.True(t, seen[a.Package.Ecosystem+"/"+id], "we have %s in %s, vunnel does not", id, a.Package.Ecosystem)
		}
	}
	// chromium-browser's CVE-2022-0358 lists its releases as [], which
	// vunnel drops too.
	n, reasons := src.Skipped()
	assert.Equal(t, 1, n)
	require.Len(t, reasons, 1)
	assert.Contains(t, reasons[0], "issue lists no release: 1 (first: chromium-browser/CVE-2022-0358)")
	assert.NotContains(t, got, "CVE-2022-0358")
}

func TestMapping(t *testing.T) {
	type want struct {
		status vulndb.FixStatus
		fixed  string
		sev    vulndb.Severity
	}
	tests := []struct {
		name    string
		release string // the release's JSON
		want    *want  // nil: skipped
		reason  string
	}{
		{"resolved", `{"status":"resolved","fixed_version":"1.2-3","urgency":"medium"}`, &want{vulndb.StatusFixed, "1.2-3", vulndb.Medium}, ""},
		{"resolved with epoch", `{"status":"resolved","fixed_version":"1:2.0-1+deb12u1","urgency":"high**"}`, &want{vulndb.StatusFixed, "1:2.0-1+deb12u1", vulndb.High}, ""},
		{"never affected", `{"status":"resolved","fixed_version":"0","urgency":"unimportant"}`, &want{vulndb.StatusNotAffected, "", vulndb.Low}, ""},
		{"open", `{"status":"open","urgency":"low"}`, &want{vulndb.StatusNotFixed, "", vulndb.Low}, ""},
		{"open, no DSA ignored", `{"status":"open","urgency":"low","nodsa":"Minor issue","nodsa_reason":"ignored"}`, &want{vulndb.StatusWontFix, "", vulndb.Low}, ""},
		{"open, no DSA postponed", `{"status":"open","urgency":"low","nodsa":"","nodsa_reason":"postponed"}`, &want{vulndb.StatusWontFix, "", vulndb.Low}, ""},
		{"open, nodsa null", `{"status":"open","nodsa":null}`, &want{vulndb.StatusNotFixed, "", ""}, ""},
		{"resolved with nodsa", `{"status":"resolved","fixed_version":"2.0-1","nodsa":"x"}`, &want{vulndb.StatusFixed, "2.0-1", ""}, ""},
		{"end of life", `{"status":"open","urgency":"end-of-life"}`, &want{vulndb.StatusNotFixed, "", ""}, ""},
		{"not yet assigned", `{"status":"resolved","fixed_version":"3-1","urgency":"not yet assigned"}`, &want{vulndb.StatusFixed, "3-1", ""}, ""},
		{"unknown urgency", `{"status":"open","urgency":"whatever"}`, &want{vulndb.StatusNotFixed, "", ""}, ""},
		{"undetermined", `{"status":"undetermined","urgency":"low"}`, nil, "status undetermined"},
		{"invalid fixed version", `{"status":"resolved","fixed_version":"not a version!"}`, nil, "invalid fixed version"},
		{"empty fixed version", `{"status":"resolved","fixed_version":""}`, nil, "invalid fixed version"},
		{"fixed version of a wrong type", `{"status":"resolved","fixed_version":12}`, nil, "malformed release entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"pkg":{"CVE-2024-0001":{"description":"d","releases":{"bookworm":` + tt.release + `}},
				"CVE-2024-0002":{"releases":{"bookworm":{"status":"resolved","fixed_version":"1-1"}}}}}`
			got, src, err := fromString(t, doc)
			require.NoError(t, err)
			n, reasons := src.Skipped()
			if tt.want == nil {
				assert.NotContains(t, got, "CVE-2024-0001")
				assert.Equal(t, 1, n)
				require.Len(t, reasons, 1)
				assert.Contains(t, reasons[0], tt.reason)
				assert.Contains(t, reasons[0], "pkg/CVE-2024-0001/bookworm")
				return
			}
			assert.Zero(t, n, reasons)
			v := got["CVE-2024-0001"]
			require.Len(t, v.Affected, 1)
			a := v.Affected[0]
			assert.Equal(t, vulndb.Package{Ecosystem: "Debian:12", Name: "pkg"}, a.Package)
			assert.Equal(t, tt.want.status, a.Status)
			assert.Equal(t, tt.want.fixed, fixedOf(a))
			switch a.Status {
			case vulndb.StatusFixed:
				assert.Equal(t, []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: tt.want.fixed}}}}, a.Ranges)
			case vulndb.StatusNotFixed, vulndb.StatusWontFix:
				assert.Equal(t, []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}}}}, a.Ranges)
			default:
				assert.Empty(t, a.Ranges)
			}
			if tt.want.sev == "" {
				assert.Nil(t, a.Rating)
			} else {
				assert.Equal(t, &vulndb.Rating{Severity: tt.want.sev, Source: "debian"}, a.Rating)
			}
		})
	}
}

func TestRecordShape(t *testing.T) {
	doc := `{
	 "openssl": {"CVE-2024-5535": {"description":"  SSL_select_next_proto overread ","debianbug":1074487,"scope":"remote",
	   "releases":{"sid":{"status":"resolved","fixed_version":"3.3.1-6","urgency":"low"},
	               "bookworm":{"status":"resolved","fixed_version":"3.0.15-1~deb12u1","urgency":"low"},
	               "bullseye":{"status":"open","urgency":"low","nodsa":"Minor issue","nodsa_reason":"postponed"}}}},
	 "openssl1.0": {"CVE-2024-5535": {"description":"other text","releases":{"stretch":{"status":"open","urgency":"end-of-life"}}},
	                "TEMP-0000000-8E4E43": {"description":"a tracker-only issue","releases":{"trixie":{"status":"open","urgency":"unimportant"}}}},
	 "ghost": {"CVE-2020-1": {"releases":{"hamm":{"status":"resolved","fixed_version":"1.0-1"},"experimental":{"status":"open"}}}}
	}`
	got, src, err := fromString(t, doc, WithRelease("experimental", "experimental"))
	require.NoError(t, err)
	n, reasons := src.Skipped()
	assert.Zero(t, n, reasons)
	require.Len(t, got, 3)
	v := got["CVE-2024-5535"]
	assert.Equal(t, "SSL_select_next_proto overread", v.Details, "the first package's description, trimmed")
	assert.Equal(t, []vulndb.Reference{
		{Type: "ADVISORY", URL: "https://security-tracker.debian.org/tracker/CVE-2024-5535"},
		{Type: "REPORT", URL: "https://bugs.debian.org/1074487"},
	}, v.References)
	var keys []string
	for _, a := range v.Affected {
		keys = append(keys, a.Package.Ecosystem+" "+a.Package.Name+" "+string(a.Status))
	}
	assert.Equal(t, []string{
		"Debian:9 openssl1.0 not-fixed",
		"Debian:11 openssl wont-fix",
		"Debian:12 openssl fixed",
		"Debian:unstable openssl fixed",
	}, keys, "one entry per release and package, ordered by release")
	assert.Contains(t, got, "TEMP-0000000-8E4E43")
	assert.Equal(t, "Debian:2.0", got["CVE-2020-1"].Affected[0].Package.Ecosystem)
	assert.Equal(t, "Debian:experimental", got["CVE-2020-1"].Affected[1].Package.Ecosystem)
}

func TestSkips(t *testing.T) {
	doc := `{
	 "good": {"CVE-2024-0001":{"releases":{"bookworm":{"status":"resolved","fixed_version":"1-1"}}}},
	 "bad id": {"CVE-2024-0002":{"releases":{"bookworm":{"status":"open"}}}},
	 "nonobject": [1,2],
	 "mixed": {"CVE-2024-0003":{"releases":{"bookworm":{"status":"open"},"potato":{"status":7},"narnia":{"status":"open"}}},
	           "not an id":{"releases":{"bookworm":{"status":"open"}}},
	           "CVE-2024-0004":{"description":5,"releases":{}},
	           "CVE-2024-0005":{"releases":"text"},
	           "CVE-2024-0006":{"releases":{}}}
	}`
	got, src, err := fromString(t, doc)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"CVE-2024-0001", "CVE-2024-0003"}, keys(got))
	require.Len(t, got["CVE-2024-0003"].Affected, 1)
	n, reasons := src.Skipped()
	assert.Equal(t, 8, n, reasons)
	joined := strings.Join(reasons, "\n")
	for _, r := range []string{
		`invalid source package name: 1 (first: "bad id")`,
		"package is not an object of issues: 1 (first: nonobject)",
		"malformed release entry: 1 (first: mixed/CVE-2024-0003/potato)",
		"unknown release code name: 1 (first: mixed/CVE-2024-0003/narnia)",
		`unrecognised issue ID: 1 (first: mixed/"not an id")`,
		"malformed issue: 1 (first: mixed/CVE-2024-0004)",
		"issue lists no release: 2",
	} {
		assert.Contains(t, joined, r)
	}
}

func keys(m map[string]vulndb.Vulnerability) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, doc, err string
	}{
		{"empty", ``, "debian.json: EOF"},
		{"array", `[]`, "not the tracker's JSON"},
		{"truncated", `{"pkg":{"CVE-2024-1":{"releases":{"sid":{"status":"open"`, `package "pkg"`},
		{"syntax", `{"pkg":{"CVE-2024-1":{"releases":{"sid":{"status" "open"}}}}}`, `package "pkg"`},
		{"trailing garbage", `{"pkg":{"CVE-2024-1":{"releases":{"sid":{"status":"open"}}}}} {}`, "data after"},
		{"nothing usable", `{}`, "no usable issue"},
		{"only skipped", `{"p":{"CVE-1-1":{"releases":{"narnia":{}}}}}`, "no usable issue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := fromString(t, tt.doc)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.Contains(t, err.Error(), "debian.json")
			assert.True(t, strings.HasPrefix(err.Error(), "debian: "), err.Error())
		})
	}
}

const oneIssue = `{"pkg":{"CVE-2024-0001":{"releases":{"bookworm":{"status":"resolved","fixed_version":"1-1"}}}}}`

func TestGzipAndLimits(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte(oneIssue))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	got, _, err := fromString(t, buf.String())
	require.NoError(t, err)
	assert.Contains(t, got, "CVE-2024-0001")

	_, _, err = fromString(t, oneIssue, WithMaxBytes(int64(len(oneIssue)-1)))
	require.ErrorIs(t, err, feedinput.ErrTooLarge)

	// A gzip bomb is cut at the limit after decompression.
	buf.Reset()
	zw = gzip.NewWriter(&buf)
	_, err = zw.Write([]byte(`{"pkg":{"CVE-2024-0001":{"description":"` + strings.Repeat("a", 1<<20) + `"}}}`))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Less(t, buf.Len(), 64<<10)
	_, _, err = fromString(t, buf.String(), WithMaxBytes(64<<10))
	require.ErrorIs(t, err, feedinput.ErrTooLarge)
	assert.Contains(t, err.Error(), "(decompressed)")

	_, err = New(WithMaxBytes(-1))
	require.Error(t, err)
	_, err = New(WithPath(t.TempDir()))
	require.NoError(t, err)
	src, _ := New(WithPath(t.TempDir()))
	_, _, _, err = fetchAll(t, src, "")
	assert.ErrorContains(t, err, "not a regular file")
}

func TestLocalFileCursor(t *testing.T) {
	p := writeFile(t, oneIssue)
	src, err := New(WithPath(p))
	require.NoError(t, err)
	_, _, cur, err := fetchAll(t, src, "")
	require.NoError(t, err)
	assert.Contains(t, string(cur), `"sha256":"`)
	_, _, _, err = fetchAll(t, src, cur)
	require.ErrorIs(t, err, vulndb.ErrUnchanged)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(oneIssue, "1-1", "1-2", 1)), 0o644))
	got, _, cur2, err := fetchAll(t, src, cur)
	require.NoError(t, err)
	assert.NotEqual(t, cur, cur2)
	assert.Equal(t, "1-2", fixedOf(got["CVE-2024-0001"].Affected[0]))
	// A cursor we cannot read means a full fetch.
	_, _, _, err = fetchAll(t, src, "not json")
	require.NoError(t, err)
}

func TestHTTP(t *testing.T) {
	var calls, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		w.Write([]byte(oneIssue))
	}))
	defer srv.Close()
	src, err := New(WithURL(srv.URL+"/tracker/data/json"), WithClient(fetch.New(fetch.WithRetries(0))))
	require.NoError(t, err)
	got, _, cur, err := fetchAll(t, src, "")
	require.NoError(t, err)
	assert.Contains(t, got, "CVE-2024-0001")
	var c feedinput.Cursor
	require.NoError(t, json.Unmarshal([]byte(cur), &c))
	assert.Equal(t, `"v1"`, c.ETag)
	assert.Equal(t, "Mon, 02 Jan 2006 15:04:05 GMT", c.LastModified)

	_, _, cur2, err := fetchAll(t, src, cur)
	require.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.Empty(t, cur2)
	assert.EqualValues(t, 2, calls.Load())
	assert.EqualValues(t, 1, conditional.Load())

	bad, err := New(WithURL(srv.URL+"/missing?key=secret"), WithClient(fetch.New(fetch.WithRetries(0))))
	require.NoError(t, err)
	srv.Config.Handler = http.NotFoundHandler()
	_, _, _, err = fetchAll(t, bad, "")
	var se *fetch.StatusError
	require.ErrorAs(t, err, &se)
	assert.NotContains(t, err.Error(), "secret")
}

func TestEmitErrorReturnedAsIs(t *testing.T) {
	src, err := New(WithPath(writeFile(t, oneIssue)))
	require.NoError(t, err)
	stop := errors.New("stop")
	_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return stop })
	assert.Equal(t, stop, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Fetch(ctx, "", func(vulndb.Vulnerability) error { return nil })
	assert.ErrorIs(t, err, context.Canceled)
}

func TestInterfaces(t *testing.T) {
	src, err := New()
	require.NoError(t, err)
	assert.Equal(t, "debian", src.Name())
	assert.True(t, src.Snapshot())
	assert.Equal(t, "https://security-tracker.debian.org/tracker/data/json", DefaultURL)
	_, err = New(WithRelease("", "1"))
	assert.Error(t, err)
}

func TestOrderAndDuplicates(t *testing.T) {
	doc := `{"b":{"CVE-2024-0002":{"releases":{"sid":{"status":"open"}}},"CVE-2024-0001":{"releases":{"sid":{"status":"open"}}}},
	         "a":{"CVE-2024-0002":{"releases":{"sid":{"status":"open"}}}},
	         "b":{"CVE-2024-0002":{"releases":{"sid":{"status":"resolved","fixed_version":"9"}}}}}`
	src, err := New(WithPath(writeFile(t, doc)))
	require.NoError(t, err)
	got, order, _, err := fetchAll(t, src, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"CVE-2024-0001", "CVE-2024-0002"}, order)
	v := got["CVE-2024-0002"]
	require.Len(t, v.Affected, 2, "a package given twice keeps its first entry")
	assert.Equal(t, "a", v.Affected[0].Package.Name)
	assert.Equal(t, vulndb.StatusNotFixed, v.Affected[1].Status)
}
