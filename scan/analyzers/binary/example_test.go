package binary_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/binary"
)

func Example() {
	// The bytes of an openssl built from source: somewhere in its data,
	// the version text.
	body := "\x7fELF...\x00OpenSSL 3.0.13 30 Jan 2024\x00...more"
	a := binary.New()
	fmt.Println("match:", a.Match("usr/local/bin/openssl", 0o755), a.Match("usr/local/bin/ls", 0o755))
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile("usr/local/bin/openssl", 0o755, int64(len(body)), strings.NewReader(body)))
	pkgs, err := a.Analyze(context.Background(), in)
	for _, p := range pkgs {
		fmt.Println(p.Type, p.PURL, p.CPEs)
	}
	fmt.Println("error:", err)
	// Output:
	// match: true false
	// binary pkg:generic/openssl@3.0.13 [cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*]
	// error: <nil>
}
