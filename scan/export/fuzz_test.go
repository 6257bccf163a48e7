package export_test

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/scan"
)

// FuzzExport builds a report from arbitrary strings (names, versions,
// licences, evidence paths, IDs, references, severities) and checks that
// no writer panics and that every output still meets its schema. Seeds
// include the licence lines of trivy's real apk database.
func FuzzExport(f *testing.F) {
	f.Add("openssl", "3.0.11-1~deb12u2", "Apache-2.0", "var/lib/dpkg/status", "CVE-2024-0727", "registry:ghcr.io/a/b:1", "HIGH", "3.1")
	f.Add("@scope/p", "1.0.0", "(MIT OR Apache-2.0) AND LicenseRef-x", "/app/node_modules/@scope/p/package.json", "GHSA-xxxx-yyyy-zzzz", "debian:12", "CRITICAL", "4.0")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("ü\x00\xff", "1:2~rc", "MIT BSD GPL2+", "c:d/#?%", "DSA-1-1", "oci-dir:/x", "bogus", "2.0")
	f.Add("p", "1", "DocumentRef-a:LicenseRef-b OR", "../../etc/passwd", "GO-2024-1", "/abs", "LOW", "")
	if p := shareddata.Find("pkgdb", "apk-trivy", "installed"); p != "" {
		if b, err := readLines(p, "L:"); err == nil {
			for _, l := range b {
				f.Add("pkg", "1", l, "lib/apk/db/installed", "CVE-2019-14697", "alpine:3.19", "MEDIUM", "3.0")
			}
		}
	}
	compiledSchemas(f)
	f.Fuzz(func(t *testing.T, name, version, license, path, id, ref, severity, cvssVersion string) {
		purl := scan.NewPURL(scan.TypeNPM, "", name, version)
		if name == "" {
			purl = scan.PURL{}
		}
		pkg := scan.Package{
			Name: name, Version: version, Type: scan.TypeNPM, PURL: purl,
			Licenses: []string{license, license + " AND MIT"}, Paths: []string{path},
			Source: &scan.Source{Name: name}, Layer: layerApp, CPEs: []string{license, ""},
			Dev: len(name)%2 == 0, Owner: &scan.Owner{Type: ref, Name: name, Version: version},
		}
		rep := &scan.Report{
			Image:      scan.ImageRef{Ref: ref, Digest: digest, Platform: "linux/" + severity},
			Distro:     &scan.Distro{ID: name, VersionID: version, PrettyName: license},
			Packages:   []scan.Package{pkg, pkg},
			Incomplete: []scan.AnalyzerError{{Analyzer: name, Path: path, Error: license}},
			ScannedAt:  scannedAt,
		}
		finding := scan.Finding{
			ID: id, Aliases: []string{id, ref}, Package: name, Type: scan.TypeNPM, PURL: purl,
			InstalledVersion: version, FixedVersion: version, Status: severity, Severity: severity,
			SeveritySource: name, CVSS: []scan.CVSS{{Version: cvssVersion, Vector: license, Score: 7.5, Source: name}},
			Title: license, DataSources: []string{ref, "osv"}, Layer: layerApp,
		}
		rep.Findings = []scan.Finding{finding, finding}
		for _, fm := range formats {
			var buf bytes.Buffer
			if err := fm.write(&buf, rep); err != nil {
				t.Fatalf("%s: %v", fm.name, err)
			}
			if err := validateErr(t, fm.schema, buf.Bytes()); err != nil {
				t.Fatalf("%s output does not validate: %v\n%s", fm.name, err, buf.Bytes())
			}
		}
	})
}

// readLines returns the values of the lines of file p that start with
// prefix.
func readLines(p, prefix string) ([]string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			out = append(out, v)
		}
	}
	return out, sc.Err()
}
