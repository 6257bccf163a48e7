// Package semver parses and compares Semantic Versioning 2.0.0 versions as
// the npm, Go, crates.io and Hex ecosystems use them in OSV data, and
// evaluates npm version ranges.
//
// [Parse] is lenient in the ways OSV tooling is: a leading 'v' is allowed
// (Go writes one, OSV's Go data does not), minor and patch may be omitted
// (1.2 means 1.2.0), numeric parts may have leading zeros and any number of
// digits, and numeric parts after the patch are allowed and compare in
// turn (1.2.3 < 1.2.3.1; 1.2.3.0 = 1.2.3). Everything else follows
// SemVer 2.0.0: pre-release identifiers after '-', build metadata after
// '+' (ignored by comparison), identifiers of [0-9A-Za-z-]. Precedence is
// SemVer's: numeric parts by value, a pre-release before its release,
// numeric identifiers by value and before alphanumeric ones, alphanumeric
// ones in ASCII order, and a longer identifier list after its prefix.
//
// [ParseGo] also reads Go toolchain versions (go1.21.3, go1.21rc2) the way
// the Go vulnerability database maps them to semantic versions; +incompatible
// is build metadata. [ParseNPM] parses exactly what node-semver's SemVer
// constructor accepts, in its strict or loose mode, and [ParseNPMRange]
// evaluates node-semver ranges (^, ~, x-ranges, hyphen ranges, ||, and the
// pre-release rule of Range.test).
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the input
// and allocation-free. Range parsing uses regular expressions (node-semver's
// own, translated); version parsing and comparison do not.
//
// The package imports nothing from the rest of the module.
package semver
