package npm_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/npm"
)

func pkgJSON(name, version string) string {
	return `{"name": "` + name + `", "version": "` + version + `", "license": "MIT"}`
}

// TestScan runs the analyzer through a real scan of a four-layer image:
// a lock file alone, then an installed tree, then a nested upgrade, then a
// removal. Each package belongs to the layer from which it is present
// unchanged.
func TestScan(t *testing.T) {
	const lock = `{"lockfileVersion": 3, "packages": {"": {"name": "svc"}, "node_modules/left-pad": {"version": "1.3.0", "dev": true}, "node_modules/@scope/util": {"version": "2.0.0"}}}`
	img := testimage.Image(
		[]testimage.Entry{
			testimage.File("srv/svc/package.json", `{"name": "svc"}`),
			testimage.File("srv/svc/package-lock.json", lock),
			testimage.File("usr/share/nodejs/acorn/package.json", pkgJSON("acorn", "8.8.1")),
		},
		[]testimage.Entry{
			testimage.File("app/node_modules/express/package.json", pkgJSON("express", "4.18.2")),
			testimage.File("app/node_modules/express/node_modules/debug/package.json", pkgJSON("debug", "2.6.9")),
			testimage.File("app/node_modules/@types/node/package.json", pkgJSON("@types/node", "20.1.0")),
			testimage.File("app/node_modules/@types/node/ts4.8/package.json", `{"private": true}`),
			testimage.File("app/node_modules/broken/package.json", `{"name": `),
		},
		[]testimage.Entry{
			testimage.File("app/node_modules/express/node_modules/debug/package.json", pkgJSON("debug", "2.6.10")),
		},
		[]testimage.Entry{
			testimage.Whiteout("app/node_modules/@types"),
		},
	)
	sc, err := scan.New(scan.WithAnalyzers(npm.New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)

	type got struct {
		Layer int
		Dev   bool
		PURL  string
		Path  string
	}
	byName := map[string]got{}
	for _, p := range rep.Packages {
		byName[p.Name+"@"+p.Version] = got{p.Layer.Index, p.Dev, p.PURL.String(), p.Paths[0]}
		assert.Equal(t, npm.Name, p.FoundBy)
	}
	assert.Equal(t, map[string]got{
		"left-pad@1.3.0":    {0, true, "pkg:npm/left-pad@1.3.0", "srv/svc/package-lock.json"},
		"@scope/util@2.0.0": {0, false, "pkg:npm/%40scope/util@2.0.0", "srv/svc/package-lock.json"},
		"acorn@8.8.1":       {0, false, "pkg:npm/acorn@8.8.1", "usr/share/nodejs/acorn/package.json"},
		"express@4.18.2":    {1, false, "pkg:npm/express@4.18.2", "app/node_modules/express/package.json"},
		"debug@2.6.10":      {2, false, "pkg:npm/debug@2.6.10", "app/node_modules/express/node_modules/debug/package.json"},
	}, byName)
	require.Len(t, rep.Incomplete, 1)
	assert.Equal(t, "app/node_modules/broken/package.json", rep.Incomplete[0].Path)
	assert.Equal(t, 1, rep.Incomplete[0].Layer.Index)
	var removed []string
	for _, r := range rep.Removed {
		removed = append(removed, r.Name+"@"+r.Version)
	}
	assert.Contains(t, removed, "@types/node@20.1.0")
}
