// Package maven parses and compares Maven artifact versions with the rules
// of Maven's own org.apache.maven.artifact.versioning.ComparableVersion
// as of maven-artifact 3.8 (the release OSV's reference fixtures were made
// with), which is what Maven, OSV and GitHub advisories use to order Maven
// versions.
//
// A version is split on '.', '-' and every change between digits and
// letters into numbers and qualifiers; '-' and a digit/letter change open a
// sub-list. Numbers compare by value (any size). Qualifiers are
// case-insensitive and order alpha < beta < milestone < rc = cr < snapshot
// < "" = ga = final = release < sp < any other qualifier (those in
// alphabetical order); "a1", "b1" and "m1" abbreviate alpha, beta and
// milestone when a digit follows. Trailing zeros and empty qualifiers are
// dropped from each list, so 1 = 1.0 = 1.0.0 = 1-ga = 1.final.
//
// One rule differs from maven-artifact 3.8 and follows the POM reference's
// Version Order Specification ("trailing null values are trimmed ... at
// each remaining hyphen", with its example 1-sp-1 < 1-ga-1 = 1-1) and
// OSV's comparer (osv-scalibr's semantic package): a sub-list that holds
// nothing but its own sub-list once its null values are trimmed is that
// sub-list, so 1-ga-1 = 1-0-1 = 1--1 = 1-ga1 = 1-1. maven-artifact 3.8
// keeps the extra nesting and puts these below 1-1. The top-level
// list is not affected (0-1 < 1).
//
// Like ComparableVersion, the order is not transitive for some mixes of
// sub-lists and qualifiers (1a0 < 1 < 1.a, yet 1a0 > 1.a); real version
// strings rarely meet this.
//
// Maven accepts any string; this package rejects the empty string, strings
// longer than [MaxLen] and strings with bytes outside printable ASCII
// (Java's Unicode digit and case rules would otherwise have to be
// reproduced), so that every accepted version has Maven's order.
// Comparison is linear in the input and allocation-free.
//
// The package imports nothing from the rest of the module.
package maven
