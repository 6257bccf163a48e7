// Package apk is the analyzer for Alpine (and Wolfi) packages: it reads the
// apk installed database, lib/apk/db/installed or usr/lib/apk/db/installed.
//
// The database is a list of entries separated by blank lines, one "K:value"
// line per field: P (name), V (version), A (architecture), o (origin, the
// source package), L (licence), and F/R for the package's directories and
// files; other keys are ignored. An entry without P or V, or one that is
// malformed, is skipped and counted: the analyzer returns the good packages
// together with a [*ParseError] wrapped in a [*scan.FileError] that names
// the file, so a damaged database never looks like a clean one. Lines may be
// of any length up to the entry limit; CRLF line endings are accepted.
//
// [ParseInstalled] is the parser underneath, for callers that want the
// file lists too.
package apk
