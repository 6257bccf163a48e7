// Package nvd reads the NIST National Vulnerability Database into the
// [vulndb] model: CVSS vectors, CWEs, dates and references for every CVE,
// and CPE configurations for software known by no package ecosystem.
//
// A [Source] queries the CVE API 2.0 ([DefaultURL]) or reads local files
// ([WithPath]) for air-gapped imports: API 2.0 responses, single CVE
// objects and the legacy 1.1 JSON feeds, told apart by content.
//
// From the API, the first Fetch pages through every CVE (resultsPerPage
// up to 2000, startIndex until totalResults); later ones ask only for CVEs
// last modified since the previous fetch ended, split into windows of at
// most 120 days as the API requires. The cursor is that end time. Requests
// are paced to NVD's limit (5 per 30 seconds, 50 with an API key, see
// [WithAPIKey]); 403, 429 and 503 are treated as throttling and retried,
// honouring Retry-After. The API key travels in the apiKey header and
// never appears in logs or errors. A fetch that fails part-way returns an
// error, so the store keeps its previous data; records are added to what
// the store holds, never replacing it wholesale.
//
// Conversion:
//   - ID, Published, Modified; Summary (first sentence) and Details from
//     the English description; vulnStatus "Rejected" (or a 1.1 "** REJECT
//     **" description) sets Withdrawn.
//   - CVSS from cvssMetricV40, V31, V30 and V2, scored by the feed or, if
//     it gives none, computed; NVD's own (Primary) vectors have Source
//     "nvd", the others keep the name of who scored them. A malformed
//     vector is dropped and counted.
//   - Rating is the severity of the first usable metric in the order v4.0,
//     v3.1, v3.0, v2, Primary before Secondary within a version, with
//     Source "nvd".
//   - CWEs from weaknesses; references with their tags mapped to OSV types.
//   - CPE configurations become one Affected per vendor:product
//     (Package{Ecosystem: [vulndb.EcosystemNVD], Name: "vendor:product"})
//     holding that product's vulnerable matches: criteria and version
//     bounds. Only matches marked vulnerable are kept. In an AND
//     configuration ("app on platform X", where the platform's matches are
//     not vulnerable) the app's matches are kept on their own and the
//     platform condition is dropped: a binary matched by CPE is flagged
//     whatever it runs on, a possible false positive rather than a missed
//     one. Negated nodes are dropped. A malformed CPE string is dropped and
//     counted.
package nvd
