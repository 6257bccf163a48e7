// Package deb822 reads the paragraph ("stanza") format of Debian control
// data: the dpkg status database, distroless status.d files and
// machine-readable copyright files (deb822(5)).
//
// The reader is built for untrusted input. It streams, so memory is bounded
// by the largest paragraph it accepts, not by the input; lines may be of any
// length up to that paragraph limit (there is no 64 KiB line limit as with
// bufio.Scanner); CRLF line endings, a leading byte-order mark and
// whitespace-only separator lines are accepted. A malformed paragraph is
// reported as a [*SyntaxError] and skipped, and reading continues with the
// next one. Whole-input limits (bytes, paragraphs) end reading with an error
// matching [ErrTooLarge].
//
// [LineReader] is the bounded line reader underneath, for other line-based
// formats (the apk installed database).
package deb822
