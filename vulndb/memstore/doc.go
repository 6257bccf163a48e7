// Package memstore is an in-memory vulnerability store: the whole database
// in maps, for tests, short-lived tools and small feeds.
//
// It implements [vulndb.Store], [vulndb.Writer], [vulndb.SourceLister] and
// [vulndb.Getter]. Updates are copy-on-write per source: an update builds
// the next version of its source's records and index to the side and
// publishes it in one step, so queries never wait for an update and never
// see part of one. An update costs time and memory in proportion to the
// size of its source; use the boltstore package for large feeds.
package memstore
