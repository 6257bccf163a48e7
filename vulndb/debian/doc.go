// Package debian is the Debian security tracker as a vulnerability feed.
//
// The tracker's JSON dump (https://security-tracker.debian.org/tracker/data/json)
// maps each source package to its issues, and each issue to its state in
// every release the tracker follows. [Source] turns it into one
// [vulndb.Vulnerability] per issue (a CVE, or the tracker's own TEMP- ID),
// with one Affected entry per release and source package:
//
//   - the ecosystem is "Debian:<release>" ("Debian:12" for bookworm, as OSV
//     spells it; "Debian:unstable" for sid, as vunnel does);
//   - a fixed issue has the range introduced "0", fixed at the tracker's
//     fixed_version, and status fixed;
//   - an open issue has only introduced "0", and status not-fixed, or
//     wont-fix when the tracker marks it "nodsa" (no advisory will be
//     issued), which is how grype reads vunnel's output;
//   - fixed_version "0" means the release was never affected
//     (not-affected, no range);
//   - "undetermined" entries are skipped and counted, as vunnel drops them;
//   - the tracker's urgency is the entry's Rating (source "debian"):
//     low, medium, high (the "**" marking NVD-derived urgencies is
//     dropped), "unimportant" as Low; "not yet assigned" and
//     "end-of-life" give no rating.
//
// Fixed versions that are not valid Debian versions, entries for release
// code names the source does not know ([WithRelease] adds one) and
// malformed entries are skipped and counted ([Source.Skipped]); a file
// that is not valid JSON is an error naming the file and the package.
//
// The source reads the tracker over HTTP (conditionally, so an unchanged
// tracker costs one round trip) or from a local file ([WithPath]), plain
// or gzipped, for air-gapped imports.
package debian
