package apk_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/apk"
)

func Example() {
	const installed = `P:libcrypto3
V:3.1.4-r5
A:x86_64
L:Apache-2.0
o:openssl
F:usr/lib
R:libcrypto.so.3

P:broken
`
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile("lib/apk/db/installed", 0o644, int64(len(installed)), strings.NewReader(installed)))
	pkgs, err := apk.New().Analyze(context.Background(), in)
	for _, p := range pkgs {
		fmt.Println(p.PURL, "source:", p.Source.Name, "licences:", p.Licenses)
	}
	fmt.Println("error:", err)
	// Output:
	// pkg:apk/libcrypto3@3.1.4-r5?arch=x86_64 source: openssl licences: [Apache-2.0]
	// error: lib/apk/db/installed: apk: 1 of 2 entries skipped (line 9: package "broken" has no V: (version): entry skipped)
}
