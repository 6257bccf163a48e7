package promote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
)

// Media types and annotations of the evidence artifact that
// Request.Evidence attaches to a promoted image: an OCI 1.1 image manifest
// whose artifactType is EvidenceArtifactType, whose config is the OCI empty
// descriptor, whose subject is the promoted manifest, and whose layers are
// one scan report per platform image evaluated (ReportMediaType) and the
// decision (DecisionMediaType, an [EvidenceDecision]).
const (
	// EvidenceArtifactType is the artifactType of the evidence manifest,
	// by which it is found among an image's referrers.
	EvidenceArtifactType = "application/vnd.portcullis.evidence.v1+json"
	// ReportMediaType is the media type of an evidence layer holding a
	// [scan.Report] as JSON, for the platform image named by its
	// AnnotationPlatformDigest annotation.
	ReportMediaType = "application/vnd.portcullis.report.v1+json"
	// DecisionMediaType is the media type of the evidence layer holding the
	// [EvidenceDecision] as JSON.
	DecisionMediaType = "application/vnd.portcullis.decision.v1+json"
	// EmptyMediaType is the media type of the OCI empty descriptor, the
	// config of the evidence manifest: the two bytes "{}".
	EmptyMediaType = "application/vnd.oci.empty.v1+json"

	// AnnotationVerdict, on the evidence manifest, is the decision's
	// verdict: "allow" or "warn".
	AnnotationVerdict = "dev.portcullis.verdict"
	// AnnotationPlatformDigest, on a report layer, is the digest of the
	// platform image the report is about.
	AnnotationPlatformDigest = "dev.portcullis.platform.digest"
	// AnnotationPlatform, on a report layer, is that image's platform
	// ("linux/amd64") when the source index gives one.
	AnnotationPlatform = "dev.portcullis.platform"
	// AnnotationTarget, on the evidence manifest, is the target repository
	// and tag the promotion was to.
	AnnotationTarget = "dev.portcullis.target"
	// AnnotationCreated is the OCI annotation holding when the evidence
	// was made (the promoter's clock, RFC 3339).
	AnnotationCreated = "org.opencontainers.image.created"
)

// EvidenceDecision is the decision layer of an evidence artifact.
type EvidenceDecision struct {
	// Source is the source reference as given, without credentials.
	Source string `json:"source"`
	// SourceTag is the tag the source was resolved from, if any.
	SourceTag string `json:"sourceTag,omitempty"`
	// Digest is the promoted digest, the evidence's subject.
	Digest string `json:"digest"`
	// Target is the target repository and tag.
	Target string `json:"target"`
	// Time is when the decision was made (the promoter's clock).
	Time time.Time `json:"time"`
	// Decision is the policy's decision: for an index, the strictest of
	// its platform images'.
	Decision policy.Decision `json:"decision"`
	// Platforms has the verdict on each platform image evaluated.
	Platforms []EvidencePlatform `json:"platforms,omitempty"`
}

// EvidencePlatform is the verdict on one platform image in an
// [EvidenceDecision].
type EvidencePlatform struct {
	Digest   string         `json:"digest"`
	Platform string         `json:"platform,omitempty"`
	Verdict  policy.Verdict `json:"verdict"`
}

// emptyJSON is the content of the OCI empty descriptor.
var emptyJSON = []byte("{}")

// evidenceArtifact is the evidence manifest and its blobs.
type evidenceArtifact struct {
	img    v1.Image
	digest v1.Hash
	desc   v1.Descriptor // as the referrers list shows it
	blobs  map[v1.Hash]int64
}

// newEvidence builds the evidence artifact for a promotion: subject is the
// promoted manifest; reports[i] is the report of imgs[i]; the decision's
// source is res.Source passed through red. The same inputs and time give
// the same bytes, hence the same digest.
func newEvidence(subject v1.Descriptor, res *Result, imgs []platformImage, reports []*scan.Report, now time.Time, red *redactor) (*evidenceArtifact, error) {
	if len(reports) != len(imgs) {
		return nil, fmt.Errorf("promote: evidence for %s: %d reports for %d platform images", subject.Digest, len(reports), len(imgs))
	}
	layers := map[v1.Hash]v1.Layer{}
	var descs []v1.Descriptor
	addLayer := func(b []byte, mt types.MediaType, ann map[string]string) error {
		l := static.NewLayer(b, mt)
		h, err := l.Digest()
		if err != nil {
			return err
		}
		layers[h] = l
		descs = append(descs, v1.Descriptor{MediaType: mt, Size: int64(len(b)), Digest: h, Annotations: ann})
		return nil
	}
	for i, pi := range imgs {
		if reports[i] == nil {
			return nil, fmt.Errorf("promote: evidence for %s: no report for %s", subject.Digest, pi.digest)
		}
		b, err := json.Marshal(reports[i])
		if err != nil {
			return nil, fmt.Errorf("promote: evidence for %s: encoding the report for %s: %w", subject.Digest, pi.digest, err)
		}
		ann := map[string]string{AnnotationPlatformDigest: pi.digest.String()}
		if pi.platform != "" {
			ann[AnnotationPlatform] = pi.platform
		}
		if err := addLayer(b, ReportMediaType, ann); err != nil {
			return nil, err
		}
	}
	dec := EvidenceDecision{
		Source:    red.String(res.Source),
		SourceTag: res.SourceTag,
		Digest:    res.SourceDigest,
		Target:    res.TargetRef,
		Time:      now.UTC(),
		Decision:  res.Decision,
	}
	for _, p := range res.Platforms {
		dec.Platforms = append(dec.Platforms, EvidencePlatform{Digest: p.Digest, Platform: p.Platform, Verdict: p.Decision.Verdict})
	}
	b, err := json.Marshal(dec)
	if err != nil {
		return nil, fmt.Errorf("promote: evidence for %s: encoding the decision: %w", subject.Digest, err)
	}
	if err := addLayer(b, DecisionMediaType, nil); err != nil {
		return nil, err
	}

	cfgDigest, cfgSize, err := v1.SHA256(bytes.NewReader(emptyJSON))
	if err != nil {
		return nil, err
	}
	ann := map[string]string{
		AnnotationCreated: now.UTC().Format(time.RFC3339),
		AnnotationVerdict: res.Decision.Verdict.String(),
		AnnotationTarget:  res.TargetRef,
	}
	sub := v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}
	raw, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  EvidenceArtifactType,
		Config:        v1.Descriptor{MediaType: EmptyMediaType, Size: cfgSize, Digest: cfgDigest},
		Layers:        descs,
		Annotations:   ann,
		Subject:       &sub,
	})
	if err != nil {
		return nil, fmt.Errorf("promote: evidence for %s: encoding the manifest: %w", subject.Digest, err)
	}
	img, err := partial.CompressedToImage(&evidenceImage{manifest: raw, layers: layers})
	if err != nil {
		return nil, fmt.Errorf("promote: evidence for %s: %w", subject.Digest, err)
	}
	h, size, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	ev := &evidenceArtifact{
		img:    img,
		digest: h,
		desc:   v1.Descriptor{MediaType: types.OCIManifestSchema1, Size: size, Digest: h, ArtifactType: EvidenceArtifactType, Annotations: ann},
		blobs:  map[v1.Hash]int64{cfgDigest: cfgSize},
	}
	for _, d := range descs {
		ev.blobs[d.Digest] = d.Size
	}
	return ev, nil
}

// evidenceImage is the evidence manifest as a go-containerregistry image
// (partial.CompressedImageCore).
type evidenceImage struct {
	manifest []byte
	layers   map[v1.Hash]v1.Layer
}

func (e *evidenceImage) RawConfigFile() ([]byte, error) { return emptyJSON, nil }

func (e *evidenceImage) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

func (e *evidenceImage) RawManifest() ([]byte, error) { return e.manifest, nil }

func (e *evidenceImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := e.layers[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("evidence layer %s: not found", h)
}

// latestEvidence returns, among a subject's referrers, the evidence of a
// promotion to target made last (by its created annotation), or nil.
func latestEvidence(refs []v1.Descriptor, target string) *v1.Descriptor {
	var best *v1.Descriptor
	for i := range refs {
		d := &refs[i]
		if d.ArtifactType != EvidenceArtifactType || d.Annotations[AnnotationTarget] != target {
			continue
		}
		if best == nil || d.Annotations[AnnotationCreated] > best.Annotations[AnnotationCreated] ||
			(d.Annotations[AnnotationCreated] == best.Annotations[AnnotationCreated] && d.Digest.String() > best.Digest.String()) {
			best = d
		}
	}
	return best
}

// attachEvidence writes the evidence artifact to the target unless the
// target already lists it among subject's referrers (the same promotion at
// the same time makes the same artifact).
func attachEvidence(ctx context.Context, tgt *targetReferrers, subject v1.Hash, ev *evidenceArtifact) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("promote: attaching evidence to %s@%s: %w", tgt.repo, subject, err)
	}
	ok, err := tgt.has(subject, ev.digest)
	if err != nil || ok {
		return err
	}
	if err := putReferrer(tgt.repo, ev.digest, ev.img, tgt.opts); err != nil {
		return fmt.Errorf("promote: attaching evidence %s to %s@%s: %w", ev.digest, tgt.repo, subject, err)
	}
	tgt.add(subject, ev.desc)
	return nil
}
