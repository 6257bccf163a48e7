package nvd

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// convertJSON converts one API 2.0 CVE object given as JSON.
func convertJSON(t *testing.T, cve string) (vulndb.Vulnerability, bool, []string) {
	t.Helper()
	var c cveJSON
	require.NoError(t, json.Unmarshal([]byte(cve), &c))
	var skipped []string
	v, ok := convert(&c, "test", func(why, where string) { skipped = append(skipped, why+": "+where) })
	return v, ok, skipped
}

const v31 = `{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"}}`

func TestConvert(t *testing.T) {
	t.Run("rejected", func(t *testing.T) {
		v, ok, _ := convertJSON(t, `{"id":"CVE-2020-1","published":"2020-01-01T00:00:00.000","lastModified":"2021-02-03T04:05:06.789","vulnStatus":"Rejected","descriptions":[{"lang":"es","value":"rechazado"},{"lang":"en","value":"Rejected reason: duplicate. More text."}]}`)
		require.True(t, ok)
		require.True(t, v.IsWithdrawn())
		assert.Equal(t, time.Date(2021, 2, 3, 4, 5, 6, 789e6, time.UTC), *v.Withdrawn)
		assert.Equal(t, "Rejected reason: duplicate.", v.Summary)
		assert.Equal(t, "Rejected reason: duplicate. More text.", v.Details)
	})
	t.Run("rating priority", func(t *testing.T) {
		for _, tc := range []struct {
			name, metrics string
			want          vulndb.Severity
		}{
			{"v4 first", `"cvssMetricV40":[{"source":"cna@x","type":"Secondary","cvssData":{"version":"4.0","vectorString":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N","baseScore":6.9,"baseSeverity":"MEDIUM"}}],"cvssMetricV31":[` + v31 + `]`, vulndb.Medium},
			{"primary before secondary", `"cvssMetricV31":[{"source":"cna@x","type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N","baseScore":1.8,"baseSeverity":"LOW"}},` + v31 + `]`, vulndb.Critical},
			{"v3.1 before v2", `"cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:N/A:N","baseScore":5.0},"baseSeverity":"MEDIUM"}],"cvssMetricV31":[` + v31 + `]`, vulndb.Critical},
			{"v2 alone, severity beside cvssData", `"cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:N/A:N","baseScore":5.0},"baseSeverity":"MEDIUM"}]`, vulndb.Medium},
			{"no severity given: from the score", `"cvssMetricV30":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.0","vectorString":"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}}]`, vulndb.High},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v, ok, skipped := convertJSON(t, `{"id":"CVE-2020-2","metrics":{`+tc.metrics+`}}`)
				require.True(t, ok)
				assert.Empty(t, skipped)
				require.NotNil(t, v.Rating)
				assert.Equal(t, vulndb.Rating{Severity: tc.want, Source: "nvd"}, *v.Rating)
			})
		}
	})
	t.Run("CVSS sources and computed scores", func(t *testing.T) {
		v, ok, skipped := convertJSON(t, `{"id":"CVE-2020-3","metrics":{
			"cvssMetricV31":[`+v31+`,{"source":"cna@vendor","type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N"}},
			                 {"source":"bad@x","type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:Q/AC:L"}}],
			"cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8}}]}}`)
		require.True(t, ok)
		assert.Equal(t, []vulndb.CVSS{
			{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Source: "nvd"},
			{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N", Score: 6.5, Source: "cna@vendor"},
		}, v.Severity)
		require.Len(t, skipped, 2, "%v", skipped)
		assert.True(t, strings.HasPrefix(skipped[0], "malformed CVSS vector dropped"))
		assert.Contains(t, skipped[1], "malformed CVSS vector dropped", "a v3 vector in the v2 list")
	})
	t.Run("configurations", func(t *testing.T) {
		v, ok, skipped := convertJSON(t, `{"id":"CVE-2020-4","configurations":[
			{"operator":"AND","nodes":[
				{"operator":"OR","negate":false,"cpeMatch":[
					{"vulnerable":true,"criteria":"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*","versionStartIncluding":"1.0","versionEndExcluding":"1.4"},
					{"vulnerable":true,"criteria":"cpe:2.3:a:acme:app:2.0:*:*:*:*:*:*:*"}]},
				{"operator":"OR","negate":false,"cpeMatch":[
					{"vulnerable":false,"criteria":"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}]}]},
			{"nodes":[{"operator":"OR","negate":true,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:acme:excluded:*:*:*:*:*:*:*:*"}]}]},
			{"nodes":[{"operator":"OR","cpeMatch":[
				{"vulnerable":true,"criteria":"cpe:2.3:a:acme:lib\\:core:3.1:*:*:*:*:*:*:*"},
				{"vulnerable":true,"criteria":"cpe:2.3:a:acme:app:2.0:*:*:*:*:*:*:*"},
				{"vulnerable":true,"criteria":"cpe:2.3:a:acme"},
				{"vulnerable":true,"criteria":"cpe:/a:acme:old:1.0"},
				{"vulnerable":true,"criteria":"cpe:2.3:a:*:app:1:*:*:*:*:*:*:*"}]}]}]}`)
		require.True(t, ok)
		require.Len(t, v.Affected, 2)
		assert.Equal(t, vulndb.Affected{Package: vulndb.Package{Ecosystem: vulndb.EcosystemNVD, Name: "acme:app"}, CPEs: []vulndb.CPEMatch{
			{Criteria: "cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*", VersionStartIncluding: "1.0", VersionEndExcluding: "1.4"},
			{Criteria: "cpe:2.3:a:acme:app:2.0:*:*:*:*:*:*:*"},
		}}, v.Affected[0], "the windows platform and the negated node are dropped, duplicates merged")
		assert.Equal(t, `acme:lib\:core`, v.Affected[1].Package.Name, "escaped colons stay escaped")
		assert.Len(t, skipped, 3, "%v", skipped)
		for _, s := range skipped {
			assert.True(t, strings.HasPrefix(s, "malformed CPE match dropped"), s)
		}
	})
	t.Run("CWEs and references", func(t *testing.T) {
		v, ok, _ := convertJSON(t, `{"id":"CVE-2020-5","weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"NVD-CWE-Other"},{"lang":"en","value":"CWE-79"}]},{"source":"x","type":"Secondary","description":[{"lang":"en","value":"CWE-79"},{"lang":"en","value":"CWE-20"}]}],
			"references":[{"url":"https://a/fix","tags":["Patch","Third Party Advisory"]},{"url":"https://a/adv","tags":["Vendor Advisory"]},{"url":"https://a/x"},{"url":""},{"url":"https://a/x"}]}`)
		require.True(t, ok)
		assert.Equal(t, []string{"CWE-79", "CWE-20"}, v.CWEs)
		assert.Equal(t, []vulndb.Reference{{Type: "FIX", URL: "https://a/fix"}, {Type: "ADVISORY", URL: "https://a/adv"}, {Type: "WEB", URL: "https://a/x"}}, v.References)
	})
	t.Run("missing id", func(t *testing.T) {
		_, ok, skipped := convertJSON(t, `{"descriptions":[{"lang":"en","value":"x"}]}`)
		assert.False(t, ok)
		assert.Equal(t, []string{"missing id: test"}, skipped)
	})
	t.Run("long summary", func(t *testing.T) {
		long := strings.Repeat("word ", 100)
		v, _, _ := convertJSON(t, `{"id":"CVE-2020-6","descriptions":[{"lang":"en","value":"`+long+`"}]}`)
		assert.LessOrEqual(t, len(v.Summary), summaryLen+len("…"))
		assert.True(t, strings.HasSuffix(v.Summary, "…"))
	})
}

func TestParseCPE(t *testing.T) {
	for _, tc := range []struct {
		in, vendor, product string
		ok                  bool
	}{
		{"cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*", "tukaani", "xz", true},
		{`cpe:2.3:a:amcharts:amcharts\:_charts_and_maps:*:*:*:*:*:wordpress:*:*`, "amcharts", `amcharts\:_charts_and_maps`, true},
		{`cpe:2.3:a:x\\:y:1:*:*:*:*:*:*:*`, `x\\`, "y", true},
		{"cpe:2.3:a:x:y:1:*:*:*:*:*:*", "", "", false},
		{"cpe:2.3:a:x:y:1:*:*:*:*:*:*:*:*", "", "", false},
		{"cpe:2.3:q:x:y:1:*:*:*:*:*:*:*", "", "", false},
		{"cpe:2.3:a:-:y:1:*:*:*:*:*:*:*", "", "", false},
		{"cpe:2.3:a:x::1:*:*:*:*:*:*:*", "", "", false},
		{`cpe:2.3:a:x:y:1:*:*:*:*:*:*:\`, "", "", false},
		{"cpe:/a:x:y:1", "", "", false},
		{"cpe:2.3:a:x:" + strings.Repeat("y", maxCPELen) + ":1:*:*:*:*:*:*:*", "", "", false},
	} {
		c, err := parseCPE(tc.in)
		if !tc.ok {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.vendor, c.vendor, tc.in)
		assert.Equal(t, tc.product, c.product, tc.in)
	}
}

func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, body, 0o600))
	}
	return dir
}

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func cveObj(id, modified string) string {
	return fmt.Sprintf(`{"id":%q,"published":"2020-01-01T00:00:00.000","lastModified":%q,"descriptions":[{"lang":"en","value":"d"}],"metrics":{"cvssMetricV31":[%s]}}`, id, modified, v31)
}

func TestLocal(t *testing.T) {
	page := `{"resultsPerPage":2,"startIndex":0,"totalResults":2,"vulnerabilities":[{"cve":` + cveObj("CVE-2024-1", "2024-01-01T00:00:00.000") + `},{"cve":` + cveObj("CVE-2024-2", "2024-01-01T00:00:00.000") + `}]}`
	legacy := `{"CVE_data_type":"CVE","CVE_Items":[{"cve":{"CVE_data_meta":{"ID":"CVE-2019-9"},"description":{"description_data":[{"lang":"en","value":"** REJECT ** gone"}]}},"configurations":{"nodes":[]},"impact":{},"publishedDate":"2019-01-01T10:00Z","lastModifiedDate":"2019-02-01T10:00Z"}]}`
	t.Run("every shape, by content", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{
			"page.json":          []byte(page),
			"single.json":        []byte(cveObj("CVE-2024-3", "2024-01-01T00:00:00.000")),
			"wrapped.json":       []byte(`{"cve":` + cveObj("CVE-2024-4", "2024-01-01T00:00:00.000") + `}`),
			"array.json":         []byte(`[` + cveObj("CVE-2024-5", "2024-01-01T00:00:00.000") + `,{"cve":` + cveObj("CVE-2024-6", "2024-01-01T00:00:00.000") + `}]`),
			"legacy/2019.json":   []byte(legacy),
			"gz/2024.json.gz":    gz(t, []byte(`{"vulnerabilities":[{"cve":`+cveObj("CVE-2024-7", "2024-01-01T00:00:00.000")+`}]}`)),
			".hidden/x.json":     []byte("not json"),
			"notes.txt":          []byte("not json"),
			"nulls.json":         []byte(`{"vulnerabilities":null}`),
			"stray/unknown.json": []byte(`{"something":"else"}`),
		})
		got, src := fetchPath(t, dir)
		assert.Equal(t, []string{"CVE-2019-9", "CVE-2024-1", "CVE-2024-2", "CVE-2024-3", "CVE-2024-4", "CVE-2024-5", "CVE-2024-6", "CVE-2024-7"}, sortedKeys(got))
		rejected := got["CVE-2019-9"]
		assert.True(t, rejected.IsWithdrawn(), "1.1 ** REJECT **")
		n, reasons := src.Skipped()
		assert.Equal(t, 1, n, "%v", reasons)
		assert.Contains(t, reasons[0], "not a CVE record")
		assert.Contains(t, reasons[0], "unknown.json")
	})
	t.Run("bad JSON names the file and record", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{"bad.json": []byte(`{"vulnerabilities":[{"cve":` + cveObj("CVE-2024-1", "2024-01-01T00:00:00.000") + `},{"cve":{"id":tru}}]}`)})
		src, err := New(WithPath(dir))
		require.NoError(t, err)
		n := 0
		_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { n++; return nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "bad.json")
		assert.Contains(t, err.Error(), "vulnerabilities[1]")
	})
	t.Run("truncated", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{"cut.json": []byte(page[:len(page)/2])})
		src, err := New(WithPath(dir))
		require.NoError(t, err)
		_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cut.json")
	})
	t.Run("wrong shapes are skipped", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{"odd.json": []byte(`{"vulnerabilities":[{"cve":{"id":7}},{"cve":` + cveObj("CVE-2024-1", "2024-01-01T00:00:00.000") + `},{"nocve":1},{"cve":{"id":"CVE-2024-2","metrics":"none"}}]}`)})
		got, src := fetchPath(t, dir)
		assert.Equal(t, []string{"CVE-2024-1"}, sortedKeys(got))
		n, _ := src.Skipped()
		assert.Equal(t, 3, n)
	})
	t.Run("later modified wins", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{
			"a.json": []byte(cveObj("CVE-2024-1", "2024-03-01T00:00:00.000")),
			"b.json": []byte(cveObj("CVE-2024-1", "2024-01-01T00:00:00.000")),
		})
		got, src := fetchPath(t, dir)
		assert.Equal(t, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), got["CVE-2024-1"].Modified)
		n, _ := src.Skipped()
		assert.Equal(t, 1, n)
	})
	t.Run("size limits", func(t *testing.T) {
		dir := writeFiles(t, map[string][]byte{"big.json": []byte(page)})
		src, err := New(WithPath(dir), WithMaxFileSize(100))
		require.NoError(t, err)
		_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "big.json")
		assert.Contains(t, err.Error(), "WithMaxFileSize")

		// A gzip bomb: small on disk, large expanded.
		dir = writeFiles(t, map[string][]byte{"bomb.json.gz": gz(t, bytes.Repeat([]byte(" "), 10<<20))})
		src, err = New(WithPath(dir), WithMaxFileSize(1<<20))
		require.NoError(t, err)
		_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "bomb.json.gz")
		assert.Contains(t, err.Error(), "WithMaxFileSize")

		src, err = New(WithPath(writeFiles(t, map[string][]byte{"p.json": []byte(page)})), WithMaxRecords(1))
		require.NoError(t, err)
		_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithMaxRecords")
	})
	t.Run("emit error returned as is", func(t *testing.T) {
		src, err := New(WithPath(writeFiles(t, map[string][]byte{"p.json": []byte(page)})))
		require.NoError(t, err)
		stop := errors.New("store full")
		_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return stop })
		assert.Same(t, stop, err)
	})
}
