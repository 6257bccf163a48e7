package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/portcullis-oci/portcullis/vulndb"
)

var _ vulndb.DocumentStore = (*Store)(nil)

// documents are the store's document collections.
type documents struct {
	mu   sync.Mutex
	cols map[string]*collection
}

type collection struct {
	docs map[string][]byte
	seq  uint64
}

func (d *documents) get(name string, create bool) *collection {
	if d.cols == nil {
		if !create {
			return nil
		}
		d.cols = map[string]*collection{}
	}
	c := d.cols[name]
	if c == nil && create {
		c = &collection{docs: map[string][]byte{}}
		d.cols[name] = c
	}
	return c
}

func (s *Store) docCheck(ctx context.Context, op, collection string, key, value []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	if err := vulndb.CheckDocument(collection, key, value); err != nil {
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return fmt.Errorf("memstore: %s: %w", op, ErrClosed)
	}
	return nil
}

// PutDocument stores a copy of value under key in collection.
func (s *Store) PutDocument(ctx context.Context, collection string, key, value []byte) error {
	if err := s.docCheck(ctx, "putting a document", collection, key, value); err != nil {
		return err
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	s.docs.get(collection, true).docs[string(key)] = bytes.Clone(value)
	return nil
}

// Document returns a copy of the value under key in collection, or nil.
func (s *Store) Document(ctx context.Context, collection string, key []byte) ([]byte, error) {
	if err := s.docCheck(ctx, "reading a document", collection, key, nil); err != nil {
		return nil, err
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	if c := s.docs.get(collection, false); c != nil {
		if v, ok := c.docs[string(key)]; ok {
			return bytes.Clone(v), nil
		}
	}
	return nil, nil
}

// AppendDocument stores a copy of value under the collection's next
// sequence number ([vulndb.AppendKey]) and, when keep > 0, deletes the
// appended documents older than the newest keep.
func (s *Store) AppendDocument(ctx context.Context, collection string, value []byte, keep int) ([]byte, error) {
	if err := s.docCheck(ctx, "appending a document", collection, vulndb.AppendKey(1), value); err != nil {
		return nil, err
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	c := s.docs.get(collection, true)
	c.seq++
	key := vulndb.AppendKey(c.seq)
	c.docs[string(key)] = bytes.Clone(value)
	if keep > 0 && c.seq > uint64(keep) {
		first := string(vulndb.AppendKey(c.seq - uint64(keep) + 1))
		for k := range c.docs {
			if len(k) == 8 && k < first {
				delete(c.docs, k)
			}
		}
	}
	return key, nil
}

// Documents calls fn with copies of the documents of collection in key
// order (descending when reverse), as of the call, until fn returns false
// or an error.
func (s *Store) Documents(ctx context.Context, collection string, reverse bool, fn func(key, value []byte) (bool, error)) error {
	if err := s.docCheck(ctx, "listing documents", collection, vulndb.AppendKey(1), nil); err != nil {
		return err
	}
	s.docs.mu.Lock()
	c := s.docs.get(collection, false)
	var keys []string
	var vals map[string][]byte
	if c != nil {
		vals = make(map[string][]byte, len(c.docs))
		for k, v := range c.docs {
			keys = append(keys, k)
			vals[k] = v // values are never changed in place
		}
	}
	s.docs.mu.Unlock()
	slices.SortFunc(keys, strings.Compare)
	if reverse {
		slices.Reverse(keys)
	}
	for i, k := range keys {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		more, err := fn([]byte(k), bytes.Clone(vals[k]))
		if err != nil || !more {
			return err
		}
	}
	return nil
}
