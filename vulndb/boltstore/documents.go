package boltstore

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// bucketDocuments holds one bucket per document collection.
var bucketDocuments = []byte("documents")

var _ vulndb.DocumentStore = (*Store)(nil)

// PutDocument stores value under key in collection, replacing any.
func (s *Store) PutDocument(ctx context.Context, collection string, key, value []byte) error {
	if err := docCheck(ctx, "putting a document", collection, key, value); err != nil {
		return err
	}
	return s.write("putting a document", func(tx *bolt.Tx) error {
		b, err := collectionBucket(tx, collection)
		if err != nil {
			return err
		}
		return b.Put(key, value)
	})
}

// Document returns the value under key in collection, or nil.
func (s *Store) Document(ctx context.Context, collection string, key []byte) ([]byte, error) {
	if err := docCheck(ctx, "reading a document", collection, key, nil); err != nil {
		return nil, err
	}
	var out []byte
	err := s.view("reading a document", func(tx *bolt.Tx) error {
		if b := readCollection(tx, collection); b != nil {
			if v := b.Get(key); v != nil {
				out = bytes.Clone(v)
			}
		}
		return nil
	})
	return out, err
}

// AppendDocument stores value under the collection's next sequence number
// ([vulndb.AppendKey]) and, when keep > 0, deletes the appended documents
// older than the newest keep.
func (s *Store) AppendDocument(ctx context.Context, collection string, value []byte, keep int) ([]byte, error) {
	if err := docCheck(ctx, "appending a document", collection, vulndb.AppendKey(1), value); err != nil {
		return nil, err
	}
	var key []byte
	err := s.write("appending a document", func(tx *bolt.Tx) error {
		b, err := collectionBucket(tx, collection)
		if err != nil {
			return err
		}
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		key = vulndb.AppendKey(n)
		if err := b.Put(key, value); err != nil {
			return err
		}
		if keep <= 0 || n <= uint64(keep) {
			return nil
		}
		// Appended keys are eight bytes and ascending: delete those below
		// the first kept one, leaving keys of other lengths alone.
		first := vulndb.AppendKey(n - uint64(keep) + 1)
		c := b.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, first) < 0; {
			if len(k) != 8 {
				k, _ = c.Next()
				continue
			}
			if err := c.Delete(); err != nil {
				return err
			}
			k, _ = c.Seek(k)
		}
		return nil
	})
	return key, err
}

// Documents calls fn with the documents of collection in key order
// (descending when reverse), until fn returns false or an error.
func (s *Store) Documents(ctx context.Context, collection string, reverse bool, fn func(key, value []byte) (bool, error)) error {
	if err := docCheck(ctx, "listing documents", collection, vulndb.AppendKey(1), nil); err != nil {
		return err
	}
	return s.view("listing documents", func(tx *bolt.Tx) error {
		b := readCollection(tx, collection)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		next := c.Next
		if reverse {
			k, v = c.Last()
			next = c.Prev
		}
		for i := 0; k != nil; i++ {
			if i%256 == 255 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if v == nil { // a nested bucket: not a document
				k, v = next()
				continue
			}
			more, err := fn(k, v)
			if err != nil || !more {
				return err
			}
			k, v = next()
		}
		return nil
	})
}

func docCheck(ctx context.Context, op, collection string, key, value []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	if err := vulndb.CheckDocument(collection, key, value); err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	return nil
}

// collectionBucket returns the collection's bucket, creating it.
func collectionBucket(tx *bolt.Tx, collection string) (*bolt.Bucket, error) {
	docs, err := tx.CreateBucketIfNotExists(bucketDocuments)
	if err != nil {
		return nil, err
	}
	return docs.CreateBucketIfNotExists([]byte(collection))
}

// readCollection returns the collection's bucket, or nil.
func readCollection(tx *bolt.Tx, collection string) *bolt.Bucket {
	docs := tx.Bucket(bucketDocuments)
	if docs == nil {
		return nil
	}
	return docs.Bucket([]byte(collection))
}
