// Package apk parses and compares Alpine package versions (as used by
// Alpine, Wolfi and Chainguard) with the rules of apk-tools 3
// (src/version.c): digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}.
//
// Numbers compare numerically, except that a non-initial dotted number with
// a leading zero compares as a string (as in Gentoo); one lower-case letter
// may follow the numbers; suffixes order alpha < beta < pre < rc < (none) <
// cvs < svn < git < hg < p; a ~hash of lower-case hex digits compares as a
// string; -rN is the package revision. A version that apk-tools 3 would
// reject (apk_version_validate) is a parse error for [Parse].
//
// [ParseLegacy] also accepts what apk-tools 2 (the apk of Alpine up to
// 3.22, whose versions fill Alpine's security data) accepted: digits after
// the letter ("6.6.2p1-r0"), empty dotted fields, a version starting with a
// letter and a bare "-r". They are ordered by the same token rules, an
// empty dotted field sorting below a letter (0.r1 < 0r2), as OSV orders
// them.
//
// To order versions as OSV's own Alpine comparer does (osv-scalibr's
// semantic package), ParseLegacy also accepts a version that no apk
// accepts because of its tail: an upper-case letter ("1.2.0A"), a second
// letter ("1.0bc"), an unknown suffix ("1.2_blah"), a '-' that does not
// start a revision ("1--r1"), or anything after a revision ("1-r0-1",
// "1-ruff"), in which case the whole revision is part of the tail. The
// tail must hold only ASCII letters, digits, '.', '_', '-' and '~' and
// follow at least one digit or lower-case letter; other strings ("1.2 r1",
// "1.2+git", "_x") are errors. The tail's text is ignored: a version with a
// tail sorts just below the same version without it (and above its
// pre-releases), and two versions that differ only in their tails are
// equal, so 1.2_rc1 < 1.2_blah = 1.2_foo < 1.2 and 1-r0-1 = 1-r-2 < 1 <
// 1-r0. [Version.Remainder] returns the tail, so that a caller can
// report it.
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the input.
// Numbers compare exactly at any length (apk-tools wraps them at 64 bits).
//
// The package imports nothing from the rest of the module.
package apk
