package java_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/java"
)

// jar builds a zip archive of name → content.
func jar(files ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, _ := zw.Create(f[0])
		w.Write([]byte(f[1]))
	}
	zw.Close()
	return buf.Bytes()
}

func Example() {
	lib := jar([2]string{"META-INF/maven/org.yaml/snakeyaml/pom.properties", "groupId=org.yaml\nartifactId=snakeyaml\nversion=1.33\n"})
	war := jar(
		[2]string{"META-INF/maven/com.example/shop/pom.properties", "groupId=com.example\nartifactId=shop\nversion=3.1.0\n"},
		[2]string{"WEB-INF/lib/snakeyaml-1.33.jar", string(lib)},
		[2]string{"WEB-INF/lib/util-2.0.jar", string(jar([2]string{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"}))},
	)
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile("srv/shop.war", 0o644, int64(len(war)), bytes.NewReader(war)))
	pkgs, err := java.New().Analyze(context.Background(), in)
	if err != nil {
		fmt.Println(err)
	}
	for _, p := range pkgs {
		fmt.Println(p.PURL, p.Paths[len(p.Paths)-1])
	}
	// Output:
	// pkg:maven/com.example/shop@3.1.0 srv/shop.war
	// pkg:maven/org.yaml/snakeyaml@1.33 srv/shop.war!/WEB-INF/lib/snakeyaml-1.33.jar
	// pkg:maven/util@2.0 srv/shop.war!/WEB-INF/lib/util-2.0.jar
}
