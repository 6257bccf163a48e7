package binary

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/portcullis-oci/portcullis/scan"
)

// MaxReleaseBytes bounds what is read of a file named "release": a JVM's
// is a few kilobytes (its MODULES line is the longest).
const MaxReleaseBytes = 64 << 10

// JavaRelease is the content of a JDK's or JRE's release file.
type JavaRelease struct {
	Implementor        string
	ImplementorVersion string
	JavaVersion        string
	JavaRuntimeVersion string
	FullVersion        string
	SemanticVersion    string
	ImageType          string
	SourceRepo         string
	BuildSourceRepo    string
}

// ParseJavaRelease reads KEY="value" lines. ok is false when the content
// is not a Java release file (it has neither JAVA_VERSION nor
// JAVA_RUNTIME_VERSION).
func ParseJavaRelease(b []byte) (rel JavaRelease, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), MaxReleaseBytes+1)
	for sc.Scan() {
		key, val, found := strings.Cut(sc.Text(), "=")
		if !found {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		if !utf8.ValidString(val) || strings.ContainsFunc(val, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			continue
		}
		switch strings.TrimSpace(key) {
		case "IMPLEMENTOR":
			rel.Implementor = val
		case "IMPLEMENTOR_VERSION":
			rel.ImplementorVersion = val
		case "JAVA_VERSION":
			rel.JavaVersion = val
		case "JAVA_RUNTIME_VERSION":
			rel.JavaRuntimeVersion = val
		case "FULL_VERSION":
			rel.FullVersion = val
		case "SEMANTIC_VERSION":
			rel.SemanticVersion = val
		case "IMAGE_TYPE":
			rel.ImageType = val
		case "SOURCE_REPO":
			rel.SourceRepo = val
		case "BUILD_SOURCE_REPO":
			rel.BuildSourceRepo = val
		}
	}
	return rel, validJavaVersion(rel.JavaVersion) || validJavaVersion(rel.JavaRuntimeVersion)
}

// Version is the runtime's version: JAVA_RUNTIME_VERSION, else
// FULL_VERSION when it has JAVA_VERSION's major version, else
// JAVA_VERSION.
func (r JavaRelease) Version() string {
	switch {
	case validJavaVersion(r.JavaRuntimeVersion):
		return r.JavaRuntimeVersion
	case validJavaVersion(r.FullVersion) && major(r.FullVersion) == major(r.JavaVersion):
		return r.FullVersion
	}
	return r.JavaVersion
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// isJDK reports whether the release is a JDK (IMAGE_TYPE is "JDK" or
// absent) rather than a JRE.
func (r JavaRelease) isJDK() bool { return !strings.Contains(strings.ToLower(r.ImageType), "jre") }

// VendorProduct names the runtime as NVD does: azul/zulu, sun/jdk,
// oracle/jdk (or jre) for Oracle's own builds, and oracle/openjdk for
// every other OpenJDK build (Eclipse Temurin, Amazon Corretto, Red Hat,
// Microsoft, …). path is the release file's path.
func (r JavaRelease) VendorProduct(path string) (string, string) {
	impl := strings.ReplaceAll(strings.ToLower(r.Implementor), " ", "")
	product := "jre"
	if r.isJDK() {
		product = "jdk"
	}
	switch {
	case strings.Contains(impl, "azul") || strings.Contains(path, "zulu"):
		return "azul", "zulu"
	case strings.Contains(impl, "sun"):
		return "sun", product
	case strings.Contains(impl, "oracle") || strings.Contains(path, "oracle"):
		return "oracle", product
	}
	return "oracle", "openjdk"
}

// CPEs returns the CPEs of the runtime: the primary vendor's product and,
// for Azul and Oracle, the names NVD also files their vulnerabilities
// under. Legacy versions ("1.8.0_392-b08") become version 1.8.0, update
// "update392"; JEP 223 versions ("17.0.9+9") version 17.0.9.
func (r JavaRelease) CPEs(vendor, product string) []string {
	ver, update := cpeVersionUpdate(r.Version())
	if ver == "" {
		return nil
	}
	var names []CPEName
	switch {
	case vendor == "azul":
		names = []CPEName{{"azul", "zulu"}, {"oracle", "openjdk"}}
	case vendor == "sun":
		names = []CPEName{{"sun", "jre"}}
		if r.isJDK() {
			names = append(names, CPEName{"sun", "jdk"})
		}
	case vendor == "oracle" && product != "openjdk":
		names = []CPEName{{"oracle", "java_se"}, {"oracle", "jre"}}
		if r.isJDK() {
			names = append(names, CPEName{"oracle", "jdk"})
		}
	default:
		names = []CPEName{{vendor, product}}
	}
	var out []string
	for _, n := range names {
		out = append(out, CPE(n.Vendor, n.Product, ver, update))
	}
	return out
}

// cpeVersionUpdate splits a Java version into the CPE version and update.
func cpeVersionUpdate(v string) (string, string) {
	if short, rest, ok := strings.Cut(v, "_"); ok {
		upd, _, _ := strings.Cut(rest, "-")
		upd = strings.TrimLeft(upd, "0")
		if upd == "" {
			upd = "0"
		}
		return short, "update" + upd
	}
	short, _, _ := strings.Cut(v, "+")
	return short, ""
}

func validJavaVersion(v string) bool {
	if v == "" || len(v) > 64 || v[0] < '0' || v[0] > '9' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '.' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// javaRelease reads a file named "release"; one that is not a Java
// runtime's gives nothing and no error.
func javaRelease(f *scan.File) ([]scan.Package, error) {
	b, err := io.ReadAll(io.LimitReader(f, MaxReleaseBytes))
	if err != nil {
		return nil, fmt.Errorf("binary: reading: %w", err)
	}
	rel, ok := ParseJavaRelease(b)
	if !ok {
		return nil, nil
	}
	return []scan.Package{rel.Package(f.Path)}, nil
}

// Package returns the runtime's package; path is the release file's path.
func (r JavaRelease) Package(path string) scan.Package {
	vendor, product := r.VendorProduct(path)
	version := r.Version()
	repo := r.SourceRepo
	if repo == "" {
		repo = r.BuildSourceRepo
	}
	if strings.ContainsAny(repo, " \t") {
		repo = ""
	}
	return scan.Package{
		Name:    product,
		Version: version,
		Type:    scan.TypeBinary,
		PURL:    scan.NewPURL("generic", vendor, product, version, "repository_url", repo),
		CPEs:    r.CPEs(vendor, product),
		Paths:   []string{path},
	}
}
