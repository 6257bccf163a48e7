package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// ctxEvery is how many keys or records a long read handles between checks
// of its context.
const ctxEvery = 256

// Query returns, for each key, the records of every source with an
// Affected entry whose [vulndb.KeyOf] is the key, withdrawn records
// excepted: out[i] answers keys[i], ordered by source, then ID. Records
// come whole, with all their Affected entries. The whole batch reads one
// snapshot of the database.
func (s *Store) Query(ctx context.Context, keys []vulndb.PackageKey) ([][]vulndb.Vulnerability, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: querying %s: %w", s.path, err)
	}
	out := make([][]vulndb.Vulnerability, len(keys))
	err := s.view("querying", func(btx *bolt.Tx) error {
		r := newReader(s.path, btx)
		c := btx.Bucket(bucketIndex).Cursor()
		var prefix []byte
		for i, k := range keys {
			if i%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			prefix = appendPackagePrefix(prefix[:0], k)
			for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
				v, err := r.record(key[len(prefix):], "index entry")
				if err != nil {
					return err
				}
				out[i] = append(out[i], v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns the records, of every source, whose ID or one of whose
// aliases is id, ordered by source, then ID; withdrawn records included.
// It fails with an error matching [vulndb.ErrNotFound] when there are none.
func (s *Store) Get(ctx context.Context, id string) ([]vulndb.Vulnerability, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: getting %s from %s: %w", id, s.path, err)
	}
	var out []vulndb.Vulnerability
	err := s.view("getting "+id+" from", func(btx *bolt.Tx) error {
		r := newReader(s.path, btx)
		c := btx.Bucket(bucketIDs).Cursor()
		prefix := appendKeyString(nil, id)
		for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
			v, err := r.record(key[len(prefix):], "ID entry")
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("boltstore: record %s: %w", id, vulndb.ErrNotFound)
	}
	return out, nil
}

// GetMany looks ids up as [Store.Get] does, all in one read transaction;
// IDs without records are absent from the result.
func (s *Store) GetMany(ctx context.Context, ids []string) (map[string][]vulndb.Vulnerability, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: getting %d records from %s: %w", len(ids), s.path, err)
	}
	sorted := slices.Sorted(slices.Values(ids)) // neighbouring keys, neighbouring pages
	out := make(map[string][]vulndb.Vulnerability)
	err := s.view("getting records from", func(btx *bolt.Tx) error {
		r := newReader(s.path, btx)
		c := btx.Bucket(bucketIDs).Cursor()
		var prefix []byte
		for i, id := range sorted {
			if i > 0 && id == sorted[i-1] {
				continue
			}
			if i%ctxEvery == ctxEvery-1 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			prefix = appendKeyString(prefix[:0], id)
			for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
				v, err := r.record(key[len(prefix):], "ID entry")
				if err != nil {
					return err
				}
				out[id] = append(out[id], v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Sources returns what the store holds from each source, by name.
func (s *Store) Sources(ctx context.Context) ([]vulndb.SourceInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: listing sources of %s: %w", s.path, err)
	}
	var out []vulndb.SourceInfo
	err := s.view("listing sources of", func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketSources)
		return b.ForEach(func(k, _ []byte) error {
			if len(k) > maxKeyBytes {
				return &CorruptError{Path: s.path, Detail: fmt.Sprintf("source name of %d bytes", len(k))}
			}
			info, _, err := loadInfo(b, s.path, string(k))
			if err != nil {
				return err
			}
			out = append(out, info)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reader fetches the records that index entries point to, within one read
// transaction.
type reader struct {
	path    string
	recs    *bolt.Bucket
	buckets map[string]*bolt.Bucket
}

func newReader(path string, btx *bolt.Tx) *reader {
	return &reader{path: path, recs: btx.Bucket(bucketRecords), buckets: make(map[string]*bolt.Bucket)}
}

// record decodes the record named by ref, the (source, id) tail of an
// entry of kind what.
func (r *reader) record(ref []byte, what string) (vulndb.Vulnerability, error) {
	source, id, ok := "", "", len(ref) <= maxKeyBytes
	if ok {
		source, id, ok = cutRef(ref)
	}
	if !ok {
		return vulndb.Vulnerability{}, &CorruptError{Path: r.path, Detail: fmt.Sprintf("malformed %s %s", what, clip(ref))}
	}
	b, ok := r.buckets[source]
	if !ok {
		b = r.recs.Bucket([]byte(source))
		r.buckets[source] = b
	}
	var val []byte
	if b != nil {
		val = b.Get([]byte(id))
	}
	if val == nil {
		return vulndb.Vulnerability{}, &CorruptError{Path: r.path, Detail: fmt.Sprintf("%s for record %s of %s, which is missing", what, id, source)}
	}
	if len(val) > maxRecordBytes {
		return vulndb.Vulnerability{}, &CorruptError{Path: r.path, Detail: fmt.Sprintf("record %s of %s claims %d bytes", id, source, len(val))}
	}
	v, err := decodeRecord(val, source, id)
	if err != nil {
		return vulndb.Vulnerability{}, &CorruptError{Path: r.path, Detail: fmt.Sprintf("record %s of %s", id, source), Err: err}
	}
	return v, nil
}

// Check verifies the whole content of the file: it walks every bucket
// (and so every page they refer to), checks that keys are in order, that
// every record decodes, that index and ID entries and records agree both
// ways, and that each source's record count is right. It reads everything,
// so it takes seconds for a large store; use it after a crash or in tests.
//
// It does not run bbolt's own page check (tx.Check), which also audits the
// free-page list: that check reads pages in a goroutine of its own, where
// a fault from a damaged file would crash the process instead of becoming
// an error. The bbolt command's "check" does it offline.
func (s *Store) Check(ctx context.Context) error {
	return s.view("checking", func(btx *bolt.Tx) error {
		corrupt := func(format string, args ...any) error {
			return &CorruptError{Path: s.path, Detail: fmt.Sprintf(format, args...)}
		}
		index, ids := btx.Bucket(bucketIndex), btx.Bucket(bucketIDs)
		sources := btx.Bucket(bucketSources)
		want := 0 // index entries the records call for
		wantIDs := 0
		var key []byte
		err := btx.Bucket(bucketRecords).ForEachBucket(func(name []byte) error {
			if len(name) > maxKeyBytes {
				return corrupt("source name of %d bytes", len(name))
			}
			source := string(name)
			info, ok, err := loadInfo(sources, s.path, source)
			if err != nil {
				return err
			}
			if !ok {
				return corrupt("records of source %q, which has no info", source)
			}
			n := 0
			var prev []byte
			err = btx.Bucket(bucketRecords).Bucket(name).ForEach(func(k, v []byte) error {
				if len(k) > maxKeyBytes || len(v) > maxRecordBytes {
					return corrupt("record %s of %s claims %d bytes", clip(k), source, len(v))
				}
				if prev != nil && bytes.Compare(prev, k) >= 0 {
					return corrupt("records of %s out of order at %s", source, clip(k))
				}
				prev = k
				if n%ctxEvery == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				n++
				rec, err := decodeRecord(v, source, string(k))
				if err != nil {
					return &CorruptError{Path: s.path, Detail: fmt.Sprintf("record %s of %s", clip(k), source), Err: err}
				}
				keys, _, _ := decodeRefs(v)
				if got := packageKeys(&rec); !slices.Equal(got, keys) {
					// The normalisation changed since it was written: not
					// damage, but its index entries are the stored ones.
					s.log.Warn("boltstore: record indexed under outdated keys", "path", s.path, "source", source, "id", rec.ID)
				}
				for _, pk := range keys {
					key = appendRef(appendPackagePrefix(key[:0], pk), source, rec.ID)
					if index.Get(key) == nil {
						return corrupt("record %s of %s lacks its index entry for %s/%s", rec.ID, source, pk.Ecosystem, pk.Name)
					}
					want++
				}
				for _, a := range idKeys(rec.ID, rec.Aliases) {
					key = appendRef(appendKeyString(key[:0], a), source, rec.ID)
					if ids.Get(key) == nil {
						return corrupt("record %s of %s lacks its ID entry for %s", rec.ID, source, a)
					}
					wantIDs++
				}
				return nil
			})
			if err != nil {
				return err
			}
			if n != info.Records {
				return corrupt("source %q holds %d records but its info says %d", source, n, info.Records)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, b := range []struct {
			name   string
			bucket *bolt.Bucket
			want   int
			prefix int // tuple elements before (source, id)
		}{{"index", index, want, 2}, {"ID index", ids, wantIDs, 1}} {
			n := 0
			var prev []byte
			err := b.bucket.ForEach(func(k, _ []byte) error {
				if n%(16*ctxEvery) == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				if len(k) > maxKeyBytes {
					return corrupt("%s entry of %d bytes", b.name, len(k))
				}
				if prev != nil && bytes.Compare(prev, k) >= 0 {
					return corrupt("%s out of order at %s", b.name, clip(k))
				}
				prev = k
				rest, ok := k, true
				for range b.prefix {
					if _, rest, ok = cutKeyString(rest); !ok {
						break
					}
				}
				if _, _, ok2 := cutRef(rest); !ok || !ok2 {
					return corrupt("malformed %s entry %s", b.name, clip(k))
				}
				n++
				return nil
			})
			if err != nil {
				return err
			}
			if n != b.want {
				return corrupt("%s holds %d entries, records call for %d", b.name, n, b.want)
			}
		}
		err = sources.ForEach(func(k, _ []byte) error {
			if btx.Bucket(bucketRecords).Bucket(k) == nil {
				return corrupt("source %s has info but no records bucket", clip(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		return nil
	})
}
