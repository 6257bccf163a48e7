package policy

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// TestCriteria runs one rule per case against a report and checks whether
// it fires: every criterion and operator, at its boundaries.
func TestCriteria(t *testing.T) {
	type tc struct {
		name  string
		rule  string
		rep   *scan.Report
		tag   string
		fires bool
	}
	r := func(fs ...[]scan.Finding) *scan.Report { return testReport(cat(fs...)) }
	one := func(f scan.Finding) *scan.Report { return testReport([]scan.Finding{f}) }
	withPkgs := func(pkgs ...scan.Package) *scan.Report { return testReport(nil, pkgs...) }
	tests := []tc{
		// Counts by severity, every operator, exactly at the threshold and one off.
		{"critical >= 2 at 2", `vulnerabilities: {critical: ">= 2"}`, r(n(2, "CRITICAL")), "", true},
		{"critical >= 2 at 1", `vulnerabilities: {critical: ">= 2"}`, r(n(1, "CRITICAL")), "", false},
		{"high > 2 at 2", `vulnerabilities: {high: "> 2"}`, r(n(2, "HIGH")), "", false},
		{"high > 2 at 3", `vulnerabilities: {high: "> 2"}`, r(n(3, "HIGH")), "", true},
		{"medium == 1 at 1", `vulnerabilities: {medium: "== 1"}`, r(n(1, "MEDIUM")), "", true},
		{"medium == 1 at 2", `vulnerabilities: {medium: "== 1"}`, r(n(2, "MEDIUM")), "", false},
		{"low != 0 at 0", `vulnerabilities: {low: "!= 0"}`, r(n(3, "HIGH")), "", false},
		{"low != 0 at 1", `vulnerabilities: {low: "!= 0"}`, r(n(1, "LOW")), "", true},
		{"unknown <= 1 at 1", `vulnerabilities: {unknown: "<= 1"}`, r(n(1, "UNKNOWN")), "", true},
		{"unknown <= 1 at 2", `vulnerabilities: {unknown: "<= 1"}`, r(n(2, "UNKNOWN")), "", false},
		{"unrated severities count as unknown", `vulnerabilities: {unknown: ">= 2"}`, r(n(1, "NEGLIGIBLE"), n(1, "")), "", true},
		{"all < 3 at 2", `vulnerabilities: {all: "< 3"}`, r(n(1, "LOW"), n(1, "CRITICAL")), "", true},
		{"all < 3 at 3", `vulnerabilities: {all: "< 3"}`, r(n(1, "LOW"), n(1, "CRITICAL"), n(1, "UNKNOWN")), "", false},
		{"all counts every severity", `vulnerabilities: {all: ">= 5"}`, r(n(1, "CRITICAL"), n(1, "HIGH"), n(1, "MEDIUM"), n(1, "LOW"), n(1, "UNKNOWN")), "", true},
		{"== 0 on a clean report", `vulnerabilities: {critical: "== 0"}`, r(), "", true},
		{"counts combine with AND: one holds", `vulnerabilities: {critical: "> 0", high: "> 0"}`, r(n(1, "CRITICAL")), "", false},
		{"counts combine with AND: both hold", `vulnerabilities: {critical: "> 0", high: "> 0"}`, r(n(1, "CRITICAL"), n(1, "HIGH")), "", true},
		{"no count means at least one", `vulnerabilities: {fixable: true}`, r(n(1, "LOW", fixed("2"))), "", true},
		{"no count, none pass", `vulnerabilities: {fixable: true}`, r(n(1, "LOW")), "", false},

		// Fixable.
		{"fixable true: fixed version", `vulnerabilities: {fixable: true, high: ">= 1"}`, r(n(1, "HIGH", fixed("3.0.13"))), "", true},
		{"fixable true: no fix", `vulnerabilities: {fixable: true, high: ">= 1"}`, r(n(1, "HIGH")), "", false},
		{"fixable false: no fix", `vulnerabilities: {fixable: false, high: ">= 1"}`, r(n(1, "HIGH")), "", true},
		{"fixable false: fixed", `vulnerabilities: {fixable: false, high: ">= 1"}`, r(n(1, "HIGH", fixed("1"))), "", false},
		{"fixable: fixed count excludes others", `vulnerabilities: {fixable: true, high: ">= 2"}`, r(n(1, "HIGH", fixed("1")), n(1, "HIGH")), "", false},

		// Minimum severity.
		{"minSeverity high: medium", `vulnerabilities: {minSeverity: high}`, r(n(3, "MEDIUM")), "", false},
		{"minSeverity high: high", `vulnerabilities: {minSeverity: high}`, r(n(1, "HIGH")), "", true},
		{"minSeverity high: critical", `vulnerabilities: {minSeverity: high}`, r(n(1, "CRITICAL")), "", true},
		{"minSeverity low: unknown", `vulnerabilities: {minSeverity: low}`, r(n(1, "UNKNOWN")), "", false},
		{"minSeverity caps all", `vulnerabilities: {minSeverity: high, all: ">= 2"}`, r(n(1, "HIGH"), n(5, "LOW")), "", false},

		// KEV.
		{"kev true: listed", `vulnerabilities: {kev: true}`, one(fnd("CVE-1", "LOW", kev())), "", true},
		{"kev true: not listed", `vulnerabilities: {kev: true}`, one(fnd("CVE-1", "CRITICAL")), "", false},
		{"kev false: not listed", `vulnerabilities: {kev: false}`, one(fnd("CVE-1", "LOW")), "", true},
		{"kev false: listed", `vulnerabilities: {kev: false}`, one(fnd("CVE-1", "LOW", kev())), "", false},

		// CVSS.
		{"cvss >= 7 at 7.0", `vulnerabilities: {cvss: ">= 7"}`, one(fnd("CVE-1", "HIGH", cvss(7.0))), "", true},
		{"cvss >= 7 at 6.9", `vulnerabilities: {cvss: ">= 7"}`, one(fnd("CVE-1", "HIGH", cvss(6.9))), "", false},
		{"cvss takes the highest score", `vulnerabilities: {cvss: ">= 9"}`, one(fnd("CVE-1", "HIGH", cvss(5.0, 9.8, 7.5))), "", true},
		{"cvss > 9 at 9", `vulnerabilities: {cvss: "> 9"}`, one(fnd("CVE-1", "HIGH", cvss(9))), "", false},
		{"cvss without a score", `vulnerabilities: {cvss: ">= 0.1"}`, one(fnd("CVE-1", "CRITICAL")), "", false},
		{"cvss < 4", `vulnerabilities: {cvss: "< 4"}`, one(fnd("CVE-1", "LOW", cvss(3.9))), "", true},

		// EPSS.
		{"epss >= 0.5 at 0.5", `vulnerabilities: {epss: ">= 0.5"}`, one(fnd("CVE-1", "LOW", epss(0.5, 0.9))), "", true},
		{"epss >= 0.5 at 0.49", `vulnerabilities: {epss: ">= 0.5"}`, one(fnd("CVE-1", "LOW", epss(0.49, 0.99))), "", false},
		{"epss without a score", `vulnerabilities: {epss: ">= 0"}`, one(fnd("CVE-1", "LOW")), "", false},
		{"epssPercentile > 0.95 at 0.95", `vulnerabilities: {epssPercentile: "> 0.95"}`, one(fnd("CVE-1", "LOW", epss(0.1, 0.95))), "", false},
		{"epssPercentile > 0.95 at 0.96", `vulnerabilities: {epssPercentile: "> 0.95"}`, one(fnd("CVE-1", "LOW", epss(0.1, 0.96))), "", true},

		// Age since publication.
		{"age > 30d at 30d", `vulnerabilities: {age: "> 30d"}`, one(fnd("CVE-1", "HIGH", published(30*24*time.Hour))), "", false},
		{"age > 30d at 30d+1s", `vulnerabilities: {age: "> 30d"}`, one(fnd("CVE-1", "HIGH", published(30*24*time.Hour+time.Second))), "", true},
		{"age >= 30d at 30d", `vulnerabilities: {age: ">= 30d"}`, one(fnd("CVE-1", "HIGH", published(30*24*time.Hour))), "", true},
		{"age < 7d: new", `vulnerabilities: {age: "< 7d"}`, one(fnd("CVE-1", "HIGH", published(time.Hour))), "", true},
		{"age without a date", `vulnerabilities: {age: ">= 0"}`, one(fnd("CVE-1", "HIGH")), "", false},

		// IDs and aliases.
		{"ids by ID", `vulnerabilities: {ids: [CVE-2021-44228]}`, one(fnd("CVE-2021-44228", "CRITICAL")), "", true},
		{"ids by alias", `vulnerabilities: {ids: [CVE-2021-44228]}`, one(fnd("GHSA-jfh8-c2jp-5v3q", "CRITICAL", alias("CVE-2021-44228"))), "", true},
		{"ids: other", `vulnerabilities: {ids: [CVE-2021-44228]}`, one(fnd("CVE-2021-45046", "CRITICAL")), "", false},

		// Findings by package.
		{"package name oneOf: in", `vulnerabilities: {package: {name: {oneOf: [openssl]}}}`, one(fnd("CVE-1", "LOW")), "", true},
		{"package name oneOf: out", `vulnerabilities: {package: {name: {oneOf: [zlib]}}}`, one(fnd("CVE-1", "LOW")), "", false},
		{"package name notOneOf: listed", `vulnerabilities: {package: {name: {notOneOf: [openssl]}}}`, one(fnd("CVE-1", "LOW")), "", false},
		{"package name notOneOf: other", `vulnerabilities: {package: {name: {notOneOf: [zlib]}}}`, one(fnd("CVE-1", "LOW")), "", true},
		{"package purl oneOf: type", `vulnerabilities: {package: {purl: {oneOf: ["pkg:deb"]}}}`, one(fnd("CVE-1", "LOW")), "", true},
		{"package purl oneOf: other type", `vulnerabilities: {package: {purl: {oneOf: ["pkg:npm/"]}}}`, one(fnd("CVE-1", "LOW")), "", false},
		{"package purl notOneOf: listed", `vulnerabilities: {package: {purl: {notOneOf: ["pkg:deb/debian/openssl"]}}}`, one(fnd("CVE-1", "LOW")), "", false},
		{"package purl notOneOf: other", `vulnerabilities: {package: {purl: {notOneOf: ["pkg:deb/debian/zlib"]}}}`, one(fnd("CVE-1", "LOW")), "", true},

		// Packages criterion.
		{"packages name oneOf: present", `packages: {name: {oneOf: [telnetd, rsh]}}`, withPkgs(pkg("deb", "debian", "telnetd", "1", 1)), "", true},
		{"packages name oneOf: absent", `packages: {name: {oneOf: [telnetd]}}`, withPkgs(pkg("deb", "debian", "bash", "5", 0)), "", false},
		{"packages name notOneOf: all listed", `packages: {name: {notOneOf: [bash, libc6]}}`, withPkgs(pkg("deb", "debian", "bash", "5", 0), pkg("deb", "debian", "libc6", "2", 0)), "", false},
		{"packages name notOneOf: one other", `packages: {name: {notOneOf: [bash]}}`, withPkgs(pkg("deb", "debian", "bash", "5", 0), pkg("deb", "debian", "curl", "8", 1)), "", true},
		{"packages purl oneOf: namespace", `packages: {purl: {oneOf: ["pkg:maven/org.apache.logging.log4j/"]}}`, withPkgs(pkg("maven", "org.apache.logging.log4j", "log4j-core", "2.14.1", 2)), "", true},
		{"packages purl oneOf: version", `packages: {purl: {oneOf: ["pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"]}}`, withPkgs(pkg("maven", "org.apache.logging.log4j", "log4j-core", "2.14.1", 2)), "", false},
		{"packages purl notOneOf: only deb", `packages: {purl: {notOneOf: ["pkg:deb/debian/"]}}`, withPkgs(pkg("deb", "debian", "bash", "5", 0)), "", false},
		{"packages purl notOneOf: an npm package", `packages: {purl: {notOneOf: ["pkg:deb/debian/"]}}`, withPkgs(pkg("deb", "debian", "bash", "5", 0), pkg("npm", "", "left-pad", "1.3.0", 2)), "", true},
		{"packages name and purl combine with AND", `packages: {name: {oneOf: [curl]}, purl: {oneOf: ["pkg:npm"]}}`, withPkgs(pkg("deb", "debian", "curl", "8", 1)), "", false},

		// Licences.
		{"license notOneOf: allowed", `packages: {license: {notOneOf: [MIT, Apache-2.0]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "MIT")), "", false},
		{"license notOneOf: not allowed", `packages: {license: {notOneOf: [MIT, Apache-2.0]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "GPL-3.0-only")), "", true},
		{"license notOneOf: OR satisfied", `packages: {license: {notOneOf: [MIT]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "MIT OR GPL-3.0-only")), "", false},
		{"license notOneOf: AND not satisfied", `packages: {license: {notOneOf: [MIT]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "MIT AND GPL-3.0-only")), "", true},
		{"license notOneOf: declared licences combine with AND", `packages: {license: {notOneOf: [MIT]}}`, withPkgs(pkg("deb", "debian", "a", "1", 0, "MIT", "Zlib")), "", true},
		{"license notOneOf: Debian names", `packages: {license: {notOneOf: [GPL-2.0-or-later, MIT]}}`, withPkgs(pkg("deb", "debian", "a", "1", 0, "GPL-2+", "Expat")), "", false},
		{"license notOneOf: case", `packages: {license: {notOneOf: [BSD-3-Clause]}}`, withPkgs(pkg("deb", "debian", "a", "1", 0, "BSD-3-clause")), "", false},
		{"license notOneOf: unknown ignored", `packages: {license: {notOneOf: [MIT]}}`, withPkgs(pkg("deb", "debian", "a", "1", 0), pkg("deb", "debian", "b", "1", 0, "public-domain")), "", false},
		{"license notOneOf: unknown matched", `packages: {license: {notOneOf: [MIT], unknown: match}}`, withPkgs(pkg("deb", "debian", "a", "1", 0)), "", true},
		{"license notOneOf: partly unknown matched", `packages: {license: {notOneOf: [MIT], unknown: match}}`, withPkgs(pkg("deb", "debian", "a", "1", 0, "MIT", "public-domain")), "", true},
		{"license oneOf: listed", `packages: {license: {oneOf: [GPL-3.0-only, AGPL-3.0-only]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "AGPL-3.0-only")), "", true},
		{"license oneOf: OR avoidable", `packages: {license: {oneOf: [GPL-3.0-only]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "MIT OR GPL-3.0-only")), "", false},
		{"license oneOf: AND unavoidable", `packages: {license: {oneOf: [GPL-3.0-only]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "MIT AND GPL-3.0-only")), "", true},
		{"license oneOf: other", `packages: {license: {oneOf: [GPL-3.0-only]}}`, withPkgs(pkg("npm", "", "a", "1", 2, "Apache-2.0")), "", false},
		{"license oneOf: Debian name", `packages: {license: {oneOf: [GPL-3.0-or-later]}}`, withPkgs(pkg("deb", "debian", "a", "1", 0, "GPL-3+")), "", true},
		{"license oneOf: unknown ignored", `packages: {license: {oneOf: [GPL-3.0-only]}}`, withPkgs(pkg("deb", "debian", "a", "1", 0)), "", false},

		// Labels.
		{"labels: present", `labels: {required: [org.opencontainers.image.source]}`,
			func() *scan.Report {
				rep := r()
				rep.Image.Labels["org.opencontainers.image.source"] = "https://x"
				return rep
			}(), "", false},
		{"labels: missing", `labels: {required: [org.opencontainers.image.source]}`, r(), "", true},

		// Scan and database age.
		{"scanAge > 1h at 1h", `scanAge: "> 1h"`, r(), "", false},
		{"scanAge > 1h at 1h+1s", `scanAge: "> 1h"`, func() *scan.Report { rep := r(); rep.ScannedAt = rep.ScannedAt.Add(-time.Second); return rep }(), "", true},
		{"scanAge without a time", `scanAge: "> 1h"`, func() *scan.Report { rep := r(); rep.ScannedAt = time.Time{}; return rep }(), "", true},
		{"databaseAge > 2h at 2h", `databaseAge: "> 2h"`, r(), "", false},
		{"databaseAge takes the oldest source", `databaseAge: "> 2h"`, func() *scan.Report {
			rep := r()
			rep.Database.Sources = append(rep.Database.Sources, vulndb.SourceInfo{Name: "debian", Updated: testNow.Add(-3 * time.Hour)})
			return rep
		}(), "", true},
		{"databaseAge <= 2h", `databaseAge: "<= 2h"`, r(), "", true},

		// CEL.
		{"cel true", `cel: 'summary.critical >= 1'`, r(n(1, "CRITICAL")), "", true},
		{"cel false", `cel: 'summary.critical >= 2'`, r(n(1, "CRITICAL")), "", false},
		{"cel over findings", `cel: 'findings.exists(f, f.cvss >= 9.0 && f.fixable)'`, one(fnd("CVE-1", "HIGH", cvss(9.1), fixed("2"))), "", true},
		{"cel over findings: none", `cel: 'findings.exists(f, f.cvss >= 9.0 && f.fixable)'`, one(fnd("CVE-1", "HIGH", cvss(9.1))), "", false},
		{"cel over packages", `cel: 'packages.exists(p, p.licenses.exists(l, l.startsWith("GPL")))'`, withPkgs(pkg("deb", "debian", "a", "1", 0, "GPL-2+")), "", true},
		{"cel over image", `cel: 'image.tag.endsWith("-rc") && image.digest.startsWith("sha256:")'`, r(), "1.0-rc", true},
		{"cel over time", `cel: 'now - report.scannedAt > duration("30m")'`, r(), "", true},
		{"cel over summary.fixable", `cel: 'summary.fixable.high == 1 && summary.high == 2'`, r(n(1, "HIGH", fixed("1")), n(1, "HIGH")), "", true},
		{"cel runtime error fires", `cel: 'image.labels["team"] == "x"'`, r(), "", true},

		// Several criteria: AND.
		{"criteria AND: both", "labels: {required: [x]}\nvulnerabilities: {critical: \"> 0\"}", r(n(1, "CRITICAL")), "", true},
		{"criteria AND: one", "labels: {required: [x]}\nvulnerabilities: {critical: \"> 0\"}", r(n(1, "HIGH")), "", false},

		// A rule of selectors only fires when they match.
		{"selector only: matches", `tag: latest`, r(), "latest", true},
		{"selector only: does not", `tag: latest`, r(), "v1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, oneRule(tt.rule))
			d := evaluate(t, p, Input{Image: Image{Tag: tt.tag, Repository: "registry.example.com/shop/web"}, Report: tt.rep})
			if tt.fires {
				assert.Equal(t, []string{"r"}, reasonRules(d), "%+v", d.Reasons)
				assert.Equal(t, Deny, d.Verdict)
			} else {
				assert.Empty(t, reasonRules(d), "%+v", d.Reasons)
				assert.Equal(t, Allow, d.Verdict)
			}
		})
	}
}

// TestSelectorsNotMatching: a rule whose selector does not match is not
// applied, however bad the report.
func TestSelectorsNotMatching(t *testing.T) {
	rep := testReport(n(3, "CRITICAL"))
	tests := []struct {
		selector   string
		tag, repo  string
		wantFiring bool
	}{
		{`tag: latest`, "v1", "r/a", false},
		{`tag: latest`, "", "r/a", false},
		{`tag: latest`, "latest", "r/a", true},
		{`tag: {equals: latest}`, "latest-1", "r/a", false},
		{`tag: {startsWith: prod}`, "preprod", "r/a", false},
		{`tag: {startsWith: prod}`, "prod-eu", "r/a", true},
		{`tag: {endsWith: -prod}`, "prod-x", "r/a", false},
		{`tag: {endsWith: -prod}`, "eu-prod", "r/a", true},
		{`tag: {contains: rc}`, "1.0.0", "r/a", false},
		{`tag: {contains: rc}`, "1.0.0-rc1", "r/a", true},
		{`tag: {oneOf: [prod, production]}`, "staging", "r/a", false},
		{`tag: {oneOf: [prod, production]}`, "production", "r/a", true},
		{`tag: {notOneOf: [dev, test]}`, "dev", "r/a", false},
		{`tag: {notOneOf: [dev, test]}`, "main", "r/a", true},
		{`tag: {regex: 'v\d+\.\d+\.\d+'}`, "v1.2", "r/a", false},
		{`tag: {regex: 'v\d+\.\d+\.\d+'}`, "v1.2.3", "r/a", true},
		{`tag: {glob: "release-*"}`, "rel-1", "r/a", false},
		{`tag: {glob: "release-*"}`, "release-1", "r/a", true},
		{`repository: {glob: "registry.example.com/prod/*"}`, "latest", "registry.example.com/dev/web", false},
		{`repository: {glob: "registry.example.com/prod/*"}`, "latest", "registry.example.com/prod/web", true},
		{`repository: registry.example.com/prod/web`, "latest", "registry.example.com/prod/api", false},
	}
	for _, tt := range tests {
		t.Run(tt.selector+"/"+tt.tag+"/"+tt.repo, func(t *testing.T) {
			p := mustLoad(t, oneRule(tt.selector+"\nvulnerabilities: {critical: \"> 0\"}"))
			d := evaluate(t, p, Input{Image: Image{Tag: tt.tag, Repository: tt.repo}, Report: rep})
			if tt.wantFiring {
				assert.Equal(t, Deny, d.Verdict)
				assert.Equal(t, []string{"r"}, reasonRules(d))
			} else {
				assert.Equal(t, Allow, d.Verdict, "the rule must not apply: %+v", d.Reasons)
				assert.Empty(t, d.Reasons)
			}
		})
	}
}

func TestReasonEvidence(t *testing.T) {
	rep := testReport(cat(
		[]scan.Finding{fnd("CVE-L", "LOW", inLayer(0))},
		[]scan.Finding{fnd("CVE-H", "HIGH", inLayer(2), fixed("3.0.13"))},
		[]scan.Finding{fnd("CVE-C", "CRITICAL", inLayer(1))},
	))
	p := mustLoad(t, oneRule(`vulnerabilities: {critical: ">= 1", high: ">= 1"}`))
	d := evaluate(t, p, Input{Report: rep})
	require.Len(t, d.Reasons, 1)
	r := d.Reasons[0]
	assert.Equal(t, "r", r.Rule)
	assert.Equal(t, "test", r.Policy)
	assert.Equal(t, "vulnerabilities: critical 1 (>= 1), high 1 (>= 1)", r.Message)
	require.Len(t, r.Findings, 2, "the findings counted, most severe first; the low one is not about this rule")
	assert.Equal(t, FindingRef{ID: "CVE-C", Severity: "CRITICAL", Package: "openssl", Version: "3.0.11-1~deb12u2",
		PURL: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64", Layer: scan.LayerRef{Index: 1, DiffID: diffID(1)}}, r.Findings[0])
	assert.Equal(t, "CVE-H", r.Findings[1].ID)
	assert.Equal(t, "3.0.13", r.Findings[1].FixedVersion)
	assert.Equal(t, 2, r.Findings[1].Layer.Index)
}

func TestEvidenceLimit(t *testing.T) {
	rep := testReport(cat(n(5, "CRITICAL"), n(30, "HIGH")))
	p := mustLoad(t, oneRule(`vulnerabilities: {all: "> 0"}`))
	d := evaluate(t, p, Input{Report: rep})
	require.Len(t, d.Reasons, 1)
	assert.Len(t, d.Reasons[0].Findings, DefaultMaxEvidence)
	assert.Equal(t, 35-DefaultMaxEvidence, d.Reasons[0].Omitted)
	for _, f := range d.Reasons[0].Findings[:5] {
		assert.Equal(t, "CRITICAL", f.Severity, "most severe first")
	}
	p = mustLoad(t, oneRule(`vulnerabilities: {fixable: false, all: "> 0"}`), WithMaxEvidence(3))
	d = evaluate(t, p, Input{Report: rep})
	assert.Len(t, d.Reasons[0].Findings, 3)
	assert.Equal(t, 32, d.Reasons[0].Omitted)
	p = mustLoad(t, oneRule(`vulnerabilities: {all: "> 0"}`), WithMaxEvidence(0))
	d = evaluate(t, p, Input{Report: rep})
	assert.Len(t, d.Reasons[0].Findings, 35)
	assert.Zero(t, d.Reasons[0].Omitted)
}

func TestPackagesEvidence(t *testing.T) {
	rep := testReport(nil, pkg("deb", "debian", "telnetd", "0.17-44", 1, "BSD-4-Clause"), pkg("deb", "debian", "bash", "5.2", 0))
	p := mustLoad(t, oneRule(`packages: {name: {oneOf: [telnetd]}}`))
	d := evaluate(t, p, Input{Report: rep})
	require.Len(t, d.Reasons, 1)
	assert.Equal(t, []PackageRef{{Name: "telnetd", Version: "0.17-44", PURL: "pkg:deb/debian/telnetd@0.17-44", Licenses: []string{"BSD-4-Clause"},
		Layer: scan.LayerRef{Index: 1, DiffID: diffID(1)}}}, d.Reasons[0].Packages)
	assert.Contains(t, d.Reasons[0].Message, "1 package(s) named one of telnetd")
}

func TestLayerScope(t *testing.T) {
	rep := testReport(cat(
		[]scan.Finding{fnd("CVE-BASE", "HIGH", inLayer(0), fixed("1"))},
		[]scan.Finding{fnd("CVE-APP", "HIGH", inLayer(2), fixed("1"))},
	))
	rep.Packages = append(rep.Packages, pkg("npm", "", "left-pad", "1.3.0", 2, "WTFPL"))
	policyDoc := func(scope string) string {
		return "baseImages:\n" +
			"  - {name: docker.io/library/debian:12, digest: sha256:" + repeat("2", 64) + ", layers: 1}\n" +
			"  - {diffIDs: [\"" + diffID(0) + "\", \"" + diffID(1) + "\"]}\n" +
			"rules:\n  - name: r\n    vulnerabilities: {layers: " + scope + ", fixable: true}\n" +
			"  - name: p\n    packages: {layers: " + scope + ", license: {notOneOf: [MIT]}}\n"
	}
	ids := func(d Decision, rule string) []string {
		for _, r := range d.Reasons {
			if r.Rule == rule {
				return findingIDs(r.Findings)
			}
		}
		return nil
	}
	t.Run("annotation names a known base", func(t *testing.T) {
		p := mustLoad(t, policyDoc("aboveBase"))
		in := Input{Report: rep, Image: Image{Labels: map[string]string{LabelBaseDigest: "sha256:" + repeat("2", 64)}}}
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"CVE-APP"}, ids(d, "r"))
		assert.Equal(t, []string{"r", "p"}, reasonRules(d))
	})
	t.Run("annotation by name", func(t *testing.T) {
		p := mustLoad(t, policyDoc("base"))
		rep2 := *rep
		rep2.Image.Labels = map[string]string{LabelBaseName: "docker.io/library/debian:12"}
		d := evaluate(t, p, Input{Report: &rep2})
		assert.Equal(t, []string{"CVE-BASE"}, ids(d, "r"))
		assert.Equal(t, []string{"r"}, reasonRules(d), "the npm package is above the base")
	})
	t.Run("diffIDs alone", func(t *testing.T) {
		p := mustLoad(t, policyDoc("aboveBase"))
		d := evaluate(t, p, Input{Report: rep})
		assert.Equal(t, []string{"CVE-APP"}, ids(d, "r"), "the base's two layers are the image's bottom two")
	})
	t.Run("input base wins", func(t *testing.T) {
		p := mustLoad(t, policyDoc("aboveBase"))
		d := evaluate(t, p, Input{Report: rep, Base: &BaseImage{Layers: 3}})
		assert.Empty(t, reasonRules(d), "every layer is the base: nothing above")
		d = evaluate(t, p, Input{Report: rep, Base: &BaseImage{DiffIDs: []string{diffID(0)}}})
		assert.Equal(t, []string{"CVE-APP"}, ids(d, "r"))
	})
	t.Run("unknown base counts every layer and says so", func(t *testing.T) {
		p := mustLoad(t, oneRule(`vulnerabilities: {layers: aboveBase}`))
		d := evaluate(t, p, Input{Report: rep})
		assert.Equal(t, []string{"r", RuleBaseUnknown}, reasonRules(d))
		assert.Equal(t, []string{"CVE-BASE", "CVE-APP"}, ids(d, "r"))
		assert.Equal(t, Allow, d.Reasons[1].Verdict)
		assert.Contains(t, d.Reasons[1].Message, "no org.opencontainers.image.base.digest annotation")
	})
	t.Run("annotation names an unknown base", func(t *testing.T) {
		p := mustLoad(t, oneRule(`vulnerabilities: {layers: aboveBase}`))
		rep2 := *rep
		rep2.Image.Labels = map[string]string{LabelBaseName: "alpine:3.20"}
		d := evaluate(t, p, Input{Report: &rep2})
		assert.Equal(t, []string{"r", RuleBaseUnknown}, reasonRules(d))
		assert.Contains(t, d.Reasons[1].Message, "alpine:3.20")
	})
	t.Run("mismatched input diffIDs", func(t *testing.T) {
		p := mustLoad(t, oneRule(`vulnerabilities: {layers: aboveBase}`))
		d := evaluate(t, p, Input{Report: rep, Base: &BaseImage{DiffIDs: []string{diffID(7)}}})
		assert.Equal(t, []string{"r", RuleBaseUnknown}, reasonRules(d))
	})
}

func repeat(s string, k int) string {
	out := ""
	for range k {
		out += s
	}
	return out
}

func TestFailClosed(t *testing.T) {
	clean := func() *scan.Report { return testReport(nil) }
	tests := []struct {
		name     string
		settings string
		rep      *scan.Report
		verdict  Verdict
		rules    []string
		msg      string
	}{
		{"clean", "", clean(), Allow, []string{}, ""},
		{"unscanned", "", nil, Deny, []string{RuleUnscanned}, "has not been scanned"},
		{"unscanned allowed", "allowUnscanned: true", nil, Allow, []string{RuleUnscanned}, "allowed by settings.allowUnscanned"},
		{"incomplete", "", func() *scan.Report {
			rep := clean()
			rep.Incomplete = []scan.AnalyzerError{{Analyzer: "rpm", Layer: &scan.LayerRef{Index: 1, DiffID: diffID(1)}, Path: "var/lib/rpm/Packages", Error: "corrupt"}}
			return rep
		}(), Deny, []string{RuleIncomplete}, "rpm: layer 1 (" + diffID(1) + "): var/lib/rpm/Packages: corrupt"},
		{"incomplete allowed", "allowIncomplete: true", func() *scan.Report {
			rep := clean()
			rep.Incomplete = []scan.AnalyzerError{{Analyzer: "matcher", Error: "x"}}
			return rep
		}(), Allow, []string{RuleIncomplete}, "allowed"},
		{"not matched", "", func() *scan.Report { rep := clean(); rep.Database = nil; return rep }(), Deny, []string{RuleNotMatched}, "not matched"},
		{"empty database", "", func() *scan.Report { rep := clean(); rep.Database.Sources = nil; return rep }(), Deny, []string{RuleNotMatched}, "no sources"},
		{"not matched allowed", "allowUnmatched: true", func() *scan.Report { rep := clean(); rep.Database = nil; return rep }(), Allow, []string{RuleNotMatched}, "allowed"},
		{"database exactly 7d old", "", func() *scan.Report {
			rep := clean()
			rep.Database.Sources[0].Updated = testNow.Add(-DefaultMaxDatabaseAge)
			return rep
		}(), Allow, []string{}, ""},
		{"database 7d+1s old", "", func() *scan.Report {
			rep := clean()
			rep.Database.Sources[0].Updated = testNow.Add(-DefaultMaxDatabaseAge - time.Second)
			return rep
		}(), Deny, []string{RuleStaleDatabase}, "older than 7d: osv"},
		{"database never updated", "", func() *scan.Report {
			rep := clean()
			rep.Database.Sources = append(rep.Database.Sources, vulndb.SourceInfo{Name: "kev"})
			return rep
		}(), Deny, []string{RuleStaleDatabase}, "kev (never updated)"},
		{"custom maxDatabaseAge", "maxDatabaseAge: 1h", clean(), Deny, []string{RuleStaleDatabase}, "older than 1h"},
		{"stale allowed", "maxDatabaseAge: 1h\n  allowStaleDatabase: true", clean(), Allow, []string{RuleStaleDatabase}, "allowed"},
		{"maxScanAge at the limit", "maxScanAge: 1h", clean(), Allow, []string{}, ""},
		{"report of another image", "allowIncomplete: true\n  allowUnmatched: true\n  allowStaleDatabase: true", func() *scan.Report {
			rep := clean()
			rep.Image.Digest = "sha256:" + repeat("e", 64)
			return rep
		}(), Deny, []string{RuleReportMismatch}, "not the image " + testDigest},
		{"maxScanAge exceeded", "maxScanAge: 59m", clean(), Deny, []string{RuleStaleScan}, "the policy allows 59m"},
		{"several at once", "", func() *scan.Report {
			rep := clean()
			rep.Database = nil
			rep.Incomplete = []scan.AnalyzerError{{Analyzer: "scanner", Error: "x"}}
			return rep
		}(), Deny, []string{RuleIncomplete, RuleNotMatched}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "rules: []\n"
			if tt.settings != "" {
				doc += "settings:\n  " + tt.settings + "\n"
			}
			p := mustLoad(t, doc)
			d := evaluate(t, p, Input{Report: tt.rep, Image: Image{Digest: testDigest}})
			assert.Equal(t, tt.verdict, d.Verdict, "%+v", d.Reasons)
			assert.Equal(t, tt.rules, reasonRules(d))
			if tt.msg != "" {
				require.NotEmpty(t, d.Reasons)
				assert.Contains(t, d.Reasons[0].Message, tt.msg)
			}
		})
	}
}

func TestUnscannedAllowedRulesSeeEmptyReport(t *testing.T) {
	p := mustLoad(t, "settings: {allowUnscanned: true}\nrules:\n  - {name: c, vulnerabilities: {critical: \"> 0\"}}\n  - {name: l, labels: {required: [team]}}\n")
	d := evaluate(t, p, Input{Image: Image{Labels: map[string]string{"team": "shop"}}})
	assert.Equal(t, Allow, d.Verdict)
	d = evaluate(t, p, Input{})
	assert.Equal(t, Deny, d.Verdict)
	assert.Equal(t, []string{RuleUnscanned, "l"}, reasonRules(d))
}

func TestExceptions(t *testing.T) {
	rep := testReport(cat(
		[]scan.Finding{fnd("CVE-2024-0001", "CRITICAL", alias("GHSA-aaaa-bbbb-cccc"))},
		[]scan.Finding{fnd("CVE-2024-0002", "CRITICAL", inPackage("golang", "golang.org/x", "net", "v0.17.0"))},
	))
	base := "rules:\n  - {name: crit, vulnerabilities: {critical: \"> 0\"}}\n  - {name: crit2, vulnerabilities: {critical: \">= 2\"}}\nexceptions:\n"
	exc := func(body string) string {
		return base + "  - {" + body + ", reason: not reachable, owner: alice@example.com}\n"
	}
	in := Input{Report: rep, Image: Image{Repository: "registry.example.com/shop/web", Tag: "v1"}}

	t.Run("before expiry", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-2024-0001, expires: 2025-06-02"))
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"crit"}, reasonRules(d), "one critical left: crit fires, crit2 does not")
		assert.Equal(t, []string{"CVE-2024-0002"}, findingIDs(d.Reasons[0].Findings))
		require.Len(t, d.Suppressed, 1)
		s := d.Suppressed[0]
		assert.Equal(t, KindException, s.Kind)
		assert.Equal(t, "test.yaml:5", s.Source)
		assert.Equal(t, "not reachable", s.Reason)
		assert.Equal(t, "alice@example.com", s.Owner)
		assert.False(t, s.Expired)
		assert.Equal(t, time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), *s.Expires)
		assert.Equal(t, []string{"CVE-2024-0001"}, findingIDs(s.Findings))
	})
	t.Run("one second before expiry", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-2024-0001, expires: \"2025-06-01T12:00:01Z\""))
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"crit"}, reasonRules(d))
	})
	t.Run("at expiry", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-2024-0001, expires: \"2025-06-01T12:00:00Z\""))
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"crit", "crit2", RuleExceptionExpired}, reasonRules(d))
	})
	t.Run("after expiry", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-2024-0001, expires: 2025-06-01"))
		d := evaluate(t, p, in)
		assert.Equal(t, Deny, d.Verdict)
		assert.Equal(t, []string{"crit", "crit2", RuleExceptionExpired}, reasonRules(d))
		note := d.Reasons[2]
		assert.Equal(t, Allow, note.Verdict)
		assert.Contains(t, note.Message, "expired on 2025-06-01T00:00:00Z")
		assert.Contains(t, note.Message, "CVE-2024-0001 in openssl")
		assert.Contains(t, note.Message, "owner alice@example.com")
		require.Len(t, d.Suppressed, 1)
		assert.True(t, d.Suppressed[0].Expired)
		assert.Equal(t, []string{"CVE-2024-0001"}, findingIDs(d.Suppressed[0].Findings))
	})
	t.Run("by alias", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: GHSA-aaaa-bbbb-cccc, expires: 2030-01-01"))
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"crit"}, reasonRules(d))
		assert.Len(t, d.Suppressed, 1)
	})
	t.Run("by purl", func(t *testing.T) {
		p := mustLoad(t, exc("purl: \"pkg:golang/golang.org/x/net\", expires: 2030-01-01"))
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"CVE-2024-0001"}, findingIDs(d.Reasons[0].Findings))
	})
	t.Run("vulnerability and purl must both match", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-2024-0001, purl: \"pkg:golang/golang.org/x/net\", expires: 2030-01-01"))
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"crit", "crit2"}, reasonRules(d))
		assert.Empty(t, d.Suppressed)
	})
	t.Run("repository glob", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-2024-0001, repository: \"registry.example.com/shop/*\", expires: 2030-01-01"))
		assert.Len(t, evaluate(t, p, in).Suppressed, 1)
		other := in
		other.Image.Repository = "registry.example.com/bank/web"
		d := evaluate(t, p, other)
		assert.Empty(t, d.Suppressed)
		assert.Equal(t, []string{"crit", "crit2"}, reasonRules(d))
	})
	t.Run("digest", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-2024-0001, digest: \""+testDigest+"\", expires: 2030-01-01"))
		assert.Len(t, evaluate(t, p, in).Suppressed, 1)
		other := in
		other.Image.Digest = "sha256:" + repeat("9", 64)
		assert.Empty(t, evaluate(t, p, other).Suppressed)
	})
	t.Run("digest alone covers the whole image", func(t *testing.T) {
		p := mustLoad(t, exc("digest: \""+testDigest+"\", expires: 2030-01-01"))
		d := evaluate(t, p, in)
		assert.Equal(t, Allow, d.Verdict)
		require.Len(t, d.Suppressed, 1)
		assert.Len(t, d.Suppressed[0].Findings, 2)
	})
	t.Run("limited to some rules", func(t *testing.T) {
		p := mustLoad(t, base+"  - {digest: \""+testDigest+"\", rules: [crit2], reason: r, owner: o, expires: 2030-01-01}\n")
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"crit"}, reasonRules(d), "crit still sees both findings")
		assert.Len(t, d.Reasons[0].Findings, 2)
		assert.Equal(t, []string{"crit2"}, d.Suppressed[0].Rules)
	})
	t.Run("expired exception that matches nothing says nothing", func(t *testing.T) {
		p := mustLoad(t, exc("vulnerability: CVE-1999-0001, expires: 2020-01-01"))
		d := evaluate(t, p, in)
		assert.Equal(t, []string{"crit", "crit2"}, reasonRules(d))
		assert.Empty(t, d.Suppressed)
	})
}

func TestExceptionsCoverPackages(t *testing.T) {
	rep := testReport(nil, pkg("npm", "", "gpl-thing", "1.0.0", 2, "GPL-3.0-only"), pkg("npm", "", "other", "1", 2, "GPL-3.0-only"))
	doc := "rules:\n  - {name: lic, packages: {license: {notOneOf: [MIT]}}}\nexceptions:\n" +
		"  - {purl: \"pkg:npm/gpl-thing\", reason: legal approved, owner: legal@example.com, expires: 2030-01-01}\n" +
		"  - {vulnerability: CVE-1, purl: \"pkg:npm/other\", reason: r, owner: o, expires: 2030-01-01}\n"
	p := mustLoad(t, doc)
	d := evaluate(t, p, Input{Report: rep})
	require.Equal(t, []string{"lic"}, reasonRules(d))
	require.Len(t, d.Reasons[0].Packages, 1, "an exception with a vulnerability does not cover packages")
	assert.Equal(t, "other", d.Reasons[0].Packages[0].Name)
	require.Len(t, d.Suppressed, 1)
	assert.Equal(t, "gpl-thing", d.Suppressed[0].Packages[0].Name)
}

func TestVEX(t *testing.T) {
	xnet := inPackage("golang", "golang.org/x", "net", "v0.17.0")
	rep := testReport(cat(
		[]scan.Finding{fnd("CVE-2023-44487", "HIGH", xnet)},
		[]scan.Finding{fnd("GHSA-qppj-fm5r-hxr3", "HIGH", xnet, alias("CVE-2023-44487"))},
		[]scan.Finding{fnd("CVE-2024-0727", "HIGH")},
		[]scan.Finding{fnd("CVE-2024-9999", "HIGH")},
	))
	policyDoc := "vex: [vex/web.openvex.json]\nrules:\n  - {name: highs, vulnerabilities: {high: \"> 0\"}}\n"
	p, err := Load("testdata/p.yaml", []byte(policyDoc))
	require.NoError(t, err)
	d := evaluate(t, p, Input{Report: rep, Image: Image{Repository: "registry.example.com/shop/web"}})
	require.Equal(t, []string{"highs"}, reasonRules(d))
	assert.Equal(t, []string{"CVE-2024-9999"}, findingIDs(d.Reasons[0].Findings), "the rest are not_affected or fixed")
	require.Len(t, d.Suppressed, 2)
	s := d.Suppressed[0]
	assert.Equal(t, KindVEX, s.Kind)
	assert.Equal(t, "testdata/vex/web.openvex.json#statement 1", s.Source)
	assert.Equal(t, VEXNotAffected, s.Status)
	assert.Equal(t, "vulnerable_code_not_in_execute_path", s.Justification)
	assert.Equal(t, "Shop security <security@example.com>", s.Owner)
	assert.Equal(t, []string{"CVE-2023-44487", "GHSA-qppj-fm5r-hxr3"}, findingIDs(s.Findings), "by name and by alias")
	assert.Equal(t, VEXFixed, d.Suppressed[1].Status)
	assert.Equal(t, []string{"CVE-2024-0727"}, findingIDs(d.Suppressed[1].Findings))

	t.Run("another image's digest", func(t *testing.T) {
		other := *rep
		other.Image.Digest = "sha256:" + repeat("3", 64)
		d := evaluate(t, p, Input{Report: &other})
		assert.Len(t, d.Suppressed, 1, "only the package statement applies")
		assert.Len(t, d.Reasons[0].Findings, 3)
	})
	t.Run("a later affected statement takes it back", func(t *testing.T) {
		later := vexDoc(t, `{"vulnerability": {"name": "CVE-2024-0727"}, "products": [{"@id": "pkg:deb/debian/openssl"}], "status": "affected", "action_statement": "upgrade", "timestamp": "2025-05-20T00:00:00Z"}`)
		d := evaluate(t, p, Input{Report: rep, VEX: []*VEXDocument{later}})
		assert.ElementsMatch(t, []string{"CVE-2024-9999", "CVE-2024-0727"}, findingIDs(d.Reasons[0].Findings))
	})
	t.Run("an earlier affected statement does not", func(t *testing.T) {
		earlier := vexDoc(t, `{"vulnerability": {"name": "CVE-2024-0727"}, "products": [{"@id": "pkg:deb/debian/openssl"}], "status": "affected", "timestamp": "2025-01-01T00:00:00Z"}`)
		d := evaluate(t, p, Input{Report: rep, VEX: []*VEXDocument{earlier}})
		assert.Equal(t, []string{"CVE-2024-9999"}, findingIDs(d.Reasons[0].Findings))
	})
	t.Run("input VEX, under investigation", func(t *testing.T) {
		p := mustLoad(t, "rules:\n  - {name: highs, vulnerabilities: {high: \"> 0\"}}\n")
		inv := vexDoc(t, `{"vulnerability": "CVE-2024-9999", "products": ["pkg:deb/debian/openssl"], "status": "under_investigation"}`)
		d := evaluate(t, p, Input{Report: rep, VEX: []*VEXDocument{inv}})
		assert.Len(t, d.Reasons[0].Findings, 4)
		assert.Empty(t, d.Suppressed)
	})
	t.Run("input VEX by image hash", func(t *testing.T) {
		p := mustLoad(t, "rules:\n  - {name: highs, vulnerabilities: {high: \"> 0\"}}\n")
		na := vexDoc(t, `{"vulnerability": {"name": "CVE-2024-9999"}, "products": [{"@id": "registry.example.com/shop/web", "hashes": {"sha-256": "`+repeat("1", 64)+`"}}], "status": "not_affected", "justification": "component_not_present"}`)
		d := evaluate(t, p, Input{Report: rep, VEX: []*VEXDocument{na}})
		assert.Equal(t, []string{"CVE-2023-44487", "GHSA-qppj-fm5r-hxr3", "CVE-2024-0727"}, findingIDs(d.Reasons[0].Findings))
		require.Len(t, d.Suppressed, 1)
		assert.Equal(t, "component_not_present", d.Suppressed[0].Justification)
	})
	t.Run("with WithVEX", func(t *testing.T) {
		na := vexDoc(t, `{"vulnerability": {"name": "CVE-2024-9999"}, "products": [{"@id": "pkg:deb/debian/openssl@3.0.11-1~deb12u2"}], "status": "not_affected", "impact_statement": "not built with the feature"}`)
		p := mustLoad(t, "rules:\n  - {name: highs, vulnerabilities: {high: \"> 0\"}}\n", WithVEX(na))
		d := evaluate(t, p, Input{Report: rep})
		assert.Len(t, d.Reasons[0].Findings, 3)
		assert.Equal(t, "not built with the feature", d.Suppressed[0].Reason)
	})
}

func vexDoc(t *testing.T, statement string) *VEXDocument {
	t.Helper()
	doc, err := ParseVEX("inline.json", []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a", "timestamp": "2025-05-10T00:00:00Z", "version": 1, "statements": [`+statement+`]}`))
	require.NoError(t, err)
	return doc
}

func TestCELErrorFiresWithMessage(t *testing.T) {
	p := mustLoad(t, oneRule(`verdict: warn
cel: 'image.labels["team"] == "shop"'`))
	d := evaluate(t, p, Input{Report: testReport(nil)})
	assert.Equal(t, Warn, d.Verdict)
	require.Len(t, d.Reasons, 1)
	assert.Contains(t, d.Reasons[0].Message, "no such key: team")
	d = evaluate(t, p, Input{Report: testReport(nil), Image: Image{Labels: map[string]string{"team": "shop"}}})
	assert.Equal(t, Warn, d.Verdict)
	d = evaluate(t, p, Input{Report: testReport(nil), Image: Image{Labels: map[string]string{"team": "bank"}}})
	assert.Equal(t, Allow, d.Verdict)
}

func TestCELCostLimit(t *testing.T) {
	rep := bigReport(50, 500)
	p := mustLoad(t, oneRule(`cel: 'findings.all(a, findings.all(b, a.id != b.id || a == b))'`), WithCELCostLimit(1000))
	d := evaluate(t, p, Input{Report: rep, Now: benchNow})
	require.Len(t, d.Reasons, 1)
	assert.Contains(t, d.Reasons[0].Message, "cost limit")
}

func TestCELTimeout(t *testing.T) {
	rep := bigReport(200, 3000)
	p := mustLoad(t, oneRule(`cel: 'findings.all(a, findings.all(b, a.id != b.id || a == b))'`), WithCELTimeout(20*time.Millisecond))
	start := time.Now()
	d := evaluate(t, p, Input{Report: rep, Now: benchNow})
	assert.Less(t, time.Since(start), 5*time.Second)
	require.Len(t, d.Reasons, 1)
	assert.Equal(t, Deny, d.Verdict, "a timed-out expression fires its rule")
	assert.Contains(t, d.Reasons[0].Message, "ran longer than 20ms")
}

func TestCELOverFindingsIsFast(t *testing.T) {
	rep := bigReport(2000, 5000)
	// KEV every 50th, fixable every 3rd, CVSS (i%100)/10: CVE-2024-00150 is
	// the first with all three at CVSS 5.0, none reaches 9.0.
	p := mustLoad(t, oneRule(`cel: 'findings.exists(f, f.kev && f.fixable && f.cvss >= 5.0) && packages.exists(p, p.name == "pkg7")'`))
	d := evaluate(t, p, Input{Report: rep, Now: benchNow})
	assert.Equal(t, []string{"r"}, reasonRules(d), "%+v", d.Reasons)
	p = mustLoad(t, oneRule(`cel: 'findings.exists(f, f.kev && f.fixable && f.cvss >= 9.0)'`))
	d = evaluate(t, p, Input{Report: rep, Now: benchNow})
	assert.Empty(t, d.Reasons, "no finding is all three: the whole list was read within the time limit")
}

func TestCELCancelled(t *testing.T) {
	p := mustLoad(t, oneRule(`cel: 'summary.all > 0'`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Evaluate(ctx, Input{Report: testReport(nil), Now: testNow})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestWarnAndDeny(t *testing.T) {
	p := mustLoad(t, "rules:\n  - {name: w, verdict: warn, vulnerabilities: {medium: \"> 0\"}}\n  - {name: d, vulnerabilities: {critical: \"> 0\"}}\n")
	assert.Equal(t, Warn, evaluate(t, p, Input{Report: testReport(n(1, "MEDIUM"))}).Verdict)
	assert.Equal(t, Deny, evaluate(t, p, Input{Report: testReport(cat(n(1, "MEDIUM"), n(1, "CRITICAL")))}).Verdict)
	assert.Equal(t, Allow, evaluate(t, p, Input{Report: testReport(n(1, "LOW"))}).Verdict)
}

func TestInputImageFromReport(t *testing.T) {
	rep := testReport(nil)
	created := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	rep.Image.Created = &created
	rep.Image.Labels = map[string]string{"a": "report", "b": "report"}
	p := mustLoad(t, oneRule(`cel: 'image.digest == "`+testDigest+`" && image.created == timestamp("2025-05-01T00:00:00Z") && image.labels.a == "input" && image.labels.b == "report"'`))
	d := evaluate(t, p, Input{Report: rep, Image: Image{Labels: map[string]string{"a": "input"}}})
	assert.Equal(t, []string{"r"}, reasonRules(d), "empty input fields come from the report; input labels win")
}

func TestZeroNowIsNow(t *testing.T) {
	p := mustLoad(t, "rules: []\n")
	rep := testReport(nil)
	rep.Database.Sources[0].Updated = time.Now().Add(-time.Minute)
	d, err := p.Evaluate(context.Background(), Input{Report: rep})
	require.NoError(t, err)
	assert.Equal(t, Allow, d.Verdict)
}

func TestAllAndFunc(t *testing.T) {
	allow := Func(func(context.Context, Input) (Decision, error) {
		return Decision{Verdict: Allow, Reasons: []Reason{}}, nil
	})
	warn := Func(func(context.Context, Input) (Decision, error) {
		return Decision{Verdict: Warn, Reasons: []Reason{{Rule: "w", Verdict: Warn}}, Suppressed: []Suppression{{Kind: KindVEX}}}, nil
	})
	deny := Func(func(context.Context, Input) (Decision, error) {
		return Decision{Verdict: Deny, Reasons: []Reason{{Rule: "d", Verdict: Deny}}}, nil
	})
	broken := Func(func(context.Context, Input) (Decision, error) { return Decision{}, errors.New("boom") })
	zero := Func(func(context.Context, Input) (Decision, error) { return Decision{}, nil })
	ctx := context.Background()

	d, err := All(allow, warn, deny).Evaluate(ctx, Input{})
	require.NoError(t, err)
	assert.Equal(t, Deny, d.Verdict)
	assert.Equal(t, []string{"w", "d"}, reasonRules(d))
	assert.Len(t, d.Suppressed, 1)

	d, _ = All(deny, allow).Evaluate(ctx, Input{})
	assert.Equal(t, Deny, d.Verdict, "order does not matter")
	d, _ = All(allow, warn).Evaluate(ctx, Input{})
	assert.Equal(t, Warn, d.Verdict)
	d, _ = All(allow).Evaluate(ctx, Input{})
	assert.Equal(t, Allow, d.Verdict)

	_, err = All(allow, broken).Evaluate(ctx, Input{})
	assert.EqualError(t, err, "boom")

	d, _ = All(zero).Evaluate(ctx, Input{})
	assert.Equal(t, Deny, d.Verdict, "an invalid verdict fails closed")
	d, _ = All().Evaluate(ctx, Input{})
	assert.Equal(t, Deny, d.Verdict, "no policy fails closed")

	rules := mustLoad(t, oneRule(`vulnerabilities: {critical: "> 0"}`))
	d, err = All(rules, warn).Evaluate(ctx, Input{Report: testReport(n(1, "HIGH")), Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, Warn, d.Verdict)
}

func TestDecisionJSON(t *testing.T) {
	p := mustLoad(t, oneRule(`vulnerabilities: {critical: "> 0"}`))
	d := evaluate(t, p, Input{Report: testReport(n(1, "CRITICAL"))})
	b, err := json.Marshal(d)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, "deny", back["verdict"])
	reasons := back["reasons"].([]any)
	assert.Equal(t, "deny", reasons[0].(map[string]any)["verdict"])
	var round Decision
	require.NoError(t, json.Unmarshal(b, &round))
	assert.Equal(t, d.Verdict, round.Verdict)
	assert.Equal(t, d.Reasons, round.Reasons)

	_, err = json.Marshal(Decision{})
	assert.Error(t, err, "an invalid verdict does not marshal")
	assert.Equal(t, []string{"r"}, d.Fired(Deny))
	assert.Empty(t, Decision{Reasons: []Reason{{Rule: "x", Verdict: Allow}}}.Fired(Warn))
}

func TestParseVerdict(t *testing.T) {
	for s, want := range map[string]Verdict{"allow": Allow, "WARN": Warn, "Deny": Deny} {
		v, err := ParseVerdict(s)
		require.NoError(t, err)
		assert.Equal(t, want, v)
	}
	_, err := ParseVerdict("block")
	assert.Error(t, err)
	assert.Equal(t, "invalid", Verdict(0).String())
}

// TestConcurrentEvaluate: a loaded policy is used from many goroutines
// (run under -race).
func TestConcurrentEvaluate(t *testing.T) {
	p := mustLoad(t, benchPolicy)
	reps := []*scan.Report{bigReport(50, 200), bigReport(80, 100), testReport(n(3, "CRITICAL"))}
	want := make([]Decision, len(reps))
	for i, rep := range reps {
		want[i] = evaluate(t, p, Input{Report: rep, Now: benchNow, Image: Image{Tag: "prod"}})
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for k := range 20 {
				i := (g + k) % len(reps)
				d, err := p.Evaluate(context.Background(), Input{Report: reps[i], Now: benchNow, Image: Image{Tag: "prod"}})
				if err == nil && d.Verdict != want[i].Verdict {
					err = errors.New("verdict changed under concurrency")
				}
				if err == nil && len(d.Reasons) != len(want[i].Reasons) {
					err = errors.New("reasons changed under concurrency")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
}
