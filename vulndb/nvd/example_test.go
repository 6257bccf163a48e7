package nvd_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/nvd"
)

// Import a saved NVD API 2.0 response, as for an air-gapped update.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "nvd-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	page := `{"resultsPerPage":1,"startIndex":0,"totalResults":1,"vulnerabilities":[{"cve":{
	  "id":"CVE-2099-0001","published":"2099-01-01T00:00:00.000","lastModified":"2099-01-02T00:00:00.000",
	  "descriptions":[{"lang":"en","value":"A flaw in Acme App before 1.4 allows remote code execution. Details follow."}],
	  "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1",
	    "vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"}}]},
	  "weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"CWE-94"}]}],
	  "configurations":[{"operator":"AND","nodes":[
	    {"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*","versionEndExcluding":"1.4"}]},
	    {"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"}]}]}]}}]}`
	if err := os.WriteFile(filepath.Join(dir, "page.json"), []byte(page), 0o600); err != nil {
		log.Fatal(err)
	}

	src, err := nvd.New(nvd.WithPath(dir))
	if err != nil {
		log.Fatal(err)
	}
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		fmt.Println(v.ID, v.Summary)
		fmt.Println(v.Rating.Severity, v.Severity[0].Score, v.CWEs)
		for _, a := range v.Affected {
			fmt.Println(a.Package.Ecosystem, a.Package.Name, a.CPEs[0].VersionEndExcluding)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// CVE-2099-0001 A flaw in Acme App before 1.4 allows remote code execution.
	// CRITICAL 9.8 [CWE-94]
	// NVD-CPE acme:app 1.4
}
