// Package export writes a [scan.Report] in the formats other tools read:
//
//   - [CycloneDX]: a CycloneDX 1.6 JSON BOM with the image, its
//     distribution and packages as components and the findings as
//     vulnerabilities, written with github.com/CycloneDX/cyclonedx-go;
//   - [SPDX]: an SPDX 2.3 JSON document with the image, its distribution
//     and packages, written with github.com/spdx/tools-golang;
//   - [SARIF]: a SARIF 2.1.0 log with one rule per vulnerability and one
//     result per finding, for code-scanning dashboards, written with
//     github.com/owenrumney/go-sarif/v3.
//
// Licence strings are classified with github.com/github/go-spdx: an active
// SPDX licence identifier, another valid SPDX expression, or free text.
//
// The writers are pure functions of the report: they read nothing else
// (no clock, no network), sort what they write, and so give the same bytes
// for the same report. Packages a later layer removed are in none of the
// outputs. The tests validate every output against the formats' published
// JSON schemas, kept under testdata/schemas.
//
// What a [scan.Finding] does not carry cannot be exported: references and
// CWEs of the advisory (advisory links are derived from the ID's prefix),
// and which of several packages sharing a PURL in one layer a finding is
// about (CycloneDX lists them all as affected; SARIF pairs the findings
// with the packages in order).
package export
