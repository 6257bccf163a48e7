package policy

import (
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/scan"
)

// Policy decides whether an image may move on. Implementations must be
// safe for concurrent use and should be pure functions of their input: the
// same Input gives the same Decision, with no I/O, so that policies can be
// tested with fixed reports and times.
type Policy interface {
	Evaluate(ctx context.Context, in Input) (Decision, error)
}

// Func adapts a function to [Policy], like http.HandlerFunc.
type Func func(ctx context.Context, in Input) (Decision, error)

// Evaluate calls f.
func (f Func) Evaluate(ctx context.Context, in Input) (Decision, error) { return f(ctx, in) }

// Input is what a policy decides on.
type Input struct {
	// Image identifies the image. Fields left empty are taken from the
	// report (digest, labels, created).
	Image Image
	// Report is the scan of the image; nil means the image was not scanned.
	Report *scan.Report
	// Now is the time of the decision; the zero time means time.Now().
	Now time.Time
	// VEX documents that came with the image (attestations, files handed
	// to the command), used beside the policy's own.
	VEX []*VEXDocument
	// Base describes the image's base image when the caller knows its
	// layers; it takes precedence over the policy's baseImages.
	Base *BaseImage
}

// Image identifies the image a decision is about.
type Image struct {
	// Repository is the full repository name, registry included
	// ("registry.example.com/shop/web"; Docker Hub names as
	// go-containerregistry spells them, "index.docker.io/library/alpine").
	Repository string `json:"repository,omitempty"`
	// Tag is the tag being decided on ("" when the image goes by digest).
	Tag    string `json:"tag,omitempty"`
	Digest string `json:"digest,omitempty"`
	// Labels are the config labels, and the manifest annotations where the
	// caller has them (org.opencontainers.image.base.*).
	Labels  map[string]string `json:"labels,omitempty"`
	Created time.Time         `json:"created,omitzero"`
}

// BaseImage describes the base an image was built on: either its layer
// diffIDs, which must be the bottom layers of the image, or just how many
// bottom layers it contributes.
type BaseImage struct {
	Name    string   `json:"name,omitempty"`
	Digest  string   `json:"digest,omitempty"`
	Layers  int      `json:"layers,omitempty"`
	DiffIDs []string `json:"diffIDs,omitempty"`
}

// Label keys of the OCI image spec that name an image's base.
const (
	LabelBaseDigest = ocispec.AnnotationBaseImageDigest
	LabelBaseName   = ocispec.AnnotationBaseImageName
)

// Verdict is the outcome of a decision. Its zero value is not a verdict;
// [All] treats it as [Deny].
type Verdict int

// The verdicts, least strict first.
const (
	Allow Verdict = iota + 1
	Warn
	Deny
)

var verdictNames = [...]string{Allow: "allow", Warn: "warn", Deny: "deny"}

// String returns "allow", "warn", "deny" or "invalid".
func (v Verdict) String() string {
	if v.Valid() {
		return verdictNames[v]
	}
	return "invalid"
}

// Valid reports whether v is Allow, Warn or Deny.
func (v Verdict) Valid() bool { return v >= Allow && v <= Deny }

// ParseVerdict parses "allow", "warn" or "deny" (any case).
func ParseVerdict(s string) (Verdict, error) {
	for v := Allow; v <= Deny; v++ {
		if strings.EqualFold(s, verdictNames[v]) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("policy: verdict %q: want allow, warn or deny", s)
}

// MarshalText implements encoding.TextMarshaler.
func (v Verdict) MarshalText() ([]byte, error) {
	if !v.Valid() {
		return nil, fmt.Errorf("policy: invalid verdict %d", int(v))
	}
	return []byte(v.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Verdict) UnmarshalText(b []byte) error {
	p, err := ParseVerdict(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Decision is a policy's answer, with the reasons a person can act on.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	// Reasons say why: for a Rules policy, its fail-closed checks first,
	// then the rules that fired in policy order, then notes. A reason whose
	// verdict is allow is a note (an expired exception, a base image that
	// could not be identified, a check the policy allows): it does not
	// change the verdict.
	Reasons []Reason `json:"reasons"`
	// Suppressed lists every exception and VEX statement that applied to
	// the image's findings or packages, and every expired exception that
	// would have.
	Suppressed []Suppression `json:"suppressed,omitempty"`
}

// Fired returns the names of the rules whose reasons carry verdict v or
// stricter, in order, without repeats.
func (d Decision) Fired(v Verdict) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range d.Reasons {
		if r.Verdict >= v && !seen[r.Rule] {
			seen[r.Rule] = true
			out = append(out, r.Rule)
		}
	}
	return out
}

// Reason says why a rule fired, and what it is about.
type Reason struct {
	// Rule is the rule's name, or one of the Rule… names of the policy's
	// own checks.
	Rule string `json:"rule"`
	// Policy names the policy the rule belongs to.
	Policy  string  `json:"policy,omitempty"`
	Verdict Verdict `json:"verdict"`
	Message string  `json:"message"`
	// Findings and Packages are what the rule is about, most severe first,
	// at most the evidence limit of each (see WithMaxEvidence); Omitted
	// counts the rest.
	Findings []FindingRef `json:"findings,omitempty"`
	Packages []PackageRef `json:"packages,omitempty"`
	Omitted  int          `json:"omitted,omitempty"`
}

// FindingRef names a finding and the layer its package came from.
type FindingRef struct {
	ID           string        `json:"id"`
	Severity     string        `json:"severity,omitempty"`
	Package      string        `json:"package,omitempty"`
	Version      string        `json:"version,omitempty"`
	FixedVersion string        `json:"fixedVersion,omitempty"`
	PURL         string        `json:"purl,omitempty"`
	Layer        scan.LayerRef `json:"layer"`
}

// PackageRef names a package and the layer it came from.
type PackageRef struct {
	Name     string        `json:"name"`
	Version  string        `json:"version,omitempty"`
	PURL     string        `json:"purl,omitempty"`
	Licenses []string      `json:"licenses,omitempty"`
	Layer    scan.LayerRef `json:"layer"`
}

// Kinds of suppression.
const (
	KindException = "exception"
	KindVEX       = "vex"
)

// Suppression is an exception or VEX statement that took findings or
// packages out of the decision.
type Suppression struct {
	// Kind is KindException or KindVEX.
	Kind string `json:"kind"`
	// Source is where it was written: "policy.yaml:42" for an exception,
	// "FILE#statement N" for a VEX statement.
	Source string `json:"source"`
	// Vulnerability is the exception's or statement's vulnerability, if any.
	Vulnerability string `json:"vulnerability,omitempty"`
	// PURL is the exception's package scope, if any.
	PURL string `json:"purl,omitempty"`
	// Rules limits an exception to these rules; empty means every rule.
	Rules []string `json:"rules,omitempty"`
	// Reason is the exception's reason, or the statement's justification
	// and impact statement.
	Reason string `json:"reason,omitempty"`
	// Owner is the exception's owner, or the VEX document's author.
	Owner string `json:"owner,omitempty"`
	// Expires is the exception's expiry.
	Expires *time.Time `json:"expires,omitempty"`
	// Expired is set when the exception has expired: it no longer applies
	// and Findings and Packages are what it would have covered.
	Expired bool `json:"expired,omitempty"`
	// Status and Justification are the VEX statement's.
	Status        string `json:"status,omitempty"`
	Justification string `json:"justification,omitempty"`
	// Findings and Packages are what it covered, with Omitted counting
	// those beyond the evidence limit.
	Findings []FindingRef `json:"findings,omitempty"`
	Packages []PackageRef `json:"packages,omitempty"`
	Omitted  int          `json:"omitted,omitempty"`
}

// Names of the reasons a Rules policy gives for its own checks. User rules
// may not take these names.
const (
	// RuleUnscanned: the input has no report.
	RuleUnscanned = "unscanned"
	// RuleIncomplete: the report lists things that could not be analysed.
	RuleIncomplete = "incomplete"
	// RuleNotMatched: the report was not matched against vulnerability
	// data, or the database had no sources.
	RuleNotMatched = "not-matched"
	// RuleStaleDatabase: a vulnerability source is older than the policy's
	// maxDatabaseAge.
	RuleStaleDatabase = "stale-database"
	// RuleStaleScan: the scan is older than the policy's maxScanAge.
	RuleStaleScan = "stale-scan"
	// RuleReportMismatch: the input names an image digest and the report
	// is about another image. No setting allows it.
	RuleReportMismatch = "report-mismatch"
	// RuleBaseUnknown (a note): a rule limited to layers above or in the
	// base image ran without knowing the base, and counted every layer.
	RuleBaseUnknown = "base-unknown"
	// RuleExceptionExpired (a note): an exception that would have applied
	// has expired.
	RuleExceptionExpired = "exception-expired"
	// RuleCELError: a CEL expression failed at evaluation; the rule is
	// taken to have fired.
	RuleCELError = "cel-error"
)

func reservedRule(name string) bool {
	switch name {
	case RuleUnscanned, RuleIncomplete, RuleNotMatched, RuleStaleDatabase, RuleStaleScan, RuleReportMismatch,
		RuleBaseUnknown, RuleExceptionExpired, RuleCELError, ruleEmptyAll, ruleInvalidVerdict:
		return true
	}
	return false
}

const (
	ruleEmptyAll       = "no-policy"
	ruleInvalidVerdict = "invalid-verdict"
)

// All combines policies: each is evaluated, the strictest verdict wins,
// and reasons and suppressions are concatenated in order. A policy that
// returns an error stops the evaluation with that error. A decision with
// an invalid verdict counts as a denial, and All of no policies denies:
// a gate fails closed.
func All(policies ...Policy) Policy {
	ps := append([]Policy(nil), policies...)
	return Func(func(ctx context.Context, in Input) (Decision, error) {
		if len(ps) == 0 {
			return Decision{Verdict: Deny, Reasons: []Reason{{Rule: ruleEmptyAll, Verdict: Deny, Message: "no policy to evaluate"}}}, nil
		}
		out := Decision{Verdict: Allow, Reasons: []Reason{}}
		for i, p := range ps {
			if p == nil {
				return Decision{}, fmt.Errorf("policy: All: policy %d is nil", i)
			}
			d, err := p.Evaluate(ctx, in)
			if err != nil {
				return Decision{}, err
			}
			v := d.Verdict
			if !v.Valid() {
				v = Deny
				out.Reasons = append(out.Reasons, Reason{Rule: ruleInvalidVerdict, Verdict: Deny,
					Message: fmt.Sprintf("policy %d returned an invalid verdict (%d)", i, int(d.Verdict))})
			}
			out.Verdict = max(out.Verdict, v)
			out.Reasons = append(out.Reasons, d.Reasons...)
			out.Suppressed = append(out.Suppressed, d.Suppressed...)
		}
		return out, nil
	})
}
