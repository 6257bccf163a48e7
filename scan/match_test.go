package scan_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
)

func debianRecord(id, pkg, fixed string) vulndb.Vulnerability {
	events := []vulndb.Event{{Introduced: "0"}}
	if fixed != "" {
		events = append(events, vulndb.Event{Fixed: fixed})
	}
	return vulndb.Vulnerability{ID: id, Affected: []vulndb.Affected{{
		Package: vulndb.Package{Ecosystem: "Debian:12", Name: pkg},
		Ranges:  []vulndb.Range{{Type: "ECOSYSTEM", Events: events}},
	}}}
}

func storeWith(t *testing.T, source string, recs ...vulndb.Vulnerability) *memstore.Store {
	t.Helper()
	st := memstore.New()
	src := vulndb.SourceFunc(source, func(ctx context.Context, _ vulndb.Cursor, emit func(vulndb.Vulnerability) error) (vulndb.Cursor, error) {
		for _, r := range recs {
			if err := emit(r); err != nil {
				return "", err
			}
		}
		return "1", nil
	})
	_, err := vulndb.Update(context.Background(), st, src, func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) })
	require.NoError(t, err)
	return st
}

func TestScanWithMatcher(t *testing.T) {
	st := storeWith(t, "debian",
		debianRecord("CVE-2024-0001", "b", "3.0"), // b 2.0 is affected
		debianRecord("CVE-2024-0002", "a", "1.0"), // a 1.0 has the fix: not reported
		debianRecord("CVE-2024-0003", "d", ""),    // no fix yet
		debianRecord("CVE-2024-0004", "c", "9.0"), // c was removed: not reported
	)
	m, err := vulndb.NewMatcher(st)
	require.NoError(t, err)
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithMatcher(m))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), debianImage(t, amd64, testimage.Gzip))
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)

	require.Len(t, rep.Findings, 2)
	f := rep.Findings[0]
	assert.Equal(t, "CVE-2024-0001", f.ID)
	assert.Equal(t, "b", f.Package)
	assert.Equal(t, "2.0", f.InstalledVersion)
	assert.Equal(t, "3.0", f.FixedVersion)
	assert.Equal(t, "fixed", f.Status)
	assert.Equal(t, "UNKNOWN", f.Severity)
	assert.Equal(t, 1, f.Layer.Index, "b was upgraded to 2.0 in layer 1")
	assert.Equal(t, "pkg:deb/debian/b@2.0?arch=amd64&distro=debian-12", f.PURL.String())
	assert.Equal(t, []string{"debian"}, f.DataSources)
	f = rep.Findings[1]
	assert.Equal(t, "CVE-2024-0003", f.ID)
	assert.Equal(t, "not-fixed", f.Status)
	assert.Empty(t, f.FixedVersion)

	assert.Equal(t, map[string]int{"CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 2}, rep.Summary)
	require.NotNil(t, rep.Database)
	require.Len(t, rep.Database.Sources, 1)
	assert.Equal(t, "debian", rep.Database.Sources[0].Name)
	assert.Equal(t, 4, rep.Database.Sources[0].Records)
}

// A stored report is re-matched when the feed changes: a new CVE shows up
// without rescanning the image.
func TestRematchStoredReport(t *testing.T) {
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), debianImage(t, amd64, testimage.Gzip))
	require.NoError(t, err)
	assert.Nil(t, rep.Database)

	m1, err := vulndb.NewMatcher(storeWith(t, "debian"))
	require.NoError(t, err)
	require.NoError(t, scan.MatchReport(context.Background(), rep, m1))
	assert.Empty(t, rep.Findings)
	assert.NotNil(t, rep.Findings, "matched and clean is an empty list, not null")

	m2, err := vulndb.NewMatcher(storeWith(t, "debian", debianRecord("CVE-2026-9999", "d", "")))
	require.NoError(t, err)
	require.NoError(t, scan.MatchReport(context.Background(), rep, m2))
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "CVE-2026-9999", rep.Findings[0].ID)
	assert.Equal(t, 1, rep.Findings[0].Layer.Index)
}

func TestUnknownDistroIsRecorded(t *testing.T) {
	img := testimage.Image([]testimage.Entry{
		testimage.File("etc/os-release", "ID=plan9\nVERSION_ID=4\n"),
		testimage.File("var/lib/dpkg/status", dpkgStatus("a 1.0")),
	})
	m, err := vulndb.NewMatcher(storeWith(t, "debian"))
	require.NoError(t, err)
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithMatcher(m))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, rep.Incomplete, 1)
	assert.Equal(t, "matcher", rep.Incomplete[0].Analyzer)
	assert.Contains(t, rep.Incomplete[0].Error, "plan9 4")
}

func TestQueryFor(t *testing.T) {
	deb := &scan.Distro{ID: "debian", VersionID: "12"}
	for _, tc := range []struct {
		name string
		p    scan.Package
		d    *scan.Distro
		want vulndb.Query
		ok   bool
	}{
		{"deb by source and source version", scan.Package{Type: scan.TypeDeb, Name: "libssl3", Version: "3.0.13-1~deb12u1+b1", Source: &scan.Source{Name: "openssl", Version: "3.0.13-1~deb12u1"}}, deb,
			vulndb.Query{Ecosystem: "Debian:12", Name: "openssl", Version: "3.0.13-1~deb12u1"}, true},
		{"debian testing by codename", scan.Package{Type: scan.TypeDeb, Name: "a", Version: "1"}, &scan.Distro{ID: "debian", VersionCodename: "trixie"},
			vulndb.Query{Ecosystem: "Debian:13", Name: "a", Version: "1"}, true},
		{"ubuntu LTS", scan.Package{Type: scan.TypeDeb, Name: "a", Version: "1"}, &scan.Distro{ID: "ubuntu", VersionID: "22.04"},
			vulndb.Query{Ecosystem: "Ubuntu:22.04:LTS", Name: "a", Version: "1"}, true},
		{"alpine by origin", scan.Package{Type: scan.TypeAPK, Name: "libcrypto3", Version: "3.1.4-r5", Source: &scan.Source{Name: "openssl", Version: "3.1.4-r5"}}, &scan.Distro{ID: "alpine", VersionID: "3.19.1"},
			vulndb.Query{Ecosystem: "Alpine:v3.19", Name: "openssl", Version: "3.1.4-r5"}, true},
		{"os package without distro", scan.Package{Type: scan.TypeDeb, Name: "a", Version: "1"}, nil, vulndb.Query{}, false},
		{"go module", scan.Package{Type: scan.TypeGolang, Name: "golang.org/x/text", Version: "v0.3.7"}, nil,
			vulndb.Query{Ecosystem: "Go", Name: "golang.org/x/text", Version: "0.3.7"}, true},
		{"go stdlib", scan.Package{Type: scan.TypeGolang, Name: "stdlib", Version: "go1.21.3"}, nil,
			vulndb.Query{Ecosystem: "Go", Name: "stdlib", Version: "1.21.3"}, true},
		{"go devel", scan.Package{Type: scan.TypeGolang, Name: "example.com/app", Version: "(devel)"}, nil, vulndb.Query{}, false},
		{"maven", scan.Package{Type: scan.TypeMaven, Name: "log4j-core", Version: "2.14.1", PURL: scan.NewPURL(scan.TypeMaven, "org.apache.logging.log4j", "log4j-core", "2.14.1")}, nil,
			vulndb.Query{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}, true},
		{"scoped npm", scan.Package{Type: scan.TypeNPM, Name: "@babel/core", Version: "7.0.0", PURL: scan.NewPURL(scan.TypeNPM, "@babel", "core", "7.0.0")}, nil,
			vulndb.Query{Ecosystem: "npm", Name: "@babel/core", Version: "7.0.0"}, true},
		{"pypi", scan.Package{Type: scan.TypePyPI, Name: "Django", Version: "4.2"}, nil, vulndb.Query{Ecosystem: "PyPI", Name: "Django", Version: "4.2"}, true},
		{"unknown type", scan.Package{Type: "conan", Name: "x", Version: "1"}, nil, vulndb.Query{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := scan.QueryFor(&tc.p, tc.d)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}
