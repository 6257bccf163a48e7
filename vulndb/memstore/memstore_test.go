package memstore_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s := memstore.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestClosed(t *testing.T) {
	s := memstore.New()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice")
	_, err := s.Query(t.Context(), []vulndb.PackageKey{{Ecosystem: "npm", Name: "x"}})
	assert.ErrorIs(t, err, memstore.ErrClosed)
	_, err = s.Get(t.Context(), "x")
	assert.ErrorIs(t, err, memstore.ErrClosed)
	_, err = s.Sources(t.Context())
	assert.ErrorIs(t, err, memstore.ErrClosed)
	err = s.Update(t.Context(), "a", false, func(vulndb.Tx) error { return nil })
	assert.ErrorIs(t, err, memstore.ErrClosed)
}

func TestPanickingUpdate(t *testing.T) {
	s := memstore.New()
	put := func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{ID: "A", Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "npm", Name: "x"}}}})
	}
	require.NoError(t, s.Update(t.Context(), "a", false, put))
	assert.PanicsWithValue(t, "boom", func() {
		_ = s.Update(t.Context(), "a", true, func(tx vulndb.Tx) error {
			if err := tx.Put(vulndb.Vulnerability{ID: "B"}); err != nil {
				return err
			}
			panic("boom")
		})
	})
	out, err := s.Query(t.Context(), []vulndb.PackageKey{{Ecosystem: "npm", Name: "x"}})
	require.NoError(t, err)
	require.Len(t, out[0], 1)
	assert.Equal(t, "A", out[0][0].ID)
	// The store is still usable: the writer lock was released.
	require.NoError(t, s.Update(t.Context(), "a", false, put))
}

func TestRefusedRecords(t *testing.T) {
	s := memstore.New()
	tests := []struct {
		name string
		v    vulndb.Vulnerability
	}{
		{"no ID", vulndb.Vulnerability{Summary: "x"}},
		{"another source", vulndb.Vulnerability{ID: "A", Source: "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error { return tx.Put(tc.v) })
			assert.Error(t, err)
		})
	}
	err := s.Update(t.Context(), "", false, func(vulndb.Tx) error { return nil })
	assert.Error(t, err, "empty source name")
	err = s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		return tx.SetInfo(vulndb.SourceInfo{Name: "b"})
	})
	assert.Error(t, err, "info of another source")
	infos, err := s.Sources(t.Context())
	require.NoError(t, err)
	assert.Empty(t, infos)
	assert.False(t, errors.Is(err, vulndb.ErrNotFound))
}
