package promote

import (
	"context"
	"fmt"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
)

const benchTags = 1000

// BenchmarkPromoteDecision decides 1,000 tags (distinct images) whose
// reports are stored: one op is all 1,000 decisions, one after the other.
// "deny" stops at the decision; "dry-run" allows and also plans the copy
// (HEAD of the target tag, manifests and blobs).
func BenchmarkPromoteDecision(b *testing.B) {
	host := newRegistry(b, nil)
	store := NewMemoryReportStore()
	for i := range benchTags {
		img, err := random.Image(64, 1)
		require.NoError(b, err)
		d := push(b, fmt.Sprintf("%s/dev/app:t%d", host, i), img)
		rep := &scan.Report{Image: scan.ImageRef{Digest: d.String()}, ScannedAt: testNow, Summary: map[string]int{}}
		require.NoError(b, store.Put(context.Background(), d.String(), rep))
	}
	pol, err := policy.Load("qa.yaml", []byte(criticalPolicy))
	require.NoError(b, err)
	denyAll := policy.Func(func(ctx context.Context, in policy.Input) (policy.Decision, error) {
		d, err := pol.Evaluate(ctx, in)
		d.Verdict = policy.Deny
		return d, err
	})
	scanner := scan.ScannerFunc(func(context.Context, v1.Image, ...scan.ScanOption) (*scan.Report, error) {
		b.Fatal("scanned although a fresh report was stored")
		return nil, nil
	})
	for _, bc := range []struct {
		name   string
		pol    policy.Policy
		dryRun bool
	}{{"deny", denyAll, false}, {"dry-run", pol, true}} {
		b.Run(bc.name, func(b *testing.B) {
			p, _, _, _ := setup(b, WithReportStore(store), WithScanner(scanner))
			for b.Loop() {
				for i := range benchTags {
					_, err := p.Promote(context.Background(), Request{
						Source: fmt.Sprintf("%s/dev/app:t%d", host, i), Target: host + "/qa/app",
						Policy: bc.pol, DryRun: bc.dryRun,
					})
					if bc.dryRun {
						require.NoError(b, err)
					} else {
						require.ErrorIs(b, err, ErrDenied)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/1000tags")
		})
	}
}
