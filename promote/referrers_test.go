package promote

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Media types of the referrers the tests push, as cosign and SBOM tools
// write them.
const (
	cosignSigType   = "application/vnd.dev.cosign.artifact.sig.v1+json"
	cosignSigLayer  = "application/vnd.dev.cosign.simplesigning.v1+json"
	sbomType        = "application/spdx+json"
	intotoLayerType = "application/vnd.in-toto+json"
)

// newTestRegistry starts an in-memory registry, with the OCI referrers API
// when api is set (else referrers go through the referrers tag schema).
func newTestRegistry(t testing.TB, api bool) string {
	t.Helper()
	if !api {
		return newRegistry(t, nil)
	}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))
	srv := httptest.NewServer(referrersArtifactType{next: &scopedBlobs{next: reg, has: map[string]bool{}}})
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// referrersArtifactType corrects the referrers API of go-containerregistry's
// registry, which gives as a referrer's artifactType its config media type
// even when the manifest has an artifactType (the distribution spec asks
// for the latter).
type referrersArtifactType struct{ next http.Handler }

func (f referrersArtifactType) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, _, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/referrers/")
	if !ok || r.Method != http.MethodGet {
		f.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.next.ServeHTTP(rec, r)
	var im v1.IndexManifest
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &im) != nil {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	for i, d := range im.Manifests {
		mrec := httptest.NewRecorder()
		f.next.ServeHTTP(mrec, httptest.NewRequest(http.MethodGet, "/v2/"+repo+"/manifests/"+d.Digest.String(), nil))
		var m struct {
			ArtifactType string `json:"artifactType"`
		}
		if json.Unmarshal(mrec.Body.Bytes(), &m) == nil && m.ArtifactType != "" {
			im.Manifests[i].ArtifactType = m.ArtifactType
		}
	}
	slices.SortFunc(im.Manifests, func(a, b v1.Descriptor) int { return strings.Compare(a.Digest.String(), b.Digest.String()) })
	b, _ := json.Marshal(im)
	w.Header().Set("Content-Type", string(types.OCIImageIndex))
	_, _ = w.Write(b)
}

// referrerImage returns an artifact in the style of cosign's OCI 1.1
// referrers (the artifact type as the config media type) with one layer.
func referrerImage(t testing.TB, subject v1.Descriptor, artifactType, layerType types.MediaType, payload string) v1.Image {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), artifactType)
	img, err := mutate.Append(img, mutate.Addendum{
		Layer:       static.NewLayer([]byte(payload), layerType),
		Annotations: map[string]string{"dev.cosignproject.cosign/signature": "MEUCIQ" + payload[:min(8, len(payload))]},
	})
	require.NoError(t, err)
	return mutate.Subject(img, v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}).(v1.Image)
}

func describe(t testing.TB, x any) v1.Descriptor {
	t.Helper()
	var raw []byte
	var mt types.MediaType
	var err error
	switch v := x.(type) {
	case v1.Image:
		raw, err = v.RawManifest()
		require.NoError(t, err)
		mt, err = v.MediaType()
	case v1.ImageIndex:
		raw, err = v.RawManifest()
		require.NoError(t, err)
		mt, err = v.MediaType()
	default:
		t.Fatalf("describe: %T", x)
	}
	require.NoError(t, err)
	h, size, err := v1.SHA256(strings.NewReader(string(raw)))
	require.NoError(t, err)
	return v1.Descriptor{MediaType: mt, Size: size, Digest: h}
}

// fixture is an image or index pushed with referrers.
type fixture struct {
	digest v1.Hash
	// refs lists, by subject, the referrers pushed.
	refs map[v1.Hash][]v1.Hash
	// all lists every referrer, and imgs has them.
	all  []v1.Hash
	imgs []v1.Image
}

func (f *fixture) attach(t testing.TB, repo string, subject v1.Descriptor, img v1.Image) v1.Descriptor {
	t.Helper()
	d := push(t, repo+"@"+describe(t, img).Digest.String(), img)
	f.refs[subject.Digest] = append(f.refs[subject.Digest], d)
	f.all = append(f.all, d)
	f.imgs = append(f.imgs, img)
	return describe(t, img)
}

// pushWithReferrers pushes x (an image or index) to ref, and to its
// repository: a cosign-style signature and an SBOM attestation on it, a
// signature on the attestation, and for an index, an SBOM on its second
// child.
func pushWithReferrers(t testing.TB, ref string, x any) *fixture {
	t.Helper()
	repo, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	f := &fixture{digest: push(t, ref, x), refs: map[v1.Hash][]v1.Hash{}}
	subj := describe(t, x)
	f.attach(t, repo, subj, referrerImage(t, subj, cosignSigType, cosignSigLayer, `{"critical":{"image":{"docker-manifest-digest":"`+subj.Digest.String()+`"}}}`))
	att := f.attach(t, repo, subj, referrerImage(t, subj, sbomType, intotoLayerType, `{"predicateType":"https://spdx.dev/Document","subject":"`+subj.Digest.String()+`"}`))
	f.attach(t, repo, att, referrerImage(t, att, cosignSigType, cosignSigLayer, `{"critical":{"image":{"docker-manifest-digest":"`+att.Digest.String()+`"}}}`))
	if idx, ok := x.(v1.ImageIndex); ok {
		im, err := idx.IndexManifest()
		require.NoError(t, err)
		child := im.Manifests[1]
		f.attach(t, repo, child, referrerImage(t, child, sbomType, intotoLayerType, `{"child":"`+child.Digest.String()+`"}`))
	}
	return f
}

// referrerDigests lists the referrers of digest in repo, sorted.
func referrerDigests(t testing.TB, repo string, digest v1.Hash) []string {
	t.Helper()
	return referrerDigestsOf(t, repo, digest, "")
}

func referrerDigestsOf(t testing.TB, repo string, digest v1.Hash, artifactType string) []string {
	t.Helper()
	var out []string
	for _, d := range referrerList(t, repo, digest) {
		if artifactType == "" || d.ArtifactType == artifactType {
			out = append(out, d.Digest.String())
		}
	}
	slices.Sort(out)
	return out
}

func referrerList(t testing.TB, repo string, digest v1.Hash) []v1.Descriptor {
	t.Helper()
	d, err := name.NewDigest(repo+"@"+digest.String(), name.Insecure)
	require.NoError(t, err)
	idx, err := remote.Referrers(d)
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	return im.Manifests
}

func hashStrings(hs []v1.Hash) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.String())
	}
	slices.Sort(out)
	return out
}

// fallbackTag is the referrers tag schema's tag for digest.
func fallbackTag(repo string, digest v1.Hash) string {
	return repo + ":" + strings.Replace(digest.String(), ":", "-", 1)
}

// requireReferrersCopied checks that the target lists the fixture's
// referrers under the same subjects (and besides them, evidence only),
// each complete.
func requireReferrersCopied(t *testing.T, tgtRepo string, fx *fixture) {
	t.Helper()
	for subject, want := range fx.refs {
		var got []string
		for _, d := range referrerList(t, tgtRepo, subject) {
			if d.ArtifactType != EvidenceArtifactType {
				got = append(got, d.Digest.String())
			}
		}
		slices.Sort(got)
		require.Equal(t, hashStrings(want), got, "referrers of %s in %s", subject, tgtRepo)
	}
	for _, d := range fx.all {
		validateTarget(t, tgtRepo+"@"+d.String(), false)
	}
}

func TestPromoteCopiesReferrers(t *testing.T) {
	regs := []struct{ srcAPI, api, sameReg bool }{
		{false, false, true}, {true, true, true}, // one registry
		{false, false, false}, {true, true, false}, {true, false, false}, {false, true, false},
	}
	for _, index := range []bool{false, true} {
		for _, rg := range regs {
			api, sameReg := rg.api, rg.sameReg // of the target
			t.Run(fmt.Sprintf("index=%v,sourceReferrersAPI=%v,targetReferrersAPI=%v,sameRegistry=%v", index, rg.srcAPI, api, sameReg), func(t *testing.T) {
				srcHost := newTestRegistry(t, rg.srcAPI)
				tgtHost := srcHost
				if !sameReg {
					tgtHost = newTestRegistry(t, api)
				}
				var x any = randomImage(t)
				if index {
					x = randomIndex(t)
				}
				fx := pushWithReferrers(t, srcHost+"/dev/app:v1", x)
				require.Equal(t, hashStrings(fx.refs[fx.digest]), referrerDigests(t, srcHost+"/dev/app", fx.digest), "the fixture")
				p, rt, _, _ := setup(t)

				req := Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow}
				res, err := p.Promote(context.Background(), req)
				require.NoError(t, err)
				assert.True(t, res.Promoted)
				assert.Equal(t, len(fx.all), res.Referrers)
				assert.Equal(t, fx.digest.String(), headDigest(t, tgtHost+"/qa/app:v1"))
				validateTarget(t, tgtHost+"/qa/app:v1", index)
				requireReferrersCopied(t, tgtHost+"/qa/app", fx)

				// The referrers tag schema where the registry has no
				// referrers API, and only there.
				if api {
					assert.Empty(t, headDigest(t, fallbackTag(tgtHost+"/qa/app", fx.digest)))
				} else {
					ft, err := name.NewTag(fallbackTag(tgtHost+"/qa/app", fx.digest), name.Insecure)
					require.NoError(t, err)
					idx, err := remote.Index(ft)
					require.NoError(t, err)
					mt, err := idx.MediaType()
					require.NoError(t, err)
					assert.Equal(t, types.OCIImageIndex, mt)
					im, err := idx.IndexManifest()
					require.NoError(t, err)
					assert.Len(t, im.Manifests, len(fx.refs[fx.digest]))
					for _, d := range im.Manifests {
						assert.Contains(t, []string{cosignSigType, sbomType}, d.ArtifactType)
					}
				}

				// The order: the image's manifests, then the referrers,
				// the tag last.
				w := rt.writes()
				require.NotEmpty(t, w)
				assert.True(t, strings.HasSuffix(w[len(w)-1].Path, "/qa/app/manifests/v1"), "the tag is the last write: %+v", w[len(w)-1])
				put := func(d v1.Hash) int {
					for i, r := range w {
						if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/qa/app/manifests/"+d.String()) {
							return i
						}
					}
					t.Fatalf("%s was not written", d)
					return -1
				}
				for _, d := range fx.all {
					assert.Greater(t, put(d), put(fx.digest), "referrer %s written before the image", d)
				}

				bodies, mounts := blobUploads(rt.requests())
				if sameReg {
					assert.Empty(t, bodies, "no blob bytes may be uploaded on a same-registry promotion")
					assert.Positive(t, mounts)
					assert.Zero(t, res.CopiedBytes)
					assert.Zero(t, res.Copied)
				} else {
					assert.NotEmpty(t, bodies)
				}

				// Idempotent: a second run writes nothing.
				rt.reset()
				res2, err := p.Promote(context.Background(), req)
				require.NoError(t, err)
				assert.True(t, res2.Promoted)
				assert.Empty(t, rt.writes())
				assert.Zero(t, res2.Referrers)
				assert.Zero(t, res2.Copied+res2.Mounted+res2.Manifests)
			})
		}
	}
}

func TestPromoteSkipReferrers(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	fx := pushWithReferrers(t, srcHost+"/dev/app:v1", randomIndex(t))
	p, rt, _, _ := setup(t)
	res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow, SkipReferrers: true})
	require.NoError(t, err)
	assert.True(t, res.Promoted)
	assert.Zero(t, res.Referrers)
	assert.Equal(t, fx.digest.String(), headDigest(t, tgtHost+"/qa/app:v1"))
	for subject := range fx.refs {
		assert.Empty(t, referrerDigests(t, tgtHost+"/qa/app", subject))
	}
	assert.Empty(t, headDigest(t, fallbackTag(tgtHost+"/qa/app", fx.digest)))
	for _, r := range rt.requests() {
		assert.NotContains(t, r.Path, "/referrers/", "SkipReferrers does not even look")
	}
}

func TestPromoteReferrersDryRun(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	fx := pushWithReferrers(t, srcHost+"/dev/app:v1", randomIndex(t))
	refBlobs := map[v1.Hash]bool{}
	for _, img := range fx.imgs {
		m, err := img.Manifest()
		require.NoError(t, err)
		refBlobs[m.Config.Digest] = true
		for _, l := range m.Layers {
			refBlobs[l.Digest] = true
		}
	}
	p, rt, _, _ := setup(t)
	req := Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow, DryRun: true}
	res, err := p.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, rt.writes(), "a dry run writes nothing")
	assert.Empty(t, headDigest(t, tgtHost+"/qa/app:v1"))
	assert.Equal(t, len(fx.all), res.Referrers)
	assert.Equal(t, 5+len(fx.all), res.Manifests, "3 children, the index, the tag, the referrers")
	assert.Equal(t, 9+len(refBlobs), res.Copied)
	assert.Empty(t, referrerDigests(t, tgtHost+"/qa/app", fx.digest))

	// The real thing copies what the dry run said.
	req.DryRun = false
	res2, err := p.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, res.Referrers, res2.Referrers)
	assert.Equal(t, res.Copied, res2.Copied)
	assert.Equal(t, res.CopiedBytes, res2.CopiedBytes)

	// A referrer added to the source later: the tag is in place, the dry
	// run counts only it, and a promotion copies only it.
	sig := referrerImage(t, describe(t, fx.imgs[0]), cosignSigType, cosignSigLayer, `{"late":true}`)
	late := push(t, srcHost+"/dev/app@"+describe(t, sig).Digest.String(), sig)
	rt.reset()
	req.DryRun = true
	res, err = p.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, rt.writes())
	assert.Equal(t, 1, res.Referrers)
	assert.Equal(t, 1, res.Manifests)
	assert.True(t, res.Promoted, "the tag already names the digest")
	req.DryRun = false
	res, err = p.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Referrers)
	assert.Contains(t, referrerDigests(t, tgtHost+"/qa/app", fx.all[0]), late.String())
}

// The referrers tag in the target already lists a referrer made there: the
// promotion merges, it does not replace.
func TestPromoteReferrersMergeTargetTag(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	img := randomImage(t)
	fx := pushWithReferrers(t, srcHost+"/dev/app:v1", img)
	own := referrerImage(t, describe(t, img), cosignSigType, cosignSigLayer, `{"signed":"in qa"}`)
	ownDigest := push(t, tgtHost+"/qa/app@"+describe(t, own).Digest.String(), own)
	require.Equal(t, []string{ownDigest.String()}, referrerDigests(t, tgtHost+"/qa/app", fx.digest))

	p, _, _, _ := setup(t)
	_, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.NoError(t, err)
	want := append(hashStrings(fx.refs[fx.digest]), ownDigest.String())
	slices.Sort(want)
	assert.Equal(t, want, referrerDigests(t, tgtHost+"/qa/app", fx.digest))
}

// A run that fails after writing a referrer but before listing it in the
// referrers tag: the re-run lists it (the manifest is there, so a plain
// remote.Write would skip it and leave the listing short).
func TestPromoteReferrersRepairListing(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	fx := pushWithReferrers(t, srcHost+"/dev/app:v1", randomImage(t))
	p, rt, _, _ := setup(t, WithRetries(0, 0))
	tagPath := "/qa/app/manifests/" + strings.Replace(fx.digest.String(), ":", "-", 1)
	var failing atomic.Bool
	failing.Store(true)
	rt.inject = func(req *http.Request) *http.Response {
		if failing.Load() && req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, tagPath) {
			return status(http.StatusInternalServerError, nil)
		}
		return nil
	}
	req := Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow}
	_, err := p.Promote(context.Background(), req)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "referrer")
	assert.Empty(t, headDigest(t, tgtHost+"/qa/app:v1"), "no tag")
	written := 0
	for _, d := range fx.refs[fx.digest] {
		if headDigest(t, tgtHost+"/qa/app@"+d.String()) != "" {
			written++
		}
	}
	assert.Equal(t, 1, written, "the first referrer was written, and the run stopped there")
	assert.Empty(t, referrerDigests(t, tgtHost+"/qa/app", fx.digest), "but not listed")

	failing.Store(false)
	res, err := p.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, len(fx.all), res.Referrers)
	requireReferrersCopied(t, tgtHost+"/qa/app", fx)
}

// A referrers tag in the source listing a manifest whose subject is
// another image, and one that was deleted: both are skipped.
func TestPromoteReferrersBadListing(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	img, other := randomImage(t), randomImage(t)
	digest := push(t, srcHost+"/dev/app:v1", img)
	push(t, srcHost+"/dev/app:other", other)
	foreign := referrerImage(t, describe(t, other), cosignSigType, cosignSigLayer, `{"other":1}`)
	gone := referrerImage(t, describe(t, img), cosignSigType, cosignSigLayer, `{"gone":1}`)
	fd := push(t, srcHost+"/dev/app@"+describe(t, foreign).Digest.String(), foreign)
	gd := push(t, srcHost+"/dev/app@"+describe(t, gone).Digest.String(), gone)
	// The referrers tag of img lists both.
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: foreign}, mutate.IndexAddendum{Add: gone}), types.OCIImageIndex)
	tag, err := name.NewTag(fallbackTag(srcHost+"/dev/app", digest), name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(tag, idx))
	gref, err := name.NewDigest(srcHost+"/dev/app@"+gd.String(), name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Delete(gref))
	require.Equal(t, hashStrings([]v1.Hash{fd, gd}), referrerDigests(t, srcHost+"/dev/app", digest))

	p, _, _, _ := setup(t)
	res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.NoError(t, err)
	assert.Zero(t, res.Referrers)
	assert.Empty(t, referrerDigests(t, tgtHost+"/qa/app", digest))
	assert.Empty(t, headDigest(t, tgtHost+"/qa/app@"+fd.String()))
}

// Referrers nested deeper than MaxReferrerDepth: a clear error before
// anything is written.
func TestPromoteReferrersTooDeep(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	img := randomImage(t)
	push(t, srcHost+"/dev/app:v1", img)
	subj := describe(t, img)
	for i := range MaxReferrerDepth + 1 {
		sig := referrerImage(t, subj, cosignSigType, cosignSigLayer, fmt.Sprintf(`{"level":%d}`, i+1))
		push(t, srcHost+"/dev/app@"+describe(t, sig).Digest.String(), sig)
		subj = describe(t, sig)
	}
	p, rt, _, _ := setup(t)
	_, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("deeper than %d levels", MaxReferrerDepth))
	assert.Contains(t, err.Error(), srcHost+"/dev/app")
	assert.Empty(t, rt.writes())

	// MaxReferrerDepth levels are fine.
	srcHost = newRegistry(t, nil)
	fx := &fixture{digest: push(t, srcHost+"/dev/app:v1", img), refs: map[v1.Hash][]v1.Hash{}}
	subj = describe(t, img)
	for i := range MaxReferrerDepth {
		subj = fx.attach(t, srcHost+"/dev/app", subj, referrerImage(t, subj, cosignSigType, cosignSigLayer, fmt.Sprintf(`{"level":%d}`, i+1)))
	}
	res, err := p.Promote(context.Background(), Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow})
	require.NoError(t, err)
	assert.Equal(t, MaxReferrerDepth, res.Referrers)
	requireReferrersCopied(t, tgtHost+"/qa/app", fx)
}

func TestFindReferrersLimit(t *testing.T) {
	host := newRegistry(t, nil)
	fx := pushWithReferrers(t, host+"/dev/app:v1", randomImage(t))
	repo, err := name.NewRepository(host+"/dev/app", name.Insecure)
	require.NoError(t, err)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	refs, err := findReferrers(context.Background(), repo, nil, []v1.Hash{fx.digest}, MaxReferrerDepth, len(fx.all), logger)
	require.NoError(t, err)
	require.Len(t, refs, len(fx.all))
	assert.Equal(t, 1, refs[0].depth)
	assert.Equal(t, 2, refs[len(refs)-1].depth, "breadth first: the signature on the attestation last")

	_, err = findReferrers(context.Background(), repo, nil, []v1.Hash{fx.digest}, MaxReferrerDepth, len(fx.all)-1, logger)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("more than %d referrers", len(fx.all)-1))
	assert.Contains(t, err.Error(), fx.digest.String())
}

// The real CNCF Distribution registry (PORTCULLIS_TEST_REGISTRY=host:port),
// which has no referrers API (v3.1.2): referrers and evidence go through the
// referrers tag schema, within the registry (mounted) and from another.
func TestPromoteReferrersDistribution(t *testing.T) {
	host := os.Getenv("PORTCULLIS_TEST_REGISTRY")
	if host == "" {
		t.Skip("PORTCULLIS_TEST_REGISTRY (host:port of a Distribution registry) not set")
	}
	for _, sameReg := range []bool{true, false} {
		t.Run(fmt.Sprintf("sameRegistry=%v", sameReg), func(t *testing.T) {
			ns := "portcullis-test/" + strings.ToLower(rand.Text()[:12])
			srcHost := host
			if !sameReg {
				srcHost = newRegistry(t, nil)
			}
			src, tgt := srcHost+"/"+ns+"/dev/app", host+"/"+ns+"/qa/app"
			fx := pushWithReferrers(t, src+":v1", randomIndex(t))
			require.Equal(t, hashStrings(fx.refs[fx.digest]), referrerDigests(t, src, fx.digest), "the fixture")

			p, rt, _, _ := setup(t)
			req := Request{Source: src + ":v1", Target: tgt, Policy: allow, Evidence: true}
			res, err := p.Promote(context.Background(), req)
			require.NoError(t, err)
			assert.True(t, res.Promoted)
			assert.Equal(t, len(fx.all), res.Referrers)
			assert.Equal(t, fx.digest.String(), headDigest(t, tgt+":v1"))
			validateTarget(t, tgt+":v1", true)
			requireReferrersCopied(t, tgt, fx)

			resp, err := http.Get("http://" + host + "/v2/" + ns + "/qa/app/referrers/" + fx.digest.String())
			require.NoError(t, err)
			resp.Body.Close()
			referrersAPI := resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == string(types.OCIImageIndex)
			t.Logf("Distribution at %s answers GET /v2/…/referrers/… %d (referrers API: %v)", host, resp.StatusCode, referrersAPI)
			if !referrersAPI {
				assert.Equal(t, string(types.OCIImageIndex), manifestMediaType(t, fallbackTag(tgt, fx.digest)), "the referrers tag")
			}

			ev := referrerDigestsOf(t, tgt, fx.digest, EvidenceArtifactType)
			assert.Equal(t, []string{res.Evidence}, ev)
			checkEvidence(t, tgt, res, 3)

			bodies, mounts := blobUploads(rt.requests())
			if sameReg {
				assert.Positive(t, mounts)
				for _, b := range bodies {
					// Only the evidence is new.
					assert.Less(t, b.BodyBytes, int64(64<<10), "%+v", b)
				}
			}

			rt.reset()
			res2, err := p.Promote(context.Background(), req)
			require.NoError(t, err)
			assert.Empty(t, rt.writes())
			assert.Equal(t, res.Evidence, res2.Evidence)
		})
	}
}

func manifestMediaType(t testing.TB, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	require.NoError(t, err)
	d, err := remote.Head(r)
	require.NoError(t, err, ref)
	return string(d.MediaType)
}
