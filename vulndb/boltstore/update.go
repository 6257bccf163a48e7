package boltstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// fillPercent is how full bbolt packs pages when it splits them. Updates
// write keys in order, so pages fill up one after the other: packing them
// to 90% instead of bbolt's 50% keeps the file small.
const fillPercent = 0.9

// Update runs fn in one bbolt transaction for source: what fn puts becomes
// visible together when fn returns nil, and nothing is written when fn
// returns an error, panics, or ctx ends first. With replace, records of the
// source that fn did not put are removed. Records put again unchanged are
// not rewritten, so re-importing a snapshot writes little. Records of other
// sources are never touched.
//
// Records are encoded as they are put and written in key order when fn
// returns (bbolt splits pages only at commit, so writing a large update in
// random order would cost time quadratic in its size). The whole update is
// therefore held in memory until it commits: the encoded records, then
// bbolt's copy of every page they touch; see the package documentation for
// measurements.
func (s *Store) Update(ctx context.Context, source string, replace bool, fn func(tx vulndb.Tx) error) error {
	if err := checkName("source name", source); err != nil {
		return fmt.Errorf("boltstore: updating %s: %w", s.path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: updating %s in %s: %w", source, s.path, err)
	}
	start := time.Now()
	var (
		t        *tx
		panicked bool
		pv       any
	)
	err := s.write("updating "+source+" in", func(btx *bolt.Tx) error {
		var err error
		t, err = begin(ctx, s, btx, source, replace)
		if err != nil {
			return err
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					panicked, pv = true, r
				}
			}()
			err = fn(t)
		}()
		t.closed = true
		switch {
		case panicked:
			return errors.New("update function panicked")
		case err != nil:
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return t.finish()
	})
	if panicked {
		panic(pv)
	}
	if err != nil {
		return err
	}
	s.log.Info("boltstore: updated", "path", s.path, "source", source, "replace", replace,
		"put", t.nputs, "added", t.added, "changed", t.changed, "removed", t.removed,
		"records", t.count, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// tx is a [vulndb.Tx] over a bbolt write transaction.
type tx struct {
	ctx     context.Context
	path    string
	source  string
	replace bool
	recs    *bolt.Bucket // the source's records
	index   *bolt.Bucket
	ids     *bolt.Bucket
	sources *bolt.Bucket
	// prev is the stored info of the source; info what SetInfo gave.
	prev vulndb.SourceInfo
	info *vulndb.SourceInfo
	// puts holds the records put, by ID; the last put of an ID wins.
	puts   map[string]*pending
	closed bool
	key    []byte // scratch for keys; bbolt copies the keys it keeps

	// Index changes, gathered to be applied in key order.
	indexDel, indexPut []indexEntry
	idsDel, idsPut     []idEntry

	count, nputs, added, changed, removed int
}

// pending is a record put and not yet written.
type pending struct {
	val     []byte
	keys    []vulndb.PackageKey
	aliases []string
}

// indexEntry is the index entry (key, source, id) of the transaction's
// source; idEntry the ID entry (alias, source, id).
type indexEntry struct {
	key vulndb.PackageKey
	id  string
}

type idEntry struct{ alias, id string }

// The entries sort as their encoded keys do: the tuple encoding keeps the
// order of its elements.
func compareIndex(a, b indexEntry) int {
	return cmp.Or(cmp.Compare(a.key.Ecosystem, b.key.Ecosystem), cmp.Compare(a.key.Name, b.key.Name), cmp.Compare(a.id, b.id))
}

func compareIDs(a, b idEntry) int {
	return cmp.Or(cmp.Compare(a.alias, b.alias), cmp.Compare(a.id, b.id))
}

func begin(ctx context.Context, s *Store, btx *bolt.Tx, source string, replace bool) (*tx, error) {
	t := &tx{
		ctx:     ctx,
		path:    s.path,
		source:  source,
		replace: replace,
		index:   btx.Bucket(bucketIndex),
		ids:     btx.Bucket(bucketIDs),
		sources: btx.Bucket(bucketSources),
		puts:    make(map[string]*pending),
	}
	recs, err := btx.Bucket(bucketRecords).CreateBucketIfNotExists([]byte(source))
	if err != nil {
		return nil, err
	}
	t.recs = recs
	for _, b := range []*bolt.Bucket{t.recs, t.index, t.ids} {
		b.FillPercent = fillPercent
	}
	prev, ok, err := loadInfo(t.sources, s.path, source)
	if err != nil {
		return nil, err
	}
	if !ok {
		prev = vulndb.SourceInfo{Name: source}
	}
	t.prev = prev
	t.count = prev.Records
	return t, nil
}

var errTxClosed = errors.New("boltstore: transaction is closed")

// Put adds or replaces the record v.ID of the transaction's source. v.Source
// must be empty or the source's name.
func (t *tx) Put(v vulndb.Vulnerability) error {
	if t.closed {
		return errTxClosed
	}
	if err := t.ctx.Err(); err != nil {
		return err
	}
	if err := t.validate(&v); err != nil {
		return err
	}
	keys := packageKeys(&v)
	val := encodeRecord(&v, keys)
	if len(val) > maxRecordBytes {
		return fmt.Errorf("boltstore: record %s takes %d bytes, more than the limit of %d", v.ID, len(val), maxRecordBytes)
	}
	t.nputs++
	// A record put again as stored is only marked, so that re-importing a
	// snapshot holds little in memory. (Nothing is written to the bucket
	// before finish, so what Get sees is what the update started from.)
	if old := t.recs.Get([]byte(v.ID)); old != nil && bytes.Equal(old, val) {
		t.puts[v.ID] = unchanged
		return nil
	}
	// bbolt keeps val until the commit, so it is never reused.
	t.puts[v.ID] = &pending{val: val, keys: keys, aliases: slices.Clone(v.Aliases)}
	return nil
}

// unchanged marks a record put again exactly as it is stored.
var unchanged = &pending{}

// validate checks what the store needs of a record: an ID, the source's
// name, and names within the key limits.
func (t *tx) validate(v *vulndb.Vulnerability) error {
	if v.ID == "" {
		return errors.New("boltstore: record with no ID")
	}
	if err := checkName("ID", v.ID); err != nil {
		return fmt.Errorf("boltstore: record %.64q: %w", v.ID, err)
	}
	switch v.Source {
	case "":
		v.Source = t.source
	case t.source:
	default:
		return fmt.Errorf("boltstore: record %s has source %q in an update of %q", v.ID, v.Source, t.source)
	}
	for _, a := range v.Aliases {
		if err := checkName("alias", a); err != nil {
			return fmt.Errorf("boltstore: record %s: %w", v.ID, err)
		}
	}
	for _, a := range v.Affected {
		if err := checkName("ecosystem", a.Package.Ecosystem); err != nil {
			return fmt.Errorf("boltstore: record %s: %w", v.ID, err)
		}
		if err := checkName("package name", a.Package.Name); err != nil {
			return fmt.Errorf("boltstore: record %s: %w", v.ID, err)
		}
	}
	return nil
}

func checkName(what, s string) error {
	if len(s) > maxNameBytes {
		return fmt.Errorf("%s of %d bytes exceeds the limit of %d", what, len(s), maxNameBytes)
	}
	if what == "source name" && s == "" {
		return errors.New("empty source name")
	}
	return nil
}

// SetInfo records info for the source; Name is filled in (a different
// name is an error) and Records is counted by the store.
func (t *tx) SetInfo(info vulndb.SourceInfo) error {
	if t.closed {
		return errTxClosed
	}
	if info.Name != "" && info.Name != t.source {
		return fmt.Errorf("boltstore: info for source %q in an update of %q", info.Name, t.source)
	}
	info.Name = t.source
	info.Updated, info.Checked = utc(info.Updated), utc(info.Checked)
	info.SkippedReasons = slices.Clone(info.SkippedReasons)
	t.info = &info
	return nil
}

// finish writes what was put: first the removal of the records a
// replacement dropped, then the records put, in ID order, then the index
// changes, deletions first, each in key order. Deleting before inserting
// keeps bbolt's in-memory nodes small while entries are removed from them.
func (t *tx) finish() error {
	if t.replace {
		var gone [][]byte
		c := t.recs.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) > maxKeyBytes {
				return &CorruptError{Path: t.path, Detail: fmt.Sprintf("record ID of %d bytes in %s", len(k), t.source)}
			}
			if _, ok := t.puts[string(k)]; !ok {
				gone = append(gone, bytes.Clone(k))
			}
		}
		for i, k := range gone {
			if i%4096 == 0 {
				if err := t.ctx.Err(); err != nil {
					return err
				}
			}
			if err := t.remove(k); err != nil {
				return err
			}
		}
	}
	for i, id := range slices.Sorted(maps.Keys(t.puts)) {
		if i%4096 == 0 {
			if err := t.ctx.Err(); err != nil {
				return err
			}
		}
		if err := t.write(id, t.puts[id]); err != nil {
			return fmt.Errorf("record %s: %w", id, err)
		}
		delete(t.puts, id) // what bbolt needs it now holds
	}
	if err := t.applyIndex(); err != nil {
		return err
	}
	info := t.prev
	if t.info != nil {
		info = *t.info
	}
	info.Name = t.source
	info.Records = t.count
	return storeInfo(t.sources, info)
}

// write stores record id and notes the index changes it calls for.
func (t *tx) write(id string, p *pending) error {
	if p == unchanged {
		return nil
	}
	bid := []byte(id)
	old := t.recs.Get(bid)
	var oldKeys []vulndb.PackageKey
	var oldAliases []string
	switch {
	case old == nil:
		t.count++
		t.added++
	case bytes.Equal(old, p.val):
		return nil
	default:
		if len(old) > maxRecordBytes {
			return &CorruptError{Path: t.path, Detail: fmt.Sprintf("record %s of %s claims %d bytes", id, t.source, len(old))}
		}
		var err error
		if oldKeys, oldAliases, err = decodeRefs(old); err != nil {
			return &CorruptError{Path: t.path, Detail: fmt.Sprintf("record %s of %s", id, t.source), Err: err}
		}
		t.changed++
	}
	if err := t.recs.Put(bid, p.val); err != nil {
		return err
	}
	for _, k := range oldKeys {
		if !slices.Contains(p.keys, k) {
			t.indexDel = append(t.indexDel, indexEntry{k, id})
		}
	}
	for _, k := range p.keys {
		if old == nil || !slices.Contains(oldKeys, k) {
			t.indexPut = append(t.indexPut, indexEntry{k, id})
		}
	}
	newIDs := idKeys(id, p.aliases)
	if old != nil {
		oldIDs := idKeys(id, oldAliases)
		for _, a := range oldIDs {
			if !slices.Contains(newIDs, a) {
				t.idsDel = append(t.idsDel, idEntry{a, id})
			}
		}
		for _, a := range newIDs {
			if !slices.Contains(oldIDs, a) {
				t.idsPut = append(t.idsPut, idEntry{a, id})
			}
		}
		return nil
	}
	for _, a := range newIDs {
		t.idsPut = append(t.idsPut, idEntry{a, id})
	}
	return nil
}

// applyIndex writes the gathered index changes in key order.
func (t *tx) applyIndex() error {
	slices.SortFunc(t.indexDel, compareIndex)
	slices.SortFunc(t.indexPut, compareIndex)
	slices.SortFunc(t.idsDel, compareIDs)
	slices.SortFunc(t.idsPut, compareIDs)
	for i, e := range t.indexDel {
		if err := t.every(i); err != nil {
			return err
		}
		if err := t.index.Delete(t.packageKey(e.key, e.id)); err != nil {
			return err
		}
	}
	for i, e := range t.idsDel {
		if err := t.every(i); err != nil {
			return err
		}
		if err := t.ids.Delete(t.idKey(e.alias, e.id)); err != nil {
			return err
		}
	}
	for i, e := range t.indexPut {
		if err := t.every(i); err != nil {
			return err
		}
		if err := t.index.Put(t.packageKey(e.key, e.id), nil); err != nil {
			return err
		}
	}
	for i, e := range t.idsPut {
		if err := t.every(i); err != nil {
			return err
		}
		if err := t.ids.Put(t.idKey(e.alias, e.id), nil); err != nil {
			return err
		}
	}
	return nil
}

// every checks the context every 4096 steps of a loop.
func (t *tx) every(i int) error {
	if i%4096 == 0 {
		return t.ctx.Err()
	}
	return nil
}

func (t *tx) packageKey(k vulndb.PackageKey, id string) []byte {
	t.key = appendRef(appendPackagePrefix(t.key[:0], k), t.source, id)
	return t.key
}

func (t *tx) idKey(alias, id string) []byte {
	t.key = appendRef(appendKeyString(t.key[:0], alias), t.source, id)
	return t.key
}

// remove deletes record id of the source at once, and notes the deletion
// of its index entries.
func (t *tx) remove(id []byte) error { return t.unindex(id, true) }

// unindex notes the deletion of the index entries of record id, and
// deletes the record too when del is set.
func (t *tx) unindex(id []byte, del bool) error {
	val := t.recs.Get(id)
	if val == nil {
		return nil
	}
	if len(val) > maxRecordBytes {
		return &CorruptError{Path: t.path, Detail: fmt.Sprintf("record %s of %s claims %d bytes", clip(id), t.source, len(val))}
	}
	keys, aliases, err := decodeRefs(val)
	if err != nil {
		return &CorruptError{Path: t.path, Detail: fmt.Sprintf("record %s of %s", clip(id), t.source), Err: err}
	}
	sid := string(id)
	for _, k := range keys {
		t.indexDel = append(t.indexDel, indexEntry{k, sid})
	}
	for _, a := range idKeys(sid, aliases) {
		t.idsDel = append(t.idsDel, idEntry{a, sid})
	}
	if del {
		if err := t.recs.Delete(id); err != nil {
			return err
		}
	}
	t.count--
	t.removed++
	return nil
}

func loadInfo(b *bolt.Bucket, path, source string) (vulndb.SourceInfo, bool, error) {
	raw := b.Get([]byte(source))
	if raw == nil {
		return vulndb.SourceInfo{}, false, nil
	}
	if len(raw) > maxInfoBytes {
		return vulndb.SourceInfo{}, false, &CorruptError{Path: path, Detail: fmt.Sprintf("info of source %q claims %d bytes", source, len(raw))}
	}
	var info vulndb.SourceInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return vulndb.SourceInfo{}, false, &CorruptError{Path: path, Detail: fmt.Sprintf("info of source %q", source), Err: err}
	}
	return info, true, nil
}

func storeInfo(b *bolt.Bucket, info vulndb.SourceInfo) error {
	raw, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return b.Put([]byte(info.Name), raw)
}

// DeleteSource removes everything the store holds from the named source:
// its records, their index entries and its info. It fails with an error
// matching [vulndb.ErrNotFound] for a source the store does not hold.
func (s *Store) DeleteSource(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: deleting source %s from %s: %w", name, s.path, err)
	}
	return s.write("deleting source "+name+" from", func(btx *bolt.Tx) error {
		recsRoot := btx.Bucket(bucketRecords)
		sources := btx.Bucket(bucketSources)
		recs := recsRoot.Bucket([]byte(name))
		if sources.Get([]byte(name)) == nil && recs == nil {
			return fmt.Errorf("source %q: %w", name, vulndb.ErrNotFound)
		}
		if recs != nil {
			t := &tx{ctx: ctx, path: s.path, source: name, recs: recs, index: btx.Bucket(bucketIndex), ids: btx.Bucket(bucketIDs)}
			var all [][]byte
			c := recs.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if len(k) > maxKeyBytes {
					return &CorruptError{Path: s.path, Detail: fmt.Sprintf("record ID of %d bytes in %s", len(k), name)}
				}
				all = append(all, bytes.Clone(k))
			}
			for i, k := range all {
				if err := t.every(i); err != nil {
					return err
				}
				// The bucket goes as a whole below.
				if err := t.unindex(k, false); err != nil {
					return err
				}
			}
			if err := t.applyIndex(); err != nil {
				return err
			}
			if err := recsRoot.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return sources.Delete([]byte(name))
	})
}

// utc returns t in UTC without a monotonic reading, as it reads back.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(t.Unix(), int64(t.Nanosecond())).UTC()
}
