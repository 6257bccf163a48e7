// Package analyzers assembles the default set of [scan.Analyzer]s.
package analyzers

import (
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/apk"
	"github.com/portcullis-oci/portcullis/scan/analyzers/dpkg"
	"github.com/portcullis-oci/portcullis/scan/analyzers/gobinary"
	"github.com/portcullis-oci/portcullis/scan/analyzers/java"
	"github.com/portcullis-oci/portcullis/scan/analyzers/npm"
	"github.com/portcullis-oci/portcullis/scan/analyzers/python"
	"github.com/portcullis-oci/portcullis/scan/analyzers/rpm"
)

// Default returns a new slice of the default analyzers: the OS package
// databases (dpkg, apk, rpm), Go binaries, and the npm, Python and Java
// ecosystems. Append your own to it.
func Default() []scan.Analyzer {
	return []scan.Analyzer{
		dpkg.New(), apk.New(), rpm.New(),
		gobinary.New(),
		npm.New(), python.New(), java.New(),
	}
}
