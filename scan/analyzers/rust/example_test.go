package rust_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/rust"
)

func Example() {
	const lock = `version = 4

[[package]]
name = "myapp"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.217"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "02fc4265df13d6fa1d00ecff087228cc0a2b5f3c0e87e258d8b94a156e984c70"
`
	a := rust.New()
	fmt.Println("match:", a.Match("src/myapp/Cargo.lock", 0o644), a.Match("usr/local/bin/myapp", 0o755))
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile("src/myapp/Cargo.lock", 0o644, int64(len(lock)), strings.NewReader(lock)))
	pkgs, err := a.Analyze(context.Background(), in)
	for _, p := range pkgs {
		fmt.Println(p.PURL)
	}
	fmt.Println("error:", err)
	// Output:
	// match: true true
	// pkg:cargo/serde@1.0.217
	// error: <nil>
}
