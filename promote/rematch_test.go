package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
)

// putFeed replaces the "test" feed with recs, updated at the given time.
func putFeed(t *testing.T, st *memstore.Store, updated time.Time, recs ...vulndb.Vulnerability) {
	t.Helper()
	require.NoError(t, st.Update(context.Background(), "test", true, func(tx vulndb.Tx) error {
		for _, r := range recs {
			if err := tx.Put(r); err != nil {
				return err
			}
		}
		return tx.SetInfo(vulndb.SourceInfo{Name: "test", Updated: updated, Checked: updated})
	}))
}

// A stored report is reused, but matched again when the feeds changed
// since it was matched: a vulnerability published after the scan denies
// the next promotion without scanning the image again.
func TestPromoteRematchesStoredReportWhenFeedsChange(t *testing.T) {
	host := newRegistry(t, nil)
	img := testimage.Image(testimage.Debian12(testimage.DebPackage{Name: "libc6", Source: "glibc", Version: "2.36-9+deb12u4"}))
	digest := push(t, host+"/dev/app:v1", img)

	st := memstore.New()
	unrelated := vulndb.Vulnerability{ID: "TEST-0", Affected: []vulndb.Affected{{
		Package: vulndb.Package{Ecosystem: "Debian:12", Name: "zlib"},
		Ranges:  []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}}}},
	}}}
	putFeed(t, st, testNow.Add(-time.Hour), unrelated)
	m, err := vulndb.NewMatcher(st)
	require.NoError(t, err)
	reports := NewMemoryReportStore()
	p, _, _, _ := setup(t, WithScanner(nil), WithMatcher(m), WithReportStore(reports))
	pol, err := policy.Load("qa.yaml", []byte(criticalPolicy))
	require.NoError(t, err)
	promote := func(tag string) (*Result, error) {
		return p.Promote(context.Background(), Request{Source: host + "/dev/app:v1", Target: host + "/qa/app:" + tag, Policy: pol})
	}

	res, err := promote("a")
	require.NoError(t, err)
	require.Len(t, res.Platforms, 1)
	assert.False(t, res.Platforms[0].ReportReused, "scanned the first time")
	first, err := reports.Get(context.Background(), digest.String())
	require.NoError(t, err)
	require.NotNil(t, first.Database)

	// The feed publishes a critical glibc vulnerability.
	putFeed(t, st, testNow, unrelated, vulndb.Vulnerability{
		ID:     "TEST-CRIT",
		Rating: &vulndb.Rating{Severity: vulndb.Critical, Source: "test"},
		Affected: []vulndb.Affected{{
			Package: vulndb.Package{Ecosystem: "Debian:12", Name: "glibc"},
			Ranges:  []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "2.36-9+deb12u6"}}}},
		}},
	})
	res, err = promote("b")
	require.ErrorIs(t, err, ErrDenied)
	assert.True(t, res.Platforms[0].ReportReused, "the inventory was reused, not scanned again")
	require.NotEmpty(t, res.Decision.Reasons)
	require.NotEmpty(t, res.Decision.Reasons[0].Findings)
	assert.Equal(t, "TEST-CRIT", res.Decision.Reasons[0].Findings[0].ID)
	assert.Empty(t, headDigest(t, host+"/qa/app:b"))
	assert.Empty(t, first.Findings, "the stored report was not changed in place")

	// The re-matched report was stored: matched once for this feed state.
	again, err := reports.Get(context.Background(), digest.String())
	require.NoError(t, err)
	assert.NotSame(t, first, again)
	assert.Len(t, again.Findings, 1)
	matchedAt := again.Database.MatchedAt
	_, err = promote("c")
	require.ErrorIs(t, err, ErrDenied)
	third, err := reports.Get(context.Background(), digest.String())
	require.NoError(t, err)
	assert.Same(t, again, third, "no feed changed: not matched again")
	assert.Equal(t, matchedAt, third.Database.MatchedAt)
}

func TestFeedsChanged(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db := &scan.DatabaseInfo{Sources: []vulndb.SourceInfo{{Name: "a", Updated: t0}, {Name: "b", Updated: t0}}}
	assert.False(t, feedsChanged(db, []vulndb.SourceInfo{{Name: "b", Updated: t0}, {Name: "a", Updated: t0}}))
	assert.True(t, feedsChanged(db, []vulndb.SourceInfo{{Name: "a", Updated: t0}, {Name: "b", Updated: t0.Add(time.Second)}}), "updated")
	assert.True(t, feedsChanged(db, []vulndb.SourceInfo{{Name: "a", Updated: t0}}), "removed")
	assert.True(t, feedsChanged(db, []vulndb.SourceInfo{{Name: "a", Updated: t0}, {Name: "c", Updated: t0}}), "replaced")
	assert.True(t, feedsChanged(nil, []vulndb.SourceInfo{{Name: "a"}}), "never matched")
	assert.False(t, feedsChanged(nil, nil), "nothing to match against")
}
