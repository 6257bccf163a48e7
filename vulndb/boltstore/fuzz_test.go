package boltstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

// FuzzOpenDamaged opens mutations of a small store, for writing (which
// makes bbolt load its freelist), and uses it: every failure must be an
// error matching ErrCorrupt, never a panic, a crash, a hang or a lock left
// held. Inputs are whole database files (tens of KiB), so run it with
// -fuzzminimizetime=0 (minimizing each new input stalls the fuzzer) and a
// count budget such as -fuzztime=4000x (with a duration, Go 1.26 can fail
// with a bare "context deadline exceeded" at the end: golang/go#75804).
func FuzzOpenDamaged(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.db")
	s, err := boltstore.Open(context.Background(), path)
	require.NoError(f, err)
	c := storetest.NewCorpus(3, 8)
	importCorpus(f, s, "feed", c)
	require.NoError(f, s.Update(context.Background(), "other", false, func(tx vulndb.Tx) error {
		return tx.Put(storetest.Full("other", "FULL-1"))
	}))
	require.NoError(f, s.Close())
	good, err := os.ReadFile(path)
	require.NoError(f, err)
	f.Add(good)
	keys := c.Keys(1, 20, 0.5)

	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.db")
		require.NoError(t, os.WriteFile(path, raw, 0o644))
		s, err := boltstore.Open(t.Context(), path, boltstore.WithTimeout(0))
		if err != nil {
			requireCorruptOrSchema(t, err)
		} else {
			ctx := t.Context()
			_, err = s.Query(ctx, keys)
			requireCorruptOrSchema(t, err)
			_, err = s.Get(ctx, "FULL-1")
			if !errors.Is(err, vulndb.ErrNotFound) {
				requireCorruptOrSchema(t, err)
			}
			_, err = s.Sources(ctx)
			requireCorruptOrSchema(t, err)
			requireCorruptOrSchema(t, s.Check(ctx))
			err = s.Update(ctx, "feed", false, func(tx vulndb.Tx) error { return tx.Put(c.Record(0)) })
			requireCorruptOrSchema(t, err)
			require.NoError(t, s.Close())
		}
		// No lock outlives the store.
		require.NoError(t, os.WriteFile(path, good, 0o644))
		s, err = boltstore.Open(t.Context(), path, boltstore.WithTimeout(0))
		require.NoError(t, err)
		require.NoError(t, s.Close())
	})
}

func requireCorruptOrSchema(t *testing.T, err error) {
	t.Helper()
	if err == nil || errors.Is(err, boltstore.ErrCorrupt) {
		return
	}
	require.ErrorContains(t, err, "schema version")
}
