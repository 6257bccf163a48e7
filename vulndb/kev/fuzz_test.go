package kev

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		catalogue,
		`{"vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","cwes":["CWE-1"],"notes":"http://x ; y"}]}`,
		`{"vulnerabilities":null}`, `[]`, `{}`, `{"count":1e999,"vulnerabilities":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var sk feedinput.SkipLog
		seen := map[string]bool{}
		_, err := parse(context.Background(), bytes.NewReader(data), "fuzz", &sk, func(v vulndb.Vulnerability) error {
			if !validCVE(v.ID) || v.KEV == nil || !validDate(v.KEV.DateAdded) || len(v.Affected) != 0 {
				t.Fatalf("bad record %+v", v)
			}
			if seen[v.ID] {
				t.Fatalf("%s emitted twice", v.ID)
			}
			seen[v.ID] = true
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "kev: fuzz") {
			t.Fatalf("error does not name the input: %v", err)
		}
	})
}
