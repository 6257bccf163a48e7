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
// letter and a bare "-r". They are ordered by the same token rules. Strings
// that no apk accepts (upper-case letters, unknown suffixes, "-r-1") are
// errors for both.
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the input.
// Numbers compare exactly at any length (apk-tools wraps them at 64 bits).
//
// The package imports nothing from the rest of the module.
package apk
