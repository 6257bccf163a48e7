package dpkg_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/dpkg"
)

func Example() {
	const status = `Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u2

Package: git
Status: deinstall ok config-files
Version: 1:2.39.2-1.1
`
	const copyright = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
License: Apache-2.0
`
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile("usr/share/doc/libssl3/copyright", 0o644, int64(len(copyright)), strings.NewReader(copyright)),
		scan.NewFile("var/lib/dpkg/status", 0o644, int64(len(status)), strings.NewReader(status)),
	)
	pkgs, err := dpkg.New().Analyze(context.Background(), in)
	if err != nil {
		fmt.Println("error:", err)
	}
	for _, p := range pkgs {
		fmt.Println(p.PURL, "source:", p.Source.Name, p.Source.Version)
		fmt.Println("licences:", p.Licenses, "paths:", p.Paths)
	}
	// Output:
	// pkg:deb/libssl3@3.0.11-1~deb12u2?arch=amd64 source: openssl 3.0.11-1~deb12u2
	// licences: [Apache-2.0] paths: [var/lib/dpkg/status usr/share/doc/libssl3/copyright]
}
