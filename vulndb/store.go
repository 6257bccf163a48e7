package vulndb

import (
	"context"
	"errors"
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
