package alpine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/internal/version"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

func fuzzSeeds(f *testing.F, glob string, extra ...string) {
	for _, base := range []string{
		shareddata.Find("feeds", "vunnel-fixtures", "alpine", "input", "secdb"),
		shareddata.Find("feeds", "alpine-secdb-2020"),
	} {
		if base == "" {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(base, "*", glob))
		for i, p := range files {
			if i >= 4 {
				break
			}
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// fuzzParse runs one file through the parser and checks what comes out.
func fuzzParse(t *testing.T, data []byte, fm format) {
	var sk feedinput.SkipLog
	agg := newAggregate()
	err := parseFile(context.Background(), data, "fuzz", "v3.20", fm, agg, &sk)
	if err != nil {
		if !strings.HasPrefix(err.Error(), "alpine: fuzz") {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	_, err = agg.emitAll(context.Background(), func(v vulndb.Vulnerability) error {
		if v.ID == "" || len(v.Affected) == 0 {
			t.Fatalf("bad record %+v", v)
		}
		for _, a := range v.Affected {
			if a.Package.Ecosystem != "Alpine:v3.20" || !validName(a.Package.Name) {
				t.Fatalf("bad package %+v", a.Package)
			}
			if a.Status == vulndb.StatusFixed && !version.Valid(a.Package.Ecosystem, a.Ranges[0].Events[1].Fixed) {
				t.Fatalf("invalid fixed version emitted: %+v", a)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func FuzzParseYAML(f *testing.F) {
	fuzzSeeds(f, "*.yaml",
		"packages:\n  - pkg:\n      name: a\n      secfixes:\n        0: [CVE-2020-1234 XSA-1]\n",
		"packages:\n  - &a {pkg: {name: x, secfixes: {1.0-r0: [CVE-2021-1111]}}}\n  - *a\n",
		"[1, 2]", "packages: null", "{}")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, formatYAML) })
}

func FuzzParseJSON(f *testing.F) {
	fuzzSeeds(f, "*.json",
		`{"packages":[{"pkg":{"name":"a","secfixes":{"1.0-r0":["CVE-2024-0001 TALOS-2019-0844"],"0":null}}}]}`,
		`{"packages":[{"pkg":{"name":"a","secfixes":{"1.0-r0":"XSA-2"}}},{"pkg":1}]}`,
		`[]`, `{"packages":null}`, `{}`)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, formatJSON) })
}

func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"CVE-2019-5060 TALOS-2019-0844", "CVE 2018-16859", "CVE_2019-2426", "CVE-????-?????  XSA-284", "GHSA-jfh8-c2jp-5v3q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, aliases, _ := parseIDs(s)
		for _, id := range append(ids, aliases...) {
			if _, _, ok := matchCVE(id); !ok && !knownID(id) {
				t.Fatalf("%q gave unknown ID %q", s, id)
			}
		}
		if len(ids) == 0 && len(aliases) > 0 {
			t.Fatalf("%q: aliases without an ID", s)
		}
	})
}
