// Package storetest checks implementations of the vulnerability store
// interfaces of package vulndb, and generates realistic records to test
// and benchmark them with.
//
// [Run] is the conformance suite: round trips of every model field,
// queries across sources, name normalisation through [vulndb.KeyOf],
// snapshot and incremental updates, failed and cancelled updates leaving
// the previous data intact, record counts, lookups by alias, readers
// running during writes (run it with -race), [vulndb.Update] with
// incremental and snapshot sources, and the real Go vulnerability database
// when the project's shared test data is present. A store's test calls
//
//	storetest.Run(t, func(t *testing.T) storetest.Store { return newStore(t) })
//
// [Corpus] generates any number of realistic records, the same ones for
// the same seed, without holding them in memory; [Full] builds a record
// with every field set.
package storetest
