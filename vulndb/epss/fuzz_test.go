package epss

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		string(generate(20)),
		"cve,epss\nCVE-2024-0001,0.5\n",
		meta + "percentile,cve,epss\n0.25,CVE-2024-0001,0.5\r\nCVE-1,2,3\n",
		"#\ncve,epss,percentile\n,,\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var sk feedinput.SkipLog
		st, err := parse(context.Background(), bytes.NewReader(data), "fuzz", &sk, func(v vulndb.Vulnerability) error {
			e := v.EPSS
			if e == nil || !validCVE([]byte(v.ID)) || math.IsNaN(e.Score) || e.Score < 0 || e.Score > 1 || e.Percentile < 0 || e.Percentile > 1 {
				t.Fatalf("bad record %+v %+v", v, e)
			}
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "epss: fuzz") {
			t.Fatalf("error does not name the input: %v", err)
		}
		if st.emitted+sk.Count() > st.rows {
			t.Fatalf("%d emitted + %d skipped > %d rows", st.emitted, sk.Count(), st.rows)
		}
	})
}
