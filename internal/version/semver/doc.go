// Package semver parses and compares Semantic Versioning 2.0.0 versions as
// the npm, Go, crates.io and Hex ecosystems use them in OSV data.
//
// Parsing is lenient in the ways OSV tooling is: a leading 'v' is allowed
// (Go writes one, OSV's Go data does not), minor and patch may be omitted
// (1.2 means 1.2.0), numeric parts may have leading zeros and any number of
// digits. Everything else follows SemVer 2.0.0: pre-release identifiers
// after '-', build metadata after '+' (ignored by comparison), identifiers
// of [0-9A-Za-z-]. Precedence is SemVer's: numeric parts by value, a
// pre-release before its release, numeric identifiers by value and before
// alphanumeric ones, alphanumeric ones in ASCII order, and a longer
// identifier list after its prefix.
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the input.
//
// The package imports nothing from the rest of the module.
package semver
