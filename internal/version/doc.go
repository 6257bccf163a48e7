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
// Some comparers accept versions beyond their ecosystem tool's grammar,
// because OSV's data still holds them and a reference tool still defines
// their order, or because OSV's own comparer (osv-scalibr's semantic
// package, whose fixtures every comparer here passes) orders them:
//   - Alpine's also takes what apk-tools 2 accepted and, as OSV does, a
//     version with a tail no apk reads ("1.2_blah", "1-r0-1"), which
//     sorts just below the same version without the tail
//     (apk.ParseLegacy; apk.Version.Remainder returns the tail);
//   - PyPI's takes non-PEP 440 versions as packaging < 22 did
//     (pep440.ParseLegacy, which orders them before every PEP 440
//     version);
//   - NuGet's takes numbers above 2147483647;
//   - Packagist's reads '#' as version_compare's stand-in for a number, so
//     1.2.3.# equals 1.2.3 and 1.2.3.1;
//   - RubyGems' takes letters right after the first number ("1beta" =
//     "1.beta").
//
// Maven's trims null values at each hyphen, as the POM reference and OSV
// do (1-ga-1 = 1-1), where maven-artifact 3.8 keeps a nesting level.
//
// Comparers are stateless and safe for concurrent use.
package version
