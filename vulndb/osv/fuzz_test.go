package osv

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// seeds returns a few real records and the malformed cases of the tests.
func seeds(f *testing.F) {
	for _, glob := range [][]string{
		{"osv", "go-vulndb", "osv", "GO-2022-02*.json"},
		{"osv", "pypa-advisory-database", "vulns", "ansible", "*.yaml"},
	} {
		if dir := shareddata.Find(glob[:len(glob)-1]...); dir != "" {
			files, _ := filepath.Glob(filepath.Join(dir, glob[len(glob)-1]))
			for i, p := range files {
				if i == 8 {
					break
				}
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Add([]byte(record("X-1", goodAffected)))
	f.Add([]byte(`[` + record("A-1", goodAffected) + `,{"id":5}]`))
	f.Add([]byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"2.0.0"},{"fixed":"1.0.0"},{"introduced":"0"},{"limit":"*"}]}]}]}`))
	f.Add([]byte("id: X-1\naffected:\n- package: {ecosystem: PyPI, name: x}\n  versions: [1.0, '2']\n"))
	f.Add([]byte(`{"id":"X-1","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N"}],"withdrawn":"x"}`))
}

// FuzzDecode checks that any input decodes to an error or to a record whose
// every kept entry is usable, without panicking.
func FuzzDecode(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _, err := Decode(data)
		if err != nil {
			return
		}
		checkRecord(t, v)
	})
}

// FuzzFile runs the file reader (single records, arrays, YAML) on any
// input.
func FuzzFile(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := New(WithPath("fuzz"), WithMaxRecords(1000))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"x.json", "x.yaml"} {
			_, _ = src.run(context.Background(), func(v vulndb.Vulnerability) error {
				checkRecord(t, v)
				return nil
			}, func(p *producer) error { return p.file(name, data) })
		}
	})
}

func checkRecord(t *testing.T, v vulndb.Vulnerability) {
	t.Helper()
	if v.ID == "" {
		t.Fatal("record without an ID")
	}
	for _, a := range v.Affected {
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			t.Fatalf("entry without a package: %+v", a)
		}
		if len(a.Ranges) == 0 && len(a.Versions) == 0 {
			t.Fatalf("entry with nothing to match: %+v", a)
		}
		if a.Status != vulndb.StatusFixed && a.Status != vulndb.StatusNotFixed {
			t.Fatalf("status %q", a.Status)
		}
		for _, r := range a.Ranges {
			if r.Type == "GIT" || len(r.Events) == 0 {
				t.Fatalf("range %+v kept", r)
			}
			for _, e := range r.Events {
				n := 0
				for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
					if s != "" {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("event %+v", e)
				}
			}
		}
	}
	for _, c := range v.Severity {
		if c.Vector == "" || c.Score < 0 || c.Score > 10 {
			t.Fatalf("cvss %+v", c)
		}
	}
}
