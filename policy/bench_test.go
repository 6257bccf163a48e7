package policy

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

var benchNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// bigReport builds a report of nPkgs packages over 6 layers and nFindings
// findings spread over them, with every field a criterion reads.
func bigReport(nPkgs, nFindings int) *scan.Report {
	rep := &scan.Report{
		Image:     scan.ImageRef{Digest: "sha256:" + fmt.Sprintf("%064x", 1), Labels: map[string]string{"org.opencontainers.image.source": "https://example.com/app"}},
		ScannedAt: benchNow.Add(-time.Hour),
		Database:  &scan.DatabaseInfo{MatchedAt: benchNow.Add(-time.Hour), Sources: []vulndb.SourceInfo{{Name: "osv", Updated: benchNow.Add(-2 * time.Hour)}, {Name: "debian", Updated: benchNow.Add(-3 * time.Hour)}}},
		Summary:   map[string]int{},
	}
	for i := range 6 {
		rep.Layers = append(rep.Layers, scan.Layer{Index: i, DiffID: fmt.Sprintf("sha256:%064x", 100+i)})
	}
	licenses := [][]string{{"MIT"}, {"Apache-2.0"}, {"GPL-2+"}, {"BSD-3-clause"}, {"MIT OR Apache-2.0"}, {"LGPL-2.1+", "GPL-2+"}, nil, {"ISC"}}
	types := []string{"deb", "npm", "golang", "pypi"}
	for i := range nPkgs {
		typ := types[i%len(types)]
		ns := ""
		if typ == "deb" {
			ns = "debian"
		}
		name := fmt.Sprintf("pkg%d", i)
		rep.Packages = append(rep.Packages, scan.Package{Name: name, Version: "1.0." + fmt.Sprint(i%7), Type: typ,
			PURL: scan.NewPURL(typ, ns, name, "1.0."+fmt.Sprint(i%7)), Licenses: licenses[i%len(licenses)],
			Layer: rep.Layers[i%6].Ref()})
	}
	sevs := []string{"CRITICAL", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "MEDIUM", "LOW", "LOW", "UNKNOWN"}
	for i := range nFindings {
		p := &rep.Packages[(i*7)%nPkgs]
		pub := benchNow.Add(-time.Duration(i%400) * 24 * time.Hour)
		f := scan.Finding{ID: fmt.Sprintf("CVE-2024-%05d", i), Aliases: []string{fmt.Sprintf("GHSA-%05d", i)}, Package: p.Name, Type: p.Type, PURL: p.PURL,
			InstalledVersion: p.Version, Severity: sevs[i%len(sevs)], Status: "not-fixed", Published: &pub, Layer: p.Layer,
			CVSS: []scan.CVSS{{Version: "3.1", Score: float64(i%100) / 10}}}
		if i%3 == 0 {
			f.FixedVersion, f.Status = "2.0", "fixed"
		}
		if i%50 == 0 {
			f.KEV = &vulndb.KEV{DateAdded: "2024-01-01"}
		}
		if i%5 == 0 {
			f.EPSS = &vulndb.EPSS{Score: float64(i%100) / 100, Percentile: float64(i%100) / 100}
		}
		rep.Findings = append(rep.Findings, f)
		rep.Summary[f.Severity]++
	}
	return rep
}

// benchPolicy has 20 rules, one of them CEL, and a few exceptions.
const benchPolicy = `
name: bench
settings:
  maxDatabaseAge: 2d
baseImages:
  - diffIDs: ["sha256:0000000000000000000000000000000000000000000000000000000000000064", "sha256:0000000000000000000000000000000000000000000000000000000000000065"]
exceptions:
  - {vulnerability: CVE-2024-00007, reason: r, owner: o, expires: 2030-01-01}
  - {vulnerability: GHSA-00011, reason: r, owner: o, expires: 2030-01-01}
  - {vulnerability: CVE-2024-00013, reason: r, owner: o, expires: 2020-01-01}
  - {purl: "pkg:npm/pkg5", reason: r, owner: o, expires: 2030-01-01, rules: [fixable-highs]}
rules:
  - {name: no-criticals-on-latest, tag: latest, vulnerabilities: {critical: "> 0"}}
  - {name: fixable-highs, tag: {oneOf: [prod, production]}, vulnerabilities: {fixable: true, high: ">= 1"}}
  - {name: too-many-highs, vulnerabilities: {high: "> 2000"}}
  - {name: too-many-all, verdict: warn, vulnerabilities: {all: ">= 10000"}}
  - {name: mediums, vulnerabilities: {medium: "> 5000", low: ">= 0"}}
  - {name: unknowns, verdict: warn, vulnerabilities: {unknown: "!= 0"}}
  - {name: kev, vulnerabilities: {kev: true}}
  - {name: epss, vulnerabilities: {epss: ">= 0.9"}}
  - {name: epss-pct, verdict: warn, vulnerabilities: {epssPercentile: ">= 0.99"}}
  - {name: cvss, vulnerabilities: {cvss: ">= 9.8", fixable: true}}
  - {name: old-criticals, vulnerabilities: {minSeverity: critical, age: "> 180d"}}
  - {name: above-base, vulnerabilities: {layers: aboveBase, minSeverity: high, fixable: true}}
  - {name: banned, packages: {name: {oneOf: [log4j-core, pkg77]}}}
  - {name: purl-ban, packages: {purl: {oneOf: ["pkg:maven/org.apache.logging.log4j/"]}}}
  - {name: licences, verdict: warn, packages: {license: {notOneOf: [MIT, Apache-2.0, BSD-3-Clause, ISC]}}}
  - {name: no-gpl, packages: {license: {oneOf: [GPL-3.0-only, AGPL-3.0-only]}}}
  - {name: labels, labels: {required: [org.opencontainers.image.source]}}
  - {name: scan-age, scanAge: "> 1d"}
  - {name: db-age, verdict: warn, databaseAge: "> 1d"}
  - name: cel
    verdict: warn
    cel: 'summary.critical > 10 && summary.fixable.high > 100 && image.tag != "dev" && report.matched'
`

func BenchmarkEvaluate(b *testing.B) {
	p, err := Load("bench.yaml", []byte(benchPolicy))
	if err != nil {
		b.Fatal(err)
	}
	if n := len(p.rules); n != 20 {
		b.Fatalf("%d rules", n)
	}
	rep := bigReport(2000, 5000)
	in := Input{Image: Image{Repository: "registry.example.com/shop/web", Tag: "prod"}, Report: rep, Now: benchNow}
	ctx := context.Background()
	d, err := p.Evaluate(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("verdict %s, %d reasons, %d suppressions", d.Verdict, len(d.Reasons), len(d.Suppressed))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad: parsing, checking and compiling the 20-rule policy (the
// CEL environment and program included).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("bench.yaml", []byte(benchPolicy)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateCELFindings: a CEL rule that reads the findings list
// (built once per evaluation) over the same report.
func BenchmarkEvaluateCELFindings(b *testing.B) {
	p, err := Load("cel.yaml", []byte(oneRule(`cel: 'findings.exists(f, f.kev && f.fixable && f.cvss >= 9.0)'`)))
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Report: bigReport(2000, 5000), Now: benchNow}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Evaluate(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
