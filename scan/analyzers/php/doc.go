// Package php is the analyzer for PHP packages installed by Composer. It
// reads two files:
//
//   - vendor/composer/installed.json, what Composer installed into a vendor
//     directory. Composer 1 writes a JSON array of packages; Composer 2
//     writes {"packages": [...], "dev-package-names": [...]}, and the
//     packages named in dev-package-names are marked [scan.Package.Dev].
//   - composer.lock, a project's lock file: "packages", and
//     "packages-dev" (marked Dev).
//
// Each package becomes pkg:composer/vendor/name@version: the "vendor/name"
// Composer name split at its slash (lower-cased in the PURL, as the PURL
// specification and Packagist treat names), and the version with a leading
// "v" removed ("v5.4.1" → "5.4.1"), which is how Packagist advisories name
// versions. Branch versions such as "dev-main" are kept as they are. The
// licence list is the package's "license" field (an array, or a single
// string in hand-written files).
//
// A package entry without a name or version, or of the wrong JSON type, is
// skipped and counted; the analyzer returns the good packages together
// with a [*scan.FileError] naming the file, so a damaged file never looks
// like a clean one. A file that is not JSON, or larger than
// [WithMaxFileBytes], is an error for that file alone.
package php
