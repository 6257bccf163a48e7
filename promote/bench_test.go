package promote

import (
	"context"
	cryptorand "crypto/rand"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
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

// bigImage returns an image of n uncompressed layers of size bytes each:
// a random 1 MiB block repeated, distinct per layer, cheap to make.
func bigImage(b *testing.B, n, size int) v1.Image {
	b.Helper()
	block := make([]byte, 1<<20)
	var layers []v1.Layer
	for range n {
		_, _ = cryptorand.Read(block)
		buf := make([]byte, size)
		for off := 0; off < size; {
			off += copy(buf[off:], block)
		}
		layers = append(layers, static.NewLayer(buf, types.OCIUncompressedLayer))
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layers...)
	require.NoError(b, err)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// blobBytes counts the bytes of blob upload bodies (PATCH and PUT to
// /blobs/uploads/) sent through it.
type blobBytes struct {
	n atomic.Int64
}

func (t *blobBytes) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody && (req.Method == http.MethodPatch || req.Method == http.MethodPut) && strings.Contains(req.URL.Path, "/blobs/uploads/") {
		req.Body = &countingBody{rc: req.Body, n: &t.n}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// BenchmarkPromoteCopy promotes a ~500 MB image (5 layers of 100 MiB)
// within one registry, dev/app to a new repository each time: the blobs
// are mounted, and not one byte of them may be uploaded.
func BenchmarkPromoteCopy(b *testing.B) {
	const layers, layerSize = 5, 100 << 20
	host := newRegistry(b, nil)
	img := bigImage(b, layers, layerSize)
	digest := push(b, host+"/dev/app:v1", img)
	img = nil
	runtime.GC()
	tr := &blobBytes{}
	p, _, _, _ := setup(b, WithTransport(tr))
	var uploaded, reported, mounted int64
	i := 0
	for b.Loop() {
		i++
		res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: fmt.Sprintf("%s/qa/app%d", host, i), Policy: allow})
		require.NoError(b, err)
		require.Equal(b, digest.String(), res.SourceDigest)
		reported += res.CopiedBytes
		mounted += int64(res.Mounted)
	}
	uploaded = tr.n.Load()
	b.ReportMetric(float64(uploaded)/float64(i), "upload-B/op")
	b.ReportMetric(float64(reported)/float64(i), "copiedBytes/op")
	b.ReportMetric(float64(mounted)/float64(i), "mounts/op")
	b.ReportMetric(float64(layers*layerSize)/1e6, "image-MB")
	if uploaded != 0 || reported != 0 {
		b.Fatalf("%d blob bytes uploaded (%d reported) in %d same-registry promotions: want mounts only", uploaded, reported, i)
	}
	if mounted != int64(i*(layers+1)) {
		b.Fatalf("%d blobs mounted in %d promotions, want %d each", mounted, i, layers+1)
	}
}
