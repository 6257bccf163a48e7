package export_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/export"
)

// decodeSPDX reads the output back with tools-golang's own reader.
func decodeSPDX(t *testing.T, out []byte) *spdx.Document {
	t.Helper()
	var doc spdx.Document
	require.NoError(t, spdxjson.ReadInto(bytes.NewReader(out), &doc))
	return &doc
}

var (
	spdxIDPattern     = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	licenseRefPattern = regexp.MustCompile(`LicenseRef-[A-Za-z0-9.-]+`)
)

func TestSPDXContent(t *testing.T) {
	rep := richReport()
	out := write(t, export.SPDX, rep)
	validate(t, spdxSchemaURL, out)
	doc := decodeSPDX(t, out)

	assert.Equal(t, "SPDX-2.3", doc.SPDXVersion)
	assert.Equal(t, "CC0-1.0", doc.DataLicense)
	assert.Equal(t, export.SPDXNamespacePrefix+digest, doc.DocumentNamespace)
	assert.Equal(t, "2024-06-01T12:30:00Z", doc.CreationInfo.Created)
	assert.Equal(t, []common.Creator{{Creator: "portcullis", CreatorType: "Tool"}}, doc.CreationInfo.Creators)
	assert.Contains(t, doc.DocumentComment, "var/lib/rpm/Packages: unsupported database")

	// The image, the distribution, and one package per installed package.
	require.Len(t, doc.Packages, len(rep.Packages)+2)
	byID := map[common.ElementID]*spdx.Package{}
	purls := map[string]int{}
	for _, p := range doc.Packages {
		id := common.RenderElementID(p.PackageSPDXIdentifier)
		assert.Regexp(t, spdxIDPattern, id)
		_, dup := byID[p.PackageSPDXIdentifier]
		assert.False(t, dup, "SPDXID %s is not unique", id)
		byID[p.PackageSPDXIdentifier] = p
		assert.Equal(t, "NOASSERTION", p.PackageDownloadLocation)
		assert.False(t, p.FilesAnalyzed)
		for _, r := range p.PackageExternalReferences {
			switch r.Category {
			case "PACKAGE-MANAGER":
				assert.Equal(t, "purl", r.RefType)
				purls[r.Locator]++
			case "SECURITY":
				assert.Equal(t, "cpe23Type", r.RefType)
				assert.Equal(t, "busybox", p.PackageName)
				assert.Equal(t, "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*", r.Locator)
			default:
				t.Errorf("external reference category %s", r.Category)
			}
		}
		assert.NotContains(t, p.PackageName, "tzdata", "a removed package is left out")
	}
	for _, p := range rep.Packages {
		if purl := p.PURL.String(); purl != "" {
			assert.Positive(t, purls[purl], "no package has the PURL %s", purl)
		}
	}
	assert.Equal(t, 2, purls["pkg:npm/lodash@4.17.20"])

	image := byID["Image"]
	require.NotNil(t, image)
	assert.Equal(t, "ghcr.io/example/app:1.2", image.PackageName)
	assert.Equal(t, digest, image.PackageVersion)
	assert.Equal(t, "CONTAINER", image.PrimaryPackagePurpose)
	require.Len(t, image.PackageExternalReferences, 1)
	assert.True(t, strings.HasPrefix(image.PackageExternalReferences[0].Locator, "pkg:oci/app@sha256:"))
	assert.Equal(t, "OPERATING_SYSTEM", byID["OperatingSystem"].PrimaryPackagePurpose)

	// DOCUMENT DESCRIBES the image, which CONTAINS everything else.
	contains := map[common.ElementID]bool{}
	describes := 0
	for _, r := range doc.Relationships {
		switch r.Relationship {
		case "DESCRIBES":
			describes++
			assert.Equal(t, common.ElementID("DOCUMENT"), r.RefA.ElementRefID)
			assert.Equal(t, common.ElementID("Image"), r.RefB.ElementRefID)
		case "CONTAINS":
			assert.Equal(t, common.ElementID("Image"), r.RefA.ElementRefID)
			contains[r.RefB.ElementRefID] = true
		default:
			t.Errorf("unexpected relationship %s", r.Relationship)
		}
	}
	assert.Equal(t, 1, describes)
	for id := range byID {
		assert.Equal(t, id != "Image", contains[id], "image CONTAINS %s", id)
	}

	// Licences: SPDX expressions as they are, free text as declared
	// LicenseRefs, nothing as NOASSERTION.
	declared := map[string]string{}
	for _, p := range doc.Packages {
		if len(p.PackageExternalReferences) > 0 && p.PackageSPDXIdentifier != "Image" {
			declared[p.PackageExternalReferences[0].Locator] = p.PackageLicenseDeclared
		}
		if strings.Contains(p.PackageName, "busybox") {
			assert.Equal(t, "NOASSERTION", p.PackageLicenseDeclared)
			require.Len(t, p.PackageExternalReferences, 1, "busybox has a CPE and no PURL")
		}
		if p.PackageName == "requests" {
			assert.Contains(t, p.PackageComment, "installed by OS package deb/python3-requests@2.31.0+dfsg-1")
		}
	}
	assert.Equal(t, "Apache-2.0", declared["pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"])
	assert.Equal(t, "GPL-3.0-or-later AND BSD-4-Clause-UC", declared["pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"])
	assert.Equal(t, "((Apache-2.0 OR MIT) AND MPL-2.0) AND MIT", declared["pkg:pypi/requests@2.31.0"])
	assert.Equal(t, "LicenseRef-Apache-License-Version-2.0", declared["pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"])
	assert.Equal(t, "(MIT OR Apache-2.0) AND LicenseRef-Custom-see-LICENSE-not-SPDX", declared["pkg:pypi/weird@0.1"])
	assert.Equal(t, "NOASSERTION", declared["pkg:golang/stdlib@go1.21.0"])

	extracted := map[string]string{}
	for _, l := range doc.OtherLicenses {
		extracted[l.LicenseIdentifier] = l.ExtractedText
	}
	assert.Equal(t, map[string]string{
		"LicenseRef-Apache-License-Version-2.0":  "Apache License, Version 2.0",
		"LicenseRef-Custom-see-LICENSE-not-SPDX": "Custom: see LICENSE | not SPDX",
		"LicenseRef-public-domain":               "public-domain",
	}, extracted)
	assertLicenseRefsDeclared(t, doc)
}

// assertLicenseRefsDeclared checks that every LicenseRef a package names
// has a hasExtractedLicensingInfos entry, as SPDX requires.
func assertLicenseRefsDeclared(t *testing.T, doc *spdx.Document) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range doc.OtherLicenses {
		have[l.LicenseIdentifier] = true
		assert.NotEmpty(t, l.ExtractedText)
	}
	for _, p := range doc.Packages {
		for _, ref := range licenseRefPattern.FindAllString(p.PackageLicenseDeclared, -1) {
			assert.True(t, have[ref], "%s names %s, which is not declared", p.PackageName, ref)
		}
	}
}

// TestSPDXLicenseRefs covers LicenseRefs: free texts that sanitise to the
// same identifier get distinct ones, a LicenseRef a package's own
// expression names is declared, and DocumentRefs become text.
func TestSPDXLicenseRefs(t *testing.T) {
	pkg := func(name string, lic ...string) scan.Package {
		return scan.Package{Name: name, Version: "1", Type: scan.TypeNPM, PURL: scan.NewPURL(scan.TypeNPM, "", name, "1"), Licenses: lic}
	}
	rep := &scan.Report{
		Image:     scan.ImageRef{Digest: digest},
		ScannedAt: scannedAt,
		Packages: []scan.Package{
			pkg("a", "Public Domain"),
			pkg("b", "Public+Domain"),
			pkg("c", "LicenseRef-Public-Domain OR MIT"),
			pkg("d", "DocumentRef-other:LicenseRef-x"),
			pkg("e", "!!!"),
			pkg("f", strings.Repeat("x", 5000)),
		},
	}
	out := write(t, export.SPDX, rep)
	validate(t, spdxSchemaURL, out)
	doc := decodeSPDX(t, out)
	declared := map[string]string{}
	for _, p := range doc.Packages {
		declared[p.PackageName] = p.PackageLicenseDeclared
	}
	// c names LicenseRef-Public-Domain itself, so the free texts of a and
	// b, which sanitise to the same identifier, get others.
	assert.Equal(t, "LicenseRef-Public-Domain-2", declared["a"])
	assert.Equal(t, "LicenseRef-Public-Domain-3", declared["b"])
	assert.Equal(t, "LicenseRef-Public-Domain OR MIT", declared["c"], "a package's own LicenseRef is kept")
	assert.Equal(t, "LicenseRef-DocumentRef-other-LicenseRef-x", declared["d"])
	assert.Equal(t, "LicenseRef-unnamed", declared["e"])
	assert.Regexp(t, `^LicenseRef-x{64}$`, declared["f"], "long texts give bounded identifiers")
	assertLicenseRefsDeclared(t, doc)
	texts := map[string]string{}
	for _, l := range doc.OtherLicenses {
		texts[l.LicenseIdentifier] = l.ExtractedText
	}
	assert.Equal(t, "Public Domain", texts["LicenseRef-Public-Domain-2"])
	assert.Equal(t, "Public+Domain", texts["LicenseRef-Public-Domain-3"])
	assert.Equal(t, "LicenseRef-Public-Domain OR MIT", texts["LicenseRef-Public-Domain"], "declared with the expression it came from")
}

// TestSPDXIDs: SPDXIDs are sanitised and unique even when packages
// sanitise to the same identifier.
func TestSPDXIDs(t *testing.T) {
	rep := &scan.Report{
		Image: scan.ImageRef{Digest: digest},
		Packages: []scan.Package{
			{Name: "@scope/pkg", Version: "1.0.0", Type: scan.TypeNPM},
			{Name: "scope/pkg", Version: "1.0.0", Type: scan.TypeNPM},
			{Name: "ünïcode", Version: "1:2.3~rc1+dfsg", Type: scan.TypeDeb},
			{Name: "", Version: "", Type: ""},
		},
	}
	out := write(t, export.SPDX, rep)
	validate(t, spdxSchemaURL, out)
	doc := decodeSPDX(t, out)
	seen := map[string]bool{}
	for _, p := range doc.Packages {
		id := common.RenderElementID(p.PackageSPDXIdentifier)
		assert.Regexp(t, spdxIDPattern, id)
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	assert.True(t, seen["SPDXRef-Package-npm-scope-pkg-1.0.0"])
	assert.True(t, seen["SPDXRef-Package-npm-scope-pkg-1.0.0-2"])
}
