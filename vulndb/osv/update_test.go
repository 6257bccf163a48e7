package osv

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
)

// TestUpdateLocalUpserts imports the Go database and then the PyPA one
// under the one local source name: both stay, and the matcher finds
// records of each.
func TestUpdateLocalUpserts(t *testing.T) {
	goDir := shareddata.Path(t, "osv", "go-vulndb", "osv")
	pyDir := shareddata.Path(t, "osv", "pypa-advisory-database", "vulns")
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()

	goSrc, err := New(WithPath(goDir))
	require.NoError(t, err)
	info, err := vulndb.Update(ctx, store, goSrc, nil)
	require.NoError(t, err)
	goCount := info.Records
	assert.Positive(t, goCount)

	pySrc, err := New(WithPath(pyDir))
	require.NoError(t, err)
	info, err = vulndb.Update(ctx, store, pySrc, nil)
	require.NoError(t, err)
	assert.Equal(t, "osv", info.Name)
	assert.Greater(t, info.Records, goCount, "PyPI records added to the Go ones, not replacing them")
	assert.Equal(t, 1, info.Skipped, "%v", info.SkippedReasons)

	m, err := vulndb.NewMatcher(store)
	require.NoError(t, err)
	res, err := m.Match(ctx, []vulndb.Query{
		{Ecosystem: "Go", Name: "stdlib", Version: "1.12.15"},
		{Ecosystem: "PyPI", Name: "Apache_SkyWalking", Version: "1.0.0"},
		{Ecosystem: "Go", Name: "stdlib", Version: "1.13.7"},
	})
	require.NoError(t, err)
	has := func(r vulndb.Result, id string) (vulndb.Match, bool) {
		for _, mt := range r.Matches {
			if mt.ID == id || slices.Contains(mt.Aliases, id) {
				return mt, true
			}
		}
		return vulndb.Match{}, false
	}
	mt, ok := has(res[0], "GO-2022-0229")
	if assert.True(t, ok, "stdlib 1.12.15 is affected by GO-2022-0229") {
		assert.Equal(t, "1.12.16", mt.FixedVersion)
	}
	_, ok = has(res[1], "PYSEC-2020-342")
	assert.True(t, ok, "apache-skywalking 1.0.0 (any spelling) is affected by PYSEC-2020-342")
	_, ok = has(res[2], "GO-2022-0229")
	assert.False(t, ok, "1.13.7 is the fix")
}
