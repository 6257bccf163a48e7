// Package cran parses and compares R package versions as R's
// package_version and numeric_version do (base R, R/version.R): two or
// more non-negative integers separated by single '.' or '-' characters
// ("1.2-3", "0.1.26.0"; a single number is accepted as numeric_version
// accepts it). Versions compare part by part, numerically; when one is a
// prefix of the other, the longer one is greater (1.0 < 1.0.0 < 1.0-1).
//
// Like R, Parse rejects parts above 2147483647 (R's integers are 32-bit);
// it also rejects white space and anything longer than [MaxLen].
// Comparison is linear in the input and allocation-free.
//
// The package imports nothing from the rest of the module.
package cran
