package export_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/export"
)

// exampleReport is a small report: a Debian image with openssl, installed
// by layer 1, and one vulnerability in it.
func exampleReport() *scan.Report {
	layer := scan.LayerRef{Index: 1, DiffID: "sha256:2222222222222222222222222222222222222222222222222222222222222222"}
	purl := scan.NewPURL(scan.TypeDeb, "debian", "openssl", "3.0.11-1~deb12u2", "arch", "amd64", "distro", "debian-12")
	return &scan.Report{
		Image: scan.ImageRef{
			Ref:      "registry:ghcr.io/example/app:1.2",
			Digest:   "sha256:7bd0c945d7e4cc2ce5c21d449ba07eb89c8e6c28085edbcf6f5fa4bf90e7eedc",
			Platform: "linux/amd64",
		},
		Distro: &scan.Distro{ID: "debian", VersionID: "12"},
		Packages: []scan.Package{{
			Name: "openssl", Version: "3.0.11-1~deb12u2", Type: scan.TypeDeb, PURL: purl,
			Source: &scan.Source{Name: "openssl"}, Licenses: []string{"Apache-2.0", "OpenSSL-like"},
			Layer: layer, Paths: []string{"var/lib/dpkg/status"},
		}},
		Findings: []scan.Finding{{
			ID: "CVE-2024-0727", Package: "openssl", Type: scan.TypeDeb, PURL: purl,
			InstalledVersion: "3.0.11-1~deb12u2", FixedVersion: "3.0.13-1~deb12u1", Status: "fixed",
			Severity: "MEDIUM", SeveritySource: "debian",
			CVSS:  []scan.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", Score: 5.5, Source: "nvd"}},
			Layer: layer,
		}},
		ScannedAt: time.Date(2024, 6, 1, 12, 30, 0, 0, time.UTC),
	}
}

func ExampleCycloneDX() {
	var buf bytes.Buffer
	if err := export.CycloneDX(&buf, exampleReport()); err != nil {
		fmt.Println(err)
		return
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Component struct {
				Type, Name string
			}
		}
		Components []struct {
			Type string
			Ref  string `json:"bom-ref"`
		}
		Vulnerabilities []struct {
			ID             string
			Recommendation string
			Affects        []struct{ Ref string }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("CycloneDX", bom.SpecVersion, "for", bom.Metadata.Component.Type, bom.Metadata.Component.Name)
	for _, c := range bom.Components {
		fmt.Println(c.Type, c.Ref)
	}
	for _, v := range bom.Vulnerabilities {
		fmt.Println(v.ID, "affects", v.Affects[0].Ref)
		fmt.Println(v.Recommendation)
	}
	// Output:
	// CycloneDX 1.6 for container ghcr.io/example/app:1.2
	// operating-system portcullis:os:debian@12
	// library pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12
	// CVE-2024-0727 affects pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12
	// Upgrade openssl to 3.0.13-1~deb12u1
}

func ExampleSPDX() {
	var buf bytes.Buffer
	if err := export.SPDX(&buf, exampleReport()); err != nil {
		fmt.Println(err)
		return
	}
	var doc struct {
		DocumentNamespace string
		Packages          []struct {
			SPDXID          string
			LicenseDeclared string
		}
		HasExtractedLicensingInfos []struct{ LicenseID, ExtractedText string }
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.DocumentNamespace)
	for _, p := range doc.Packages {
		fmt.Println(strings.TrimSpace(p.SPDXID + " " + p.LicenseDeclared))
	}
	for _, l := range doc.HasExtractedLicensingInfos {
		fmt.Printf("%s = %q\n", l.LicenseID, l.ExtractedText)
	}
	// Output:
	// https://portcullis.invalid/spdx/sha256:7bd0c945d7e4cc2ce5c21d449ba07eb89c8e6c28085edbcf6f5fa4bf90e7eedc
	// SPDXRef-Image
	// SPDXRef-OperatingSystem
	// SPDXRef-Package-deb-openssl-3.0.11-1-deb12u2 Apache-2.0 AND LicenseRef-OpenSSL-like
	// LicenseRef-OpenSSL-like = "OpenSSL-like"
}

func ExampleSARIF() {
	var buf bytes.Buffer
	if err := export.SARIF(&buf, exampleReport()); err != nil {
		fmt.Println(err)
		return
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID         string
						Properties map[string]any
					}
				}
			}
			Results []struct {
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		fmt.Println(err)
		return
	}
	run := log.Runs[0]
	rule := run.Tool.Driver.Rules[0]
	fmt.Println(run.Tool.Driver.Name, rule.ID, "security-severity", rule.Properties["security-severity"])
	for _, r := range run.Results {
		fmt.Println(r.Level, r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		fmt.Println(r.Message.Text)
	}
	// Output:
	// portcullis CVE-2024-0727 security-severity 5.5
	// warning var/lib/dpkg/status
	// openssl 3.0.11-1~deb12u2 (deb) is affected by CVE-2024-0727. Severity MEDIUM. Fixed version: 3.0.13-1~deb12u1. Installed by layer 1 (sha256:2222222222222222222222222222222222222222222222222222222222222222), found in var/lib/dpkg/status.
}
