package scan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"
)

// Package types, as used in [Package.Type] and in PURLs.
const (
	TypeDeb      = "deb"
	TypeAPK      = "apk"
	TypeRPM      = "rpm"
	TypeGolang   = "golang"
	TypeNPM      = "npm"
	TypePyPI     = "pypi"
	TypeMaven    = "maven"
	TypeCargo    = "cargo"
	TypeGem      = "gem"
	TypeNuGet    = "nuget"
	TypeComposer = "composer"
	TypeBinary   = "binary"
)

// IsOSType reports whether t is the type of an operating-system package
// (deb, apk, rpm), whose PURL carries the distribution.
func IsOSType(t string) bool {
	return t == TypeDeb || t == TypeAPK || t == TypeRPM
}

// Package is one installed package.
//
// Analyzers fill Name, Version, Type, Arch, Source, Licenses, Paths and the
// PURL's type, name, version and package-specific qualifiers. The scanner
// fills Layer and FoundBy, and for OS packages the PURL's namespace and
// distro qualifier once the distribution is known.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Type is the PURL type: deb, apk, rpm, golang, npm, pypi, maven, …
	Type string `json:"type"`
	PURL PURL   `json:"purl"`
	// Arch is the architecture the package was built for, where known.
	Arch string `json:"arch,omitempty"`
	// Source is the source package it was built from (dpkg Source:, the
	// source RPM, the apk origin). It is always set for OS packages, equal to
	// the binary package where the database names no other.
	Source *Source `json:"source,omitempty"`
	// Licenses are the declared licences, as the database states them.
	Licenses []string `json:"licenses,omitempty"`
	// Layer is the lowest layer from which the package is present, unchanged,
	// up to the top of the image.
	Layer LayerRef `json:"layer"`
	// Paths are the evidence: the first is the database or file the package
	// was read from; more may follow (a copyright file, a file list).
	Paths []string `json:"paths"`
	// FoundBy names the analyzer that reported the package.
	FoundBy string `json:"foundBy"`
	// CPEs identify a package known by no ecosystem (a binary found by its
	// version string) to NVD, as CPE 2.3 strings.
	CPEs []string `json:"cpes,omitempty"`
	// Dev marks a development dependency read from a lock file.
	Dev bool `json:"dev,omitempty"`
	// OwnedFiles are the files an OS package installed, as its database
	// lists them (relative to the image root). OS analyzers fill it; the
	// scanner uses it to find the owners of other packages' evidence and
	// leaves it out of the final report.
	OwnedFiles []string `json:"ownedFiles,omitempty"`
	// Owner is the OS package whose files include this package's evidence
	// (Debian's python3-* modules, the jars of lib*-java), when there is
	// one. Such packages take their vulnerabilities from the OS feed by
	// default (see WithOSOwnedEcosystemMatching).
	Owner *Owner `json:"owner,omitempty"`
}

// Owner names the OS package that installed a file.
type Owner struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Source names the source package a binary package was built from.
type Source struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// PURL is a package URL that marshals to and from its string form.
type PURL struct {
	packageurl.PackageURL
}

// NewPURL returns a PURL with the given parts; qualifiers come as key, value
// pairs and empty values are left out.
func NewPURL(typ, namespace, name, version string, qualifiers ...string) PURL {
	var q packageurl.Qualifiers
	for i := 0; i+1 < len(qualifiers); i += 2 {
		if qualifiers[i+1] != "" {
			q = append(q, packageurl.Qualifier{Key: qualifiers[i], Value: qualifiers[i+1]})
		}
	}
	return PURL{*packageurl.NewPackageURL(typ, namespace, name, version, q, "")}
}

// IsZero reports whether p is unset.
func (p PURL) IsZero() bool { return p.Type == "" && p.Name == "" }

// String returns the canonical string form, or "" for a zero PURL.
func (p PURL) String() string {
	if p.IsZero() {
		return ""
	}
	return p.ToString()
}

// Qualifier returns the value of qualifier key, or "".
func (p PURL) Qualifier(key string) string {
	return p.Qualifiers.Map()[key]
}

// WithQualifier returns p with qualifier key set to value (replacing any
// earlier value), keeping qualifiers sorted by key.
func (p PURL) WithQualifier(key, value string) PURL {
	q := make(packageurl.Qualifiers, 0, len(p.Qualifiers)+1)
	set := false
	for _, x := range p.Qualifiers {
		switch {
		case x.Key == key:
			x.Value, set = value, true
		case !set && x.Key > key:
			q = append(q, packageurl.Qualifier{Key: key, Value: value})
			set = true
		}
		q = append(q, x)
	}
	if !set {
		q = append(q, packageurl.Qualifier{Key: key, Value: value})
	}
	slices.SortStableFunc(q, func(a, b packageurl.Qualifier) int { return strings.Compare(a.Key, b.Key) })
	p.Qualifiers = q
	return p
}

// MarshalText implements encoding.TextMarshaler.
func (p PURL) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *PURL) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = PURL{}
		return nil
	}
	u, err := packageurl.FromString(string(b))
	if err != nil {
		return fmt.Errorf("scan: purl %q: %w", b, err)
	}
	*p = PURL{u}
	return nil
}
