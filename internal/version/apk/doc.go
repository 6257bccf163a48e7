// Package apk parses and compares Alpine package versions (as used by
// Alpine, Wolfi and Chainguard) with the rules of apk-tools 3
// (src/version.c): digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}.
//
// Numbers compare numerically, except that a non-initial dotted number with
// a leading zero compares as a string (as in Gentoo); one lower-case letter
// may follow the numbers; suffixes order alpha < beta < pre < rc < (none) <
// cvs < svn < git < hg < p; a ~hash of lower-case hex digits compares as a
// string; -rN is the package revision. A version that apk-tools would reject
// (apk_version_validate) is a parse error here.
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the input.
// Numbers compare exactly at any length (apk-tools wraps them at 64 bits).
//
// The package imports nothing from the rest of the module.
package apk
