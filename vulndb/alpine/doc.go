// Package alpine is Alpine Linux's security database (secdb) as a
// vulnerability feed.
//
// The secdb (https://secdb.alpinelinux.org/) has a file per release and
// repository ("v3.20/main.json", "v3.20/community.json"; older copies are
// YAML) listing, for each origin package, the versions that fixed
// vulnerabilities: packages[].pkg{name, secfixes: {version: [IDs]}}.
// [Source] turns it into one [vulndb.Vulnerability] per ID, with one
// Affected entry per release and origin package in the ecosystem
// "Alpine:<release>" ("Alpine:v3.20", as OSV spells it):
//
//   - a version is the fix: the range introduced "0", fixed at it, and
//     status fixed; when an ID is listed at several versions of one
//     package the highest is kept, as grype's reading of one range per
//     listing amounts to;
//   - the version "0" means the package was never affected
//     (not-affected, no range);
//   - an entry may carry several IDs and text ("CVE-2019-5060
//     TALOS-2019-0844", "CVE-2018-14468 (FrameRelay)"): each CVE is a
//     record and the other known IDs (XSA, TALOS, GHSA, …) its aliases; an
//     entry with no CVE is recorded under its first known ID ("XSA-207");
//     the remaining text is skipped and counted;
//   - the secdb gives no severity, so there is no Rating.
//
// Versions that are not valid apk versions and malformed entries are
// skipped and counted ([Source.Skipped]); a file that does not parse is
// an error naming it.
//
// Over the network the source fetches [DefaultReleases] (each file
// conditionally, so an unchanged secdb costs one round trip per file); a
// local copy laid out like the secdb ([WithPath]) serves air-gapped
// imports.
package alpine
