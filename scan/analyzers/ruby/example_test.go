package ruby_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/ruby"
)

func Example() {
	const gemspec = `# -*- encoding: utf-8 -*-
# stub: puma 6.4.0 ruby lib

Gem::Specification.new do |s|
  s.name = "puma".freeze
  s.version = "6.4.0"
  s.licenses = ["BSD-3-Clause".freeze]
end
`
	const lock = `GEM
  remote: https://rubygems.org/
  specs:
    ffi (1.16.3-x86_64-linux-gnu)
    rack (3.0.8)

PLATFORMS
  x86_64-linux
`
	a := ruby.New()
	in := scan.NewInput(scan.LayerRef{}, os.TempDir(),
		scan.NewFile("usr/local/bundle/specifications/puma-6.4.0.gemspec", 0o644, int64(len(gemspec)), strings.NewReader(gemspec)),
		scan.NewFile("app/Gemfile.lock", 0o644, int64(len(lock)), strings.NewReader(lock)))
	pkgs, err := a.Analyze(context.Background(), in)
	for _, p := range pkgs {
		fmt.Println(p.PURL, p.Licenses, p.Paths[0])
	}
	fmt.Println("error:", err)
	// Output:
	// pkg:gem/puma@6.4.0 [BSD-3-Clause] usr/local/bundle/specifications/puma-6.4.0.gemspec
	// pkg:gem/ffi@1.16.3 [] app/Gemfile.lock
	// pkg:gem/rack@3.0.8 [] app/Gemfile.lock
	// error: <nil>
}
