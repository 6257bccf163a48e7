package promote

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
)

// faultTransport numbers every request from 1 and fails the failAt-th
// (0: none): 500, 429 or a connection reset, by kind.
type faultTransport struct {
	n      atomic.Int64
	failAt atomic.Int64
	kind   fault
	fired  atomic.Bool
	writes atomic.Int64 // requests other than GET and HEAD
}

type fault int

const (
	fault500 fault = iota
	fault429
	faultConn
)

func (f fault) String() string {
	return [...]string{"500", "429", "connection reset"}[f]
}

func (ft *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		ft.writes.Add(1)
	}
	if ft.n.Add(1) == ft.failAt.Load() {
		ft.fired.Store(true)
		if req.Body != nil {
			req.Body.Close()
		}
		switch ft.kind {
		case fault500:
			resp := status(http.StatusInternalServerError, nil)
			resp.Request = req
			return resp, nil
		case fault429:
			resp := status(http.StatusTooManyRequests, http.Header{"Retry-After": {"0"}})
			resp.Request = req
			return resp, nil
		default:
			return nil, fmt.Errorf("injected fault: %w", syscall.ECONNRESET)
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestPromoteFaultEveryRequest extends TestPromoteFailsMidCopy (three
// chosen failures) to every request: a promotion with referrers and
// evidence, across registries, with the N-th request failing for each N up
// to the number a clean promotion makes, retries off. After each failure
// the target tag is absent or names the complete image with its referrers
// and evidence; a re-run without the fault completes, with the same digest
// and evidence, and a second re-run writes nothing. Shapes: an image, an
// index, and a nested index with a buildx-style attestation manifest (not
// evaluated, but copied). go-containerregistry's registry accepts
// manifests whose blobs are missing, so nothing but the promoter's order
// keeps an incomplete image from being tagged. With -short, every seventh
// request.
func TestPromoteFaultEveryRequest(t *testing.T) {
	for _, shape := range []string{"image", "index", "nested index with attestation"} {
		t.Run(shape, func(t *testing.T) {
			srcHost := newRegistry(t, nil)
			index := shape != "image"
			var x any
			switch shape {
			case "image":
				x = randomImage(t)
			case "index":
				x = randomIndex(t)
			default:
				x = nestedIndexWithAttestation(t)
			}
			fx := pushWithReferrers(t, srcHost+"/dev/app:v1", x)
			promoter := func(t *testing.T, ft *faultTransport) *Default {
				sc := &fakeScanner{now: testNow, findings: map[string][]scan.Finding{}}
				p, err := New(WithTransport(ft), WithScanner(sc), WithClock(&fakeClock{now: testNow}),
					WithKeychain(authn.NewMultiKeychain()), WithRetries(0, 0), WithConcurrency(1))
				require.NoError(t, err)
				return p
			}
			request := func(tgtHost string) Request {
				return Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow, Evidence: true}
			}

			// A clean promotion, to count its requests.
			ft := &faultTransport{}
			_, err := promoter(t, ft).Promote(context.Background(), request(newRegistry(t, nil)))
			require.NoError(t, err)
			total := ft.n.Load()
			require.Greater(t, total, int64(30))
			t.Logf("a clean promotion makes %d requests", total)

			// checkComplete checks the target has the image under the tag,
			// its referrers and the evidence.
			checkComplete := func(t *testing.T, tgtHost string, res *Result) {
				t.Helper()
				assert.Equal(t, fx.digest.String(), headDigest(t, tgtHost+"/qa/app:v1"))
				validateTarget(t, tgtHost+"/qa/app:v1", index)
				requireReferrersCopied(t, tgtHost+"/qa/app", fx)
				// One evidence artifact (the re-run at the same time makes
				// the same one).
				ev := referrerDigestsOf(t, tgtHost+"/qa/app", fx.digest, EvidenceArtifactType)
				require.Len(t, ev, 1)
				if res != nil {
					assert.Equal(t, ev[0], res.Evidence)
				}
			}

			var failed, absorbed atomic.Int32
			defer func() {
				t.Logf("%d promotions failed, leaving no tag; %d absorbed the fault", failed.Load(), absorbed.Load())
			}()
			step := int64(1)
			if testing.Short() {
				step = 7
			}
			for n := int64(1); n <= total; n += step {
				kind := fault(n % 3)
				t.Run(fmt.Sprintf("request %d %s", n, kind), func(t *testing.T) {
					tgtHost := newRegistry(t, nil)
					ft := &faultTransport{kind: kind}
					ft.failAt.Store(n)
					p := promoter(t, ft)
					res, err := p.Promote(context.Background(), request(tgtHost))
					require.True(t, ft.fired.Load(), "request %d of %d was never made", n, total)
					if got := headDigest(t, tgtHost+"/qa/app:v1"); got != "" || err == nil {
						// The tag is there only once everything is.
						checkComplete(t, tgtHost, nil)
						require.NotNil(t, res)
						assert.True(t, res.Promoted)
						absorbed.Add(1)
					} else {
						failed.Add(1)
						if res != nil { // nil when the source could not be read
							assert.False(t, res.Promoted)
						}
					}

					ft.failAt.Store(0)
					res, err = p.Promote(context.Background(), request(tgtHost))
					require.NoError(t, err)
					assert.True(t, res.Promoted)
					assert.Equal(t, fx.digest.String(), res.SourceDigest)
					checkComplete(t, tgtHost, res)

					ft.writes.Store(0)
					res, err = p.Promote(context.Background(), request(tgtHost))
					require.NoError(t, err)
					assert.True(t, res.Promoted)
					assert.Zero(t, ft.writes.Load(), "a second re-run writes nothing")
				})
			}
		})
	}
}

// nestedIndexWithAttestation is what buildx pushes: an index whose first
// child is an index of two platform images, and an attestation manifest
// (platform unknown/unknown) beside it.
func nestedIndexWithAttestation(t testing.TB) v1.ImageIndex {
	t.Helper()
	platformImage := func(os, arch string) v1.Image {
		img := randomImage(t)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		cf.OS, cf.Architecture = os, arch
		img, err = mutate.ConfigFile(img, cf)
		require.NoError(t, err)
		return img
	}
	inner := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		inner = mutate.AppendManifests(inner, mutate.IndexAddendum{
			Add:        platformImage("linux", arch),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: inner},
		mutate.IndexAddendum{Add: platformImage("unknown", "unknown"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}},
	)
}
