// Package rpm parses and compares RPM versions: EVR strings
// ([epoch:]version[-release]) ordered by rpm's rpmvercmp, and NEVRA strings
// (name-[epoch:]version-release[.arch]) as written by rpm -q.
//
// rpmvercmp splits a string into runs of ASCII digits and ASCII letters,
// everything else being a separator; digit runs compare as numbers of any
// length and beat letter runs; '~' sorts before anything, even the end of
// the string, and '^' sorts after the end of the string but before anything
// else. Bytes outside ASCII are separators, as in rpm.
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the input.
//
// The package imports nothing from the rest of the module.
package rpm
