// Package promote copies images from one repository to another, same
// registry or another one, only when a policy allows it: the way Docker
// Trusted Registry's promotion policies did, on any OCI registry.
//
// A [Promoter] takes a [Request] (source and target references, a
// [policy.Policy], a target tag or tag template) and returns a [Result].
// The default, made by [New], resolves the source tag to a digest once and
// from then on works only by that digest: it reuses a stored scan report
// for the digest when one is fresh enough (see [ReportStore]) or scans the
// image, evaluates the policy on every platform image, and, when the policy
// allows, copies by digest: blobs first (mounted across repositories of the
// same registry, streamed otherwise), each manifest after its blobs, index
// children before the index, and the target tag last. A denial returns the
// result and an error matching [ErrDenied].
//
// The source's referrers (signatures, SBOMs, attestations: manifests whose
// subject is the image or one of its manifests, and their own referrers)
// are copied along before the tag, so that when the tag appears its
// signatures are there. With Request.Evidence, the scan reports and the
// decision are attached to the promoted image as an OCI 1.1 artifact
// ([EvidenceArtifactType]) whose subject is the promoted digest; on a
// registry without the referrers API (CNCF Distribution, for one) both go
// through the referrers tag schema.
//
// Every promotion, denial and failure is recorded through a [Recorder]:
// [NewStoreRecorder] keeps the history in the vulnerability database
// (boltstore or memstore, through [vulndb.DocumentStore]), beside the
// scan reports of [NewStoreReports], so one file holds feeds, reports and
// history.
//
// Promotion rules (source repository and tag selector, target, policy, tag
// template) are loaded from YAML by package rules; package trigger turns
// Distribution notifications and Harbor webhooks (an http.Handler) and
// polling into promotions.
//
// Target tags may be templates: Docker Trusted Registry's keywords (%n for
// the source tag, %Y-%m-%d and the other date and time keywords) or Go
// templates ({{.Tag}}, {{.Digest}}, {{.Time.Format "2006"}}); see
// [ExpandTag].
package promote
