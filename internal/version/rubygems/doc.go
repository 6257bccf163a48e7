// Package rubygems parses and compares RubyGems versions with the rules of
// Gem::Version (rubygems/version.rb), which is how RubyGems, Bundler and
// OSV order gem versions.
//
// A version is a number followed by any number of '.'-separated runs of
// letters and digits, optionally followed by '-' and a pre-release label
// (Gem::Version::ANCHORED_VERSION_PATTERN); surrounding white space is
// ignored. As OSV does (osv-scalibr's semantic package), letters may also
// follow the first number directly ("1beta", which Gem::Version rejects
// and "1.0beta" shows how to read): 1beta = 1.beta < 1. A '-' means ".pre.". Comparison splits the version into runs of
// digits (compared as numbers of any size) and runs of letters (compared
// case-sensitively, bytewise), drops trailing zeros from the leading
// numeric part and from the rest, and compares segment by segment with a
// missing segment counting as 0; a letter segment sorts before a number, so
// 1.0.a < 1.0 < 1.0.1. A version with a letter is a pre-release.
//
// Gem::Version also turns an empty string into "0"; this package rejects
// it, as it rejects strings longer than [MaxLen]. Comparison is linear in
// the input and allocation-free.
//
// The package imports nothing from the rest of the module.
package rubygems
