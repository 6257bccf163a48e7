package npm_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/npm"
)

func Example() {
	files := map[string]string{
		// An installed tree, with a nested, scoped package.
		"app/node_modules/express/package.json":                        `{"name": "express", "version": "4.18.2", "license": "MIT"}`,
		"app/node_modules/express/node_modules/@types/qs/package.json": `{"name": "@types/qs", "version": "6.9.7", "license": {"type": "MIT"}}`,
		"app/node_modules/express/lib/package.json":                    `{"private": true}`,
		// A project without node_modules in this layer: its lock file.
		"web/package-lock.json": `{"lockfileVersion": 3, "packages": {
			"": {"name": "web"},
			"node_modules/react": {"version": "18.2.0"},
			"node_modules/jest": {"version": "29.7.0", "dev": true}}}`,
	}
	a := npm.New()
	var in []*scan.File
	for _, path := range []string{
		"app/node_modules/express/package.json",
		"app/node_modules/express/node_modules/@types/qs/package.json",
		"app/node_modules/express/lib/package.json",
		"web/package-lock.json",
	} {
		if !a.Match(path, 0o644) {
			fmt.Println("not read:", path)
			continue
		}
		in = append(in, scan.NewFile(path, 0o644, int64(len(files[path])), strings.NewReader(files[path])))
	}
	pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, os.TempDir(), in...))
	if err != nil {
		fmt.Println(err)
	}
	for _, p := range pkgs {
		fmt.Println(p.PURL, p.Licenses, "dev:", p.Dev, "from", p.Paths[0])
	}
	// Output:
	// not read: app/node_modules/express/lib/package.json
	// pkg:npm/express@4.18.2 [MIT] dev: false from app/node_modules/express/package.json
	// pkg:npm/%40types/qs@6.9.7 [MIT] dev: false from app/node_modules/express/node_modules/@types/qs/package.json
	// pkg:npm/jest@29.7.0 [] dev: true from web/package-lock.json
	// pkg:npm/react@18.2.0 [] dev: false from web/package-lock.json
}
