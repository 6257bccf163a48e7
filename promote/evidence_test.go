package promote

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
)

// emptyDigest is the digest of "{}", the OCI empty descriptor's content.
const emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

// checkEvidence reads the evidence artifact res.Evidence from repo and
// checks it against the promotion's result.
func checkEvidence(t *testing.T, repo string, res *Result, platforms int) {
	t.Helper()
	require.NotEmpty(t, res.Evidence)
	ref, err := name.NewDigest(repo+"@"+res.Evidence, name.Insecure)
	require.NoError(t, err)
	img, err := remote.Image(ref)
	require.NoError(t, err)
	raw, err := img.RawManifest()
	require.NoError(t, err)
	var m v1.Manifest
	require.NoError(t, json.Unmarshal(raw, &m))
	assert.EqualValues(t, 2, m.SchemaVersion)
	assert.Equal(t, types.OCIManifestSchema1, m.MediaType)
	assert.Equal(t, "application/vnd.portcullis.evidence.v1+json", m.ArtifactType)
	assert.Equal(t, types.MediaType("application/vnd.oci.empty.v1+json"), m.Config.MediaType)
	assert.Equal(t, emptyDigest, m.Config.Digest.String())
	assert.EqualValues(t, 2, m.Config.Size)
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "{}", string(cfg))
	require.NotNil(t, m.Subject)
	assert.Equal(t, res.SourceDigest, m.Subject.Digest.String())
	assert.Equal(t, res.MediaType, string(m.Subject.MediaType))
	assert.Positive(t, m.Subject.Size)
	assert.Equal(t, testNow.Format(time.RFC3339), m.Annotations["org.opencontainers.image.created"])
	assert.Equal(t, res.Decision.Verdict.String(), m.Annotations["dev.portcullis.verdict"])
	assert.Equal(t, res.TargetRef, m.Annotations["dev.portcullis.target"])

	require.Len(t, m.Layers, platforms+1)
	require.Len(t, res.Platforms, platforms)
	layers, err := img.Layers()
	require.NoError(t, err)
	read := func(i int) []byte {
		rc, err := layers[i].Compressed()
		require.NoError(t, err)
		defer rc.Close()
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		return b
	}
	for i, l := range m.Layers[:platforms] {
		assert.Equal(t, types.MediaType("application/vnd.portcullis.report.v1+json"), l.MediaType)
		assert.Equal(t, res.Platforms[i].Digest, l.Annotations["dev.portcullis.platform.digest"])
		var rep scan.Report
		require.NoError(t, json.Unmarshal(read(i), &rep))
		assert.Equal(t, res.Platforms[i].Digest, rep.Image.Digest)
		assert.Equal(t, map[string]string{"team": "shop"}, rep.Image.Labels, "the fake scanner's report")
		assert.True(t, rep.ScannedAt.Equal(testNow))
	}
	dl := m.Layers[platforms]
	assert.Equal(t, types.MediaType("application/vnd.portcullis.decision.v1+json"), dl.MediaType)
	var dec EvidenceDecision
	require.NoError(t, json.Unmarshal(read(platforms), &dec))
	assert.Equal(t, res.Source, dec.Source)
	assert.Equal(t, res.SourceDigest, dec.Digest)
	assert.Equal(t, res.TargetRef, dec.Target)
	assert.True(t, dec.Time.Equal(testNow), dec.Time)
	assert.Equal(t, res.Decision.Verdict, dec.Decision.Verdict)
	assert.Equal(t, res.Decision.Reasons, dec.Decision.Reasons)
	require.Len(t, dec.Platforms, platforms)
	for i, p := range dec.Platforms {
		assert.Equal(t, res.Platforms[i].Digest, p.Digest)
		assert.Equal(t, res.Platforms[i].Decision.Verdict, p.Verdict)
	}
	require.NoError(t, validate.Image(img))
}

func TestPromoteEvidence(t *testing.T) {
	for _, index := range []bool{false, true} {
		for _, api := range []bool{false, true} {
			t.Run(fmt.Sprintf("index=%v,referrersAPI=%v", index, api), func(t *testing.T) {
				srcHost, tgtHost := newTestRegistry(t, api), newTestRegistry(t, api)
				var x any = randomImage(t)
				platforms := 1
				if index {
					x, platforms = randomIndex(t), 3
				}
				fx := pushWithReferrers(t, srcHost+"/dev/app:v1", x)
				p, rt, _, clock := setup(t)
				req := Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow, Evidence: true}
				res, err := p.Promote(context.Background(), req)
				require.NoError(t, err)
				assert.True(t, res.Promoted)

				// Listed among the promoted digest's referrers, with the
				// signatures copied along.
				assert.Equal(t, []string{res.Evidence}, referrerDigestsOf(t, tgtHost+"/qa/app", fx.digest, "application/vnd.portcullis.evidence.v1+json"))
				want := append(hashStrings(fx.refs[fx.digest]), res.Evidence)
				assert.ElementsMatch(t, want, referrerDigests(t, tgtHost+"/qa/app", fx.digest))
				for _, d := range referrerList(t, tgtHost+"/qa/app", fx.digest) {
					if d.Digest.String() == res.Evidence {
						assert.Equal(t, "allow", d.Annotations["dev.portcullis.verdict"], "annotations in the referrers list")
					}
				}
				checkEvidence(t, tgtHost+"/qa/app", res, platforms)

				// Referrers, then the evidence, then the tag.
				w := rt.writes()
				at := map[string]int{}
				for i, r := range w {
					if r.Method == http.MethodPut && strings.Contains(r.Path, "/manifests/") {
						at[r.Path[strings.LastIndex(r.Path, "/")+1:]] = i
					}
				}
				require.Contains(t, at, res.Evidence)
				for _, d := range fx.all {
					assert.Less(t, at[d.String()], at[res.Evidence])
				}
				assert.Less(t, at[res.Evidence], at["v1"])
				assert.Equal(t, len(w)-1, at["v1"])

				// A re-run at the same time writes nothing: same evidence.
				rt.reset()
				res2, err := p.Promote(context.Background(), req)
				require.NoError(t, err)
				assert.Empty(t, rt.writes())
				assert.Equal(t, res.Evidence, res2.Evidence)

				// Later, the tag in place: no second evidence either.
				clock.mu.Lock()
				clock.now = testNow.Add(time.Hour)
				clock.mu.Unlock()
				res3, err := p.Promote(context.Background(), req)
				require.NoError(t, err)
				assert.Empty(t, rt.writes())
				assert.Equal(t, res.Evidence, res3.Evidence)
				assert.Len(t, referrerDigestsOf(t, tgtHost+"/qa/app", fx.digest, EvidenceArtifactType), 1)

				// Promoted to another tag of the same repository: evidence
				// of that promotion.
				req.Tag = "stable"
				res4, err := p.Promote(context.Background(), req)
				require.NoError(t, err)
				assert.NotEqual(t, res.Evidence, res4.Evidence)
				assert.ElementsMatch(t, []string{res.Evidence, res4.Evidence}, referrerDigestsOf(t, tgtHost+"/qa/app", fx.digest, EvidenceArtifactType))
			})
		}
	}
}

// The same promotion at the same time, by another promoter that scans
// again: the same evidence, not a second one.
func TestPromoteEvidenceDeterministic(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	digest := push(t, srcHost+"/dev/app:v1", randomIndex(t))
	req := Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow, Evidence: true}
	p1, _, _, _ := setup(t)
	res1, err := p1.Promote(context.Background(), req)
	require.NoError(t, err)
	tag, err := name.NewTag(tgtHost+"/qa/app:v1", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Delete(tag))

	p2, rt2, sc2, _ := setup(t)
	res2, err := p2.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.Len(t, sc2.scans(), 3, "scanned again")
	assert.Equal(t, res1.Evidence, res2.Evidence)
	assert.Equal(t, []string{res1.Evidence}, referrerDigestsOf(t, tgtHost+"/qa/app", digest, EvidenceArtifactType))
	for _, r := range rt2.writes() {
		assert.NotContains(t, r.Path, res1.Evidence, "the evidence was there")
	}

	// At another time, another artifact.
	p3, _, _, c3 := setup(t)
	c3.now = testNow.Add(time.Second)
	require.NoError(t, remote.Delete(tag))
	res3, err := p3.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.NotEqual(t, res1.Evidence, res3.Evidence)
}

func TestPromoteEvidenceWarn(t *testing.T) {
	host := newRegistry(t, nil)
	digest := push(t, host+"/dev/app:v1", randomImage(t))
	warn := policy.Func(func(context.Context, policy.Input) (policy.Decision, error) {
		return policy.Decision{Verdict: policy.Warn, Reasons: []policy.Reason{{Rule: "old-base", Verdict: policy.Warn, Message: "base image is 400 days old"}}}, nil
	})
	p, _, _, _ := setup(t)
	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: warn, Evidence: true})
	require.NoError(t, err)
	checkEvidence(t, host+"/qa/app", res, 1)
	l := referrerList(t, host+"/qa/app", digest)
	require.Len(t, l, 1)
	assert.Equal(t, "warn", l[0].Annotations["dev.portcullis.verdict"])
	assert.Equal(t, EvidenceArtifactType, l[0].ArtifactType)
}

// A denied promotion attaches nothing.
func TestPromoteEvidenceDenied(t *testing.T) {
	host := newRegistry(t, nil)
	digest := push(t, host+"/dev/app:v1", randomImage(t))
	p, rt, _, _ := setup(t)
	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: deny, Evidence: true})
	require.ErrorIs(t, err, ErrDenied)
	assert.Empty(t, res.Evidence)
	assert.Empty(t, rt.writes())
	assert.Empty(t, referrerDigests(t, host+"/qa/app", digest))
}

func TestPromoteEvidenceDryRun(t *testing.T) {
	srcHost, tgtHost := newRegistry(t, nil), newRegistry(t, nil)
	push(t, srcHost+"/dev/app:v1", randomImage(t))
	p, rt, _, _ := setup(t)
	req := Request{Source: srcHost + "/dev/app:v1", Target: tgtHost + "/qa/app", Policy: allow, DryRun: true}
	without, err := p.Promote(context.Background(), req)
	require.NoError(t, err)
	req.Evidence = true
	with, err := p.Promote(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, rt.writes())
	assert.Empty(t, with.Evidence, "nothing attached")
	assert.Equal(t, without.Manifests+1, with.Manifests, "the evidence manifest")
	assert.Equal(t, without.Copied+3, with.Copied, "its config, report and decision")
}
