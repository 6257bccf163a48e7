package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

// openTemp opens a new store in a temporary directory, checked for
// consistency and closed when the test ends.
func openTemp(t *testing.T, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(t.Context(), filepath.Join(t.TempDir(), "vuln.db"), opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		if !t.Failed() {
			require.NoError(t, s.Check(context.Background()), "consistency after the test")
		}
		require.NoError(t, s.Close())
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTemp(t) })
}
