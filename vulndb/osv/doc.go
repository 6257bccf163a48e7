// Package osv reads vulnerability records in the OSV schema
// (https://ossf.github.io/osv-schema/) into the [vulndb] model.
//
// A [Source] reads either local files, for air-gapped imports ([WithPath]:
// a directory tree of .json/.yaml/.yml records such as the Go vulnerability
// database or the PyPA advisory database, a single file, or a zip archive
// such as OSV.dev's all.zip), or downloads OSV.dev's archive for one
// ecosystem ([WithEcosystem], one Source per ecosystem, see
// [DefaultEcosystems]) through the shared HTTP client, conditionally, so an
// unchanged archive costs one round trip and gives [vulndb.ErrUnchanged].
// A downloaded archive is the whole feed for its ecosystem (the source is a
// [vulndb.Snapshotter]); local files add to what the store holds.
//
// Conversion keeps what a matcher can evaluate and counts the rest
// ([Source.Skipped]) instead of failing the import:
//
//   - An affected entry whose ecosystem has no version comparer, whose range
//     holds a version that does not parse for its type (SEMVER or the
//     ecosystem's own rules), an inverted introduced/fixed pair, no
//     introduced event, both fixed and last_affected, or an event with no or
//     several fields, is left out. A record keeps its good entries; one
//     left with none is skipped, unless it is withdrawn.
//   - GIT ranges are dropped silently: commits cannot be compared with
//     installed versions. An entry left with no range and no listed version
//     is skipped; "every version is affected" must be said with
//     {"introduced": "0"}.
//   - Range events are returned in ascending version order (as the schema's
//     evaluation sorts them); a listed version that does not parse is
//     dropped.
//   - Status is fixed when a range has a fixed event, not-fixed otherwise.
//   - CVSS vectors are parsed and scored (see [vulndb.ParseCVSS]); a malformed one
//     is dropped and counted, the record kept. database_specific.severity
//     (GHSA's rating) becomes the record's Rating, with the issuing
//     database ("ghsa") as its source.
//   - Withdrawn records are kept with Withdrawn set; matchers ignore them.
//   - Of two records with one ID, the later modified wins.
//
// A file that is not JSON or YAML at all stops the import with an error
// naming the file (and the index in a JSON array). Sizes are bounded: one
// file or zip entry ([WithMaxFileSize]), records per Fetch
// ([WithMaxRecords]), entries and uncompressed bytes of a zip
// ([WithMaxZipEntries], [WithMaxTotalSize]), checked against what the
// archive declares before anything is read and again while reading.
package osv
