package nvd

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
)

// TestUpdateIncremental runs the source through vulndb.Update: a full
// fetch, then one for what changed, then one that finds nothing.
func TestUpdateIncremental(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()
	f := &fakeNVD{cves: []fakeCVE{{"CVE-2024-1", now.Add(-48 * time.Hour)}, {"CVE-2024-2", now.Add(-24 * time.Hour)}}}
	src := newAPI(t, f)
	clockAt := now
	src.o.now = func() time.Time { return clockAt }

	info, err := vulndb.Update(ctx, store, src, func() time.Time { return clockAt })
	require.NoError(t, err)
	assert.Equal(t, 2, info.Records)
	end, err := parseCursor(info.Cursor)
	require.NoError(t, err)
	assert.Equal(t, now, end)

	// A day later, one CVE was modified and one added.
	clockAt = now.Add(24 * time.Hour)
	f.mu.Lock()
	f.cves[1].modified = now.Add(time.Hour)
	f.cves = append(f.cves, fakeCVE{"CVE-2024-3", now.Add(2 * time.Hour)})
	f.mu.Unlock()
	info, err = vulndb.Update(ctx, store, src, func() time.Time { return clockAt })
	require.NoError(t, err)
	assert.Equal(t, 3, info.Records)
	reqs := f.requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, now.Format(apiLayout), last.Get("lastModStartDate"), "from the previous cursor")
	got, err := store.Get(ctx, "CVE-2024-2")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, now.Add(time.Hour), got[0].Modified, "the modified copy replaced the old one")

	// Nothing changed since.
	clockAt = now.Add(48 * time.Hour)
	info, err = vulndb.Update(ctx, store, src, func() time.Time { return clockAt })
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.Equal(t, 3, info.Records)
}
