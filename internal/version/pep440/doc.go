// Package pep440 parses and compares Python package versions as specified
// by PEP 440 (the "Version specifiers" specification of the Python
// Packaging Authority), with the normalisations of the reference
// implementation, packaging.version: case-insensitivity, a leading 'v',
// alternative spellings of pre-releases (alpha, beta, c, pre, preview),
// post-releases (rev, r, and the implicit "-N"), optional separators,
// leading zeros, and '-' or '_' in local versions.
//
// [Parse] accepts exactly what packaging ≥ 22 accepts. [ParseLegacy] also
// accepts the "legacy" versions that packaging < 22 and setuptools
// accepted, ordered below every PEP 440 version as they did; the ordering
// of such strings is a historical convention, not part of PEP 440, so it is
// opt-in.
//
// Input is bounded to [MaxLen] bytes and comparison is linear in the input.
//
// The package imports nothing from the rest of the module.
package pep440
