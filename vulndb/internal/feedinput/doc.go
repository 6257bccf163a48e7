// Package feedinput opens the file a vulnerability feed imports, the same
// way for every feed that reads one file (or a few) from a URL or from a
// local copy.
//
// A [Feed] names the feed, whose name starts every error ("kev: …"),
// and bounds what is read of one file. [Feed.Open] reads a local file
// when a path is given and otherwise downloads the URL through
// vulndb/fetch, conditionally on the [Cursor] of the previous
// fetch; it returns [ErrUnchanged] when the local file hashes to the
// cursor's SHA-256 or the server answers "not modified". The bytes are
// gunzipped when they start with the gzip magic (whatever the file name
// or Content-Type says), and reading more than the limit before or after
// decompression fails with an error matching [ErrTooLarge], so a gzip
// bomb is cut at the limit.
//
// [SkipLog] counts what a parser skipped, by reason, with the first
// example of each, in bounded memory; [Clip] and [DisplayURL] shorten
// untrusted text and URLs for messages.
//
// The package does not import vulndb (internal packages sit below it):
// feeds turn [ErrUnchanged] into vulndb.ErrUnchanged and a [Cursor] into
// a vulndb.Cursor themselves.
package feedinput
