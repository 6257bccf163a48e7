package alpine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/alpine"
)

// Import a local copy of the secdb, laid out as secdb.alpinelinux.org
// serves it.
func Example() {
	dir, err := os.MkdirTemp("", "secdb-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Mkdir(filepath.Join(dir, "v3.20"), 0o755); err != nil {
		panic(err)
	}
	mainJSON := `{"distroversion": "v3.20", "reponame": "main", "packages": [
	  {"pkg": {"name": "zlib", "secfixes": {"1.2.12-r2": ["CVE-2022-37434"], "0": ["CVE-2023-45853"]}}},
	  {"pkg": {"name": "xen", "secfixes": {"4.18.2-r0": ["CVE-2024-31142 XSA-455"]}}}]}`
	if err := os.WriteFile(filepath.Join(dir, "v3.20", "main.json"), []byte(mainJSON), 0o644); err != nil {
		panic(err)
	}

	src, err := alpine.New(alpine.WithPath(dir))
	if err != nil {
		panic(err)
	}
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		a := v.Affected[0]
		fmt.Println(v.ID, v.Aliases, a.Package.Ecosystem, a.Package.Name, a.Status, a.Ranges)
		return nil
	})
	if err != nil {
		panic(err)
	}
	n, reasons := src.Skipped()
	fmt.Println("skipped:", n, len(reasons))
	// Output:
	// CVE-2022-37434 [] Alpine:v3.20 zlib fixed [{ECOSYSTEM [{0   } { 1.2.12-r2  }]}]
	// CVE-2023-45853 [] Alpine:v3.20 zlib not-affected []
	// CVE-2024-31142 [XSA-455] Alpine:v3.20 xen fixed [{ECOSYSTEM [{0   } { 4.18.2-r0  }]}]
	// skipped: 1 1
}
