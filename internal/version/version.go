package version

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/version/apk"
	"github.com/portcullis-oci/portcullis/internal/version/cran"
	"github.com/portcullis-oci/portcullis/internal/version/dpkg"
	"github.com/portcullis-oci/portcullis/internal/version/hackage"
	"github.com/portcullis-oci/portcullis/internal/version/maven"
	"github.com/portcullis-oci/portcullis/internal/version/nuget"
	"github.com/portcullis-oci/portcullis/internal/version/packagist"
	"github.com/portcullis-oci/portcullis/internal/version/pep440"
	"github.com/portcullis-oci/portcullis/internal/version/pub"
	"github.com/portcullis-oci/portcullis/internal/version/rpm"
	"github.com/portcullis-oci/portcullis/internal/version/rubygems"
	"github.com/portcullis-oci/portcullis/internal/version/semver"
)

// Comparer compares two versions of one ecosystem; an unparsable version is an error.
//
// Compare returns a negative number, zero or a positive number as a sorts
// before, equal to or after b. Implementations must be safe for
// concurrent use.
type Comparer interface {
	Compare(a, b string) (int, error)
}

// ComparerFunc adapts a function.
type ComparerFunc func(a, b string) (int, error)

// Compare calls f(a, b).
func (f ComparerFunc) Compare(a, b string) (int, error) { return f(a, b) }

// rules is one ecosystem's comparison and validity check.
type rules struct {
	compare ComparerFunc
	valid   func(string) bool
}

// versioned is what every subpackage's Version provides.
type versioned[V any] interface {
	Compare(V) int
}

// makeRules builds the rules of an ecosystem from a parser. Errors name
// the ecosystem and the version at fault.
func makeRules[V versioned[V]](ecosystem string, parse func(string) (V, error)) rules {
	return rules{
		compare: func(a, b string) (int, error) {
			va, err := parse(a)
			if err != nil {
				return 0, fmt.Errorf("version: %s version %q: %w", ecosystem, a, err)
			}
			vb, err := parse(b)
			if err != nil {
				return 0, fmt.Errorf("version: %s version %q: %w", ecosystem, b, err)
			}
			return va.Compare(vb), nil
		},
		valid: func(s string) bool {
			_, err := parse(s)
			return err == nil
		},
	}
}

// baseEcosystem strips an OSV release suffix: "Debian:12" is "Debian",
// "Ubuntu:22.04:LTS" is "Ubuntu".
func baseEcosystem(ecosystem string) string {
	for i := 0; i < len(ecosystem); i++ {
		if ecosystem[i] == ':' {
			return ecosystem[:i]
		}
	}
	return ecosystem
}

// lookup returns the rules for an ecosystem name (release suffix already
// removed). OSV's names are matched exactly.
func lookup(name string) (rules, bool) {
	switch name {
	case "Debian", "Ubuntu":
		return makeRules(name, dpkg.Parse), true
	case "Alpine", "Wolfi", "Chainguard", "MinimOS":
		// Alpine's data predates apk-tools 3; ParseLegacy also accepts
		// what apk-tools 2 accepted, and the tails OSV's comparer accepts.
		return makeRules(name, apk.ParseLegacy), true
	case "Red Hat", "Rocky Linux", "AlmaLinux", "SUSE", "openSUSE", "Mariner", "Azure Linux",
		"Photon OS", "Oracle", "Mageia", "openEuler":
		return makeRules(name, rpm.Parse), true
	case "PyPI":
		// OSV's PyPI data still has pre-PEP 440 versions, ordered as
		// packaging < 22 did.
		return makeRules(name, pep440.ParseLegacy), true
	case "npm", "crates.io", "Hex", "Bitnami", "SwiftURL":
		return makeRules(name, semver.Parse), true
	case "Go":
		return makeRules(name, semver.ParseGo), true
	case "Maven":
		return makeRules(name, maven.Parse), true
	case "RubyGems":
		return makeRules(name, rubygems.Parse), true
	case "NuGet":
		return makeRules(name, nuget.Parse), true
	case "Packagist":
		return makeRules(name, packagist.Parse), true
	case "CRAN":
		return makeRules(name, cran.Parse), true
	case "Pub":
		return makeRules(name, pub.Parse), true
	case "Hackage", "GHC":
		return makeRules(name, hackage.Parse), true
	}
	return rules{}, false
}

// ForEcosystem returns the comparer for an OSV ecosystem name; a release suffix ("Debian:12", "Alpine:v3.19", "Ubuntu:22.04:LTS") is ignored. ok is false for an ecosystem it does not know.
//
// Names are OSV's, matched exactly: Debian, Ubuntu (dpkg); Alpine, Wolfi,
// Chainguard, MinimOS (apk); Red Hat, Rocky Linux, AlmaLinux, SUSE,
// openSUSE, Mariner, Azure Linux, Photon OS, Oracle, Mageia, openEuler
// (rpm EVR strings); PyPI; npm, crates.io, Hex, Bitnami, SwiftURL
// (semver); Go (semver with an optional 'v', and Go toolchain versions
// such as go1.21.3 and go1.21rc2); Maven; RubyGems; NuGet; Packagist;
// CRAN; Pub; Hackage, GHC.
func ForEcosystem(ecosystem string) (Comparer, bool) {
	r, ok := lookup(baseEcosystem(ecosystem))
	if !ok {
		return nil, false
	}
	return r.compare, true
}

// Valid reports whether v is a version that the comparer for ecosystem
// accepts. It is false for an ecosystem ForEcosystem does not know.
func Valid(ecosystem, v string) bool {
	r, ok := lookup(baseEcosystem(ecosystem))
	return ok && r.valid(v)
}
