package kev_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/kev"
)

// Fetch the catalogue from a server (here a test server standing in for
// cisa.gov); a second fetch with the returned cursor is conditional.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"2025.03.14"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"2025.03.14"`)
		fmt.Fprint(w, `{"catalogVersion": "2025.03.14", "count": 1, "vulnerabilities": [
		  {"cveID": "CVE-2024-3094", "vendorProject": "XZ Utils", "product": "XZ Utils",
		   "vulnerabilityName": "XZ Utils Embedded Malicious Code Vulnerability",
		   "dateAdded": "2024-03-29", "dueDate": "2024-04-19", "knownRansomwareCampaignUse": "Unknown",
		   "shortDescription": "XZ Utils contains embedded malicious code.", "requiredAction": "Apply mitigations.",
		   "notes": "https://nvd.nist.gov/vuln/detail/CVE-2024-3094", "cwes": ["CWE-506"]}]}`)
	}))
	defer srv.Close()

	src, err := kev.New(kev.WithURL(srv.URL))
	if err != nil {
		panic(err)
	}
	cursor, err := src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		fmt.Println(v.ID, v.KEV.DateAdded, v.KEV.DueDate, v.KEV.KnownRansomware, v.CWEs)
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(cursor)
	_, err = src.Fetch(context.Background(), cursor, func(vulndb.Vulnerability) error { return nil })
	fmt.Println(err)
	// Output:
	// CVE-2024-3094 2024-03-29 2024-04-19 Unknown [CWE-506]
	// {"etag":"\"2025.03.14\""}
	// vulndb: feed unchanged
}
