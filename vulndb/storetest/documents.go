package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// testDocuments checks the document collections of stores that have them.
func testDocuments(t *testing.T, s Store) {
	ds, ok := s.(vulndb.DocumentStore)
	if !ok {
		t.Skip("the store keeps no documents")
	}
	ctx := context.Background()

	// Absent collections and keys read as nothing.
	v, err := ds.Document(ctx, "reports", []byte("sha256:x"))
	require.NoError(t, err)
	assert.Nil(t, v)
	require.NoError(t, ds.Documents(ctx, "reports", false, func(k, v []byte) (bool, error) {
		t.Errorf("document %q in an empty collection", k)
		return true, nil
	}))

	// Put replaces; collections are separate; values are copied.
	val := []byte("one")
	require.NoError(t, ds.PutDocument(ctx, "reports", []byte("b"), val))
	val[0] = 'X'
	require.NoError(t, ds.PutDocument(ctx, "reports", []byte("a"), []byte("alpha")))
	require.NoError(t, ds.PutDocument(ctx, "other", []byte("b"), []byte("other")))
	v, err = ds.Document(ctx, "reports", []byte("b"))
	require.NoError(t, err)
	assert.Equal(t, "one", string(v))
	require.NoError(t, ds.PutDocument(ctx, "reports", []byte("b"), []byte("two")))
	v, err = ds.Document(ctx, "reports", []byte("b"))
	require.NoError(t, err)
	assert.Equal(t, "two", string(v))
	assert.Equal(t, []string{"a=alpha", "b=two"}, listDocs(t, ds, "reports", false, 0))
	assert.Equal(t, []string{"b=two", "a=alpha"}, listDocs(t, ds, "reports", true, 0))
	assert.Equal(t, []string{"b=two"}, listDocs(t, ds, "reports", true, 1), "fn returning false stops")

	// Appends sort in order, and keep drops the oldest.
	var keys [][]byte
	for i := range 5 {
		k, err := ds.AppendDocument(ctx, "log", fmt.Appendf(nil, "r%d", i), 3)
		require.NoError(t, err)
		if len(keys) > 0 {
			assert.Positive(t, bytes.Compare(k, keys[len(keys)-1]), "append keys ascend")
		}
		keys = append(keys, k)
	}
	assert.Equal(t, vulndb.AppendKey(5), keys[4])
	got := listDocs(t, ds, "log", true, 0)
	require.Len(t, got, 3)
	assert.True(t, strings.HasSuffix(got[0], "=r4") && strings.HasSuffix(got[2], "=r2"), "newest three kept, newest first: %q", got)
	k, err := ds.AppendDocument(ctx, "log", []byte("r5"), 0)
	require.NoError(t, err)
	assert.Equal(t, vulndb.AppendKey(6), k)
	assert.Len(t, listDocs(t, ds, "log", false, 0), 4, "keep 0 keeps everything")

	// Errors from fn come back; bad names and sizes are refused.
	boom := errors.New("boom")
	assert.ErrorIs(t, ds.Documents(ctx, "reports", false, func(k, v []byte) (bool, error) { return true, boom }), boom)
	assert.Error(t, ds.PutDocument(ctx, "", []byte("k"), nil))
	assert.Error(t, ds.PutDocument(ctx, "c", nil, []byte("v")))
	assert.Error(t, ds.PutDocument(ctx, "c", bytes.Repeat([]byte("k"), vulndb.MaxDocumentKey+1), []byte("v")))
	assert.Error(t, ds.PutDocument(ctx, strings.Repeat("c", vulndb.MaxDocumentKey+1), []byte("k"), []byte("v")))
	_, err = ds.AppendDocument(ctx, "c", make([]byte, vulndb.MaxDocumentValue+1), 0)
	assert.Error(t, err)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, ds.PutDocument(canceled, "reports", []byte("z"), []byte("z")), context.Canceled)
	v, err = ds.Document(ctx, "reports", []byte("z"))
	require.NoError(t, err)
	assert.Nil(t, v, "a canceled put writes nothing")
}

// listDocs lists a collection as "key=value" (appended keys shown as
// numbers), stopping after limit when limit > 0.
func listDocs(t *testing.T, ds vulndb.DocumentStore, collection string, reverse bool, limit int) []string {
	t.Helper()
	var out []string
	err := ds.Documents(context.Background(), collection, reverse, func(k, v []byte) (bool, error) {
		ks := string(k)
		if len(k) == 8 {
			ks = fmt.Sprintf("#%x", k)
		}
		out = append(out, ks+"="+string(v))
		return limit == 0 || len(out) < limit, nil
	})
	require.NoError(t, err)
	return out
}
