package export_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

// largeReport is a report the size of a big image: n packages, each with a
// licence and one finding, a tenth of them sharing vulnerability IDs.
func largeReport(n int) *scan.Report {
	rep := richReport()
	rep.Packages, rep.Findings = nil, nil
	for i := range n {
		name, version := fmt.Sprintf("pkg-%04d", i), fmt.Sprintf("1.%d.0", i%17)
		purl := scan.NewPURL(scan.TypeNPM, "", name, version)
		rep.Packages = append(rep.Packages, scan.Package{
			Name: name, Version: version, Type: scan.TypeNPM, PURL: purl,
			Licenses: []string{[]string{"MIT", "Apache-2.0 OR MIT", "Custom licence"}[i%3]},
			Layer:    layerApp, Paths: []string{"app/node_modules/" + name + "/package.json"},
		})
		rep.Findings = append(rep.Findings, scan.Finding{
			ID: fmt.Sprintf("CVE-2024-%05d", i/10), Package: name, Type: scan.TypeNPM, PURL: purl,
			InstalledVersion: version, FixedVersion: "9.9.9", Status: "fixed", Severity: "HIGH",
			CVSS:  []scan.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Source: "nvd"}},
			Layer: layerApp, DataSources: []string{"osv"},
		})
	}
	return rep
}

func BenchmarkExport(b *testing.B) {
	rep := largeReport(2000)
	for _, f := range formats {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if err := f.write(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
