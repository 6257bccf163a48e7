package vulndb

import (
	"strings"
)

// Ecosystem names, spelled as OSV spells them. Distro ecosystems carry the
// release after a colon: "Debian:12", "Alpine:v3.19".
const (
	EcosystemGo         = "Go"
	EcosystemNPM        = "npm"
	EcosystemPyPI       = "PyPI"
	EcosystemMaven      = "Maven"
	EcosystemCratesIO   = "crates.io"
	EcosystemRubyGems   = "RubyGems"
	EcosystemPackagist  = "Packagist"
	EcosystemNuGet      = "NuGet"
	EcosystemDebian     = "Debian"
	EcosystemAlpine     = "Alpine"
	EcosystemUbuntu     = "Ubuntu"
	EcosystemRedHat     = "Red Hat"
	EcosystemRocky      = "Rocky Linux"
	EcosystemAlma       = "AlmaLinux"
	EcosystemSUSE       = "SUSE"
	EcosystemOpenSUSE   = "openSUSE"
	EcosystemMariner    = "Mariner"
	EcosystemWolfi      = "Wolfi"
	EcosystemChainguard = "Chainguard"
)

// EcosystemNVD is the pseudo-ecosystem under which records that are known
// only by CPE (NVD's configurations) are kept: the package name of such a
// key is "vendor:product" in lower case.
const EcosystemNVD = "NVD-CPE"

// BaseEcosystem returns an ecosystem without its release suffix:
// "Debian:12" gives "Debian", "Ubuntu:22.04:LTS" gives "Ubuntu".
func BaseEcosystem(ecosystem string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	return base
}

// NormalizeName returns the form of a package name under which an
// ecosystem considers two names the same package: PEP 503 for PyPI (lower
// case, runs of "-", "_" and "." as one "-"), lower case for the
// case-insensitive registries (NuGet, Packagist, crates.io, npm), and the
// name unchanged elsewhere. Feeds and scanners both go through it, so a
// record is found whichever spelling either side used.
func NormalizeName(ecosystem, name string) string {
	name = strings.TrimSpace(name)
	switch BaseEcosystem(ecosystem) {
	case EcosystemPyPI:
		return normalizePEP503(name)
	case EcosystemNuGet, EcosystemPackagist, EcosystemNPM:
		return strings.ToLower(name)
	case EcosystemCratesIO:
		return strings.ReplaceAll(strings.ToLower(name), "_", "-")
	case EcosystemNVD:
		return strings.ToLower(name)
	}
	return name
}

// KeyOf returns the key under which records for an affected package are
// stored and queried: the ecosystem as given and the normalised name.
func KeyOf(p Package) PackageKey {
	return PackageKey{Ecosystem: p.Ecosystem, Name: NormalizeName(p.Ecosystem, p.Name)}
}

// normalizePEP503 lower-cases name and replaces each run of "-", "_" and
// "." with a single "-".
func normalizePEP503(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
