package export_test

import (
	"bytes"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/export"
)

// decodeBOM reads the output back with cyclonedx-go's own decoder.
func decodeBOM(t *testing.T, out []byte) *cdx.BOM {
	t.Helper()
	var bom cdx.BOM
	require.NoError(t, cdx.NewBOMDecoder(bytes.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom))
	return &bom
}

func property(props *[]cdx.Property, name string) []string {
	if props == nil {
		return nil
	}
	var vals []string
	for _, p := range *props {
		if p.Name == name {
			vals = append(vals, p.Value)
		}
	}
	return vals
}

func TestCycloneDXContent(t *testing.T) {
	rep := richReport()
	out := write(t, export.CycloneDX, rep)
	validate(t, cycloneDXSchemaURL, out)
	bom := decodeBOM(t, out)

	assert.Equal(t, cdx.SpecVersion1_6, bom.SpecVersion)
	assert.Regexp(t, `^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, bom.SerialNumber)

	// metadata: the image, the tool, the time.
	require.NotNil(t, bom.Metadata)
	assert.Equal(t, "2024-06-01T12:30:00Z", bom.Metadata.Timestamp)
	require.NotNil(t, bom.Metadata.Tools)
	require.NotNil(t, bom.Metadata.Tools.Components)
	assert.Equal(t, "portcullis", (*bom.Metadata.Tools.Components)[0].Name)
	img := bom.Metadata.Component
	require.NotNil(t, img)
	assert.Equal(t, cdx.ComponentTypeContainer, img.Type)
	assert.Equal(t, "ghcr.io/example/app:1.2", img.Name)
	assert.Equal(t, digest, img.Version)
	assert.Equal(t, "pkg:oci/app@"+digest+"?arch=amd64&repository_url=ghcr.io%2Fexample%2Fapp&tag=1.2", img.PackageURL)
	assert.Equal(t, img.PackageURL, img.BOMRef)
	assert.Equal(t, []string{"rpm: layer 0 (" + diffBase + "): var/lib/rpm/Packages: unsupported database"},
		property(bom.Metadata.Properties, export.PropIncomplete))

	// One component per installed package, plus the distribution.
	require.NotNil(t, bom.Components)
	comps := *bom.Components
	var libs []cdx.Component
	var os []cdx.Component
	for _, c := range comps {
		switch c.Type {
		case cdx.ComponentTypeLibrary:
			libs = append(libs, c)
		case cdx.ComponentTypeOS:
			os = append(os, c)
		default:
			t.Errorf("component %s has type %s", c.BOMRef, c.Type)
		}
	}
	assert.Len(t, libs, len(rep.Packages))
	require.Len(t, os, 1)
	assert.Equal(t, "debian", os[0].Name)
	assert.Equal(t, "12", os[0].Version)

	refs := map[string]cdx.Component{img.BOMRef: *img}
	purls := map[string]int{}
	for _, c := range comps {
		require.NotEmpty(t, c.BOMRef)
		_, dup := refs[c.BOMRef]
		assert.False(t, dup, "bom-ref %q is not unique", c.BOMRef)
		refs[c.BOMRef] = c
		if c.PackageURL != "" {
			purls[c.PackageURL]++
			assert.True(t, c.BOMRef == c.PackageURL || strings.HasPrefix(c.BOMRef, c.PackageURL+"|"),
				"bom-ref %q is the PURL %q", c.BOMRef, c.PackageURL)
		}
	}
	for _, p := range rep.Packages {
		if purl := p.PURL.String(); purl != "" {
			assert.Positive(t, purls[purl], "package %s has no component with its PURL %s", p.Name, purl)
		}
	}
	assert.Equal(t, 2, purls["pkg:npm/lodash@4.17.20"], "both copies of lodash are components")
	assert.Contains(t, refs, "pkg:npm/lodash@4.17.20")
	assert.Contains(t, refs, "pkg:npm/lodash@4.17.20|2")
	for _, c := range comps {
		assert.NotEqual(t, "tzdata", c.Name, "a removed package is not a component")
	}

	// Properties of one OS package.
	openssl := refs["pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"]
	assert.Equal(t, []string{"1"}, property(openssl.Properties, export.PropLayerIndex))
	assert.Equal(t, []string{diffDeb}, property(openssl.Properties, export.PropLayerDiffID))
	assert.Equal(t, []string{"deb"}, property(openssl.Properties, export.PropPackageType))
	assert.Equal(t, []string{"var/lib/dpkg/status"}, property(openssl.Properties, export.PropPackagePath))
	assert.Equal(t, []string{"openssl"}, property(openssl.Properties, export.PropSourceName))
	assert.Equal(t, []string{"3.0.11-1~deb12u2"}, property(openssl.Properties, export.PropSourceVersion))
	busybox := refs["portcullis:package:binary/busybox@1.36.1"]
	assert.Equal(t, "busybox", busybox.Name, "a package without a PURL still gets a bom-ref")
	assert.Empty(t, property(busybox.Properties, export.PropSourceName))
	assert.Equal(t, "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*", busybox.CPE)
	assert.Equal(t, []string{"true"}, property(refs["pkg:npm/lodash@4.17.20"].Properties, export.PropDev), "the copy under legacy/ sorts first")
	assert.Empty(t, property(refs["pkg:npm/lodash@4.17.20|2"].Properties, export.PropDev))
	assert.Equal(t, []string{"deb/python3-requests@2.31.0+dfsg-1"}, property(refs["pkg:pypi/requests@2.31.0"].Properties, export.PropOwner))

	// Vulnerabilities: one per ID, every affected ref a component.
	require.NotNil(t, bom.Vulnerabilities)
	vulns := map[string]cdx.Vulnerability{}
	for _, v := range *bom.Vulnerabilities {
		_, dup := vulns[v.ID]
		assert.False(t, dup, "vulnerability %s listed twice", v.ID)
		vulns[v.ID] = v
		assert.Nil(t, v.Analysis, "analysis is left to people")
		assert.Nil(t, v.CWEs)
		require.NotNil(t, v.Affects, v.ID)
		for _, a := range *v.Affects {
			_, ok := refs[a.Ref]
			assert.True(t, ok, "%s affects %q, which is no component", v.ID, a.Ref)
		}
	}
	ids := map[string]bool{}
	for _, f := range rep.Findings {
		ids[f.ID] = true
	}
	assert.Len(t, vulns, len(ids))

	affects := func(id string) []string {
		var out []string
		for _, a := range *vulns[id].Affects {
			out = append(out, a.Ref)
		}
		return out
	}
	assert.Equal(t, []string{
		"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
		"pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
	}, affects("CVE-2024-0727"), "one vulnerability, both binary packages of the source")
	assert.Equal(t, []string{"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.20|2"}, affects("GHSA-35jh-r3h4-6jhm"))
	assert.Equal(t, []string{"portcullis:package:binary/busybox@1.36.1"}, affects("PORT-2024-0001"))
	a := (*vulns["CVE-2024-0727"].Affects)[0]
	require.NotNil(t, a.Range)
	assert.Equal(t, []cdx.AffectedVersions{{Version: "3.0.11-1~deb12u2", Status: cdx.VulnerabilityStatusAffected}}, *a.Range)

	log4j := vulns["CVE-2021-44228"]
	assert.Equal(t, "Upgrade log4j-core to 2.15.0", log4j.Recommendation)
	assert.Equal(t, "2021-12-10T00:00:00Z", log4j.Published)
	assert.Equal(t, "Remote code injection in Log4j", log4j.Description)
	require.NotNil(t, log4j.Source)
	assert.Equal(t, "https://nvd.nist.gov/vuln/detail/CVE-2021-44228", log4j.Source.URL)
	require.NotNil(t, log4j.References)
	assert.Equal(t, "GHSA-jfh8-c2jp-5v3q", (*log4j.References)[0].ID)
	assert.Equal(t, []string{"true"}, property(log4j.Properties, export.PropKEV))
	assert.Equal(t, []string{"2021-12-10"}, property(log4j.Properties, export.PropKEVDateAdded))
	assert.Equal(t, []string{"Known"}, property(log4j.Properties, export.PropKEVRansomware))
	assert.Equal(t, []string{"0.97565"}, property(log4j.Properties, export.PropEPSSScore))
	assert.Equal(t, []string{"0.99996"}, property(log4j.Properties, export.PropEPSSPercentile))
	assert.Equal(t, []string{"fixed"}, property(log4j.Properties, export.PropStatus))
	assert.Equal(t, []string{"2.15.0"}, property(log4j.Properties, export.PropFixedVersion))
	require.NotNil(t, log4j.Ratings)
	assert.Contains(t, *log4j.Ratings, cdx.VulnerabilityRating{Severity: cdx.SeverityCritical, Source: &cdx.Source{Name: "ghsa"}})
	ten := 10.0
	assert.Contains(t, *log4j.Ratings, cdx.VulnerabilityRating{
		Score: &ten, Method: cdx.ScoringMethodCVSSv31, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Source: &cdx.Source{Name: "nvd"},
	})

	var methods []cdx.ScoringMethod
	for _, r := range *vulns["GHSA-35jh-r3h4-6jhm"].Ratings {
		if r.Method != "" {
			methods = append(methods, r.Method)
		}
	}
	assert.ElementsMatch(t, []cdx.ScoringMethod{cdx.ScoringMethodCVSSv2, cdx.ScoringMethodCVSSv31, cdx.ScoringMethodCVSSv4}, methods)

	bash := vulns["CVE-2022-3715"]
	assert.Empty(t, bash.Recommendation, "no fix, no recommendation")
	assert.Equal(t, []string{"wont-fix"}, property(bash.Properties, export.PropStatus))
	assert.Empty(t, property(bash.Properties, export.PropKEV))
	assert.Equal(t, "Upgrade libssl3 to 3.0.13-1~deb12u1; Upgrade openssl to 3.0.13-1~deb12u1", vulns["CVE-2024-0727"].Recommendation)
	require.NotNil(t, vulns["CVE-2024-0727"].References)
	assert.Equal(t, "DSA-5678-1", (*vulns["CVE-2024-0727"].References)[0].ID)

	custom := vulns["PORT-2024-0001"]
	require.NotNil(t, custom.Source)
	assert.Equal(t, "custom", custom.Source.Name, "an ID of unknown origin is credited to its feed")
	assert.Empty(t, custom.Source.URL)
	assert.Equal(t, cdx.SeverityUnknown, (*custom.Ratings)[0].Severity)
}

// TestCycloneDXLicenses covers the licence shapes: SPDX ids, one
// expression, ids joined into an expression, free text, and expressions
// mixed with free text (which CycloneDX cannot hold together).
func TestCycloneDXLicenses(t *testing.T) {
	decl := cdx.LicenseAcknowledgementDeclared
	id := func(s string) cdx.LicenseChoice {
		return cdx.LicenseChoice{License: &cdx.License{ID: s, Acknowledgement: decl}}
	}
	named := func(s string) cdx.LicenseChoice {
		return cdx.LicenseChoice{License: &cdx.License{Name: s, Acknowledgement: decl}}
	}
	expr := func(s string) cdx.LicenseChoice {
		return cdx.LicenseChoice{Expression: s, Acknowledgement: &decl}
	}
	for _, tc := range []struct {
		name string
		in   []string
		want cdx.Licenses
	}{
		{"none", nil, nil},
		{"blank", []string{" ", ""}, nil},
		{"id", []string{"MIT"}, cdx.Licenses{id("MIT")}},
		{"id in other case", []string{"zlib"}, cdx.Licenses{id("Zlib")}},
		{"ids", []string{"GPL-3.0-or-later", "BSD-4-Clause-UC", "GPL-3.0-or-later"}, cdx.Licenses{id("GPL-3.0-or-later"), id("BSD-4-Clause-UC")}},
		{"expression", []string{"( Apache-2.0 OR MIT ) AND MPL-2.0"}, cdx.Licenses{expr("(Apache-2.0 OR MIT) AND MPL-2.0")}},
		{"with exception", []string{"Apache-2.0 WITH LLVM-exception"}, cdx.Licenses{expr("Apache-2.0 WITH LLVM-exception")}},
		{"deprecated id", []string{"GPL-2.0+"}, cdx.Licenses{expr("GPL-2.0+")}},
		{"expression and id", []string{"MIT OR Apache-2.0", "ISC"}, cdx.Licenses{expr("(MIT OR Apache-2.0) AND ISC")}},
		{"free text", []string{"GPL2", "MIT BSD GPL2+"}, cdx.Licenses{named("GPL2"), named("MIT BSD GPL2+")}},
		{"id and free text", []string{"ISC", "Public-Domain"}, cdx.Licenses{id("ISC"), named("Public-Domain")}},
		{"expression and free text", []string{"MIT OR Apache-2.0", "see LICENSE"}, cdx.Licenses{named("MIT OR Apache-2.0"), named("see LICENSE")}},
		{"lower-case operators are not SPDX", []string{"mit or apache-2.0"}, cdx.Licenses{named("mit or apache-2.0")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &scan.Report{
				Image:     scan.ImageRef{Digest: digest},
				ScannedAt: scannedAt,
				Packages: []scan.Package{{
					Name: "p", Version: "1", Type: scan.TypeNPM, PURL: scan.NewPURL(scan.TypeNPM, "", "p", "1"),
					Licenses: tc.in, Paths: []string{"package.json"},
				}},
			}
			out := write(t, export.CycloneDX, rep)
			validate(t, cycloneDXSchemaURL, out)
			bom := decodeBOM(t, out)
			got := (*bom.Components)[0].Licenses
			if tc.want == nil {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, tc.want, *got)
		})
	}
}

// TestCycloneDXImageRefs covers the image component for each kind of
// reference: only registry references get a pkg:oci PURL.
func TestCycloneDXImageRefs(t *testing.T) {
	for _, tc := range []struct {
		ref, platform, name, purl string
	}{
		{"registry:ghcr.io/example/app:1.2", "", "ghcr.io/example/app:1.2", "pkg:oci/app@" + digest + "?repository_url=ghcr.io%2Fexample%2Fapp&tag=1.2"},
		{"debian:12", "linux/arm64/v8", "debian:12", "pkg:oci/debian@" + digest + "?arch=arm64&repository_url=docker.io%2Flibrary%2Fdebian&tag=12"},
		{"127.0.0.1:5000/dev/demo@" + digest, "", "127.0.0.1:5000/dev/demo@" + digest, "pkg:oci/demo@" + digest + "?repository_url=127.0.0.1:5000%2Fdev%2Fdemo"},
		{"registry:Not/A/Valid/Ref", "", "Not/A/Valid/Ref", ""}, // upper case is not a repository name
		{"oci-dir:/srv/layout:v1", "linux/amd64", "oci-dir:/srv/layout:v1", ""},
		{"docker-archive:/tmp/app.tar", "", "docker-archive:/tmp/app.tar", ""},
		{"dir:/", "", "dir:/", ""},
		{"", "", digest, ""},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			rep := &scan.Report{Image: scan.ImageRef{Ref: tc.ref, Digest: digest, Platform: tc.platform}, ScannedAt: scannedAt}
			out := write(t, export.CycloneDX, rep)
			validate(t, cycloneDXSchemaURL, out)
			img := decodeBOM(t, out).Metadata.Component
			assert.Equal(t, tc.name, img.Name)
			assert.Equal(t, digest, img.Version)
			assert.Equal(t, tc.purl, img.PackageURL)
			if tc.purl != "" {
				assert.Equal(t, img.PackageURL, img.BOMRef)
			} else {
				assert.True(t, strings.HasPrefix(img.BOMRef, "portcullis:image:"), img.BOMRef)
			}
		})
	}
}

// TestCycloneDXMissingPackage: a finding whose package the report does not
// list (a hand-edited report) affects the image rather than nothing.
func TestCycloneDXMissingPackage(t *testing.T) {
	rep := &scan.Report{
		Image:     scan.ImageRef{Ref: "example.com/app:1", Digest: digest},
		ScannedAt: scannedAt,
		Findings:  []scan.Finding{{ID: "CVE-2024-1", Package: "ghost", Type: "npm", InstalledVersion: "1", Severity: "LOW", Layer: layerApp}},
	}
	out := write(t, export.CycloneDX, rep)
	validate(t, cycloneDXSchemaURL, out)
	bom := decodeBOM(t, out)
	v := (*bom.Vulnerabilities)[0]
	require.Len(t, *v.Affects, 1)
	assert.Equal(t, bom.Metadata.Component.BOMRef, (*v.Affects)[0].Ref)
}
