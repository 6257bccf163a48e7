package debian

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// synthTracker returns a tracker JSON of pkgs source packages with issues
// issues each, every issue in five releases with the tracker's mix of
// states.
func synthTracker(pkgs, issues int) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	states := []string{
		`{"status":"resolved","repositories":{"R":"1.2-3"},"fixed_version":"1.2-2+deb12u1","urgency":"medium"}`,
		`{"status":"open","repositories":{"R":"1.2-3"},"urgency":"low","nodsa":"Minor issue","nodsa_reason":"postponed"}`,
		`{"status":"resolved","repositories":{"R":"1.2-3"},"fixed_version":"0","urgency":"unimportant"}`,
		`{"status":"open","repositories":{"R":"1.2-3"},"urgency":"not yet assigned"}`,
		`{"status":"resolved","repositories":{"R":"1.2-3"},"fixed_version":"1:2.0~rc1-1","urgency":"high**"}`,
	}
	rels := []string{"bullseye", "bookworm", "trixie", "forky", "sid"}
	for p := range pkgs {
		if p > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"pkg%d":{`, p)
		for i := range issues {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"CVE-%d-%d":{"scope":"remote","debianbug":%d,"description":"A vulnerability in pkg%d allows remote attackers to do something bad via a crafted request.","releases":{`,
				2000+i%25, 10000+p*issues+i, 1000000+i, p)
			for r, rel := range rels {
				if r > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"%s":%s`, rel, states[(p+i+r)%len(states)])
			}
			b.WriteString("}}")
		}
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.Bytes()
}

// BenchmarkParseDebian imports a synthetic tracker of 2,000 packages with
// 50 issues each in five releases (500,000 entries, a quarter of the real
// tracker).
func BenchmarkParseDebian(b *testing.B) {
	data := synthTracker(2000, 50)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var sk feedinput.SkipLog
		n, err := parse(context.Background(), bytes.NewReader(data), "bench", DefaultReleases(), &sk, func(vulndb.Vulnerability) error { return nil })
		if err != nil || n != 100000 {
			b.Fatal(err, n)
		}
	}
	b.ReportMetric(float64(500000)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// TestSyntheticScale checks the synthetic tracker's mapping in bulk and
// reports the heap it took.
func TestSyntheticScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	data := synthTracker(400, 50)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var sk feedinput.SkipLog
	statuses := map[vulndb.FixStatus]int{}
	peak := uint64(0)
	n, err := parse(context.Background(), bytes.NewReader(data), "synth", DefaultReleases(), &sk, func(v vulndb.Vulnerability) error {
		if peak == 0 {
			runtime.ReadMemStats(&after)
			peak = after.HeapInuse
		}
		for _, a := range v.Affected {
			statuses[a.Status]++
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 20000, n)
	assert.Zero(t, sk.Count())
	assert.Equal(t, map[vulndb.FixStatus]int{
		vulndb.StatusFixed: 40000, vulndb.StatusWontFix: 20000, vulndb.StatusNotAffected: 20000, vulndb.StatusNotFixed: 20000,
	}, statuses)
	t.Logf("%d bytes, %d entries in %v; heap held before emitting: %d MiB", len(data), 100000, time.Since(start), (int64(peak)-int64(before.HeapInuse))>>20)
}
