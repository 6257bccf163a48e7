package export_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
	"github.com/portcullis-oci/portcullis/scan/export"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// stubMatcher reports one vulnerability for every query on a package
// named in vulns, the way vulndb.Matcher would.
type stubMatcher map[string]vulndb.Match

func (m stubMatcher) Match(_ context.Context, qs []vulndb.Query) ([]vulndb.Result, error) {
	out := make([]vulndb.Result, len(qs))
	for i, q := range qs {
		if mt, ok := m[q.Name]; ok {
			out[i].Matches = []vulndb.Match{mt}
		}
	}
	return out, nil
}

// expectedPackages reads a peer's expected package list from shared data.
func expectedPackages(t *testing.T, dir string) []string {
	t.Helper()
	var exp struct {
		Count    int `json:"expected_package_count"`
		Packages []struct {
			Name string `json:"Name"`
		} `json:"expected_packages"`
	}
	require.NoError(t, json.Unmarshal(shareddata.Read(t, "pkgdb", dir, "expected.json"), &exp))
	require.Len(t, exp.Packages, exp.Count)
	names := make([]string, len(exp.Packages))
	for i, p := range exp.Packages {
		names[i] = p.Name
	}
	slices.Sort(names)
	return names
}

// TestRealPackageDatabases scans images holding real package databases
// (trivy's apk and Ubuntu 18.04 dpkg test data, ../shared/data/pkgdb)
// with the default analyzers, matches them against a stub, and checks
// that every export validates and carries exactly the packages trivy
// expects, with the real licence strings of apk's L: lines.
func TestRealPackageDatabases(t *testing.T) {
	published := time.Date(2019, 8, 6, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		dir, db, dbPath, osRelease, vulnPkg string
	}{
		{"apk-trivy", "installed", "lib/apk/db/installed", "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n", "musl"},
		{"dpkg-trivy-ubuntu1804", "status", "var/lib/dpkg/status", "ID=ubuntu\nVERSION_ID=\"18.04\"\nPRETTY_NAME=\"Ubuntu 18.04.6 LTS\"\n", "bash"},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			want := expectedPackages(t, tc.dir)
			db := shareddata.Read(t, "pkgdb", tc.dir, tc.db)
			img := testimage.Image(
				[]testimage.Entry{testimage.File("etc/os-release", tc.osRelease)},
				[]testimage.Entry{testimage.File(tc.dbPath, string(db))},
			)
			sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithTempDir(t.TempDir()))
			require.NoError(t, err)
			ctx := context.Background()
			rep, err := sc.Scan(ctx, img, scan.WithRef("registry:registry.example.test/"+tc.dir+":latest"))
			require.NoError(t, err)
			require.NoError(t, scan.MatchReport(ctx, rep, stubMatcher{tc.vulnPkg: {
				ID: "CVE-2019-14697", Summary: "stub finding", FixedVersion: "999", Status: vulndb.StatusFixed,
				Severity: vulndb.High, SeveritySource: "stub", Published: published, Sources: []string{"stub"},
				CVSS: []vulndb.CVSS{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Source: "nvd"}},
			}}))
			require.NotEmpty(t, rep.Findings, "the stub matched %s", tc.vulnPkg)

			var names []string
			for _, p := range rep.Packages {
				names = append(names, p.Name)
			}
			slices.Sort(names)
			require.Equal(t, want, names, "the scan finds the packages trivy expects")

			// CycloneDX: one library component per expected package.
			out := write(t, export.CycloneDX, rep)
			validate(t, cycloneDXSchemaURL, out)
			bom := decodeBOM(t, out)
			var libs []string
			refs := map[string]bool{bom.Metadata.Component.BOMRef: true}
			for _, c := range *bom.Components {
				refs[c.BOMRef] = true
				if c.PackageURL != "" {
					libs = append(libs, c.Name)
				}
			}
			slices.Sort(libs)
			assert.Equal(t, want, libs)
			require.NotNil(t, bom.Vulnerabilities)
			for _, v := range *bom.Vulnerabilities {
				for _, a := range *v.Affects {
					assert.True(t, refs[a.Ref], "affects %q resolves", a.Ref)
				}
			}

			// SPDX: the image, the distribution and every expected package.
			out = write(t, export.SPDX, rep)
			validate(t, spdxSchemaURL, out)
			doc := decodeSPDX(t, out)
			assert.Len(t, doc.Packages, len(want)+2)
			assertLicenseRefsDeclared(t, doc)

			// SARIF: one result per finding, each with a physical location.
			out = write(t, export.SARIF, rep)
			validate(t, sarifSchemaURL, out)
			log := decodeSARIF(t, out)
			require.Len(t, log.Runs[0].Results, len(rep.Findings))
			for _, res := range log.Runs[0].Results {
				assert.Equal(t, tc.dbPath, *res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
				assert.Equal(t, "error", res.Level)
			}
		})
	}
}

// TestRealApkLicences checks the licence strings of trivy's apk database
// (L: lines) land as SPDX ids, one expression, or names.
func TestRealApkLicences(t *testing.T) {
	db := shareddata.Read(t, "pkgdb", "apk-trivy", "installed")
	img := testimage.Image([]testimage.Entry{
		testimage.File("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
		testimage.File("lib/apk/db/installed", string(db)),
	})
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithTempDir(t.TempDir()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)

	out := write(t, export.CycloneDX, rep)
	validate(t, cycloneDXSchemaURL, out)
	got := map[string]string{} // licence as written → how CycloneDX holds it
	byName := map[string][]string{}
	for _, p := range rep.Packages {
		byName[p.Name] = p.Licenses
	}
	for _, c := range *decodeBOM(t, out).Components {
		if c.Licenses == nil || len(byName[c.Name]) != 1 {
			continue
		}
		l := (*c.Licenses)[0]
		switch {
		case l.Expression != "":
			got[byName[c.Name][0]] = "expression " + l.Expression
		case l.License.ID != "":
			got[byName[c.Name][0]] = "id " + l.License.ID
		default:
			got[byName[c.Name][0]] = "name " + l.License.Name
		}
	}
	for written, want := range map[string]string{
		"MIT":                               "id MIT",
		"ISC":                               "id ISC",
		"zlib":                              "id Zlib",
		"( Apache-2.0 OR MIT ) AND MPL-2.0": "expression (Apache-2.0 OR MIT) AND MPL-2.0",
		"GPL2":                              "name GPL2",
		"MIT BSD GPL2+":                     "name MIT BSD GPL2+",
		"openssl":                           "id OpenSSL",
		"Public-Domain":                     "name Public-Domain",
	} {
		assert.Equal(t, want, got[written], "licence %q", written)
	}
}
