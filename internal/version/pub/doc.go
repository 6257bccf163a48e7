// Package pub parses and compares Dart pub package versions with the order
// of pub_semver's Version.compareTo: semantic versions where, unlike
// SemVer 2.0.0, build metadata counts. A pre-release sorts before its
// release and a build after it (1.0.0-pre < 1.0.0-pre+b < 1.0.0 <
// 1.0.0+b); pre-release and build identifiers compare one by one, numbers
// (as Dart's int.tryParse reads them) by value and before other
// identifiers, which compare as strings; a missing identifier sorts first.
//
// Parsing is the lenient parsing of the semver package (a leading 'v',
// omitted minor and patch, further numeric parts, numbers of any size),
// which is what OSV data for Pub needs; pub itself requires exactly
// major.minor.patch.
//
// The package imports only the module's semver package.
package pub
