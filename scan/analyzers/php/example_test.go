package php_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/php"
)

func Example() {
	const installed = `{
  "packages": [
    {"name": "symfony/http-kernel", "version": "v6.4.1", "license": ["MIT"]},
    {"name": "phpunit/phpunit", "version": "10.5.5", "license": ["BSD-3-Clause"]},
    {"version": "1.0.0"}
  ],
  "dev-package-names": ["phpunit/phpunit"]
}`
	const path = "var/www/vendor/composer/installed.json"
	a := php.New()
	fmt.Println("match:", a.Match(path, 0o644))
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile(path, 0o644, int64(len(installed)), strings.NewReader(installed)))
	pkgs, err := a.Analyze(context.Background(), in)
	for _, p := range pkgs {
		fmt.Println(p.PURL, p.Licenses, "dev:", p.Dev)
	}
	fmt.Println("error:", err)
	// Output:
	// match: true
	// pkg:composer/symfony/http-kernel@6.4.1 [MIT] dev: false
	// pkg:composer/phpunit/phpunit@10.5.5 [BSD-3-Clause] dev: true
	// error: var/www/vendor/composer/installed.json: php: 1 of 3 package entries skipped (packages[2]: no name)
}
