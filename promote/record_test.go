package promote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
)

// openDB opens a vulnerability database in a temporary file.
func openDB(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	db, err := boltstore.Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Every outcome is recorded, in the vulnerability database, with what a
// reader of the history needs: trigger, rule, digest, target, verdict,
// reasons, error.
func TestRecorderOutcomes(t *testing.T) {
	host := newRegistry(t, nil)
	digest := push(t, host+"/dev/app:v1", randomImage(t))
	db := openDB(t, filepath.Join(t.TempDir(), "vuln.db"))
	rec := NewStoreRecorder(db, 0)
	p, rt, _, _ := setup(t, WithRecorder(rec))
	ctx := context.Background()
	req := Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow, Trigger: "call", Rule: "dev-to-qa"}

	_, err := p.Promote(ctx, Request{Source: req.Source, Target: req.Target, Policy: deny, Trigger: "poll"})
	require.ErrorIs(t, err, ErrDenied)
	dry := req
	dry.DryRun = true
	_, err = p.Promote(ctx, dry)
	require.NoError(t, err)
	_, err = p.Promote(ctx, req)
	require.NoError(t, err)
	_, err = p.Promote(ctx, req)
	require.NoError(t, err)
	rt.inject = func(r *http.Request) *http.Response { return status(http.StatusInternalServerError, nil) }
	_, err = p.Promote(ctx, req)
	require.Error(t, err)
	rt.inject = nil
	_, err = p.Promote(ctx, Request{Source: "not a reference", Target: req.Target, Policy: allow})
	require.ErrorIs(t, err, ErrInvalidRequest)

	recs, err := rec.Records(ctx, RecordFilter{})
	require.NoError(t, err)
	require.Len(t, recs, 5, "every promotion but the invalid request is recorded")
	assert.Equal(t, req.Target, recs[0].TargetRef, "a promotion failing early names the target asked for")
	outcomes := []Outcome{recs[4].Outcome, recs[3].Outcome, recs[2].Outcome, recs[1].Outcome, recs[0].Outcome}
	assert.Equal(t, []Outcome{OutcomeDenied, OutcomeDryRun, OutcomePromoted, OutcomeUnchanged, OutcomeFailed}, outcomes)

	denied := recs[4]
	assert.Equal(t, "poll", denied.Trigger)
	assert.Equal(t, digest.String(), denied.SourceDigest)
	assert.Equal(t, "v1", denied.SourceTag)
	assert.Equal(t, host+"/qa/app:v1", denied.TargetRef)
	assert.Equal(t, policy.Deny, denied.Verdict)
	require.NotEmpty(t, denied.Reasons)
	assert.Equal(t, "never", denied.Reasons[0].Message)
	assert.Contains(t, denied.Error, "denied")
	assert.Equal(t, testNow, denied.Time)

	promoted := recs[2]
	assert.Equal(t, "call", promoted.Trigger)
	assert.Equal(t, "dev-to-qa", promoted.Rule)
	assert.Equal(t, policy.Allow, promoted.Verdict)
	assert.Positive(t, promoted.Copied+promoted.Mounted)
	assert.Empty(t, promoted.Error)
	assert.NotEmpty(t, recs[0].Error, "a failure says why")

	// Filters.
	got, err := rec.Records(ctx, RecordFilter{Outcome: OutcomeDenied})
	require.NoError(t, err)
	assert.Len(t, got, 1)
	got, err = rec.Records(ctx, RecordFilter{Repository: host + "/qa/app"})
	require.NoError(t, err)
	assert.Len(t, got, 5)
	got, err = rec.Records(ctx, RecordFilter{Repository: host + "/qa/ap"})
	require.NoError(t, err)
	assert.Empty(t, got, "a repository prefix is not the repository")
	got, err = rec.Records(ctx, RecordFilter{Digest: digest.String(), Limit: 2})
	require.NoError(t, err)
	assert.Len(t, got, 2)
	got, err = rec.Records(ctx, RecordFilter{Since: testNow.Add(time.Second)})
	require.NoError(t, err)
	assert.Empty(t, got)
}

// A recorder that fails does not undo a promotion, but says so.
func TestRecorderFailureIsReported(t *testing.T) {
	host := newRegistry(t, nil)
	push(t, host+"/dev/app:v1", randomImage(t))
	boom := errors.New("disk full")
	p, _, _, _ := setup(t, WithRecorder(recorderFunc(func(context.Context, Record) error { return boom })))
	res, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow})
	require.ErrorIs(t, err, boom)
	assert.True(t, res.Promoted)
	assert.NotEmpty(t, headDigest(t, host+"/qa/app:v1"))
}

// Reports kept in the database are reused by a promoter started later.
func TestStoreReportsSurviveRestart(t *testing.T) {
	host := newRegistry(t, nil)
	digest := push(t, host+"/dev/app:v1", randomImage(t))
	path := filepath.Join(t.TempDir(), "vuln.db")
	db := openDB(t, path)
	p, _, sc, _ := setup(t, WithReportStore(NewStoreReports(db)))
	_, err := p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow, DryRun: true})
	require.NoError(t, err)
	require.Equal(t, []string{digest.String()}, sc.scans())
	require.NoError(t, db.Close())

	db = openDB(t, path)
	p2, _, sc2, _ := setup(t, WithReportStore(NewStoreReports(db)))
	res, err := p2.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app", Policy: allow})
	require.NoError(t, err)
	assert.Empty(t, sc2.scans(), "the stored report was reused")
	require.Len(t, res.Platforms, 1)
	assert.True(t, res.Platforms[0].ReportReused)
	rep, err := NewStoreReports(db).Get(context.Background(), digest.String())
	require.NoError(t, err)
	assert.Equal(t, digest.String(), rep.Image.Digest)
	assert.Equal(t, "shop", rep.Image.Labels["team"])
}

type recorderFunc func(context.Context, Record) error

func (f recorderFunc) Record(ctx context.Context, r Record) error { return f(ctx, r) }

// The in-memory stores are bounded: the oldest reports and records go.
func TestMemoryStoresAreBounded(t *testing.T) {
	ctx := context.Background()
	reports := NewMemoryReportStoreOf(2)
	for _, d := range []string{"sha256:a", "sha256:b", "sha256:a", "sha256:c"} {
		require.NoError(t, reports.Put(ctx, d, &scan.Report{Image: scan.ImageRef{Digest: d}}))
	}
	// a was stored again after b: b is the oldest.
	for d, kept := range map[string]bool{"sha256:a": true, "sha256:b": false, "sha256:c": true} {
		r, err := reports.Get(ctx, d)
		require.NoError(t, err)
		assert.Equal(t, kept, r != nil, d)
	}

	rec := &MemoryRecorder{Max: 3}
	for i := range 5 {
		require.NoError(t, rec.Record(ctx, Record{SourceDigest: fmt.Sprint(i)}))
	}
	got, err := rec.Records(ctx, RecordFilter{})
	require.NoError(t, err)
	var digests []string
	for _, r := range got {
		digests = append(digests, r.SourceDigest)
	}
	assert.Equal(t, []string{"4", "3", "2"}, digests, "the newest three, newest first")
}
