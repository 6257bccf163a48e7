package debian

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/internal/version"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// FuzzParse feeds arbitrary bytes to the tracker parser: it must never
// panic, and what it emits must be well formed.
func FuzzParse(f *testing.F) {
	if p := shareddata.Find("feeds", "vunnel-fixtures", "debian", "input", "debian.json"); p != "" {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		oneIssue,
		`{}`, `[]`, `null`, `{"a":null}`, `{"a":{"CVE-1-1":null}}`,
		`{"a":{"CVE-2024-1":{"releases":{"sid":{"status":"open","nodsa":""}}}}}`,
		`{"a":{"CVE-2024-1":{"releases":{"sid":{"status":"resolved","fixed_version":"0"}},"debianbug":12}}}`,
		`{"a":{"TEMP-1":{"releases":[]}},"a":{"CVE-2":{"releases":{"bookworm":{"fixed_version":"1:"}}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var sk feedinput.SkipLog
		_, err := parse(context.Background(), bytes.NewReader(data), "fuzz", DefaultReleases(), &sk, func(v vulndb.Vulnerability) error {
			if !validID(v.ID) || len(v.Affected) == 0 {
				t.Fatalf("bad record %+v", v)
			}
			for _, a := range v.Affected {
				if !strings.HasPrefix(a.Package.Ecosystem, "Debian:") || !validName(a.Package.Name) {
					t.Fatalf("bad package %+v", a.Package)
				}
				if a.Status == vulndb.StatusFixed {
					fixed := a.Ranges[0].Events[1].Fixed
					if !version.Valid(a.Package.Ecosystem, fixed) {
						t.Fatalf("invalid fixed version %q emitted", fixed)
					}
				}
			}
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "debian: fuzz") {
			t.Fatalf("error does not name the input: %v", err)
		}
		if sk.Count() < 0 || len(sk.Reasons()) > feedinput.MaxSkipCategories+1 {
			t.Fatalf("skip log out of bounds: %d %d", sk.Count(), len(sk.Reasons()))
		}
	})
}
