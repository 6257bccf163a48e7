package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
)

// Documents live in the same file as the records: they survive a reopen,
// a read-only store reads them and refuses to write them, and the
// consistency check is not disturbed by them.
func TestDocumentsBesideRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vuln.db")
	w, err := boltstore.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, w.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{ID: "A1"})
	}))
	require.NoError(t, w.PutDocument(t.Context(), "reports", []byte("sha256:1"), []byte(`{"r":1}`)))
	_, err = w.AppendDocument(t.Context(), "promotions", []byte(`{"p":1}`), 0)
	require.NoError(t, err)
	require.NoError(t, w.Check(t.Context()))
	require.NoError(t, w.Close())

	r, err := boltstore.Open(t.Context(), path, boltstore.WithReadOnly())
	require.NoError(t, err)
	defer r.Close()
	v, err := r.Document(t.Context(), "reports", []byte("sha256:1"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"r":1}`, string(v))
	n := 0
	require.NoError(t, r.Documents(t.Context(), "promotions", false, func(k, v []byte) (bool, error) {
		n++
		assert.Equal(t, vulndb.AppendKey(1), k)
		return true, nil
	}))
	assert.Equal(t, 1, n)
	got, err := r.Get(t.Context(), "A1")
	require.NoError(t, err)
	assert.Len(t, got, 1, "records untouched")
	assert.ErrorIs(t, r.PutDocument(t.Context(), "reports", []byte("k"), nil), boltstore.ErrReadOnly)
	_, err = r.AppendDocument(t.Context(), "promotions", nil, 0)
	assert.ErrorIs(t, err, boltstore.ErrReadOnly)
}
