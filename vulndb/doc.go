// Package vulndb keeps vulnerability knowledge: an OSV-shaped model of
// advisories, the feeds they come from ([VulnSource]), the stores that
// keep them ([Store]), and matching of package inventories against them.
//
// Feeds are incremental: a source is handed the [Cursor] it returned last
// time and answers with only what changed, or with [ErrUnchanged]. A store
// is written one source at a time in a transaction, so an update that fails
// half-way leaves the previous data intact, and queried in batches by
// [PackageKey].
package vulndb
