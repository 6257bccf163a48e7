package export_test

import (
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/export"
)

// decodeSARIF reads the output back with go-sarif and runs its own
// validation (a second, independent schema check).
func decodeSARIF(t *testing.T, out []byte) *sarif.Report {
	t.Helper()
	log, err := sarif.FromBytes(out)
	require.NoError(t, err)
	require.NoError(t, log.Validate(), "go-sarif's validation")
	return log
}

func TestSARIFContent(t *testing.T) {
	rep := richReport()
	out := write(t, export.SARIF, rep)
	validate(t, sarifSchemaURL, out)
	log := decodeSARIF(t, out)

	assert.Equal(t, "2.1.0", log.Version)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	require.NotNil(t, run.Tool.Driver.Name)
	assert.Equal(t, "portcullis", *run.Tool.Driver.Name)

	// One rule per vulnerability ID, sorted.
	rules := run.Tool.Driver.Rules
	var ruleIDs []string
	for _, r := range rules {
		ruleIDs = append(ruleIDs, *r.ID)
	}
	assert.Equal(t, []string{"CVE-2021-44228", "CVE-2022-3715", "CVE-2024-0727", "GHSA-35jh-r3h4-6jhm", "GO-2024-2687", "PORT-2024-0001"}, ruleIDs)
	rule := func(id string) *sarif.ReportingDescriptor {
		for _, r := range rules {
			if *r.ID == id {
				return r
			}
		}
		t.Fatalf("no rule %s", id)
		return nil
	}
	secSev := func(id string) any { return rule(id).Properties.Properties["security-severity"] }
	assert.Equal(t, "10.0", secSev("CVE-2021-44228"), "the highest CVSS score")
	assert.Equal(t, "8.6", secSev("GHSA-35jh-r3h4-6jhm"), "the highest of three CVSS vectors (v4 8.6 > v3.1 7.2 > v2 6.5)")
	assert.Equal(t, "5.5", secSev("GO-2024-2687"), "no CVSS: inside GitHub's medium band")
	assert.Equal(t, "2.0", secSev("CVE-2022-3715"), "no CVSS: inside GitHub's low band")
	assert.Nil(t, secSev("PORT-2024-0001"), "UNKNOWN severity and no CVSS: no security-severity")
	assert.Equal(t, "Remote code injection in Log4j", *rule("CVE-2021-44228").ShortDescription.Text)
	assert.Equal(t, "PORT-2024-0001", *rule("PORT-2024-0001").ShortDescription.Text, "no title: the ID")
	assert.Contains(t, *rule("CVE-2024-0727").Help.Text, "libssl3 3.0.11-1~deb12u2 (deb): fixed in 3.0.13-1~deb12u1")
	assert.Contains(t, *rule("CVE-2024-0727").Help.Text, "openssl 3.0.11-1~deb12u2 (deb): fixed in 3.0.13-1~deb12u1")
	assert.Contains(t, *rule("CVE-2022-3715").Help.Text, "no fixed version is known (wont-fix)")
	assert.Equal(t, "https://nvd.nist.gov/vuln/detail/CVE-2021-44228", *rule("CVE-2021-44228").HelpURI)
	assert.Nil(t, rule("PORT-2024-0001").HelpURI)
	assert.Equal(t, []string{"security", "vulnerability", "critical"}, rule("CVE-2021-44228").Properties.Tags)
	assert.Equal(t, "error", rule("CVE-2021-44228").DefaultConfiguration.Level)

	// One result per finding, in the report's order, at the right level.
	require.Len(t, run.Results, len(rep.Findings))
	wantLevel := map[string]string{"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "UNKNOWN": "note"}
	fingerprints := map[string]bool{}
	for i, res := range run.Results {
		f := rep.Findings[i]
		assert.Equal(t, f.ID, *res.RuleID)
		require.GreaterOrEqual(t, res.RuleIndex, 0)
		assert.Equal(t, f.ID, *rules[res.RuleIndex].ID, "ruleIndex points at the rule")
		assert.Equal(t, wantLevel[f.Severity], res.Level, "%s %s", f.ID, f.Severity)

		msg := *res.Message.Text
		assert.Contains(t, msg, f.Package)
		assert.Contains(t, msg, f.InstalledVersion)
		assert.Contains(t, msg, f.Layer.DiffID)
		if f.FixedVersion != "" {
			assert.Contains(t, msg, "Fixed version: "+f.FixedVersion)
		} else {
			assert.Contains(t, msg, "No fixed version")
		}

		require.Len(t, res.Locations, 1)
		pl := res.Locations[0].PhysicalLocation
		require.NotNil(t, pl, "GitHub requires a physical location")
		require.NotNil(t, pl.ArtifactLocation.URI)
		assert.NotEmpty(t, *pl.ArtifactLocation.URI)
		if purl := f.PURL.String(); purl != "" {
			require.Len(t, res.Locations[0].LogicalLocations, 1)
			assert.Equal(t, purl, *res.Locations[0].LogicalLocations[0].FullyQualifiedName)
		}

		fp := res.PartialFingerprints[export.SARIFFingerprint]
		assert.Len(t, fp, 64)
		assert.False(t, fingerprints[fp], "fingerprint of result %d is not unique", i)
		fingerprints[fp] = true
	}

	uri := func(i int) string { return *run.Results[i].Locations[0].PhysicalLocation.ArtifactLocation.URI }
	assert.Equal(t, "var/lib/dpkg/status", uri(2), "an OS package's evidence is its database")
	assert.Equal(t, "app/lib/log4j-core-2.14.1.jar", uri(1))
	assert.Equal(t, "bin/busybox", uri(6))
	// The two lodash findings go to the two lodash copies.
	assert.ElementsMatch(t, []string{
		"app/node_modules/lodash/package.json",
		"app/node_modules/legacy/node_modules/lodash/package.json",
	}, []string{uri(0), uri(7)})

	// KEV and EPSS ride along as result properties.
	props := run.Results[1].Properties.Properties
	assert.Equal(t, true, props["kev"])
	assert.InDelta(t, 0.97565, props["epssScore"], 1e-9)

	// What could not be analysed is a tool execution notification.
	require.Len(t, run.Invocations, 1)
	require.Len(t, run.Invocations[0].ToolExecutionNotifications, 1)
	assert.Contains(t, *run.Invocations[0].ToolExecutionNotifications[0].Message.Text, "var/lib/rpm/Packages")
}

// TestSARIFLevels checks the level of every severity, including ones no
// feed should give.
func TestSARIFLevels(t *testing.T) {
	for sev, want := range map[string]string{
		"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "UNKNOWN": "note", "": "note", "bogus": "note",
	} {
		t.Run(sev, func(t *testing.T) {
			rep := &scan.Report{
				Image:    scan.ImageRef{Digest: digest},
				Packages: []scan.Package{{Name: "p", Version: "1", Type: "npm", Paths: []string{"/app/package.json"}}},
				Findings: []scan.Finding{{ID: "X-1", Package: "p", Type: "npm", InstalledVersion: "1", Severity: sev}},
			}
			out := write(t, export.SARIF, rep)
			validate(t, sarifSchemaURL, out)
			log := decodeSARIF(t, out)
			res := log.Runs[0].Results[0]
			assert.Equal(t, want, res.Level)
			assert.Equal(t, "app/package.json", *res.Locations[0].PhysicalLocation.ArtifactLocation.URI, "relative to the image root")
		})
	}
}

// TestSARIFArtifactURIs: evidence paths become valid URI references, and a
// finding without evidence still gets a physical location.
func TestSARIFArtifactURIs(t *testing.T) {
	for _, tc := range []struct {
		path string
		purl scan.PURL
		want string
	}{
		{"var/lib/dpkg/status", scan.PURL{}, "var/lib/dpkg/status"},
		{"/usr/lib/python3/dist-packages/a b/METADATA", scan.PURL{}, "usr/lib/python3/dist-packages/a%20b/METADATA"},
		{"c:d/x", scan.PURL{}, "./c:d/x"},
		{"app/100%/#frag?q", scan.PURL{}, "app/100%25/%23frag%3Fq"},
		{"", scan.NewPURL("npm", "", "p", "1"), "pkg:npm/p@1"},
		{"", scan.PURL{}, "image"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var paths []string
			if tc.path != "" {
				paths = []string{tc.path}
			}
			rep := &scan.Report{
				Packages: []scan.Package{{Name: "p", Version: "1", Type: "npm", PURL: tc.purl, Paths: paths}},
				Findings: []scan.Finding{{ID: "X-1", Package: "p", Type: "npm", PURL: tc.purl, InstalledVersion: "1", Severity: "LOW"}},
			}
			out := write(t, export.SARIF, rep)
			validate(t, sarifSchemaURL, out)
			res := decodeSARIF(t, out).Runs[0].Results[0]
			assert.Equal(t, tc.want, *res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		})
	}
}

func TestSARIFEmpty(t *testing.T) {
	for name, rep := range emptyReports() {
		t.Run(name, func(t *testing.T) {
			out := write(t, export.SARIF, rep)
			validate(t, sarifSchemaURL, out)
			log := decodeSARIF(t, out)
			require.Len(t, log.Runs, 1)
			assert.Empty(t, log.Runs[0].Results)
			assert.True(t, strings.Contains(string(out), `"results": []`), "GitHub needs results present, even empty")
		})
	}
}
