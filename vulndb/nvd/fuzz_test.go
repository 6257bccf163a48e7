package nvd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// FuzzNVDPage decodes any input as an NVD document and converts what it
// holds: no panic, and every record kept is usable.
func FuzzNVDPage(f *testing.F) {
	if dir := shareddata.Find("feeds", "nvd-osvdev-fixtures", "nvdcve-2.0"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	if p := shareddata.Find("feeds", "vunnel-fixtures", "nvd", "single-entry.json"); p != "" {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"CVE_Items":[{"cve":{"CVE_data_meta":{"ID":"CVE-2019-9"},"description":{"description_data":[{"lang":"en","value":"x"}]}},` +
		`"configurations":{"nodes":[{"operator":"AND","children":[{"operator":"OR","cpe_match":[{"vulnerable":true,"cpe23Uri":"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*","versionEndExcluding":"2"}]},` +
		`{"operator":"OR","cpe_match":[{"vulnerable":false,"cpe23Uri":"cpe:2.3:o:v:os:-:*:*:*:*:*:*:*"}]}]}]},` +
		`"impact":{"baseMetricV3":{"cvssV3":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8}}},"publishedDate":"2019-01-01T10:00Z"}]}`))
	f.Add([]byte(`[` + cveObj("CVE-2024-5", "2024-01-01T00:00:00.000") + `,{"cve":{"id":5}}]`))
	f.Add([]byte(`{"cve":` + cveObj("CVE-2024-4", "x") + `}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeDoc(bytes.NewReader(data), func(string, string) {}, func(where string, c *cveJSON) error {
			v, ok := convert(c, where, func(string, string) {})
			if !ok {
				return nil
			}
			if v.ID == "" {
				t.Fatal("record without an ID")
			}
			for _, a := range v.Affected {
				if a.Package.Ecosystem != "NVD-CPE" || a.Package.Name == "" || len(a.CPEs) == 0 {
					t.Fatalf("affected %+v", a)
				}
				for _, m := range a.CPEs {
					if _, err := parseCPE(m.Criteria); err != nil {
						t.Fatalf("kept a bad CPE %q", m.Criteria)
					}
				}
			}
			for _, c := range v.Severity {
				if _, err := vulndb.ParseCVSS(c.Type, c.Vector); err != nil {
					t.Fatalf("kept a bad vector %q", c.Vector)
				}
			}
			return nil
		})
	})
}
