// Package hackage parses and compares Haskell package versions (Hackage
// and GHC in OSV) as Cabal's Distribution.Types.Version does: one or more
// non-negative numbers separated by '.', without leading zeros ("0" itself
// is fine), compared as lists (part by part, numerically, a prefix before
// the longer version: 1.0 < 1.0.0).
//
// Parse rejects anything else, including tags ("1.0-beta") that Cabal no
// longer accepts and strings longer than [MaxLen]. Comparison is linear in
// the input and allocation-free.
//
// The package imports nothing from the rest of the module.
package hackage
