package python_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/python"
)

func Example() {
	const metadata = `Metadata-Version: 2.1
Name: Zope.Interface
Version: 6.1
License: ZPL 2.1
Classifier: License :: OSI Approved :: Zope Public License
Classifier: License :: OSI Approved :: MIT License

The long description is never read.
`
	const path = "usr/lib/python3/dist-packages/zope.interface-6.1.dist-info/METADATA"
	a := python.New()
	fmt.Println("match:", a.Match(path, 0o644))
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile(path, 0o644, int64(len(metadata)), strings.NewReader(metadata)),
		scan.NewFile("usr/lib/python3/dist-packages/broken.egg-info", 0o644, 10, strings.NewReader("Name: x\n")))
	pkgs, err := a.Analyze(context.Background(), in)
	for _, p := range pkgs {
		fmt.Println(p.Name, p.Version, p.PURL, p.Licenses)
	}
	fmt.Println("error:", err)
	// Output:
	// match: true
	// Zope.Interface 6.1 pkg:pypi/zope-interface@6.1 [Zope Public License MIT]
	// error: usr/lib/python3/dist-packages/broken.egg-info: python: metadata without Name or Version header
}
