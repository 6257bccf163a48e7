// Package version compares package versions with the rules of each
// ecosystem that OSV and the distribution feeds use, and finds the rules
// for an ecosystem by its OSV name.
//
// [ForEcosystem] returns a [Comparer] for an OSV ecosystem ("Debian:12",
// "PyPI", "Go", ...); [Valid] reports whether a string is a version of an
// ecosystem. Every comparer returns an error for a version it cannot parse
// and never guesses an order for it, so a caller can record the package as
// not assessed instead of treating it as not vulnerable.
//
// The rules themselves live in one subpackage per family, each usable on
// its own and each with a parsed Version type: dpkg (Debian, Ubuntu), apk
// (Alpine, Wolfi, Chainguard), rpm (Red Hat and its rebuilds, SUSE,
// Mariner, Photon OS, Oracle), pep440 (PyPI), semver (npm, crates.io, Hex,
// Go), maven, rubygems, nuget, packagist, cran, pub and hackage (Hackage,
// GHC).
//
// Two comparers accept versions beyond their current specification because
// OSV's data still holds them and a reference tool still defines their
// order: Alpine's also takes what apk-tools 2 accepted (apk.ParseLegacy),
// and PyPI's takes non-PEP 440 versions as packaging < 22 did
// (pep440.ParseLegacy, which orders them before every PEP 440 version).
//
// Comparers are stateless and safe for concurrent use.
package version
