package promote

import (
	"context"
	"errors"

	"github.com/portcullis-oci/portcullis/policy"
)

// Promoter promotes an image from a source to a target repository when a
// policy allows it. Implementations must be safe for concurrent use.
type Promoter interface {
	// Promote decides on req.Source and, when the policy allows, copies it
	// to req.Target. A denial returns a non-nil Result and an error
	// matching ErrDenied.
	Promote(ctx context.Context, req Request) (*Result, error)
}

// PromoterFunc adapts a function to a [Promoter], like http.HandlerFunc.
type PromoterFunc func(ctx context.Context, req Request) (*Result, error)

// Promote calls f.
func (f PromoterFunc) Promote(ctx context.Context, req Request) (*Result, error) { return f(ctx, req) }

// Sentinel errors that callers branch on with [errors.Is].
var (
	// ErrDenied matches the error returned when the policy denies the
	// image. The Result returned with it holds the decision.
	ErrDenied = errors.New("promotion denied by policy")
	// ErrTagExists matches the error returned when Request.NoClobber is set
	// and the target tag already names another manifest.
	ErrTagExists = errors.New("target tag exists and points elsewhere")
	// ErrInvalidRequest matches errors for a request that cannot be
	// carried out as given: bad references, a missing policy, a tag
	// template that does not expand to a valid tag.
	ErrInvalidRequest = errors.New("invalid promotion request")
)

// Request is one promotion.
type Request struct {
	// Source is the image to promote: "registry/repo:tag",
	// "registry/repo@sha256:…", or "registry/repo:tag@sha256:…" (promoted
	// by the digest, the tag serving the policy and the tag template, as a
	// push event gives them). Registries on this machine (localhost,
	// 127.0.0.0/8, ::1) are reached over plain HTTP.
	Source string
	// Target is the repository to promote to, "registry/repo", optionally
	// with a tag ("registry/repo:tag") used when Tag is empty.
	Target string
	// Policy decides whether the image may be promoted. It is required.
	Policy policy.Policy
	// Tag is the target tag or a tag template (see [ExpandTag]). When it
	// and Target's tag are empty, the source tag is used ("%n").
	Tag string
	// DryRun decides and reports what would be copied, and writes nothing.
	DryRun bool
	// NoClobber refuses to move an existing target tag that names another
	// manifest (an error matching ErrTagExists); a tag already naming the
	// promoted digest is fine.
	NoClobber bool
	// Evidence attaches the scan reports and the decision to the promoted
	// image as an OCI 1.1 referrer (its subject is the promoted digest),
	// through the referrers tag schema where the target registry has no
	// referrers API.
	Evidence bool
	// SkipReferrers leaves the source image's referrers (signatures, SBOMs,
	// attestations) behind; by default they are copied along.
	SkipReferrers bool
	// Trigger says what started the promotion ("call", "cli", "poll",
	// "distribution", "harbor"), and Rule which promotion rule; both are
	// recorded, not interpreted.
	Trigger string
	Rule    string
}

// Result says what a promotion decided and did.
type Result struct {
	// Source is the source reference as given, without credentials.
	Source string `json:"source"`
	// SourceTag is the tag the source was resolved from ("" if by digest).
	SourceTag string `json:"sourceTag,omitempty"`
	// SourceDigest is the digest the source tag resolved to, once; it is
	// what was evaluated and what was (or would be) copied.
	SourceDigest string `json:"sourceDigest"`
	// MediaType is the media type of the source manifest.
	MediaType string `json:"mediaType,omitempty"`
	// TargetRef is the target repository with the expanded tag.
	TargetRef string `json:"targetRef,omitempty"`
	// Decision is the policy's decision: for an index, the strictest of the
	// platform images' decisions, with all their reasons.
	Decision policy.Decision `json:"decision"`
	// Platforms has one entry per platform image evaluated.
	Platforms []PlatformResult `json:"platforms,omitempty"`
	// Promoted is true when the target tag names SourceDigest at the end.
	Promoted bool `json:"promoted"`
	// DryRun is true when nothing was written.
	DryRun bool `json:"dryRun,omitempty"`
	// Copied counts blobs uploaded, and CopiedBytes their bytes; in a dry
	// run, the blobs the target lacks and would receive (mounted or
	// uploaded).
	Copied      int   `json:"copied"`
	CopiedBytes int64 `json:"copiedBytes"`
	// Mounted counts blobs mounted from the source repository (same
	// registry): no bytes were transferred.
	Mounted int `json:"mounted"`
	// Skipped counts blobs the target already had.
	Skipped int `json:"skipped"`
	// Manifests counts manifests written (by digest and the tag); in a dry
	// run, the manifests the target lacks.
	Manifests int `json:"manifests"`
	// Referrers counts the source's referrers copied (or, in a dry run,
	// that would be).
	Referrers int `json:"referrers,omitempty"`
	// Evidence is the digest of the evidence artifact attached to the
	// promoted image, when Request.Evidence is set.
	Evidence string `json:"evidence,omitempty"`
}

// PlatformResult is the decision on one platform image of the source.
type PlatformResult struct {
	Digest   string          `json:"digest"`
	Platform string          `json:"platform,omitempty"`
	Decision policy.Decision `json:"decision"`
	// ReportReused is true when a stored report was used instead of a scan
	// (matched again first when the feeds changed since it was matched).
	ReportReused bool `json:"reportReused"`
}
