// Package analyzers assembles the default set of [scan.Analyzer]s.
package analyzers

import (
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/apk"
	"github.com/portcullis-oci/portcullis/scan/analyzers/binary"
	"github.com/portcullis-oci/portcullis/scan/analyzers/dotnet"
	"github.com/portcullis-oci/portcullis/scan/analyzers/dpkg"
	"github.com/portcullis-oci/portcullis/scan/analyzers/gobinary"
	"github.com/portcullis-oci/portcullis/scan/analyzers/java"
	"github.com/portcullis-oci/portcullis/scan/analyzers/npm"
	"github.com/portcullis-oci/portcullis/scan/analyzers/php"
	"github.com/portcullis-oci/portcullis/scan/analyzers/python"
	"github.com/portcullis-oci/portcullis/scan/analyzers/rpm"
	"github.com/portcullis-oci/portcullis/scan/analyzers/ruby"
	"github.com/portcullis-oci/portcullis/scan/analyzers/rust"
)

// Default returns a new slice of the default analyzers: the OS package
// databases (dpkg, apk, rpm); Go and Rust binaries; the npm, Python, Java,
// Ruby, PHP and .NET ecosystems; and version classifiers for programs
// installed outside any package manager. Append your own to it.
func Default() []scan.Analyzer {
	return []scan.Analyzer{
		dpkg.New(), apk.New(), rpm.New(),
		gobinary.New(), rust.New(),
		npm.New(), python.New(), java.New(), ruby.New(), php.New(), dotnet.New(),
		binary.New(),
	}
}
