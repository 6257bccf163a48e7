package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// Store is what [Run] tests: a store that is queried, written, lists its
// sources and looks records up by ID or alias.
type Store interface {
	vulndb.Store
	vulndb.Writer
	vulndb.SourceLister
	vulndb.Getter
}

// SourceDeleter is implemented by stores that can drop a source; [Run]
// tests it when the store has it.
type SourceDeleter interface {
	DeleteSource(ctx context.Context, name string) error
}

// Run runs the conformance tests against stores made by open, which
// returns a new, empty store for each subtest (and closes it with
// t.Cleanup). Stores must return records as they were put, with Source set
// to the source's name, times as the same instant in UTC, and empty slices
// as nil.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"KeysAreExact", testKeysAreExact},
		{"SeveralSources", testSeveralSources},
		{"UnknownKey", testUnknownKey},
		{"DuplicateKeys", testDuplicateKeys},
		{"Normalisation", testNormalisation},
		{"Withdrawn", testWithdrawn},
		{"ReplaceDropsOld", testReplaceDropsOld},
		{"UpsertKeepsOthers", testUpsertKeepsOthers},
		{"FailingUpdateLeavesData", testFailingUpdate},
		{"Cancelled", testCancelled},
		{"RecordsCount", testRecordsCount},
		{"GetByAlias", testGetByAlias},
		{"TxClosedAfterUpdate", testTxClosed},
		{"ConcurrentReaders", testConcurrentReaders},
		{"UpdateFromSource", testUpdateFromSource},
		{"UpdateFromSnapshot", testUpdateFromSnapshot},
		{"DeleteSource", testDeleteSource},
		{"Corpus", testCorpus},
		{"GoVulnDB", testGoVulnDB},
		{"Documents", testDocuments},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// put writes recs to source in one update.
func put(t *testing.T, s Store, source string, replace bool, recs ...vulndb.Vulnerability) {
	t.Helper()
	err := s.Update(t.Context(), source, replace, func(tx vulndb.Tx) error {
		for _, v := range recs {
			if err := tx.Put(v); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
}

func query(t *testing.T, s Store, keys ...vulndb.PackageKey) [][]vulndb.Vulnerability {
	t.Helper()
	out, err := s.Query(t.Context(), keys)
	require.NoError(t, err)
	require.Len(t, out, len(keys))
	return out
}

// refs returns "source/ID" of each record.
func refs(vs []vulndb.Vulnerability) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Source+"/"+v.ID)
	}
	return out
}

func key(eco, name string) vulndb.PackageKey {
	return vulndb.KeyOf(vulndb.Package{Ecosystem: eco, Name: name})
}

// rec returns a small record of source affecting the given packages.
func rec(source, id string, pkgs ...vulndb.Package) vulndb.Vulnerability {
	v := vulndb.Vulnerability{ID: id, Source: source, Summary: "summary of " + id}
	for _, p := range pkgs {
		v.Affected = append(v.Affected, vulndb.Affected{
			Package: p,
			Ranges:  []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "1.2.3"}}}},
		})
	}
	return v
}

func npm(name string) vulndb.Package {
	return vulndb.Package{Ecosystem: vulndb.EcosystemNPM, Name: name}
}

func sourceInfo(t *testing.T, s Store, name string) (vulndb.SourceInfo, bool) {
	t.Helper()
	infos, err := s.Sources(t.Context())
	require.NoError(t, err)
	for _, i := range infos {
		if i.Name == name {
			return i, true
		}
	}
	return vulndb.SourceInfo{}, false
}

func testRoundTrip(t *testing.T, s Store) {
	withdrawn := Full("src", "FULL-1")
	live := Full("src", "FULL-2")
	live.Withdrawn = nil
	sparse := vulndb.Vulnerability{ID: "SPARSE-1", Source: "src", Affected: []vulndb.Affected{{Package: npm("left-pad")}}}
	put(t, s, "src", false, withdrawn, live, sparse)

	got, err := s.Get(t.Context(), "FULL-1")
	require.NoError(t, err)
	assert.Equal(t, []vulndb.Vulnerability{withdrawn}, got)
	got, err = s.Get(t.Context(), "SPARSE-1")
	require.NoError(t, err)
	assert.Equal(t, []vulndb.Vulnerability{sparse}, got)

	out := query(t, s, key(vulndb.EcosystemNPM, "left-pad"), key("Debian:12", "openssl"))
	assert.Equal(t, []vulndb.Vulnerability{live, sparse}, out[0], "npm left-pad")
	assert.Equal(t, []vulndb.Vulnerability{live}, out[1], "Debian:12 openssl")

	// Changing what was put or what was returned changes nothing stored.
	out[0][0].Affected[0].Ranges[0].Events[0].Introduced = "changed"
	out[0][0].Aliases[0] = "changed"
	again := query(t, s, key(vulndb.EcosystemNPM, "left-pad"))
	assert.Equal(t, []vulndb.Vulnerability{live, sparse}, again[0])

	// Source is filled in when a record comes without one.
	anon := rec("", "ANON-1", npm("anon"))
	put(t, s, "src", false, anon)
	anon.Source = "src"
	assert.Equal(t, [][]vulndb.Vulnerability{{anon}}, query(t, s, key(vulndb.EcosystemNPM, "anon")))
}

func testKeysAreExact(t *testing.T, s Store) {
	// Names that are prefixes of each other, or differ in bytes a key
	// encoding might use as separators, are different packages.
	names := []string{"a", "ab", "a b", "a\x00b", "a\x00", "\x00a", "ä", ""}
	var recs []vulndb.Vulnerability
	for i, n := range names {
		recs = append(recs, rec("src", fmt.Sprintf("ID-%d", i), vulndb.Package{Ecosystem: "Go", Name: n}))
	}
	recs = append(recs, rec("src", "ID-eco", vulndb.Package{Ecosystem: "Go:1", Name: "a"}))
	recs = append(recs, rec("src", "ID\x00x", vulndb.Package{Ecosystem: "Go", Name: "a"}))
	put(t, s, "src", false, recs...)
	var keys []vulndb.PackageKey
	for _, n := range names {
		keys = append(keys, key("Go", n))
	}
	keys = append(keys, key("Go:1", "a"), key("Go", "a\x00\x00"), key("G", "o"))
	out := query(t, s, keys...)
	for i, n := range names {
		want := []string{fmt.Sprintf("src/ID-%d", i)}
		if n == "a" {
			want = []string{"src/ID\x00x", "src/ID-0"} // byte order: 0x00 < '-'

		}
		assert.Equal(t, want, refs(out[i]), "Go %q", n)
	}
	assert.Equal(t, []string{"src/ID-eco"}, refs(out[len(names)]))
	assert.Empty(t, out[len(names)+1])
	assert.Empty(t, out[len(names)+2])

	got, err := s.Get(t.Context(), "ID\x00x")
	require.NoError(t, err)
	assert.Equal(t, []string{"src/ID\x00x"}, refs(got))
}

func testSeveralSources(t *testing.T, s Store) {
	for _, src := range []string{"zeta", "alpha", "mid"} {
		v := rec(src, "CVE-2024-0001", npm("shared"))
		v.Summary = "from " + src
		put(t, s, src, false, v, rec(src, "ONLY-"+src, npm("shared")))
	}
	out := query(t, s, key(vulndb.EcosystemNPM, "shared"))
	assert.Equal(t, []string{
		"alpha/CVE-2024-0001", "alpha/ONLY-alpha",
		"mid/CVE-2024-0001", "mid/ONLY-mid",
		"zeta/CVE-2024-0001", "zeta/ONLY-zeta",
	}, refs(out[0]))
	assert.Equal(t, "from mid", out[0][2].Summary)

	got, err := s.Get(t.Context(), "CVE-2024-0001")
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha/CVE-2024-0001", "mid/CVE-2024-0001", "zeta/CVE-2024-0001"}, refs(got))
	for _, v := range got {
		assert.Equal(t, "from "+v.Source, v.Summary)
	}

	infos, err := s.Sources(t.Context())
	require.NoError(t, err)
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
		assert.Equal(t, 2, i.Records, i.Name)
	}
	assert.Equal(t, []string{"alpha", "mid", "zeta"}, names)

	// Replacing one source leaves the others alone.
	put(t, s, "mid", true)
	out = query(t, s, key(vulndb.EcosystemNPM, "shared"))
	assert.Equal(t, []string{
		"alpha/CVE-2024-0001", "alpha/ONLY-alpha",
		"zeta/CVE-2024-0001", "zeta/ONLY-zeta",
	}, refs(out[0]))
}

func testUnknownKey(t *testing.T, s Store) {
	out := query(t, s, key(vulndb.EcosystemNPM, "nothing"))
	assert.Empty(t, out[0])
	put(t, s, "src", false, rec("src", "A", npm("something")))
	out = query(t, s, key(vulndb.EcosystemNPM, "nothing"), key(vulndb.EcosystemPyPI, "something"), key(vulndb.EcosystemNPM, "something"))
	assert.Empty(t, out[0])
	assert.Empty(t, out[1], "another ecosystem")
	assert.Equal(t, []string{"src/A"}, refs(out[2]))
	assert.Empty(t, query(t, s))
}

func testDuplicateKeys(t *testing.T, s Store) {
	put(t, s, "src", false, rec("src", "A", npm("dup")), rec("src", "B", npm("dup"), npm("other")))
	k := key(vulndb.EcosystemNPM, "dup")
	out := query(t, s, k, key(vulndb.EcosystemNPM, "none"), k, k)
	assert.Equal(t, []string{"src/A", "src/B"}, refs(out[0]))
	assert.Empty(t, out[1])
	assert.Equal(t, out[0], out[2])
	assert.Equal(t, out[0], out[3])
	assert.Len(t, out[0][1].Affected, 2, "records come whole")
}

func testNormalisation(t *testing.T, s Store) {
	put(t, s, "src", false,
		rec("src", "PY-1", vulndb.Package{Ecosystem: vulndb.EcosystemPyPI, Name: "Foo_Bar"}),
		// The same package twice under two spellings: found once.
		rec("src", "PY-2", vulndb.Package{Ecosystem: vulndb.EcosystemPyPI, Name: "foo.bar"}, vulndb.Package{Ecosystem: vulndb.EcosystemPyPI, Name: "FOO-BAR"}),
		rec("src", "NPM-1", npm("Left-Pad")),
		rec("src", "CRATE-1", vulndb.Package{Ecosystem: vulndb.EcosystemCratesIO, Name: "Serde_JSON"}),
		rec("src", "GO-1", vulndb.Package{Ecosystem: vulndb.EcosystemGo, Name: "github.com/BurntSushi/toml"}),
	)
	out := query(t, s,
		key(vulndb.EcosystemPyPI, "foo-bar"),
		key(vulndb.EcosystemPyPI, "FOO..bar"),
		key(vulndb.EcosystemNPM, "left-pad"),
		key(vulndb.EcosystemCratesIO, "serde-json"),
		key(vulndb.EcosystemGo, "github.com/BurntSushi/toml"),
		key(vulndb.EcosystemGo, "github.com/burntsushi/toml"),
	)
	assert.Equal(t, []string{"src/PY-1", "src/PY-2"}, refs(out[0]))
	assert.Equal(t, []string{"src/PY-1", "src/PY-2"}, refs(out[1]))
	assert.Equal(t, []string{"src/NPM-1"}, refs(out[2]))
	assert.Equal(t, []string{"src/CRATE-1"}, refs(out[3]))
	assert.Equal(t, []string{"src/GO-1"}, refs(out[4]))
	assert.Empty(t, out[5], "Go names are case-sensitive")
	// Records keep the names as the feed spelled them.
	assert.Equal(t, "Foo_Bar", out[0][0].Affected[0].Package.Name)
}

func testWithdrawn(t *testing.T, s Store) {
	w := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	gone := rec("src", "GONE", npm("pkg"))
	gone.Withdrawn = &w
	put(t, s, "src", false, gone, rec("src", "LIVE", npm("pkg")))
	assert.Equal(t, []string{"src/LIVE"}, refs(query(t, s, key(vulndb.EcosystemNPM, "pkg"))[0]))
	got, err := s.Get(t.Context(), "GONE")
	require.NoError(t, err, "Get finds withdrawn records")
	assert.Equal(t, []vulndb.Vulnerability{gone}, got)

	// Withdrawing and restoring by upsert.
	live := rec("src", "LIVE", npm("pkg"))
	live.Withdrawn = &w
	put(t, s, "src", false, live)
	assert.Empty(t, query(t, s, key(vulndb.EcosystemNPM, "pkg"))[0])
	put(t, s, "src", false, rec("src", "GONE", npm("pkg")))
	assert.Equal(t, []string{"src/GONE"}, refs(query(t, s, key(vulndb.EcosystemNPM, "pkg"))[0]))
	info, _ := sourceInfo(t, s, "src")
	assert.Equal(t, 2, info.Records, "withdrawn records are held and counted")
}

func testReplaceDropsOld(t *testing.T, s Store) {
	put(t, s, "a", false, rec("a", "A1", npm("one")), rec("a", "A2", npm("two")), rec("a", "A3", npm("three")))
	put(t, s, "b", false, rec("b", "B1", npm("one")))
	a2 := rec("a", "A2", npm("two"), npm("four"))
	a2.Summary = "changed"
	put(t, s, "a", true, a2, rec("a", "A3", npm("three")), rec("a", "A5", npm("five")))

	out := query(t, s, key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "two"), key(vulndb.EcosystemNPM, "three"),
		key(vulndb.EcosystemNPM, "four"), key(vulndb.EcosystemNPM, "five"))
	assert.Equal(t, []string{"b/B1"}, refs(out[0]), "A1 is gone, B1 stays")
	assert.Equal(t, []vulndb.Vulnerability{a2}, out[1])
	assert.Equal(t, []string{"a/A3"}, refs(out[2]))
	assert.Equal(t, []string{"a/A2"}, refs(out[3]))
	assert.Equal(t, []string{"a/A5"}, refs(out[4]))
	_, err := s.Get(t.Context(), "A1")
	assert.ErrorIs(t, err, vulndb.ErrNotFound)
	info, ok := sourceInfo(t, s, "a")
	require.True(t, ok)
	assert.Equal(t, 3, info.Records)

	// An empty snapshot empties the source but keeps it listed.
	put(t, s, "a", true)
	info, ok = sourceInfo(t, s, "a")
	require.True(t, ok)
	assert.Equal(t, 0, info.Records)
	out = query(t, s, key(vulndb.EcosystemNPM, "two"), key(vulndb.EcosystemNPM, "one"))
	assert.Empty(t, out[0])
	assert.Equal(t, []string{"b/B1"}, refs(out[1]))
}

func testUpsertKeepsOthers(t *testing.T, s Store) {
	a2 := rec("a", "A2", npm("two"))
	a2.Aliases = []string{"CVE-OLD"}
	put(t, s, "a", false, rec("a", "A1", npm("one")), a2)
	// A2 moves to another package and alias.
	moved := rec("a", "A2", npm("moved"))
	moved.Aliases = []string{"CVE-NEW"}
	put(t, s, "a", false, moved, rec("a", "A3", npm("one")))

	out := query(t, s, key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "two"), key(vulndb.EcosystemNPM, "moved"))
	assert.Equal(t, []string{"a/A1", "a/A3"}, refs(out[0]))
	assert.Empty(t, out[1], "the old package no longer finds A2")
	assert.Equal(t, []vulndb.Vulnerability{moved}, out[2])
	_, err := s.Get(t.Context(), "CVE-OLD")
	assert.ErrorIs(t, err, vulndb.ErrNotFound, "the old alias no longer finds A2")
	got, err := s.Get(t.Context(), "CVE-NEW")
	require.NoError(t, err)
	assert.Equal(t, []string{"a/A2"}, refs(got))
	info, _ := sourceInfo(t, s, "a")
	assert.Equal(t, 3, info.Records)
}

// state is what a store shows for the keys and IDs of a test.
type state struct {
	Query   [][]vulndb.Vulnerability
	Get     map[string][]string
	Sources []vulndb.SourceInfo
}

func stateOf(t *testing.T, s Store, keys []vulndb.PackageKey, ids []string) state {
	t.Helper()
	st := state{Query: query(t, s, keys...), Get: map[string][]string{}}
	for _, id := range ids {
		got, err := s.Get(t.Context(), id)
		if errors.Is(err, vulndb.ErrNotFound) {
			continue
		}
		require.NoError(t, err)
		st.Get[id] = refs(got)
	}
	var err error
	st.Sources, err = s.Sources(t.Context())
	require.NoError(t, err)
	return st
}

func testFailingUpdate(t *testing.T, s Store) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		for _, v := range []vulndb.Vulnerability{rec("a", "A1", npm("one")), rec("a", "A2", npm("two"))} {
			if err := tx.Put(v); err != nil {
				return err
			}
		}
		return tx.SetInfo(vulndb.SourceInfo{Name: "a", Cursor: "c1", Updated: t0, Checked: t0})
	})
	require.NoError(t, err)
	put(t, s, "b", false, rec("b", "B1", npm("one")))
	keys := []vulndb.PackageKey{key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "two"), key(vulndb.EcosystemNPM, "new")}
	ids := []string{"A1", "A2", "A3", "B1"}
	before := stateOf(t, s, keys, ids)

	boom := errors.New("boom")
	for _, replace := range []bool{false, true} {
		t.Run(fmt.Sprintf("replace=%t", replace), func(t *testing.T) {
			err := s.Update(t.Context(), "a", replace, func(tx vulndb.Tx) error {
				changed := rec("a", "A1", npm("new"))
				changed.Summary = "changed"
				for _, v := range []vulndb.Vulnerability{changed, rec("a", "A3", npm("new"))} {
					if err := tx.Put(v); err != nil {
						return err
					}
				}
				if err := tx.SetInfo(vulndb.SourceInfo{Name: "a", Cursor: "c2"}); err != nil {
					return err
				}
				return boom
			})
			require.ErrorIs(t, err, boom)
			assert.Equal(t, before, stateOf(t, s, keys, ids))
			// A record the store refuses fails the update the same way.
			err = s.Update(t.Context(), "a", replace, func(tx vulndb.Tx) error {
				if err := tx.Put(rec("a", "A3", npm("new"))); err != nil {
					return err
				}
				return tx.Put(vulndb.Vulnerability{Summary: "no ID"})
			})
			require.Error(t, err)
			assert.Equal(t, before, stateOf(t, s, keys, ids))
		})
	}
}

func testCancelled(t *testing.T, s Store) {
	put(t, s, "a", false, rec("a", "A1", npm("one")))
	keys := []vulndb.PackageKey{key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "two")}
	ids := []string{"A1", "A2"}
	before := stateOf(t, s, keys, ids)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Update(ctx, "a", true, func(tx vulndb.Tx) error {
		return tx.Put(rec("a", "A2", npm("two")))
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, stateOf(t, s, keys, ids))

	for _, replace := range []bool{false, true} {
		ctx, cancel := context.WithCancel(t.Context())
		err := s.Update(ctx, "a", replace, func(tx vulndb.Tx) error {
			if err := tx.Put(rec("a", "A2", npm("two"))); err != nil {
				return err
			}
			cancel() // cancelled before the commit; fn itself succeeds
			return nil
		})
		require.ErrorIs(t, err, context.Canceled, "replace=%t", replace)
		assert.Equal(t, before, stateOf(t, s, keys, ids), "replace=%t", replace)
	}

	_, err = s.Query(ctx, keys)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Get(ctx, "A1")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Sources(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

func testRecordsCount(t *testing.T, s Store) {
	err := s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		for _, id := range []string{"A1", "A2", "A3", "A2"} { // A2 twice: the second replaces the first
			v := rec("a", id, npm("one"))
			v.Summary = "put " + id
			if err := tx.Put(v); err != nil {
				return err
			}
		}
		return tx.SetInfo(vulndb.SourceInfo{Name: "a", Records: 999, Cursor: "c"})
	})
	require.NoError(t, err)
	info, _ := sourceInfo(t, s, "a")
	assert.Equal(t, vulndb.SourceInfo{Name: "a", Records: 3, Cursor: "c"}, info)

	// Upsert one existing and one new record; no SetInfo keeps the cursor.
	put(t, s, "a", false, rec("a", "A1", npm("two")), rec("a", "A4", npm("two")))
	info, _ = sourceInfo(t, s, "a")
	assert.Equal(t, vulndb.SourceInfo{Name: "a", Records: 4, Cursor: "c"}, info)

	// A replace that puts the same ID twice.
	put(t, s, "a", true, rec("a", "A9", npm("one")), rec("a", "A9", npm("two")))
	info, _ = sourceInfo(t, s, "a")
	assert.Equal(t, 1, info.Records)
	out := query(t, s, key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "two"))
	assert.Empty(t, out[0], "the second put of A9 replaced the first")
	assert.Equal(t, []string{"a/A9"}, refs(out[1]))

	// SetInfo with no puts records the info alone.
	now := time.Date(2025, 2, 3, 4, 5, 6, 7, time.UTC)
	err = s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		return tx.SetInfo(vulndb.SourceInfo{Cursor: "d", Checked: now, Skipped: 2, SkippedReasons: []string{"x", "y"}})
	})
	require.NoError(t, err)
	info, _ = sourceInfo(t, s, "a")
	assert.Equal(t, vulndb.SourceInfo{Name: "a", Records: 1, Cursor: "d", Checked: now, Skipped: 2, SkippedReasons: []string{"x", "y"}}, info)
}

func testGetByAlias(t *testing.T, s Store) {
	g := rec("ghsa", "GHSA-aaaa-bbbb-cccc", npm("one"))
	g.Aliases = []string{"CVE-2024-1234", "GHSA-aaaa-bbbb-cccc", "CVE-2024-1234"} // repeats and itself
	n := rec("nvd", "CVE-2024-1234")
	o := rec("osv", "PYSEC-1", vulndb.Package{Ecosystem: vulndb.EcosystemPyPI, Name: "x"})
	o.Aliases = []string{"CVE-2024-1234"}
	put(t, s, "ghsa", false, g)
	put(t, s, "nvd", false, n)
	put(t, s, "osv", false, o)

	got, err := s.Get(t.Context(), "CVE-2024-1234")
	require.NoError(t, err)
	assert.Equal(t, []vulndb.Vulnerability{g, n, o}, got)
	got, err = s.Get(t.Context(), "GHSA-aaaa-bbbb-cccc")
	require.NoError(t, err)
	assert.Equal(t, []vulndb.Vulnerability{g}, got)
	_, err = s.Get(t.Context(), "CVE-2024-9999")
	assert.ErrorIs(t, err, vulndb.ErrNotFound)
	_, err = s.Get(t.Context(), "cve-2024-1234")
	assert.ErrorIs(t, err, vulndb.ErrNotFound, "IDs are exact")

	// GetMany answers as Get does, for many IDs at once.
	if mg, ok := s.(vulndb.MultiGetter); ok {
		many, err := mg.GetMany(t.Context(), []string{"GHSA-aaaa-bbbb-cccc", "CVE-2024-9999", "CVE-2024-1234", "CVE-2024-1234"})
		require.NoError(t, err)
		assert.Equal(t, map[string][]vulndb.Vulnerability{
			"CVE-2024-1234":       {g, n, o},
			"GHSA-aaaa-bbbb-cccc": {g},
		}, many, "IDs without records are absent; a repeated ID is answered once")
		many, err = mg.GetMany(t.Context(), nil)
		require.NoError(t, err)
		assert.Empty(t, many)
	}
}

func testTxClosed(t *testing.T, s Store) {
	var kept vulndb.Tx
	err := s.Update(t.Context(), "a", false, func(tx vulndb.Tx) error {
		kept = tx
		return tx.Put(rec("a", "A1", npm("one")))
	})
	require.NoError(t, err)
	assert.Error(t, kept.Put(rec("a", "A2", npm("one"))))
	assert.Error(t, kept.SetInfo(vulndb.SourceInfo{Cursor: "late"}))
	assert.Equal(t, []string{"a/A1"}, refs(query(t, s, key(vulndb.EcosystemNPM, "one"))[0]))
}

// testConcurrentReaders replaces a source over and over while readers
// query it: every batch must show one generation whole.
func testConcurrentReaders(t *testing.T, s Store) {
	const (
		perGen  = 40
		gens    = 25
		readers = 4
	)
	keys := []vulndb.PackageKey{key(vulndb.EcosystemNPM, "k1"), key(vulndb.EcosystemNPM, "k2"), key(vulndb.EcosystemPyPI, "k3")}
	generation := func(g int) []vulndb.Vulnerability {
		var recs []vulndb.Vulnerability
		for i := range perGen {
			id := fmt.Sprintf("R-%03d", i) // stable IDs, changed content
			if i%2 == 1 {
				id = fmt.Sprintf("G%03d-%03d", g, i) // IDs only this generation has
			}
			v := rec("gen", id, npm("k1"), npm("k2"), vulndb.Package{Ecosystem: vulndb.EcosystemPyPI, Name: "K3"})
			v.Summary = fmt.Sprintf("generation %d", g)
			recs = append(recs, v)
		}
		return recs
	}
	put(t, s, "gen", true, generation(0)...)
	put(t, s, "other", false, rec("other", "O1", npm("k1")))

	ctx := t.Context()
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batches := 0
			for {
				select {
				case <-done:
					if batches == 0 {
						errs <- errors.New("reader ran no batch")
					}
					return
				default:
				}
				out, err := s.Query(ctx, keys)
				if err != nil {
					errs <- err
					return
				}
				batches++
				summary := ""
				for i, recs := range out {
					n := 0
					for _, v := range recs {
						if v.Source != "gen" {
							continue
						}
						n++
						if summary == "" {
							summary = v.Summary
						}
						if v.Summary != summary {
							errs <- fmt.Errorf("one batch mixes %q and %q", summary, v.Summary)
							return
						}
					}
					if n != perGen {
						errs <- fmt.Errorf("key %d: %d records of gen, want %d", i, n, perGen)
						return
					}
				}
				info, err := s.Sources(ctx)
				if err != nil {
					errs <- err
					return
				}
				if len(info) != 2 || info[0].Records != perGen {
					errs <- fmt.Errorf("sources %+v", info)
					return
				}
			}
		}()
	}
	for g := 1; g <= gens; g++ {
		put(t, s, "gen", true, generation(g)...)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	out := query(t, s, keys[0])
	assert.Len(t, out[0], perGen+1)
	assert.Equal(t, fmt.Sprintf("generation %d", gens), out[0][0].Summary)
}

// countingSource is a feed for the vulndb.Update tests.
type countingSource struct {
	name     string
	snapshot bool
	fetch    func(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error)
	skipped  int
}

func (c *countingSource) Name() string { return c.name }
func (c *countingSource) Fetch(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
	return c.fetch(ctx, since, emit)
}
func (c *countingSource) Snapshot() bool { return c.snapshot }
func (c *countingSource) Skipped() (n int, reasons []string) {
	return c.skipped, []string{"bad record"}
}

func testUpdateFromSource(t *testing.T, s Store) {
	ctx := t.Context()
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	var gotSince []vulndb.Cursor
	step := 0
	src := vulndb.SourceFunc("feed", func(ctx context.Context, since vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
		gotSince = append(gotSince, since)
		step++
		switch step {
		case 1:
			for _, v := range []vulndb.Vulnerability{rec("", "F1", npm("one")), rec("", "F2", npm("two"))} {
				if err := emit(v); err != nil {
					return "", err
				}
			}
			return "c1", nil
		case 2:
			return "", vulndb.ErrUnchanged
		case 3:
			changed := rec("", "F2", npm("one"))
			changed.Summary = "changed"
			for _, v := range []vulndb.Vulnerability{changed, rec("", "F3", npm("three"))} {
				if err := emit(v); err != nil {
					return "", err
				}
			}
			return "c3", nil
		default:
			if err := emit(rec("", "F4", npm("four"))); err != nil {
				return "", err
			}
			return "", errors.New("connection reset")
		}
	})

	t1 := clock
	info, err := vulndb.Update(ctx, s, src, now)
	require.NoError(t, err)
	assert.Equal(t, vulndb.SourceInfo{Name: "feed", Cursor: "c1", Updated: t1, Checked: t1, Records: 2}, info)

	clock = clock.Add(time.Hour)
	info, err = vulndb.Update(ctx, s, src, now)
	require.ErrorIs(t, err, vulndb.ErrUnchanged)
	want := vulndb.SourceInfo{Name: "feed", Cursor: "c1", Updated: t1, Checked: clock, Records: 2}
	assert.Equal(t, want, info)
	stored, _ := sourceInfo(t, s, "feed")
	assert.Equal(t, want, stored, "the check time is stored, the cursor kept")

	clock = clock.Add(time.Hour)
	info, err = vulndb.Update(ctx, s, src, now)
	require.NoError(t, err)
	assert.Equal(t, vulndb.SourceInfo{Name: "feed", Cursor: "c3", Updated: clock, Checked: clock, Records: 3}, info)
	out := query(t, s, key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "two"))
	assert.Equal(t, []string{"feed/F1", "feed/F2"}, refs(out[0]))
	assert.Empty(t, out[1])
	assert.Equal(t, "changed", out[0][1].Summary)

	keys := []vulndb.PackageKey{key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "four")}
	before := stateOf(t, s, keys, []string{"F1", "F4"})
	clock = clock.Add(time.Hour)
	_, err = vulndb.Update(ctx, s, src, now)
	require.ErrorContains(t, err, "connection reset")
	assert.Equal(t, before, stateOf(t, s, keys, []string{"F1", "F4"}), "a failed fetch leaves the data and the cursor")

	assert.Equal(t, []vulndb.Cursor{"", "c1", "c1", "c3"}, gotSince)
}

func testUpdateFromSnapshot(t *testing.T, s Store) {
	ctx := t.Context()
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	emitAll := func(recs ...vulndb.Vulnerability) func(context.Context, vulndb.Cursor, func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
		return func(_ context.Context, _ vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
			for _, v := range recs {
				if err := emit(v); err != nil {
					return "", err
				}
			}
			return vulndb.Cursor(fmt.Sprintf("n=%d", len(recs))), nil
		}
	}
	src := &countingSource{name: "tracker", snapshot: true, skipped: 1,
		fetch: emitAll(rec("", "DSA-1", npm("a")), rec("", "DSA-2", npm("b")))}
	info, err := vulndb.Update(ctx, s, src, func() time.Time { return clock })
	require.NoError(t, err)
	assert.Equal(t, vulndb.SourceInfo{Name: "tracker", Cursor: "n=2", Updated: clock, Checked: clock, Records: 2, Skipped: 1, SkippedReasons: []string{"bad record"}}, info)

	src.fetch = emitAll(rec("", "DSA-2", npm("b")), rec("", "DSA-3", npm("c")))
	src.skipped = 0
	info, err = vulndb.Update(ctx, s, src, func() time.Time { return clock })
	require.NoError(t, err)
	assert.Equal(t, 2, info.Records)
	assert.Zero(t, info.Skipped)
	out := query(t, s, key(vulndb.EcosystemNPM, "a"), key(vulndb.EcosystemNPM, "b"), key(vulndb.EcosystemNPM, "c"))
	assert.Empty(t, out[0], "a snapshot drops what it no longer lists")
	assert.Equal(t, []string{"tracker/DSA-2"}, refs(out[1]))
	assert.Equal(t, []string{"tracker/DSA-3"}, refs(out[2]))

	// The same source without Snapshot adds.
	src.snapshot = false
	src.fetch = emitAll(rec("", "DSA-4", npm("a")))
	info, err = vulndb.Update(ctx, s, src, func() time.Time { return clock })
	require.NoError(t, err)
	assert.Equal(t, 3, info.Records)
}

func testDeleteSource(t *testing.T, s Store) {
	d, ok := s.(SourceDeleter)
	if !ok {
		t.Skip("the store cannot delete sources")
	}
	put(t, s, "a", false, rec("a", "X", npm("one")), rec("a", "A2", npm("two")))
	put(t, s, "b", false, rec("b", "X", npm("one")))
	require.NoError(t, d.DeleteSource(t.Context(), "a"))
	out := query(t, s, key(vulndb.EcosystemNPM, "one"), key(vulndb.EcosystemNPM, "two"))
	assert.Equal(t, []string{"b/X"}, refs(out[0]))
	assert.Empty(t, out[1])
	got, err := s.Get(t.Context(), "X")
	require.NoError(t, err)
	assert.Equal(t, []string{"b/X"}, refs(got))
	_, ok = sourceInfo(t, s, "a")
	assert.False(t, ok)
	assert.ErrorIs(t, d.DeleteSource(t.Context(), "a"), vulndb.ErrNotFound)

	// The name can be used again.
	put(t, s, "a", false, rec("a", "A3", npm("two")))
	assert.Equal(t, []string{"a/A3"}, refs(query(t, s, key(vulndb.EcosystemNPM, "two"))[0]))
}

// testCorpus imports a generated corpus and checks every answer against
// an index built here.
func testCorpus(t *testing.T, s Store) {
	c := NewCorpus(7, 3000)
	err := s.Update(t.Context(), "corpus", true, func(tx vulndb.Tx) error {
		for v := range c.All() {
			if err := tx.Put(v); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	keys := c.Keys(1, 2000, 0.5)
	checkAgainst(t, s, "corpus", slices.Collect(c.All()), keys)
}

// checkAgainst checks that querying s for keys gives what recs (all of
// source, and nothing else in s) call for, and that Get finds each record.
func checkAgainst(t *testing.T, s Store, source string, recs []vulndb.Vulnerability, keys []vulndb.PackageKey) {
	t.Helper()
	want := map[vulndb.PackageKey][]string{}
	byID := map[string]vulndb.Vulnerability{}
	for _, v := range recs {
		v.Source = source
		byID[v.ID] = v
		if v.IsWithdrawn() {
			continue
		}
		var seen []vulndb.PackageKey
		for _, a := range v.Affected {
			k := vulndb.KeyOf(a.Package)
			if !slices.Contains(seen, k) {
				seen = append(seen, k)
				want[k] = append(want[k], source+"/"+v.ID)
			}
		}
	}
	for k := range want {
		slices.Sort(want[k])
	}
	out := query(t, s, keys...)
	hits := 0
	for i, k := range keys {
		w := want[k]
		if w == nil {
			w = []string{}
		} else {
			hits++
		}
		if !assert.Equal(t, w, refs(out[i]), "key %v", k) {
			return
		}
		for _, v := range out[i] {
			if !assert.Equal(t, byID[v.ID], v) {
				return
			}
		}
	}
	assert.NotZero(t, hits, "no key hit: the check proves nothing")
	info, ok := sourceInfo(t, s, source)
	require.True(t, ok)
	assert.Equal(t, len(byID), info.Records)
	for id, v := range byID {
		got, err := s.Get(t.Context(), id)
		require.NoError(t, err, id)
		if !assert.Contains(t, got, v) {
			return
		}
	}
}
