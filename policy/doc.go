// Package policy decides whether an image may move on, with reasons a
// person can act on.
//
// A [Policy] evaluates an [Input] (the image, its scan report, the time)
// into a [Decision]: a [Verdict] (allow, warn or deny) and [Reason]s, each
// naming its rule and the findings or packages it is about, with their
// layers. [Func] adapts a function; [All] combines policies, the strictest
// verdict winning. Policies are pure functions of their input, so they are
// tested with fixed reports and times (see the policytest subpackage and
// `portcullis policy test`).
//
// # The Rules policy
//
// [Load] and [LoadFile] read the default policy, [Rules], from YAML or JSON.
// Loading is strict: an unknown or duplicate field, a bad operator or
// value, a regular expression, glob or CEL expression that does not
// compile, or an exception without a reason, owner or expiry is an error
// naming the file, line and column ([LoadError]).
//
// A full example:
//
//	version: 1
//	name: production
//	description: What may run in production.
//
//	settings:                  # fail-closed checks; these are the defaults
//	  allowUnscanned: false    # no report: deny
//	  allowIncomplete: false   # report.incomplete not empty: deny
//	  allowUnmatched: false    # report not matched, or the database had no sources: deny
//	  allowStaleDatabase: false
//	  maxDatabaseAge: 7d       # any vulnerability source older than this: deny
//	  # maxScanAge: 30d        # a report older than this: deny (no limit by default)
//
//	baseImages:                # how to find the base image's layers (layers: aboveBase)
//	  - name: docker.io/library/debian:12       # org.opencontainers.image.base.name
//	    digest: sha256:…                        # org.opencontainers.image.base.digest
//	    layers: 1                               # the image's bottom layers that are the base
//	  - diffIDs: [sha256:…, sha256:…]           # or: the base's layers, matched against the image's bottom layers
//
//	vex:                       # OpenVEX documents, relative to this file
//	  - vex/web.openvex.json
//
//	exceptions:
//	  - vulnerability: CVE-2023-44487           # an ID or an alias
//	    purl: pkg:golang/golang.org/x/net       # package URL prefix (see below)
//	    repository: registry.example.com/shop/* # glob on the repository
//	    # digest: sha256:…                      # one image only
//	    # rules: [fixable-highs-block-prod]     # only these rules (default: every rule)
//	    reason: HTTP/2 is disabled in this service
//	    owner: shop-team@example.com
//	    expires: 2025-09-30                     # a date (ends at 00:00 UTC that day) or an RFC 3339 time
//
//	rules:
//	  - name: no-criticals-on-latest
//	    tag: latest                             # a plain string means equals
//	    vulnerabilities:
//	      critical: "> 0"
//
//	  - name: fixable-highs-block-prod
//	    description: Fix what can be fixed before it reaches production
//	    tag: {regex: 'prod|production|v[0-9]+\.[0-9]+\.[0-9]+'}
//	    repository: {glob: "registry.example.com/**"}
//	    vulnerabilities:
//	      fixable: true
//	      minSeverity: high
//	      layers: aboveBase                     # only what this team added
//	      all: ">= 1"
//
//	  - name: exploited
//	    vulnerabilities: {kev: true}           # with no count: at least one
//
//	  - name: likely-exploited
//	    verdict: warn
//	    vulnerabilities: {epss: ">= 0.5", cvss: ">= 7.0", age: "> 30d"}
//
//	  - name: licence-allow-list
//	    packages:
//	      license: {notOneOf: [MIT, Apache-2.0, BSD-3-Clause, ISC], unknown: ignore}
//
//	  - name: banned-components
//	    packages:
//	      name: {oneOf: [telnetd]}
//	      purl: {oneOf: ["pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"]}
//
//	  - name: provenance
//	    labels: {required: [org.opencontainers.image.source]}
//
//	  - name: fresh-data
//	    verdict: warn
//	    databaseAge: "> 1d"
//	    # scanAge: "> 12h"
//
//	  - name: many-mediums-in-prod
//	    cel: 'image.tag.startsWith("prod") && summary.medium + summary.high > 50'
//
// JSON is YAML, so the same document may be written as JSON. Comparisons
// are strings ("OP VALUE", quoted, since a YAML value cannot start with
// ">"). Durations are whole numbers with units w, d, h, m or s ("30d",
// "1d12h").
//
// # Rules
//
// A rule has a name (unique; the names of the policy's own checks, such as
// "unscanned", are reserved), a verdict when it fires (deny, the default,
// or warn), optional selectors and criteria. A rule applies only when its
// selectors match; it fires when every criterion it lists matches (AND).
// A rule with selectors and no criterion fires whenever its selectors
// match. Rules that must be combined with OR are separate rules.
//
// Selectors, on the image's tag and repository: a string (equals), or a
// mapping of equals, startsWith, endsWith, contains, oneOf, notOneOf,
// regex (RE2, matching the whole string) and glob ("*" any run but "/",
// "**" any run, "?", "[a-z]", "[!a]"), every one given having to match.
// An image without a tag has the tag "".
//
// Criteria:
//
//   - vulnerabilities: the counts of findings by severity (critical, high,
//     medium, low, unknown, all) compared with >=, >, ==, !=, <=, <; each
//     count given must hold, and with none, all ">= 1" is meant. Only
//     findings that pass the filter are counted: fixable (has a fixed
//     version; false: has none), minSeverity, kev (listed in CISA KEV),
//     cvss (the highest base score of any CVSS version), epss and
//     epssPercentile (0 to 1), age (since publication), ids (a finding
//     whose ID or alias is one of these), package (name and purl, as
//     below) and layers (all, aboveBase, base). A finding without the data
//     a filter needs (no CVSS, EPSS or publication date) does not pass it.
//     Suppressed findings are never counted.
//   - packages: fires when at least one package passes: name {oneOf,
//     notOneOf}, purl {oneOf, notOneOf} (package URL prefixes), license
//     {oneOf, notOneOf, unknown: match|ignore} and layers.
//   - labels: {required: [...]}: fires when one of the labels is missing.
//   - scanAge, databaseAge: compare how old the scan is, and how old the
//     oldest vulnerability source was; unknown ages are infinite.
//   - cel: a CEL expression (below); true fires the rule.
//
// Package URL prefixes are matched component by component: "pkg:npm" (or
// "pkg:npm/") matches every npm package; "pkg:maven/org.apache.logging/"
// (ending in "/") a namespace and those under it; a full URL a package at
// any version, with "@VERSION" at that version, and with "?QUALIFIERS" only
// where those qualifiers are present with those values.
//
// Licences: a package's declared licences are combined with AND and read
// as SPDX expressions, after mapping common Debian and Python names
// ("GPL-2+", "Expat", "MIT License"). With oneOf (a deny list) a package
// matches when its licence cannot be satisfied without a listed licence
// ("MIT OR GPL-3.0-only" does not match oneOf [GPL-3.0-only]); with
// notOneOf (an allow list) when the listed licences do not satisfy it. A
// package with no licence, or one that is not SPDX, matches only with
// unknown: match.
//
// Layer scope: aboveBase counts only what lies in layers above the base
// image, base only what lies in its layers. The base is found from
// [Input.Base] when the caller gives it, otherwise from the image's
// org.opencontainers.image.base.digest or .name label (or manifest
// annotation, which callers merge into [Image.Labels]) looked up in
// baseImages, otherwise from baseImages listed by diffIDs alone, matched
// against the image's bottom layers. When the base cannot be found the
// rule counts every layer (the strict reading) and the decision carries a
// note ([RuleBaseUnknown]).
//
// # Fail closed
//
// Before any rule, a Rules policy checks the report: no report
// ([RuleUnscanned]), a report with entries in Incomplete
// ([RuleIncomplete]), a report that was not matched or was matched against
// an empty database ([RuleNotMatched]), a vulnerability source updated
// longer ago than maxDatabaseAge ([RuleStaleDatabase]), and with
// maxScanAge a scan older than that ([RuleStaleScan]). Each denies unless
// the matching allow setting is true, in which case it becomes a note. A
// report about another image than the input's digest always denies
// ([RuleReportMismatch]).
// When the image was not scanned and allowUnscanned is true, the rules see
// an empty report.
//
// # Exceptions and VEX
//
// An exception takes findings out of the decision. Its scope fields are
// combined with AND: vulnerability (an ID or alias, compared exactly),
// purl (a package URL prefix), repository (a glob) and digest. An
// exception without a vulnerability also takes packages out of the
// packages criterion. rules limits it to some rules. Every exception needs
// reason, owner and expires; from its expiry on it no longer applies, and
// the decision lists it as expired with what it would have covered, and a
// note ([RuleExceptionExpired]).
//
// OpenVEX documents, named in the policy's vex list, given with
// [WithVEX], or carried by the input ([Input.VEX]), suppress findings with
// not_affected and fixed statements. A statement covers a finding when
// its vulnerability name or an alias is the finding's ID or an alias, and
// a product is the finding's package (a package URL, as a prefix) or the
// image (an OCI package URL with the image's digest or name, a digest in
// hashes or @id), limited to the product's subcomponents if it lists any.
// When several statements cover a finding, the latest (by timestamp, then
// order) decides, so an affected statement can take back an older
// not_affected. Every suppression is listed in [Decision.Suppressed].
//
// # CEL
//
// A rule's cel expression (https://cel.dev, cel-go) must give a bool; it is
// type-checked when the policy loads. Its variables:
//
//	image     repository, tag, digest, platform (strings), labels (map of strings),
//	          created (timestamp; 0001-01-01T00:00:00Z when unknown)
//	summary   critical, high, medium, low, unknown, all: counts of findings not suppressed;
//	          fixable.{critical, high, medium, low, unknown, all}; kev; suppressed
//	report    scanned, matched (bools), scannedAt (timestamp), databaseAge (duration of the
//	          oldest source; -1ns when unknown), incomplete (list of strings), distro,
//	          distroVersion, layers, baseLayers (-1 when unknown), packages, findings (counts)
//	findings  list of: id, aliases, package, version, type, purl, severity, fixedVersion,
//	          status, fixable, cvss (-1 when none), kev, epss, epssPercentile (-1 when none),
//	          published, layer, aboveBase — the findings not suppressed
//	packages  list of: name, version, type, purl, licenses, layer, aboveBase
//	now       timestamp: the decision's time
//
// The strings extension (ext.Strings) is available. Expressions over
// summary, image and report cost next to nothing; findings and packages
// are built only when an expression reads them, once per evaluation.
// Evaluation is bounded in time ([WithCELTimeout]; a cost limit with
// [WithCELCostLimit]) and by the context; an expression that fails at
// evaluation (a missing map key, the time limit) fires its rule with the
// error in the reason: a gate fails closed.
//
// # Decisions
//
// The verdict is the strictest of the reasons' verdicts, allow when none.
// Reasons come in order: the fail-closed checks, the rules that fired in
// policy order, then notes (verdict allow). Each reason lists the findings
// or packages it is about, most severe first, up to [WithMaxEvidence], with
// the rest counted in Omitted.
package policy
