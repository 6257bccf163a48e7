// Package policytest runs policies against reports in tests: from Go unit
// tests ([Evaluate], [Expect], [TestDir]) and from YAML case files, which
// `portcullis policy test DIR` runs too ([RunDir]).
//
// A case file is named *_test.yaml (or *_test.yml) and names the policy it
// tests:
//
//	policy: no-criticals-on-latest.yaml    # relative to this file
//	vex: [vex/extra.openvex.json]          # optional: VEX given with every image (Input.VEX)
//	defaults:                              # optional: fields every case starts from
//	  repository: registry.example.com/shop/web
//	  time: 2025-06-01T12:00:00Z           # the decision's time (required, here or in each case)
//	  report: reports/clean.json           # a report file, as `portcullis scan --format json` writes it
//	cases:
//	  - name: a critical on latest is denied
//	    tag: latest
//	    report: reports/critical.json
//	    expect:
//	      verdict: deny
//	      rules: [no-criticals-on-latest]  # the rules of the decision's reasons, notes included, in any order
//	  - name: an inline report
//	    tag: latest
//	    labels: {org.opencontainers.image.source: https://example.com/web}
//	    report:                            # the native JSON report, written as YAML
//	      scannedAt: 2025-06-01T11:00:00Z
//	      database: {sources: [{name: osv, updated: 2025-06-01T10:00:00Z}]}
//	      findings:
//	        - {id: CVE-2024-0001, severity: HIGH, purl: "pkg:deb/debian/openssl@3.0.11", layer: {index: 1}}
//	    expect:
//	      verdict: allow
//	      rules: []
//	      suppressed: [CVE-2024-0002]      # optional: IDs of the findings exceptions and VEX took out
//	  - name: an unscanned image is denied
//	    unscanned: true
//	    expect: {verdict: deny, rules: [unscanned]}
//
// Case fields: name, tag, repository, digest, labels, time (RFC 3339 or a
// date), report (a file path or an inline report), unscanned, base
// ({layers: N} or {diffIDs: [...]}: the image's base, Input.Base) and
// expect (verdict required; rules and suppressed checked when given). A
// case overrides the defaults field by field. Case files are read
// strictly, like policies: an unknown field is an error with its line.
package policytest
