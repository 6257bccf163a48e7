package scan_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers/dpkg"
)

// langAnalyzer reports a PyPI package for each dist-info METADATA file and
// a binary for each file named libcrypto*: a stand-in for the language and
// binary analyzers.
type langAnalyzer struct{}

func (langAnalyzer) Name() string { return "lang" }
func (langAnalyzer) Version() int { return 1 }
func (langAnalyzer) Match(p string, _ fs.FileMode) bool {
	return strings.HasSuffix(p, ".dist-info/METADATA") || strings.Contains(p, "/libcrypto")
}
func (langAnalyzer) Analyze(_ context.Context, in scan.Input) ([]scan.Package, error) {
	var out []scan.Package
	for f := range in.Files {
		if strings.Contains(f.Path, "libcrypto") {
			out = append(out, scan.Package{Name: "openssl", Version: "3.0.13", Type: scan.TypeBinary, Paths: []string{f.Path},
				CPEs: []string{"cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"}})
			continue
		}
		dir := f.Path[strings.LastIndexByte(f.Path[:strings.LastIndexByte(f.Path, '/')], '/')+1 : strings.LastIndexByte(f.Path, '/')]
		name, ver, _ := strings.Cut(strings.TrimSuffix(dir, ".dist-info"), "-")
		out = append(out, scan.Package{Name: name, Version: ver, Type: scan.TypePyPI, Paths: []string{f.Path}})
	}
	return out, nil
}

func TestOwnershipByOSPackages(t *testing.T) {
	status := "Package: python3-requests\nStatus: install ok installed\nArchitecture: all\nVersion: 2.28.1+dfsg-1\nSource: requests\n\n" +
		"Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.13-1~deb12u1\nSource: openssl\n"
	img := testimage.Image(
		[]testimage.Entry{
			testimage.Symlink("lib", "usr/lib"),
			testimage.File("var/lib/dpkg/status", status),
			testimage.File("var/lib/dpkg/info/python3-requests.list", "/usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA\n"),
			testimage.File("var/lib/dpkg/info/libssl3:amd64.list", "/lib/x86_64-linux-gnu/libcrypto.so.3\n"),
			testimage.File("usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA", "Name: requests\n"),
			testimage.File("usr/lib/x86_64-linux-gnu/libcrypto.so.3", "OpenSSL 3.0.13"),
		},
		// pip installs its own copy and a hand-built libcrypto in a later layer.
		[]testimage.Entry{
			testimage.File("usr/local/lib/python3.11/site-packages/urllib3-2.0.0.dist-info/METADATA", "Name: urllib3\n"),
			testimage.File("opt/ssl/lib/libcrypto.so.1.1", "OpenSSL 1.1.1k"),
		},
	)
	sc, err := scan.New(scan.WithAnalyzers(dpkg.New(), langAnalyzer{}))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)

	byName := map[string]scan.Package{}
	for _, p := range rep.Packages {
		byName[p.Type+"/"+p.Name] = p
		assert.Empty(t, p.OwnedFiles, "file lists stay out of the report")
	}
	req := byName["pypi/requests"]
	require.NotNil(t, req.Owner, "Debian's python3-requests owns the dist-info")
	assert.Equal(t, scan.Owner{Type: "deb", Name: "python3-requests", Version: "2.28.1+dfsg-1"}, *req.Owner)
	assert.Nil(t, byName["pypi/urllib3"].Owner, "pip's own install has no OS owner")

	var binaries []string
	for _, p := range rep.Packages {
		if p.Type == scan.TypeBinary {
			binaries = append(binaries, p.Paths[0])
		}
	}
	assert.Equal(t, []string{"opt/ssl/lib/libcrypto.so.1.1"}, binaries, "the libcrypto libssl3 owns (through the lib -> usr/lib link) is not reported twice")
}
