package java

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
)

// TestScan runs the analyzer through a real scan: a library jar in layer
// 0, a war with nested jars in layer 1, the library upgraded in layer 2.
// Each package belongs to the layer from which it is present unchanged,
// nested packages to the layer of the archive holding them.
func TestScan(t *testing.T) {
	war := zipOf(t,
		pomProps("com.example", "shop", "3.1.0"),
		deflated("WEB-INF/lib/jackson-databind-2.13.4.jar", libJar(t, "com.fasterxml.jackson.core", "jackson-databind", "2.13.4")),
		deflated("WEB-INF/lib/broken.jar", []byte("not a zip")))
	img := testimage.Image(
		[]testimage.Entry{
			{Name: "opt/app/lib/log4j-core-2.14.1.jar", Body: libJar(t, "org.apache.logging.log4j", "log4j-core", "2.14.1")},
			{Name: "opt/app/lib/commons-text-1.9.jar", Body: libJar(t, "org.apache.commons", "commons-text", "1.9")},
			testimage.File("opt/app/lib/README", "jars"),
		},
		[]testimage.Entry{
			{Name: "usr/local/tomcat/webapps/shop.war", Body: war},
		},
		[]testimage.Entry{
			testimage.Whiteout("opt/app/lib/log4j-core-2.14.1.jar"),
			{Name: "opt/app/lib/log4j-core-2.17.1.jar", Body: libJar(t, "org.apache.logging.log4j", "log4j-core", "2.17.1")},
		},
	)
	sc, err := scan.New(scan.WithAnalyzers(New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)

	type got struct {
		Layer int
		PURL  string
		Paths []string
	}
	byName := map[string]got{}
	for _, p := range rep.Packages {
		byName[p.Name+"@"+p.Version] = got{p.Layer.Index, p.PURL.String(), p.Paths}
		assert.Equal(t, Name, p.FoundBy)
	}
	assert.Equal(t, map[string]got{
		"commons-text@1.9":        {0, "pkg:maven/org.apache.commons/commons-text@1.9", []string{"opt/app/lib/commons-text-1.9.jar"}},
		"shop@3.1.0":              {1, "pkg:maven/com.example/shop@3.1.0", []string{"usr/local/tomcat/webapps/shop.war"}},
		"jackson-databind@2.13.4": {1, "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.4", []string{"usr/local/tomcat/webapps/shop.war", "usr/local/tomcat/webapps/shop.war!/WEB-INF/lib/jackson-databind-2.13.4.jar"}},
		"log4j-core@2.17.1":       {2, "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1", []string{"opt/app/lib/log4j-core-2.17.1.jar"}},
	}, byName)
	require.Len(t, rep.Incomplete, 1)
	assert.Equal(t, "usr/local/tomcat/webapps/shop.war", rep.Incomplete[0].Path)
	assert.Equal(t, 1, rep.Incomplete[0].Layer.Index)
	assert.Contains(t, rep.Incomplete[0].Error, "java: WEB-INF/lib/broken.jar: not a valid zip archive")
	var removed []string
	for _, r := range rep.Removed {
		removed = append(removed, r.Name+"@"+r.Version)
	}
	assert.Equal(t, []string{"log4j-core@2.14.1"}, removed)
}
