package export_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The schemas, by the URL their $id (or draft-04 id) gives; the files are
// under testdata/schemas (see the README there).
const (
	cycloneDXSchemaURL = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	spdxSchemaURL      = "http://spdx.org/rdf/terms/2.3"
	sarifSchemaURL     = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

var schemaFiles = map[string]string{
	cycloneDXSchemaURL: "bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schema.json",
	spdxSchemaURL:  "spdx-schema-2.3.json",
	sarifSchemaURL: "sarif-schema-2.1.0.json",
}

var (
	schemasOnce sync.Once
	schemas     map[string]*jsonschema.Schema
	schemasErr  error
)

// compiledSchemas compiles the three published schemas once, offline (no
// loader is configured, so a $ref outside testdata/schemas fails), with
// format assertions on.
func compiledSchemas(tb testing.TB) map[string]*jsonschema.Schema {
	tb.Helper()
	schemasOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		for url, file := range schemaFiles {
			f, err := os.Open(filepath.Join("testdata", "schemas", file))
			if err != nil {
				schemasErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(f)
			f.Close()
			if err != nil {
				schemasErr = err
				return
			}
			if err := c.AddResource(url, doc); err != nil {
				schemasErr = err
				return
			}
		}
		schemas = map[string]*jsonschema.Schema{}
		for _, url := range []string{cycloneDXSchemaURL, spdxSchemaURL, sarifSchemaURL} {
			s, err := c.Compile(url)
			if err != nil {
				schemasErr = err
				return
			}
			schemas[url] = s
		}
	})
	require.NoError(tb, schemasErr, "compiling the schemas in testdata/schemas")
	return schemas
}

// validate checks out against the schema at url.
func validate(tb testing.TB, url string, out []byte) {
	tb.Helper()
	if err := validateErr(tb, url, out); err != nil {
		tb.Fatalf("output does not validate against %s:\n%v\n--- output ---\n%s", url, err, out)
	}
}

// validateErr returns why out does not meet the schema at url, or nil.
func validateErr(tb testing.TB, url string, out []byte) error {
	tb.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	require.NoError(tb, err, "output is not JSON:\n%s", out)
	return compiledSchemas(tb)[url].Validate(inst)
}

// decode unmarshals out into a generic JSON value.
func decode(tb testing.TB, out []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(out, &m))
	return m
}

// golden compares out with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, out []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, out, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing; run go test -update")
	require.Equal(t, string(want), string(out), "output differs from %s; run go test -update if the change is intended", path)
}

const (
	digest   = "sha256:7bd0c945d7e4cc2ce5c21d449ba07eb89c8e6c28085edbcf6f5fa4bf90e7eedc"
	diffBase = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	diffDeb  = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	diffApp  = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
)

var (
	layerBase = scan.LayerRef{Index: 0, DiffID: diffBase}
	layerDeb  = scan.LayerRef{Index: 1, DiffID: diffDeb}
	layerApp  = scan.LayerRef{Index: 2, DiffID: diffApp}
	scannedAt = time.Date(2024, 6, 1, 12, 30, 0, 0, time.UTC)
)

func debPURL(name, version string) scan.PURL {
	return scan.NewPURL(scan.TypeDeb, "debian", name, version, "arch", "amd64", "distro", "debian-12")
}

// richReport is a hand-built report with OS and language packages of
// several types, two packages sharing a PURL, licences that are SPDX ids,
// expressions and free text, a package without a PURL, a removed package,
// findings with and without fixes, with KEV and EPSS, at every severity,
// and an incompleteness. Packages and findings are listed out of order on
// purpose.
func richReport() *scan.Report {
	published := time.Date(2024, 1, 26, 0, 0, 0, 0, time.UTC)
	log4jPublished := time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC)
	deb := func(name, version, src string, layer scan.LayerRef, lic ...string) scan.Package {
		return scan.Package{
			Name: name, Version: version, Type: scan.TypeDeb, PURL: debPURL(name, version), Arch: "amd64",
			Source: &scan.Source{Name: src, Version: version}, Licenses: lic, Layer: layer,
			Paths: []string{"var/lib/dpkg/status", "usr/share/doc/" + name + "/copyright"}, FoundBy: "dpkg",
		}
	}
	lodashPURL := scan.NewPURL(scan.TypeNPM, "", "lodash", "4.17.20")
	log4jPURL := scan.NewPURL(scan.TypeMaven, "org.apache.logging.log4j", "log4j-core", "2.14.1")
	netPURL := scan.NewPURL(scan.TypeGolang, "golang.org/x", "net", "v0.17.0")
	rep := &scan.Report{
		SchemaVersion: scan.SchemaVersion,
		Image: scan.ImageRef{
			Ref: "registry:ghcr.io/example/app:1.2", Digest: digest,
			MediaType: "application/vnd.oci.image.manifest.v1+json", Platform: "linux/amd64",
			Labels: map[string]string{},
		},
		Distro: &scan.Distro{ID: "debian", VersionID: "12", VersionCodename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Layers: []scan.Layer{
			{Index: 0, Digest: "sha256:a0", DiffID: diffBase, Size: 100, CreatedBy: "ADD rootfs.tar /"},
			{Index: 1, Digest: "sha256:a1", DiffID: diffDeb, Size: 200, CreatedBy: "RUN apt-get install -y openssl"},
			{Index: 2, Digest: "sha256:a2", DiffID: diffApp, Size: 300, CreatedBy: "COPY app /app"},
		},
		Packages: []scan.Package{
			{
				Name: "lodash", Version: "4.17.20", Type: scan.TypeNPM, PURL: lodashPURL, Licenses: []string{"MIT"},
				Layer: layerApp, Paths: []string{"app/node_modules/lodash/package.json"}, FoundBy: "npm",
			},
			deb("openssl", "3.0.11-1~deb12u2", "openssl", layerDeb, "Apache-2.0"),
			deb("libssl3", "3.0.11-1~deb12u2", "openssl", layerDeb, "Apache-2.0", "Apache-2.0"),
			deb("bash", "5.2.15-2+b2", "bash", layerBase, "GPL-3.0-or-later", "BSD-4-Clause-UC"),
			deb("base-files", "12.4+deb12u5", "base-files", layerBase, "public-domain"),
			{
				Name: "stdlib", Version: "go1.21.0", Type: scan.TypeGolang, PURL: scan.NewPURL(scan.TypeGolang, "", "stdlib", "go1.21.0"),
				Layer: layerApp, Paths: []string{"app/server"}, FoundBy: "gobinary",
			},
			{
				Name: "golang.org/x/net", Version: "v0.17.0", Type: scan.TypeGolang, PURL: netPURL, Licenses: []string{"BSD-3-Clause"},
				Layer: layerApp, Paths: []string{"app/server"}, FoundBy: "gobinary",
			},
			{
				Name: "lodash", Version: "4.17.20", Type: scan.TypeNPM, PURL: lodashPURL, Licenses: []string{"MIT"},
				Layer: layerApp, Paths: []string{"app/node_modules/legacy/node_modules/lodash/package.json"}, FoundBy: "npm", Dev: true,
			},
			{
				Name: "requests", Version: "2.31.0", Type: scan.TypePyPI, PURL: scan.NewPURL(scan.TypePyPI, "", "requests", "2.31.0"),
				Licenses: []string{"( Apache-2.0 OR MIT ) AND MPL-2.0", "MIT"},
				Owner:    &scan.Owner{Type: scan.TypeDeb, Name: "python3-requests", Version: "2.31.0+dfsg-1"},
				Layer:    layerApp, Paths: []string{"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"}, FoundBy: "python",
			},
			{
				Name: "weird", Version: "0.1", Type: scan.TypePyPI, PURL: scan.NewPURL(scan.TypePyPI, "", "weird", "0.1"),
				Licenses: []string{"MIT OR Apache-2.0", "Custom: see LICENSE | not SPDX"},
				Layer:    layerApp, Paths: []string{"usr/lib/python3/dist-packages/weird-0.1.dist-info/METADATA"}, FoundBy: "python",
			},
			{
				Name: "log4j-core", Version: "2.14.1", Type: scan.TypeMaven, PURL: log4jPURL,
				Licenses: []string{"Apache License, Version 2.0"},
				Layer:    layerApp, Paths: []string{"app/lib/log4j-core-2.14.1.jar"}, FoundBy: "java",
			},
			{
				Name: "busybox", Version: "1.36.1", Type: scan.TypeBinary,
				CPEs:  []string{"cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"},
				Layer: layerBase, Paths: []string{"bin/busybox"}, FoundBy: "binary",
			},
		},
		Removed: []scan.RemovedPackage{{
			Package:   deb("tzdata", "2024a-0+deb12u1", "tzdata", layerBase, "public-domain"),
			RemovedBy: layerDeb,
		}},
		Incomplete: []scan.AnalyzerError{{Analyzer: "rpm", Layer: &layerBase, Path: "var/lib/rpm/Packages", Error: "unsupported database"}},
		ScannedAt:  scannedAt,
		Database:   &scan.DatabaseInfo{MatchedAt: scannedAt, Sources: []vulndb.SourceInfo{{Name: "debian"}, {Name: "osv"}}},
	}
	opensslCVE := func(pkg string) scan.Finding {
		return scan.Finding{
			ID: "CVE-2024-0727", Aliases: []string{"DSA-5678-1"}, Package: pkg, Type: scan.TypeDeb, PURL: debPURL(pkg, "3.0.11-1~deb12u2"),
			InstalledVersion: "3.0.11-1~deb12u2", FixedVersion: "3.0.13-1~deb12u1", Status: "fixed",
			Severity: "MEDIUM", SeveritySource: "debian",
			CVSS:  []scan.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", Score: 5.5, Source: "nvd"}},
			Title: "OpenSSL: denial of service via null dereference", Published: &published,
			DataSources: []string{"debian", "nvd"}, Layer: layerDeb,
		}
	}
	lodashGHSA := func() scan.Finding {
		return scan.Finding{
			ID: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, Package: "lodash", Type: scan.TypeNPM, PURL: lodashPURL,
			InstalledVersion: "4.17.20", FixedVersion: "4.17.21", Status: "fixed", Severity: "HIGH", SeveritySource: "ghsa",
			CVSS: []scan.CVSS{
				{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", Score: 7.2, Source: "ghsa"},
				{Version: "2.0", Vector: "AV:N/AC:L/Au:S/C:P/I:P/A:P", Score: 6.5, Source: "nvd"},
				{Version: "4.0", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Score: 8.6, Source: "ghsa"},
			},
			Title: "Command Injection in lodash", DataSources: []string{"osv:npm"}, Layer: layerApp,
		}
	}
	rep.Findings = []scan.Finding{
		lodashGHSA(),
		{
			ID: "CVE-2021-44228", Aliases: []string{"GHSA-jfh8-c2jp-5v3q"}, Package: "log4j-core", Type: scan.TypeMaven, PURL: log4jPURL,
			InstalledVersion: "2.14.1", FixedVersion: "2.15.0", Status: "fixed", Severity: "CRITICAL", SeveritySource: "ghsa",
			CVSS:  []scan.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Source: "nvd"}},
			Title: "Remote code injection in Log4j", Published: &log4jPublished,
			KEV:         &vulndb.KEV{DateAdded: "2021-12-10", DueDate: "2021-12-24", KnownRansomware: "Known"},
			EPSS:        &vulndb.EPSS{Score: 0.97565, Percentile: 0.99996, Date: "2024-06-01"},
			DataSources: []string{"osv:Maven"}, Layer: layerApp,
		},
		opensslCVE("openssl"),
		{
			ID: "GO-2024-2687", Aliases: []string{"CVE-2023-45288", "GHSA-4v7x-pqxf-cx7m"}, Package: "golang.org/x/net", Type: scan.TypeGolang, PURL: netPURL,
			InstalledVersion: "v0.17.0", FixedVersion: "0.23.0", Status: "fixed", Severity: "MEDIUM",
			Title: "HTTP/2 CONTINUATION flood in net/http", DataSources: []string{"osv"}, Layer: layerApp,
		},
		{
			ID: "CVE-2022-3715", Package: "bash", Type: scan.TypeDeb, PURL: debPURL("bash", "5.2.15-2+b2"),
			InstalledVersion: "5.2.15-2+b2", Status: "wont-fix", Severity: "LOW", SeveritySource: "debian",
			Title: "bash: a heap-buffer-overflow in valid_parameter_transform", DataSources: []string{"debian"}, Layer: layerBase,
		},
		opensslCVE("libssl3"),
		{
			ID: "PORT-2024-0001", Package: "busybox", Type: scan.TypeBinary, InstalledVersion: "1.36.1",
			Status: "not-fixed", Severity: "UNKNOWN", DataSources: []string{"custom"}, Layer: layerBase,
		},
	}
	// One finding per lodash copy, as MatchReport gives: same PURL, same layer.
	rep.Findings = append(rep.Findings, lodashGHSA())
	rep.Summary = map[string]int{"CRITICAL": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 1, "UNKNOWN": 1}
	return rep
}

// emptyReports are reports with nothing in them, down to the zero value.
func emptyReports() map[string]*scan.Report {
	return map[string]*scan.Report{
		"zero": {},
		"no-packages": {
			SchemaVersion: scan.SchemaVersion,
			Image:         scan.ImageRef{Ref: "oci-dir:/tmp/layout:latest", Digest: digest, Labels: map[string]string{}},
			Packages:      []scan.Package{},
			Findings:      []scan.Finding{},
			Incomplete:    []scan.AnalyzerError{},
			ScannedAt:     scannedAt,
		},
	}
}
