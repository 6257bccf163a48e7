// Package dpkg parses and compares Debian package versions
// ([epoch:]upstream_version[-debian_revision]) with the rules of dpkg itself
// (lib/dpkg/parsehelp.c parseversion and lib/dpkg/version.c verrevcmp): the
// epoch compares numerically; upstream version and revision compare by
// alternating non-digit runs (letters before other characters, '~' before
// everything including the end of the string) and digit runs compared as
// numbers of any length.
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the length
// of the shorter operand, so hostile strings cannot make it quadratic.
//
// The package imports nothing from the rest of the module.
package dpkg
