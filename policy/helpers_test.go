package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const testDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

func diffID(i int) string { return fmt.Sprintf("sha256:%064x", 0xd0+i) }

// testReport is a matched, fresh, complete report of a three-layer image
// holding the packages of the findings (and pkgs).
func testReport(findings []scan.Finding, pkgs ...scan.Package) *scan.Report {
	rep := &scan.Report{
		SchemaVersion: 1,
		Image:         scan.ImageRef{Digest: testDigest, Labels: map[string]string{}},
		ScannedAt:     testNow.Add(-time.Hour),
		Database: &scan.DatabaseInfo{MatchedAt: testNow.Add(-time.Hour), Sources: []vulndb.SourceInfo{
			{Name: "osv", Updated: testNow.Add(-2 * time.Hour)}}},
		Findings: findings,
		Summary:  map[string]int{},
	}
	for i := range 3 {
		rep.Layers = append(rep.Layers, scan.Layer{Index: i, DiffID: diffID(i)})
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.PURL.String()] = true
		rep.Packages = append(rep.Packages, p)
	}
	for _, f := range findings {
		if !seen[f.PURL.String()] {
			seen[f.PURL.String()] = true
			rep.Packages = append(rep.Packages, scan.Package{Name: f.Package, Version: f.InstalledVersion, Type: f.Type, PURL: f.PURL, Layer: f.Layer})
		}
		rep.Summary[f.Severity]++
	}
	return rep
}

type findingOpt func(*scan.Finding)

func fnd(id, sev string, opts ...findingOpt) scan.Finding {
	f := scan.Finding{ID: id, Severity: sev, Package: "openssl", Type: "deb", InstalledVersion: "3.0.11-1~deb12u2",
		PURL: scan.NewPURL("deb", "debian", "openssl", "3.0.11-1~deb12u2", "arch", "amd64"), Status: "not-fixed",
		Layer: scan.LayerRef{Index: 1, DiffID: diffID(1)}}
	for _, o := range opts {
		o(&f)
	}
	return f
}

func fixed(v string) findingOpt {
	return func(f *scan.Finding) { f.FixedVersion, f.Status = v, "fixed" }
}
func cvss(scores ...float64) findingOpt {
	return func(f *scan.Finding) {
		for _, s := range scores {
			f.CVSS = append(f.CVSS, scan.CVSS{Version: "3.1", Score: s})
		}
	}
}
func kev() findingOpt { return func(f *scan.Finding) { f.KEV = &vulndb.KEV{DateAdded: "2024-01-01"} } }
func epss(score, pct float64) findingOpt {
	return func(f *scan.Finding) { f.EPSS = &vulndb.EPSS{Score: score, Percentile: pct} }
}
func published(ago time.Duration) findingOpt {
	return func(f *scan.Finding) { t := testNow.Add(-ago); f.Published = &t }
}
func alias(a ...string) findingOpt { return func(f *scan.Finding) { f.Aliases = a } }
func inLayer(i int) findingOpt {
	return func(f *scan.Finding) { f.Layer = scan.LayerRef{Index: i, DiffID: diffID(i)} }
}
func inPackage(typ, ns, name, version string) findingOpt {
	return func(f *scan.Finding) {
		f.Package, f.Type, f.InstalledVersion, f.PURL = name, typ, version, scan.NewPURL(typ, ns, name, version)
	}
}

func pkg(typ, ns, name, version string, layer int, licenses ...string) scan.Package {
	return scan.Package{Name: name, Version: version, Type: typ, PURL: scan.NewPURL(typ, ns, name, version),
		Licenses: licenses, Layer: scan.LayerRef{Index: layer, DiffID: diffID(layer)}}
}

func n(k int, sev string, opts ...findingOpt) []scan.Finding {
	var out []scan.Finding
	for i := range k {
		out = append(out, fnd(fmt.Sprintf("CVE-2025-%s-%d", strings.ToLower(sev), i), sev, opts...))
	}
	return out
}

func cat(lists ...[]scan.Finding) []scan.Finding {
	var out []scan.Finding
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func mustLoad(t testing.TB, doc string, opts ...Option) *Rules {
	t.Helper()
	p, err := Load("test.yaml", []byte(doc), opts...)
	require.NoError(t, err)
	return p
}

func evaluate(t testing.TB, p Policy, in Input) Decision {
	t.Helper()
	if in.Now.IsZero() {
		in.Now = testNow
	}
	d, err := p.Evaluate(context.Background(), in)
	require.NoError(t, err)
	return d
}

// oneRule is a policy with one rule "r" whose body is given (indented by
// four spaces).
func oneRule(body string) string {
	var b strings.Builder
	b.WriteString("rules:\n  - name: r\n")
	for l := range strings.SplitSeq(strings.TrimSpace(body), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

func reasonRules(d Decision) []string {
	out := []string{}
	for _, r := range d.Reasons {
		out = append(out, r.Rule)
	}
	return out
}

func findingIDs(refs []FindingRef) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.ID)
	}
	return out
}
