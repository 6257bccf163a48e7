package vulndb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// PackageKey is what a store is queried by: an ecosystem as OSV spells it
// (with the release for distributions: "Debian:12") and a package name as
// the ecosystem normalises it.
type PackageKey struct {
	Ecosystem string
	Name      string
}

// Store keeps vulnerability records and answers batch queries.
//
// Query returns, for each key, every non-withdrawn record with an Affected
// entry for that package: out[i] answers keys[i]. Implementations must be
// safe for concurrent use.
type Store interface {
	Query(ctx context.Context, keys []PackageKey) ([][]Vulnerability, error)
}

// ErrNotFound is matched by errors for records or sources a store does not
// hold.
var ErrNotFound = errors.New("vulndb: not found")

// Writer is implemented by stores that can be updated. Update runs fn in
// one transaction for one source: everything fn wrote becomes visible
// together when it returns nil, and nothing does when it returns an error
// (the previous data stays intact). With replace, what the store held from
// the source is dropped first.
type Writer interface {
	Update(ctx context.Context, source string, replace bool, fn func(tx Tx) error) error
}

// Tx is one update of a store.
type Tx interface {
	// Put adds or replaces a record of the transaction's source.
	Put(v Vulnerability) error
	// SetInfo records the source's cursor, times and skip counts; the store
	// counts Records itself.
	SetInfo(info SourceInfo) error
}

// SourceLister is implemented by stores that keep per-source metadata.
type SourceLister interface {
	Sources(ctx context.Context) ([]SourceInfo, error)
}

// Getter is implemented by stores that look records up by ID or alias.
type Getter interface {
	Get(ctx context.Context, id string) ([]Vulnerability, error)
}

// MultiGetter is implemented by stores that look many IDs up at once, in
// one read: the result holds, for each ID with records, what Get would
// return; IDs without records are absent. The matcher uses it to complete
// its matches in one go.
type MultiGetter interface {
	GetMany(ctx context.Context, ids []string) (map[string][]Vulnerability, error)
}

// DocumentStore is implemented by stores that also keep documents for the
// rest of an embedding program (promotion records, scan reports), so that
// one database holds them all. Documents live in named collections, each an
// ordered map from key to value; the store does not interpret them.
type DocumentStore interface {
	// PutDocument stores value under key in collection, replacing any.
	PutDocument(ctx context.Context, collection string, key, value []byte) error
	// Document returns the value under key, or nil and no error when there
	// is none.
	Document(ctx context.Context, collection string, key []byte) ([]byte, error)
	// AppendDocument stores value under a new key, which sorts after the
	// keys of every earlier append to the collection, and returns that key.
	// When keep > 0, the oldest appended documents beyond keep are deleted.
	AppendDocument(ctx context.Context, collection string, value []byte, keep int) ([]byte, error)
	// Documents calls fn with the documents of collection in key order
	// (descending when reverse) until fn returns false or an error, which
	// Documents returns. key and value are valid only during the call.
	Documents(ctx context.Context, collection string, reverse bool, fn func(key, value []byte) (bool, error)) error
}

// Limits every DocumentStore of this module enforces.
const (
	// MaxDocumentKey bounds collection names and document keys.
	MaxDocumentKey = 1024
	// MaxDocumentValue bounds a document.
	MaxDocumentValue = 64 << 20
)

// CheckDocument returns an error naming what is wrong with a collection
// name, key or value, or nil. (An append checks with any valid key.)
func CheckDocument(collection string, key []byte, value []byte) error {
	switch {
	case collection == "":
		return errors.New("empty collection name")
	case len(collection) > MaxDocumentKey:
		return fmt.Errorf("collection name longer than %d bytes", MaxDocumentKey)
	case len(key) == 0:
		return fmt.Errorf("collection %q: empty key", collection)
	case len(key) > MaxDocumentKey:
		return fmt.Errorf("collection %q: key longer than %d bytes", collection, MaxDocumentKey)
	case len(value) > MaxDocumentValue:
		return fmt.Errorf("collection %q: document of %d bytes is larger than %d", collection, len(value), MaxDocumentValue)
	}
	return nil
}

// AppendKey is the key of the n-th append to a collection: n as eight
// big-endian bytes, so keys sort in append order.
func AppendKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
