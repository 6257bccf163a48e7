package debian_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/debian"
)

// Import a copy of the tracker's JSON from a local file, as an air-gapped
// site would.
func Example() {
	dir, err := os.MkdirTemp("", "debian-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "debian.json")
	tracker := `{"openssl": {"CVE-2024-5535": {"description": "SSL_select_next_proto buffer overread",
	  "releases": {
	    "bookworm": {"status": "resolved", "fixed_version": "3.0.15-1~deb12u1", "urgency": "low"},
	    "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed"},
	    "trixie": {"status": "undetermined"}}}}}`
	if err := os.WriteFile(path, []byte(tracker), 0o644); err != nil {
		panic(err)
	}

	src, err := debian.New(debian.WithPath(path))
	if err != nil {
		panic(err)
	}
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		for _, a := range v.Affected {
			fmt.Println(v.ID, a.Package.Ecosystem, a.Package.Name, a.Status, a.Ranges, a.Rating.Severity)
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	n, reasons := src.Skipped()
	fmt.Println("skipped:", n, reasons)
	// Output:
	// CVE-2024-5535 Debian:11 openssl wont-fix [{ECOSYSTEM [{0   }]}] LOW
	// CVE-2024-5535 Debian:12 openssl fixed [{ECOSYSTEM [{0   } { 3.0.15-1~deb12u1  }]}] LOW
	// skipped: 1 [status undetermined (vunnel drops these too): 1 (first: openssl/CVE-2024-5535/trixie)]
}
