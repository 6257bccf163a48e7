// Package packagist parses and compares PHP package versions as Composer
// and Packagist order them: PHP's version_compare (ext/standard/
// versioning.c) applied after Composer strips a leading 'v' or 'V'.
//
// version_compare splits a version into runs of digits and runs of letters
// ('.', '-', '_' and '+' only separate). Numbers compare by value (here at
// any size; PHP saturates at the C long range). Letter runs are "special
// forms" matched by prefix and case-sensitively: dev < alpha = a < beta = b
// < RC = rc < (a number) < pl = p; any other run sorts before dev. When one
// version runs out, the other is greater if its next run is a number or
// pl/p, and smaller otherwise, so 1.0-dev < 1.0a1 < 1.0RC1 < 1.0 < 1.0pl1
// and 1.0.0 > 1.0.
//
// PHP accepts any string, with some odd results (a trailing separator makes
// version_compare("1.0-", "1.0-") return -1). This package accepts only
// [0-9A-Za-z#] and the four separators, starting with a letter or digit and
// ending with one or '#', up to [MaxLen] bytes; other strings are errors.
// Comparison is linear in the input and allocation-free.
//
// '#' is read as OSV reads it (osv-scalibr's semantic package), as part of
// a letter run: a run starting with '#' is the special form "#", which
// version_compare uses for a number, so it equals any number and, at the
// end, nothing: 1.2.3.# = 1.2.3 and 1.2.3.# = 1.2.3.1, while 1.2.3.#.1 >
// 1.2.3 and 1.2.3.#.beta < 1.2.3. The order is therefore not transitive
// for versions that contain '#' (PHP itself reads '#' as a separator).
//
// The package imports nothing from the rest of the module.
package packagist
