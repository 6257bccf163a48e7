package dotnet_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/dotnet"
)

func Example() {
	const deps = `{
  "targets": {".NETCoreApp,Version=v8.0": {"Api/1.0.0": {}, "Dapper/2.1.28": {}}},
  "libraries": {
    "Api/1.0.0": {"type": "project"},
    "Dapper/2.1.28": {"type": "package", "path": "dapper/2.1.28"}
  }
}`
	const path = "app/Api.deps.json"
	a := dotnet.New()
	fmt.Println("match:", a.Match(path, 0o644))
	pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile(path, 0o644, int64(len(deps)), strings.NewReader(deps))))
	for _, p := range pkgs {
		fmt.Println(p.Name, p.Version, p.PURL)
	}
	fmt.Println("error:", err)
	// Output:
	// match: true
	// Dapper 2.1.28 pkg:nuget/Dapper@2.1.28
	// error: <nil>
}
