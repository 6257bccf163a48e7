package promote

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portcullis-oci/portcullis/internal/redact"
	"github.com/portcullis-oci/portcullis/policy"
)

// Outcome is how a promotion ended.
type Outcome string

// Outcomes of a promotion.
const (
	// OutcomePromoted: the target tag now names the source digest, written
	// by this promotion.
	OutcomePromoted Outcome = "promoted"
	// OutcomeUnchanged: the policy allowed it and the target tag already
	// named the source digest; nothing was written.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeDenied: the policy denied it; nothing was written.
	OutcomeDenied Outcome = "denied"
	// OutcomeDryRun: a dry run; nothing was written.
	OutcomeDryRun Outcome = "dry-run"
	// OutcomeFailed: an error stopped it (the record's Error says which).
	OutcomeFailed Outcome = "failed"
)

// Record is what a [Recorder] keeps of one promotion or denial.
type Record struct {
	// Time is when the promotion was decided.
	Time time.Time `json:"time"`
	// Trigger and Rule are copied from the request.
	Trigger string `json:"trigger,omitempty"`
	Rule    string `json:"rule,omitempty"`
	// Source is the source reference as given, without credentials.
	Source       string  `json:"source"`
	SourceTag    string  `json:"sourceTag,omitempty"`
	SourceDigest string  `json:"sourceDigest,omitempty"`
	TargetRef    string  `json:"targetRef,omitempty"`
	Outcome      Outcome `json:"outcome"`
	// Verdict and Reasons are the policy's decision (absent when the
	// promotion failed before one was made).
	Verdict policy.Verdict  `json:"verdict,omitzero"`
	Reasons []policy.Reason `json:"reasons,omitempty"`
	// Error is the error that ended a failed (or denied) promotion,
	// without credentials.
	Error string `json:"error,omitempty"`
	// Evidence is the digest of the evidence artifact attached, if any.
	Evidence string `json:"evidence,omitempty"`
	// Copied, Mounted and Referrers are the result's counts.
	Copied    int  `json:"copied,omitempty"`
	Mounted   int  `json:"mounted,omitempty"`
	Referrers int  `json:"referrers,omitempty"`
	DryRun    bool `json:"dryRun,omitempty"`
}

// Recorder keeps a record of every promotion and denial. Implementations
// must be safe for concurrent use.
type Recorder interface {
	Record(ctx context.Context, r Record) error
}

// RecordFilter selects records. Zero fields select everything.
type RecordFilter struct {
	// Repository matches records whose source or target is in this
	// repository ("registry/repo").
	Repository string
	// Digest matches records of this source digest.
	Digest string
	// Outcome matches records with this outcome.
	Outcome Outcome
	// Since matches records at or after this time.
	Since time.Time
	// Limit caps how many records are returned (newest first); 0 means
	// [DefaultRecordLimit].
	Limit int
}

// DefaultRecordLimit is how many records a listing returns when the filter
// gives no limit.
const DefaultRecordLimit = 1000

// RecordLister lists records, newest first. The recorders of this package
// implement it.
type RecordLister interface {
	Records(ctx context.Context, f RecordFilter) ([]Record, error)
}

// Match reports whether r is selected by f (its Limit aside).
func (f RecordFilter) Match(r *Record) bool {
	if f.Repository != "" && !inRepository(r.Source, f.Repository) && !inRepository(r.TargetRef, f.Repository) {
		return false
	}
	return (f.Digest == "" || r.SourceDigest == f.Digest) &&
		(f.Outcome == "" || r.Outcome == f.Outcome) &&
		(f.Since.IsZero() || !r.Time.Before(f.Since))
}

func (f RecordFilter) limit() int {
	if f.Limit <= 0 {
		return DefaultRecordLimit
	}
	return f.Limit
}

// inRepository reports whether ref ("registry/repo:tag", "registry/repo@d")
// names an image in repo.
func inRepository(ref, repo string) bool {
	rest, ok := strings.CutPrefix(ref, repo)
	return ok && (rest == "" || rest[0] == ':' || rest[0] == '@')
}

// MemoryRecorder keeps records in memory, the newest [MemoryRecorder.Max]
// of them. It is safe for concurrent use.
type MemoryRecorder struct {
	// Max bounds how many records are kept (the oldest go first); 0 means
	// 10,000.
	Max int

	mu   sync.Mutex
	recs []Record
}

var (
	_ Recorder     = (*MemoryRecorder)(nil)
	_ RecordLister = (*MemoryRecorder)(nil)
)

// Record keeps r.
func (m *MemoryRecorder) Record(ctx context.Context, r Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	limit := m.Max
	if limit <= 0 {
		limit = 10_000
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, r)
	if over := len(m.recs) - limit; over > 0 {
		m.recs = slices.Delete(m.recs, 0, over)
	}
	return nil
}

// Records returns the records f selects, newest first.
func (m *MemoryRecorder) Records(ctx context.Context, f RecordFilter) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for i := len(m.recs) - 1; i >= 0 && len(out) < f.limit(); i-- {
		if f.Match(&m.recs[i]) {
			out = append(out, m.recs[i])
		}
	}
	return out, nil
}

// OutcomeOf says how a promotion that returned res and err ended.
func OutcomeOf(res *Result, err error) Outcome {
	switch {
	case errors.Is(err, ErrDenied):
		return OutcomeDenied
	case err != nil || res == nil:
		return OutcomeFailed
	case res.DryRun:
		return OutcomeDryRun
	case res.Manifests == 0 && res.Copied == 0 && res.Mounted == 0:
		return OutcomeUnchanged
	}
	return OutcomePromoted
}

// newRecord describes a finished promotion.
func newRecord(now time.Time, req Request, res *Result, err error, red *redactor) Record {
	r := Record{Time: now.UTC(), Trigger: req.Trigger, Rule: req.Rule, DryRun: req.DryRun}
	if res != nil {
		r.Source = red.String(res.Source)
		r.SourceTag = res.SourceTag
		r.SourceDigest = res.SourceDigest
		r.TargetRef = res.TargetRef
		r.Verdict = res.Decision.Verdict
		r.Reasons = res.Decision.Reasons
		r.Evidence = res.Evidence
		r.Copied, r.Mounted, r.Referrers = res.Copied, res.Mounted, res.Referrers
	} else {
		r.Source = red.String(redact.StripUserinfo(req.Source))
		r.TargetRef = red.String(redact.StripUserinfo(req.Target))
	}
	r.Outcome = OutcomeOf(res, err)
	if err != nil {
		r.Error = red.String(err.Error())
	}
	return r
}
