package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/storetest"
)

// importCorpus writes c to source in one update.
func importCorpus(t testing.TB, s *boltstore.Store, source string, c *storetest.Corpus) {
	t.Helper()
	err := s.Update(context.Background(), source, true, func(tx vulndb.Tx) error {
		for v := range c.All() {
			if err := tx.Put(v); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// expect returns, for keys, the "ID" lists c calls for (one source).
func expect(c *storetest.Corpus, keys []vulndb.PackageKey) [][]string {
	byKey := map[vulndb.PackageKey][]string{}
	for v := range c.All() {
		if v.IsWithdrawn() {
			continue
		}
		var seen []vulndb.PackageKey
		for _, a := range v.Affected {
			k := vulndb.KeyOf(a.Package)
			if !slices.Contains(seen, k) {
				seen = append(seen, k)
				byKey[k] = append(byKey[k], v.ID)
			}
		}
	}
	out := make([][]string, len(keys))
	for i, k := range keys {
		ids := append([]string{}, byKey[k]...)
		slices.Sort(ids)
		out[i] = ids
	}
	return out
}

// ids queries keys and returns the IDs found per key.
func ids(t testing.TB, s *boltstore.Store, keys []vulndb.PackageKey) [][]string {
	t.Helper()
	out, err := s.Query(context.Background(), keys)
	require.NoError(t, err)
	res := make([][]string, len(out))
	for i, recs := range out {
		res[i] = []string{}
		for _, v := range recs {
			res[i] = append(res[i], v.ID)
		}
	}
	return res
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vuln.db")
	c := storetest.NewCorpus(3, 2000)
	keys := c.Keys(1, 300, 0.5)
	s, err := boltstore.Open(t.Context(), path)
	require.NoError(t, err)
	importCorpus(t, s, "feed", c)
	before := ids(t, s, keys)
	require.Equal(t, expect(c, keys), before)
	infos, err := s.Sources(t.Context())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice")
	_, err = s.Query(t.Context(), keys)
	assert.ErrorContains(t, err, "closed")

	for _, opts := range [][]boltstore.Option{nil, {boltstore.WithReadOnly()}} {
		s, err := boltstore.Open(t.Context(), path, opts...)
		require.NoError(t, err)
		assert.Equal(t, before, ids(t, s, keys))
		again, err := s.Sources(t.Context())
		require.NoError(t, err)
		assert.Equal(t, infos, again)
		require.NoError(t, s.Check(t.Context()))
		require.NoError(t, s.Close())
	}
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	_, err := boltstore.Open(t.Context(), filepath.Join(dir, "missing.db"), boltstore.WithReadOnly())
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "missing.db")

	path := filepath.Join(dir, "vuln.db")
	w, err := boltstore.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, w.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{ID: "A1"})
	}))
	// The writer holds an exclusive lock: readers wait for it, even in this
	// process (flock locks belong to open files, not processes).
	start := time.Now()
	_, err = boltstore.Open(t.Context(), path, boltstore.WithReadOnly(), boltstore.WithTimeout(200*time.Millisecond))
	require.ErrorIs(t, err, boltstore.ErrLocked)
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "waited for the lock")
	require.NoError(t, w.Close())

	r1, err := boltstore.Open(t.Context(), path, boltstore.WithReadOnly())
	require.NoError(t, err)
	defer r1.Close()
	r2, err := boltstore.Open(t.Context(), path, boltstore.WithReadOnly(), boltstore.WithTimeout(0))
	require.NoError(t, err, "readers share the lock")
	defer r2.Close()
	got, err := r2.Get(t.Context(), "A1")
	require.NoError(t, err)
	assert.Len(t, got, 1)

	err = r1.Update(t.Context(), "a", false, func(vulndb.Tx) error { return nil })
	assert.ErrorIs(t, err, boltstore.ErrReadOnly)
	assert.ErrorIs(t, r1.DeleteSource(t.Context(), "a"), boltstore.ErrReadOnly)

	start = time.Now()
	_, err = boltstore.Open(t.Context(), path, boltstore.WithTimeout(0))
	require.ErrorIs(t, err, boltstore.ErrLocked, "a writer waits for readers")
	assert.Less(t, time.Since(start), time.Second, "WithTimeout(0) tries once")
	assert.ErrorContains(t, err, "another process holds the database")
	assert.ErrorContains(t, err, path)
}

func TestOpenCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vuln.db")
	w, err := boltstore.Open(t.Context(), path)
	require.NoError(t, err)
	defer w.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = boltstore.Open(ctx, path, boltstore.WithTimeout(time.Minute))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)

	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	_, err = boltstore.Open(ctx, path)
	require.ErrorIs(t, err, context.Canceled)
}

func TestSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vuln.db")
	s, err := boltstore.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("2"))
	}))
	require.NoError(t, db.Close())

	for _, opts := range [][]boltstore.Option{nil, {boltstore.WithReadOnly()}} {
		_, err = boltstore.Open(t.Context(), path, opts...)
		require.Error(t, err)
		assert.ErrorContains(t, err, path)
		assert.ErrorContains(t, err, "schema version 2")
		assert.NotErrorIs(t, err, boltstore.ErrCorrupt)
	}
}

func TestNotAStore(t *testing.T) {
	dir := t.TempDir()
	garbage := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(r.Uint32())
	}
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("something-else"))
		return err
	}))
	require.NoError(t, db.Close())

	tests := []struct {
		name    string
		path    string
		content []byte
	}{
		{"garbage", filepath.Join(dir, "garbage.db"), garbage},
		{"text", filepath.Join(dir, "text.db"), bytes.Repeat([]byte("not a database\n"), 1000)},
		{"short", filepath.Join(dir, "short.db"), []byte("bolt")},
		{"another bbolt database", other, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.content != nil {
				require.NoError(t, os.WriteFile(tc.path, tc.content, 0o644))
			}
			before, err := os.ReadFile(tc.path)
			require.NoError(t, err)
			for _, opts := range [][]boltstore.Option{nil, {boltstore.WithReadOnly()}} {
				_, err := boltstore.Open(t.Context(), tc.path, opts...)
				require.ErrorIs(t, err, boltstore.ErrCorrupt)
				assert.ErrorContains(t, err, tc.path)
			}
			after, err := os.ReadFile(tc.path)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the file is left as it was")
		})
	}
}

// buildStore writes a small store and returns its bytes and its
// high-water mark: the file may extend past the last page in use, as bbolt
// grows it ahead.
func buildStore(t testing.TB, dir string, n int) (raw []byte, hwm int) {
	t.Helper()
	path := filepath.Join(dir, "vuln.db")
	s, err := boltstore.Open(context.Background(), path)
	require.NoError(t, err)
	importCorpus(t, s, "feed", storetest.NewCorpus(5, n))
	require.NoError(t, s.Close())
	raw, err = os.ReadFile(path)
	require.NoError(t, err)
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *bolt.Tx) error { hwm = int(tx.Size()); return nil }))
	require.NoError(t, db.Close())
	return raw, hwm
}

// requireUnlocked checks that a failed open left no lock behind, by
// putting good content back in the same file and opening it at once.
func requireUnlocked(t *testing.T, path string, good []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, good, 0o644))
	s, err := boltstore.Open(t.Context(), path, boltstore.WithTimeout(0))
	require.NoError(t, err, "the failed open left the file locked")
	require.NoError(t, s.Close())
}

func TestTruncated(t *testing.T) {
	dir := t.TempDir()
	full, hwm := buildStore(t, dir, 3000)
	require.Greater(t, hwm, 1<<20)
	// Cutting the file past the high-water mark is harmless; cut below it.
	for _, size := range []int{hwm / 2, hwm - 4096, 3 * 4096, 4096 + 100, 100} {
		path := filepath.Join(dir, "truncated.db")
		require.NoError(t, os.WriteFile(path, full[:size], 0o644))
		for _, opts := range [][]boltstore.Option{nil, {boltstore.WithReadOnly()}} {
			s, err := boltstore.Open(t.Context(), path, opts...)
			if err == nil {
				s.Close()
			}
			require.ErrorIs(t, err, boltstore.ErrCorrupt, "size %d", size)
			assert.ErrorContains(t, err, path)
			requireUnlocked(t, path, full)
			require.NoError(t, os.WriteFile(path, full[:size], 0o644))
		}
	}
}

// TestDamagedPages overwrites pages in the middle of a store with random
// bytes: every operation must fail with ErrCorrupt or succeed, never
// panic, and writes are refused once damage is seen.
func TestDamagedPages(t *testing.T) {
	dir := t.TempDir()
	full, hwm := buildStore(t, dir, 3000)
	c := storetest.NewCorpus(5, 3000)
	keys := c.Keys(2, 500, 0.8)
	const page = 4096
	pages := hwm / page
	r := rand.New(rand.NewPCG(3, 4))
	detected := 0
	const trials = 24
	for trial := range trials {
		damaged := bytes.Clone(full)
		if trial%2 == 0 {
			// Replace a run of pages in use with random bytes.
			first := 2 + r.IntN(pages-4)
			for p := first; p < min(first+1+trial/2, pages); p++ {
				for i := p * page; i < (p+1)*page; i++ {
					damaged[i] = byte(r.Uint32())
				}
			}
		} else {
			// Flip bytes inside pages, past their headers: element
			// offsets, keys and records.
			for range 16 {
				p := 2 + r.IntN(pages-2)
				damaged[p*page+16+r.IntN(page-16)] ^= byte(1 + r.IntN(255))
			}
		}
		path := filepath.Join(dir, "damaged.db")
		require.NoError(t, os.WriteFile(path, damaged, 0o644))
		s, err := boltstore.Open(t.Context(), path)
		if err != nil {
			require.ErrorIs(t, err, boltstore.ErrCorrupt)
			detected++
			requireUnlocked(t, path, full)
			continue
		}
		var errs []error
		_, err = s.Query(t.Context(), keys)
		errs = append(errs, err)
		_, err = s.Sources(t.Context())
		errs = append(errs, err)
		_, err = s.Get(t.Context(), c.Record(7).ID)
		errs = append(errs, err)
		errs = append(errs, s.Check(t.Context()))
		seen := false
		for _, err := range errs {
			if err != nil && !errors.Is(err, vulndb.ErrNotFound) {
				require.ErrorIs(t, err, boltstore.ErrCorrupt)
				assert.ErrorContains(t, err, path)
				seen = true
			}
		}
		if seen {
			detected++
			err = s.Update(t.Context(), "feed", false, func(tx vulndb.Tx) error { return nil })
			assert.ErrorIs(t, err, boltstore.ErrCorrupt, "writes refused after damage")
		}
		require.NoError(t, s.Close())
		requireUnlocked(t, path, full)
	}
	t.Logf("damage detected in %d of %d trials", detected, trials)
	assert.GreaterOrEqual(t, detected, trials/2, "every page replaced is in use: those trials at least are detected")
}

func TestPanickingUpdate(t *testing.T) {
	s := openTemp(t)
	require.NoError(t, s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{ID: "A1"})
	}))
	assert.PanicsWithValue(t, "boom", func() {
		_ = s.Update(t.Context(), "a", true, func(tx vulndb.Tx) error {
			if err := tx.Put(vulndb.Vulnerability{ID: "A2"}); err != nil {
				return err
			}
			panic("boom")
		})
	})
	got, err := s.Get(t.Context(), "A1")
	require.NoError(t, err, "the panicking replace was rolled back")
	assert.Len(t, got, 1)
	_, err = s.Get(t.Context(), "A2")
	assert.ErrorIs(t, err, vulndb.ErrNotFound)
	// The writer lock was released.
	require.NoError(t, s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{ID: "A3"})
	}))
}

func TestRefusedRecords(t *testing.T) {
	long := strings.Repeat("x", 1025)
	tests := []struct {
		name string
		v    vulndb.Vulnerability
		want string
	}{
		{"no ID", vulndb.Vulnerability{Summary: "s"}, "no ID"},
		{"long ID", vulndb.Vulnerability{ID: long}, "ID of 1025 bytes"},
		{"long alias", vulndb.Vulnerability{ID: "A", Aliases: []string{long}}, "record A: alias of 1025 bytes"},
		{"long name", vulndb.Vulnerability{ID: "A", Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "npm", Name: long}}}}, "record A: package name"},
		{"long ecosystem", vulndb.Vulnerability{ID: "A", Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: long, Name: "x"}}}}, "record A: ecosystem"},
		{"another source", vulndb.Vulnerability{ID: "A", Source: "b"}, `record A has source "b"`},
	}
	s := openTemp(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error { return tx.Put(tc.v) })
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	assert.Error(t, s.Update(t.Context(), "", false, func(vulndb.Tx) error { return nil }), "empty source name")
	assert.Error(t, s.Update(t.Context(), long, false, func(vulndb.Tx) error { return nil }), "long source name")
	err := s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error { return tx.SetInfo(vulndb.SourceInfo{Name: "b"}) })
	assert.ErrorContains(t, err, `info for source "b"`)
	infos, err := s.Sources(t.Context())
	require.NoError(t, err)
	assert.Empty(t, infos, "nothing was written")
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	s := openTemp(t, boltstore.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	require.NoError(t, s.Update(t.Context(), "feed", false, func(tx vulndb.Tx) error {
		return tx.Put(vulndb.Vulnerability{ID: "A1"})
	}))
	assert.Contains(t, buf.String(), "boltstore: updated")
	assert.Contains(t, buf.String(), "source=feed")
	assert.Contains(t, buf.String(), "added=1")
}

// TestUnchangedSnapshotWritesLittle re-imports a snapshot: records put
// again unchanged are not rewritten, so the file does not grow.
func TestUnchangedSnapshotWritesLittle(t *testing.T) {
	var buf bytes.Buffer
	s := openTemp(t, boltstore.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	c := storetest.NewCorpus(9, 3000)
	importCorpus(t, s, "feed", c)
	fi1, err := os.Stat(s.Path())
	require.NoError(t, err)
	buf.Reset()
	importCorpus(t, s, "feed", c)
	assert.Contains(t, buf.String(), "added=0 changed=0 removed=0")
	fi2, err := os.Stat(s.Path())
	require.NoError(t, err)
	assert.Equal(t, fi1.Size(), fi2.Size())
}
