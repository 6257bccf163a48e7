package debian

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// fakeStore is the least vulndb.UpdateStore: one source's records and
// info, replaced or added to per transaction.
type fakeStore struct {
	recs     map[string]vulndb.Vulnerability
	info     vulndb.SourceInfo
	replaces int
}

type fakeTx struct {
	recs map[string]vulndb.Vulnerability
	info *vulndb.SourceInfo
}

func (t fakeTx) Put(v vulndb.Vulnerability) error { t.recs[v.ID] = v; return nil }
func (t fakeTx) SetInfo(i vulndb.SourceInfo) error {
	*t.info = i
	return nil
}

func (s *fakeStore) Update(ctx context.Context, source string, replace bool, fn func(vulndb.Tx) error) error {
	recs := map[string]vulndb.Vulnerability{}
	if !replace {
		for k, v := range s.recs {
			recs[k] = v
		}
	} else {
		s.replaces++
	}
	info := s.info
	if err := fn(fakeTx{recs, &info}); err != nil {
		return err
	}
	s.recs, s.info = recs, info
	s.info.Records = len(recs)
	return nil
}

func (s *fakeStore) Sources(context.Context) ([]vulndb.SourceInfo, error) {
	if s.info.Name == "" {
		return nil, nil
	}
	return []vulndb.SourceInfo{s.info}, nil
}

// TestUpdate runs the source through vulndb.Update: a snapshot replaces
// what the store held, the skip counts reach SourceInfo, and a second run
// on the same file only records the check.
func TestUpdate(t *testing.T) {
	doc := `{"a":{"CVE-2024-0001":{"releases":{"sid":{"status":"open"},"bookworm":{"status":"undetermined"}}}},
	         "b":{"CVE-2024-0002":{"releases":{"sid":{"status":"resolved","fixed_version":"2-1"}}}}}`
	src, err := New(WithPath(writeFile(t, doc)))
	require.NoError(t, err)
	st := &fakeStore{recs: map[string]vulndb.Vulnerability{"CVE-1999-0001": {ID: "CVE-1999-0001"}}}
	now := time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)
	info, err := vulndb.Update(context.Background(), st, src, func() time.Time { return now })
	require.NoError(t, err)
	assert.Equal(t, 1, st.replaces, "a snapshot replaces")
	assert.NotContains(t, st.recs, "CVE-1999-0001")
	assert.Len(t, st.recs, 2)
	assert.Equal(t, "debian", st.recs["CVE-2024-0001"].Source)
	assert.Equal(t, 1, info.Skipped)
	require.Len(t, info.SkippedReasons, 1)
	assert.Contains(t, info.SkippedReasons[0], "status undetermined")
	assert.Contains(t, string(info.Cursor), "sha256")

	later := now.Add(time.Hour)
	info, err = vulndb.Update(context.Background(), st, src, func() time.Time { return later })
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.Equal(t, later, info.Checked)
	assert.Equal(t, now, info.Updated)
	assert.Len(t, st.recs, 2)
}
