// Package boltstore keeps vulnerability records in one bbolt file
// (go.etcd.io/bbolt): an embedded, pure-Go, crash-safe store that needs no
// server. It implements [vulndb.Store], [vulndb.Writer],
// [vulndb.SourceLister] and [vulndb.Getter].
//
// # Layout
//
// A "meta" bucket holds the kind marker and the schema version
// ([SchemaVersion]); a file with another version is refused with an error
// naming it. "sources" maps each source to its [vulndb.SourceInfo] (JSON).
// "records" holds one bucket per source, mapping IDs to records in a
// compact binary encoding (about ten times faster to decode than JSON).
// "index" has an empty entry per (ecosystem, name, source, ID) for every
// package a non-withdrawn record affects, so that a query is one prefix
// seek per key; "ids" has one per (ID or alias, source, ID) for Get. Keys
// are tuples whose encoding keeps their order and cannot be confused
// whatever bytes names hold, so results come by source, then ID.
//
// # Updates
//
// [Store.Update] is one bbolt transaction per call: everything becomes
// visible at once, and an update that fails, panics or is cancelled writes
// nothing. Each commit is synced to disk (bbolt's default), and a process
// killed at any point leaves the previous or the new state (the tests kill
// a writer during its commit). Records are written in key order when the
// update function returns, and a record put again unchanged is not
// rewritten, so re-importing a snapshot writes little.
//
// An update is held in memory until it commits. Importing 300,000
// generated records (about 1.4 KB each) into an empty file in one update
// took 7.3 s on an idle 2-CPU machine (41,000 records/s, generating them
// included) and peaked at 1.7 GiB of memory, for a 700 MiB file;
// re-importing the same snapshot took 3.6 s and 80 MiB. A batch of 5,000
// keys, 10% of them hitting, is answered in 5–22 ms depending on how many
// records the hits hold (800 to 5,900). See BenchmarkImport and
// BenchmarkQuery.
//
// # Processes
//
// bbolt locks the file: one process may open it for writing, or any number
// for reading with [WithReadOnly], but not both at once. [Open] waits for
// the lock up to the [WithTimeout] duration and then fails with
// [ErrLocked]. Within a process one Store serves any number of goroutines,
// readers running alongside the writer.
//
// # Damaged files
//
// bbolt maps the file into memory and panics on damaged pages. Open checks
// bbolt's meta pages and free list itself before bbolt reads them, and
// every operation turns faults and panics from the file into errors
// matching [ErrCorrupt] that name the file; after one, the store refuses to
// write. [Store.Check] verifies the whole content.
package boltstore
