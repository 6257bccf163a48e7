package rpm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/rpm"
)

// expected is the peers' expected results for the real databases.
type expected struct {
	Samples map[string]struct {
		Count    int           `json:"expected_package_count"`
		Packages []expectedPkg `json:"expected_packages"`
		Package  *expectedPkg  `json:"expected_package"`
	} `json:"samples"`
}

type expectedPkg struct {
	Epoch     *int   `json:"epoch"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Release   string `json:"release"`
	Arch      string `json:"arch"`
	SourceRPM string `json:"sourceRpm"`
	License   string `json:"license"`
}

func loadExpected(t *testing.T) expected {
	var e expected
	require.NoError(t, json.Unmarshal(shareddata.Read(t, "pkgdb", "rpmdb-go-rpmdb", "expected.json"), &e))
	return e
}

// scanDB scans a one-layer image holding db at path, with os-release.
func scanDB(t *testing.T, path string, db []byte, osRelease string) *scan.Report {
	t.Helper()
	entries := []testimage.Entry{testimage.File(path, string(db))}
	if osRelease != "" {
		entries = append(entries, testimage.File("etc/os-release", osRelease))
	}
	sc, err := scan.New(scan.WithAnalyzers(rpm.New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), testimage.Image(entries))
	require.NoError(t, err)
	return rep
}

func byName(pkgs []scan.Package) map[string]scan.Package {
	m := make(map[string]scan.Package, len(pkgs))
	for _, p := range pkgs {
		m[p.Name] = p
	}
	return m
}

// check compares one reported package with the peer's expectation.
func check(t *testing.T, want expectedPkg, got scan.Package) {
	t.Helper()
	vr := want.Version + "-" + want.Release
	if want.Epoch != nil && *want.Epoch > 0 {
		vr = string(rune('0'+*want.Epoch)) + ":" + vr
	}
	assert.Equal(t, vr, got.Version, want.Name)
	assert.Equal(t, want.Arch, got.Arch, want.Name)
	assert.Equal(t, scan.TypeRPM, got.Type)
	name, svr, ok := rpm.SplitSourceRPM(want.SourceRPM)
	require.True(t, ok, want.SourceRPM)
	require.NotNil(t, got.Source, want.Name)
	assert.Equal(t, name, got.Source.Name, want.Name)
	assert.Equal(t, svr, got.Source.Version, want.Name)
	assert.Equal(t, []string{want.License}, got.Licenses, want.Name)
}

func TestSLE15NDB(t *testing.T) {
	e := loadExpected(t)
	sample := e.Samples["sle15-bci/Packages.db"]
	db := shareddata.Read(t, "pkgdb", "rpmdb-go-rpmdb", "sle15-bci", "Packages.db")
	rep := scanDB(t, "usr/lib/sysimage/rpm/Packages.db", db, "NAME=\"SLES\"\nVERSION_ID=\"15.3\"\nID=\"sles\"\n")
	require.Empty(t, rep.Incomplete)
	assert.Len(t, rep.Packages, sample.Count)
	got := byName(rep.Packages)
	for _, want := range sample.Packages {
		p, ok := got[want.Name]
		if assert.True(t, ok, "missing %s", want.Name) {
			check(t, want, p)
		}
	}
	p := got["filesystem"]
	assert.Equal(t, "pkg:rpm/sles/filesystem@15.0-11.3.2?arch=x86_64&distro=sles-15.3", p.PURL.String())
	assert.Equal(t, []string{"usr/lib/sysimage/rpm/Packages.db"}, p.Paths)
}

func TestMarinerSQLite(t *testing.T) {
	e := loadExpected(t)
	want := e.Samples["cbl-mariner-2.0/rpmdb.sqlite"].Package
	require.NotNil(t, want)
	db := shareddata.Read(t, "pkgdb", "rpmdb-go-rpmdb", "cbl-mariner-2.0", "rpmdb.sqlite")
	rep := scanDB(t, "var/lib/rpm/rpmdb.sqlite", db, "")
	require.Empty(t, rep.Incomplete)
	got := byName(rep.Packages)
	p, ok := got[want.Name]
	require.True(t, ok)
	check(t, *want, p)
	// The gatherer counted 129 rows in the Packages table; every row is a package.
	assert.Len(t, rep.Packages, 129)
}

func TestRHEL8BerkeleyDB(t *testing.T) {
	e := loadExpected(t)
	want := e.Samples["libuuid/Packages"].Package
	require.NotNil(t, want)
	db := shareddata.Read(t, "pkgdb", "rpmdb-go-rpmdb", "libuuid", "Packages")
	rep := scanDB(t, "var/lib/rpm/Packages", db, "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"8.8\"\n")
	require.Empty(t, rep.Incomplete)
	require.Len(t, rep.Packages, 1)
	check(t, *want, rep.Packages[0])
	assert.Equal(t, "pkg:rpm/rhel/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8", rep.Packages[0].PURL.String())
	assert.Equal(t, "util-linux", rep.Packages[0].Source.Name)
}

func TestBadDatabases(t *testing.T) {
	for _, tc := range []struct {
		name, path, body string
	}{
		{"garbage bdb", "var/lib/rpm/Packages", strings.Repeat("\x00garbage", 1000)},
		{"garbage ndb", "var/lib/rpm/Packages.db", "RpmP" + strings.Repeat("\xff", 4096)},
		{"not sqlite", "var/lib/rpm/rpmdb.sqlite", "SQLite format 3\x00" + strings.Repeat("x", 100)},
		{"empty", "var/lib/rpm/Packages", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := scanDB(t, tc.path, []byte(tc.body), "")
			assert.Empty(t, rep.Packages)
			require.Len(t, rep.Incomplete, 1)
			assert.Equal(t, "rpm", rep.Incomplete[0].Analyzer)
			assert.Equal(t, tc.path, rep.Incomplete[0].Path)
			assert.NotEmpty(t, rep.Incomplete[0].Error)
		})
	}
}

func TestTooLarge(t *testing.T) {
	a := rpm.New(rpm.WithMaxDatabaseBytes(10))
	f := scan.NewFile("var/lib/rpm/Packages", 0o644, 100, strings.NewReader(strings.Repeat("x", 100)))
	_, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, t.TempDir(), f))
	require.Error(t, err)
	assert.True(t, errors.Is(err, scan.ErrTooLarge), "%v", err)
	assert.Contains(t, err.Error(), "var/lib/rpm/Packages")
}

func TestMatch(t *testing.T) {
	a := rpm.New()
	for _, p := range rpm.DatabasePaths() {
		assert.True(t, a.Match(p, 0o644), p)
		assert.False(t, a.Match(p, fs.ModeSymlink), p)
	}
	for _, p := range []string{"var/lib/rpm/Name", "var/lib/rpm/Packages.bak", "usr/lib/rpm/Packages", "var/lib/dpkg/status"} {
		assert.False(t, a.Match(p, 0o644), p)
	}
}

func TestSplitSourceRPM(t *testing.T) {
	for _, tc := range []struct {
		in, name, vr string
		ok           bool
	}{
		{"util-linux-2.32.1-42.el8_8.src.rpm", "util-linux", "2.32.1-42.el8_8", true},
		{"glibc-2.28-225.el8.nosrc.rpm", "glibc", "2.28-225.el8", true},
		{"a-b-c-1-2.src.rpm", "a-b-c", "1-2", true},
		{"noversion.src.rpm", "", "", false},
		{"x-1.src.rpm", "", "", false},
		{"x-1-2.src", "", "", false},
		{"", "", "", false},
	} {
		name, vr, ok := rpm.SplitSourceRPM(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.name, name, tc.in)
		assert.Equal(t, tc.vr, vr, tc.in)
	}
}
