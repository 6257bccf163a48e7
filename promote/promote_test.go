package promote

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
)

func validateTarget(t *testing.T, ref string, index bool) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	require.NoError(t, err)
	if index {
		idx, err := remote.Index(r)
		require.NoError(t, err)
		require.NoError(t, validate.Index(idx))
		return
	}
	img, err := remote.Image(r)
	require.NoError(t, err)
	require.NoError(t, validate.Image(img))
}

func blobUploads(reqs []request) (bodies []request, mounts int) {
	for _, r := range reqs {
		if !strings.Contains(r.Path, "/blobs/uploads/") {
			continue
		}
		if (r.Method == http.MethodPatch || r.Method == http.MethodPut) && r.BodyBytes > 0 {
			bodies = append(bodies, r)
		}
		if r.Method == http.MethodPost && strings.Contains(r.Query, "mount=") {
			mounts++
		}
	}
	return bodies, mounts
}

func TestPromoteCopies(t *testing.T) {
	tests := []struct {
		name      string
		index     bool
		sameReg   bool
		wantScans int
	}{
		{"single-arch, cross-registry", false, false, 1},
		{"single-arch, same registry (mount)", false, true, 1},
		{"multi-arch, cross-registry", true, false, 3},
		{"multi-arch, same registry (mount)", true, true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcHost := newRegistry(t, nil)
			tgtHost := srcHost
			if !tt.sameReg {
				tgtHost = newRegistry(t, nil)
			}
			var x any = randomImage(t)
			if tt.index {
				x = randomIndex(t)
			}
			digest := push(t, srcHost+"/dev/app:v1", x)
			p, rt, sc, _ := setup(t)

			res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
			require.NoError(t, err)
			assert.True(t, res.Promoted)
			assert.Equal(t, digest.String(), res.SourceDigest)
			assert.Equal(t, "v1", res.SourceTag)
			assert.Equal(t, tgtHost+"/qa/app:v1", res.TargetRef)
			assert.Equal(t, policy.Allow, res.Decision.Verdict)
			assert.Len(t, res.Platforms, tt.wantScans)
			assert.Len(t, sc.scans(), tt.wantScans)
			assert.Equal(t, digest.String(), headDigest(t, tgtHost+"/qa/app:v1"))
			validateTarget(t, tgtHost+"/qa/app:v1", tt.index)

			blobs := 4 // config and 3 layers per image
			if tt.index {
				blobs = 9 // 3 images of a config and 2 layers
			}
			bodies, mounts := blobUploads(rt.requests())
			if tt.sameReg {
				assert.Empty(t, bodies, "no blob bytes may be uploaded on a same-registry promotion")
				assert.Equal(t, blobs, mounts)
				assert.Equal(t, blobs, res.Mounted)
				assert.Zero(t, res.Copied)
				assert.Zero(t, res.CopiedBytes)
			} else {
				assert.Equal(t, blobs, res.Copied)
				assert.Positive(t, res.CopiedBytes)
				assert.Zero(t, res.Mounted)
			}
			wantManifests := 2 // by digest, then the tag
			if tt.index {
				wantManifests = 5 // 3 children, the index, the tag
			}
			assert.Equal(t, wantManifests, res.Manifests)

			// The tag is the last write.
			w := rt.writes()
			require.NotEmpty(t, w)
			last := w[len(w)-1]
			assert.Equal(t, http.MethodPut, last.Method)
			assert.True(t, strings.HasSuffix(last.Path, "/qa/app/manifests/v1"), last.Path)
			for _, r := range w[:len(w)-1] {
				assert.False(t, strings.HasSuffix(r.Path, "/manifests/v1"), "tag written before the end: %+v", r)
			}

			// Idempotent: a second run writes nothing.
			rt.reset()
			res2, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
			require.NoError(t, err)
			assert.True(t, res2.Promoted)
			assert.Empty(t, rt.writes())
			assert.Zero(t, res2.Copied+res2.Mounted+res2.Manifests)
			assert.Len(t, sc.scans(), tt.wantScans, "stored reports are reused")
			for _, pr := range res2.Platforms {
				assert.True(t, pr.ReportReused)
			}
		})
	}
}

// A blob already in the target is skipped, not uploaded again.
func TestPromoteSkipsExistingBlobs(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	img := randomImage(t)
	push(t, srcHost+"/dev/app:v1", img)
	layers, err := img.Layers()
	require.NoError(t, err)
	// The target repository already has every layer, not the config.
	repo, err := name.NewRepository(tgtHost+"/qa/app", name.Insecure)
	require.NoError(t, err)
	for _, l := range layers {
		require.NoError(t, remote.WriteLayer(repo, l))
	}
	d, err := img.Digest()
	require.NoError(t, err)
	p, _, _, _ := setup(t)
	res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app:prod", Policy: allow})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Copied, "the config")
	assert.Equal(t, 2, res.Manifests)
	assert.Equal(t, len(layers), res.Skipped)
	assert.Equal(t, d.String(), headDigest(t, tgtHost+"/qa/app:prod"))
}

func TestPromoteTagMovedDuringPromotion(t *testing.T) {
	host := newRegistry(t, nil)
	first := push(t, host+"/dev/app:v1", randomImage(t))
	second := randomImage(t)
	p, rt, sc, _ := setup(t)
	var moved atomic.Bool
	rt.inject = func(req *http.Request) *http.Response {
		if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/dev/app/manifests/v1") && !moved.Load() {
			resp, err := http.DefaultTransport.RoundTrip(req)
			require.NoError(t, err)
			moved.Store(true)
			push(t, host+"/dev/app:v1", second) // the tag moves now
			return resp
		}
		return nil
	}
	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow})
	require.NoError(t, err)
	require.True(t, moved.Load())
	sd, _ := second.Digest()
	require.NotEqual(t, sd, first)
	assert.Equal(t, first.String(), res.SourceDigest)
	assert.Equal(t, []string{first.String()}, sc.scans(), "the digest scanned is the first")
	assert.Equal(t, first.String(), headDigest(t, host+"/qa/app:v1"), "the digest promoted is the one scanned")
	assert.Equal(t, sd.String(), headDigest(t, host+"/dev/app:v1"))
	resolves := 0
	for _, r := range rt.requests() {
		if strings.HasSuffix(r.Path, "/dev/app/manifests/v1") {
			resolves++
		}
	}
	assert.Equal(t, 1, resolves, "the source tag is resolved once")
}

func TestPromoteNoClobber(t *testing.T) {
	host := newRegistry(t, nil)
	digest := push(t, host+"/dev/app:v1", randomImage(t))
	other := push(t, host+"/qa/app:v1", randomImage(t))
	p, rt, _, _ := setup(t)

	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow, NoClobber: true})
	require.ErrorIs(t, err, ErrTagExists)
	assert.False(t, res.Promoted)
	assert.Empty(t, rt.writes())
	assert.Equal(t, other.String(), headDigest(t, host+"/qa/app:v1"), "not overwritten")

	// Without NoClobber the tag moves.
	_, err = p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow})
	require.NoError(t, err)
	assert.Equal(t, digest.String(), headDigest(t, host+"/qa/app:v1"))

	// Same digest already there: fine with NoClobber.
	rt.reset()
	res, err = p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow, NoClobber: true})
	require.NoError(t, err)
	assert.True(t, res.Promoted)
	assert.Empty(t, rt.writes())
}

func TestPromoteDryRun(t *testing.T) {
	for _, index := range []bool{false, true} {
		srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
		var x any = randomImage(t)
		if index {
			x = randomIndex(t)
		}
		push(t, srcHost+"/dev/app:v1", x)
		p, rt, _, _ := setup(t)
		res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow, DryRun: true})
		require.NoError(t, err)
		assert.True(t, res.DryRun)
		assert.False(t, res.Promoted)
		assert.Empty(t, rt.writes(), "a dry run writes nothing")
		assert.Empty(t, headDigest(t, tgtHost+"/qa/app:v1"))
		if index {
			assert.Equal(t, 9, res.Copied)
			assert.Equal(t, 5, res.Manifests)
		} else {
			assert.Equal(t, 4, res.Copied)
			assert.Equal(t, 2, res.Manifests)
		}
		assert.Positive(t, res.CopiedBytes)
	}
}

func TestPromoteDenied(t *testing.T) {
	host := newRegistry(t, nil)
	digest := push(t, host+"/dev/app:v1", randomIndex(t))
	p, rt, _, _ := setup(t)
	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: deny})
	require.ErrorIs(t, err, ErrDenied)
	require.NotNil(t, res)
	assert.Equal(t, policy.Deny, res.Decision.Verdict)
	assert.Equal(t, digest.String(), res.SourceDigest)
	assert.False(t, res.Promoted)
	assert.Contains(t, err.Error(), "never")
	assert.Empty(t, rt.writes())
	assert.Empty(t, headDigest(t, host+"/qa/app:v1"))
}

// One platform denied denies the whole index.
func TestPromoteIndexOnePlatformDenied(t *testing.T) {
	host := newRegistry(t, nil)
	idx := randomIndex(t)
	push(t, host+"/dev/app:v1", idx)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	bad := im.Manifests[1].Digest.String()
	pol := policy.Func(func(_ context.Context, in policy.Input) (policy.Decision, error) {
		if in.Image.Digest == bad {
			return policy.Decision{Verdict: policy.Deny}, nil
		}
		return policy.Decision{Verdict: policy.Allow}, nil
	})
	p, _, _, _ := setup(t)
	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: pol})
	require.ErrorIs(t, err, ErrDenied)
	require.Len(t, res.Platforms, 3)
	assert.Equal(t, policy.Deny, res.Platforms[1].Decision.Verdict)
	assert.Equal(t, policy.Allow, res.Platforms[0].Decision.Verdict)
}

const criticalPolicy = `version: 1
name: qa
settings:
  allowUnmatched: true
rules:
  - name: no-criticals
    vulnerabilities:
      critical: "> 0"
`

func TestPromoteLoadedPolicy(t *testing.T) {
	pol, err := policy.Load("qa.yaml", []byte(criticalPolicy))
	require.NoError(t, err)
	host := newRegistry(t, nil)
	clean := push(t, host+"/dev/app:clean", randomImage(t))
	vuln := push(t, host+"/dev/app:vuln", randomImage(t))
	p, _, sc, _ := setup(t)
	sc.findings[vuln.String()] = []scan.Finding{{ID: "CVE-2026-0001", Package: "openssl", Type: "deb", InstalledVersion: "1", Severity: "CRITICAL", Status: "fixed", FixedVersion: "2"}}

	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:clean", Target: host + "/qa/app", Policy: pol})
	require.NoError(t, err)
	assert.Equal(t, clean.String(), headDigest(t, host+"/qa/app:clean"))
	assert.True(t, res.Promoted)

	res, err = p.Promote(context.Background(), Request{Source: host + "/dev/app:vuln", Target: host + "/qa/app", Policy: pol})
	require.ErrorIs(t, err, ErrDenied)
	assert.Equal(t, []string{"no-criticals"}, res.Decision.Fired(policy.Deny))
	assert.Empty(t, headDigest(t, host+"/qa/app:vuln"))
}

func TestPromoteReportFreshness(t *testing.T) {
	host := newRegistry(t, nil)
	digest := push(t, host+"/dev/app:v1", randomImage(t))
	store := NewMemoryReportStore()
	p, _, sc, clock := setup(t, WithReportStore(store))
	fresh := &scan.Report{Image: scan.ImageRef{Digest: digest.String()}, ScannedAt: testNow.Add(-DefaultMaxReportAge + 1)}
	require.NoError(t, store.Put(context.Background(), digest.String(), fresh))
	var seen *scan.Report
	pol := policy.Func(func(_ context.Context, in policy.Input) (policy.Decision, error) {
		seen = in.Report
		assert.Equal(t, clock.Now(), in.Now)
		assert.Equal(t, "v1", in.Image.Tag)
		assert.Equal(t, host+"/dev/app", in.Image.Repository)
		assert.Equal(t, digest.String(), in.Image.Digest)
		return policy.Decision{Verdict: policy.Allow}, nil
	})
	_, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: pol, DryRun: true})
	require.NoError(t, err)
	assert.Same(t, fresh, seen)
	assert.Empty(t, sc.scans())

	stale := &scan.Report{Image: scan.ImageRef{Digest: digest.String()}, ScannedAt: testNow.Add(-DefaultMaxReportAge - 1)}
	require.NoError(t, store.Put(context.Background(), digest.String(), stale))
	_, err = p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: pol, DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, []string{digest.String()}, sc.scans())
	assert.Equal(t, map[string]string{"team": "shop"}, seen.Image.Labels)
	got, err := store.Get(context.Background(), digest.String())
	require.NoError(t, err)
	assert.Same(t, seen, got, "the new report is stored")
}

func TestPromoteRetryAfter(t *testing.T) {
	// A 429 with Retry-After on the manifest PUT: retried after the wait
	// the registry asked for, and the promotion completes.
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	digest := push(t, srcHost+"/dev/app:v1", randomImage(t))
	p, rt, _, clock := setup(t)
	var n atomic.Int32
	rt.inject = func(req *http.Request) *http.Response {
		if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/manifests/") && n.Add(1) <= 2 {
			code := http.StatusTooManyRequests
			if n.Load() == 2 {
				code = http.StatusServiceUnavailable
			}
			return status(code, http.Header{"Retry-After": {"7"}})
		}
		return nil
	}
	res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.NoError(t, err)
	assert.True(t, res.Promoted)
	assert.Equal(t, digest.String(), headDigest(t, tgtHost+"/qa/app:v1"))
	require.Len(t, clock.sleeps, 2)
	assert.Equal(t, 7*1e9, float64(clock.sleeps[0]))
	assert.Equal(t, 7*1e9, float64(clock.sleeps[1]))
}

func TestRetryAfterParse(t *testing.T) {
	tests := []struct {
		in   string
		want float64 // seconds
	}{
		{"", 0}, {"3", 3}, {"-1", 0}, {"junk", 0},
		{testNow.Add(90e9).Format(http.TimeFormat), 90},
		{testNow.Add(-90e9).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, retryAfter(tt.in, testNow).Seconds(), tt.in)
	}
}

// A registry that fails mid-copy (a 429 on a blob upload, which cannot be
// replayed, and retries exhausted on a 5xx): the target never gets the tag
// of an incomplete image, and a re-run completes.
func TestPromoteFailsMidCopy(t *testing.T) {
	tests := []struct {
		name   string
		fail   func(req *http.Request) bool
		status int
	}{
		{"429 on a blob upload", func(r *http.Request) bool { return r.Method == http.MethodPatch }, http.StatusTooManyRequests},
		{"503 on every manifest PUT", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/")
		}, http.StatusServiceUnavailable},
		{"500 on the tag", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/v1")
		}, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
			digest := push(t, srcHost+"/dev/app:v1", randomIndex(t))
			p, rt, _, _ := setup(t)
			var failing atomic.Bool
			failing.Store(true)
			rt.inject = func(req *http.Request) *http.Response {
				if failing.Load() && strings.HasPrefix(req.URL.Host, tgtHost) && tt.fail(req) {
					return status(tt.status, http.Header{"Retry-After": {"1"}})
				}
				return nil
			}
			req := Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow}
			res, err := p.Promote(context.Background(), req)
			require.Error(t, err)
			assert.False(t, res.Promoted)
			assert.Empty(t, headDigest(t, tgtHost+"/qa/app:v1"), "no tag on an incomplete image")

			failing.Store(false)
			res, err = p.Promote(context.Background(), req)
			require.NoError(t, err)
			assert.True(t, res.Promoted)
			assert.Equal(t, digest.String(), headDigest(t, tgtHost+"/qa/app:v1"))
			validateTarget(t, tgtHost+"/qa/app:v1", true)
		})
	}
}

func TestPromoteContextCanceled(t *testing.T) {
	host := newRegistry(t, nil)
	push(t, host+"/dev/app:v1", randomImage(t))
	p, rt, _, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Promote(ctx, Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, rt.writes())
}

// Credentials never appear in errors: a registry that echoes the
// Authorization header into its error bodies.
func TestPromoteErrorsHoldNoCredentials(t *testing.T) {
	const secret = "s3cret-canary-pass"
	echo := authEcho(func() bool { return true })
	srcHost := newRegistry(t, nil)
	tgtHost := newRegistry(t, echo)
	push(t, srcHost+"/dev/app:v1", randomImage(t))
	rec := &MemoryRecorder{}
	p, _, _, _ := setup(t, WithKeychain(staticKeychain{user: "robot", pass: secret}), WithRecorder(rec))
	_, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, err.Error(), "cm9ib3Q6") // base64 of "robot:"
	assert.Contains(t, err.Error(), "[REDACTED]")
	recs, err := rec.Records(context.Background(), RecordFilter{})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, OutcomeFailed, recs[0].Outcome)
	assert.Contains(t, recs[0].Error, "[REDACTED]")
	assert.NotContains(t, recs[0].Error, secret)
	assert.NotContains(t, recs[0].Error, "cm9ib3Q6")
}

func TestPromoteInvalidRequests(t *testing.T) {
	host := newRegistry(t, nil)
	push(t, host+"/dev/app:v1", randomImage(t))
	tests := []Request{
		{Source: host + "/dev/app:v1", Target: host + "/qa/app"}, // no policy
		{Source: "not a ref!", Target: host + "/qa/app", Policy: allow},
		{Source: host + "/dev/app:v1", Target: "bad target!", Policy: allow},
		{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow, Tag: "%q"},
		{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow, Tag: "{{.Nope}}"},
	}
	for _, req := range tests {
		p, rt, _, _ := setup(t)
		_, err := p.Promote(context.Background(), req)
		assert.ErrorIs(t, err, ErrInvalidRequest, "%+v", req)
		assert.Empty(t, rt.writes())
	}
}

func TestPromoteByDigestNeedsTag(t *testing.T) {
	host := newRegistry(t, nil)
	d := push(t, host+"/dev/app:v1", randomImage(t))
	p, _, _, _ := setup(t)
	_, err := p.Promote(context.Background(), Request{Source: host + "/dev/app@" + d.String(), Target: host + "/qa/app", Policy: allow})
	require.ErrorIs(t, err, ErrInvalidRequest, "%%n needs a source tag")
	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app@" + d.String(), Target: host + "/qa/app:stable", Policy: allow})
	require.NoError(t, err)
	assert.Equal(t, host+"/qa/app:stable", res.TargetRef)
	assert.Equal(t, d.String(), headDigest(t, host+"/qa/app:stable"))

	// "repo:tag@digest": the digest is promoted, the tag names the target.
	push(t, host+"/dev/app:v1", randomImage(t)) // the tag moves on
	res, err = p.Promote(context.Background(), Request{Source: host + "/dev/app:v1@" + d.String(), Target: host + "/qa/app", Policy: allow})
	require.NoError(t, err)
	assert.Equal(t, "v1", res.SourceTag)
	assert.Equal(t, d.String(), res.SourceDigest)
	assert.Equal(t, d.String(), headDigest(t, host+"/qa/app:v1"))
}

func TestPromoterFunc(t *testing.T) {
	var f Promoter = PromoterFunc(func(_ context.Context, req Request) (*Result, error) {
		return &Result{Source: req.Source}, errors.New("x")
	})
	res, err := f.Promote(context.Background(), Request{Source: "a"})
	assert.Equal(t, "a", res.Source)
	assert.EqualError(t, err, "x")
}

func TestNewOptionErrors(t *testing.T) {
	for _, o := range []Option{WithConcurrency(0), WithRetries(-1, 0), WithMaxReportAge(-1), WithTransport(nil)} {
		_, err := New(o)
		assert.Error(t, err)
	}
}

// Cancelling mid-copy stops the copy; the tag is never written.
func TestPromoteCanceledMidCopy(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	push(t, srcHost+"/dev/app:v1", randomIndex(t))
	p, rt, _, _ := setup(t, WithConcurrency(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt.inject = func(req *http.Request) *http.Response {
		if req.Method == http.MethodPatch {
			cancel()
		}
		return nil
	}
	_, err := p.Promote(ctx, Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, headDigest(t, tgtHost+"/qa/app:v1"))
}

// A source registry that redirects blob downloads to another host: the
// credentials go to the registry only, never to the other host.
func TestPromoteRedirectKeepsCredentials(t *testing.T) {
	const secret = "s3cret-canary-redirect"
	inner := &scopedBlobs{next: registry.New(registry.Logger(log.New(io.Discard, "", 0))), has: map[string]bool{}}
	var otherHits, otherAuth atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			otherAuth.Add(1)
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(other.Close)
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="src"`)
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(src.Close)
	srcHost := strings.TrimPrefix(src.URL, "http://")
	tgtHost := newRegistry(t, nil)

	img := randomImage(t)
	r, err := name.ParseReference(srcHost+"/dev/app:v1", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: "robot", Password: secret})))

	p, _, _, _ := setup(t, WithKeychain(staticKeychain{user: "robot", pass: secret}))
	res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.NoError(t, err)
	assert.True(t, res.Promoted)
	assert.Positive(t, otherHits.Load(), "blobs came through the redirect")
	assert.Zero(t, otherAuth.Load(), "credentials sent to another host")
	validateTarget(t, tgtHost+"/qa/app:v1", false)
}

func TestPromoteConcurrencyBound(t *testing.T) {
	for _, n := range []int{1, 3} {
		srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
		idx, err := random.Index(256, 4, 3)
		require.NoError(t, err)
		push(t, srcHost+"/dev/app:v1", idx)
		p, rt, _, _ := setup(t, WithConcurrency(n))
		_, err = p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
		require.NoError(t, err)
		// Children of an index are written n at once, each n blobs at once.
		assert.LessOrEqual(t, int(rt.maxInflight.Load()), n*n, "WithConcurrency(%d)", n)
		assert.Positive(t, rt.maxInflight.Load())
	}
}

// A warning does not stop a promotion; an invalid verdict does.
func TestPromoteVerdicts(t *testing.T) {
	tests := []struct {
		verdict  policy.Verdict
		promoted bool
	}{{policy.Allow, true}, {policy.Warn, true}, {policy.Deny, false}, {0, false}}
	for _, tt := range tests {
		host := newRegistry(t, nil)
		digest := push(t, host+"/dev/app:v1", randomImage(t))
		pol := policy.Func(func(context.Context, policy.Input) (policy.Decision, error) {
			return policy.Decision{Verdict: tt.verdict}, nil
		})
		p, _, _, _ := setup(t)
		res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: pol})
		assert.Equal(t, tt.promoted, res.Promoted, tt.verdict)
		if tt.promoted {
			require.NoError(t, err)
			assert.Equal(t, digest.String(), headDigest(t, host+"/qa/app:v1"))
		} else {
			require.ErrorIs(t, err, ErrDenied)
			assert.Empty(t, headDigest(t, host+"/qa/app:v1"))
		}
	}
}
