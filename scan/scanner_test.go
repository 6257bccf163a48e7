package scan_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
)

// listAnalyzer reads "name version" lines from files named *.pkgs: a
// minimal package database for testing the scanner's mechanics.
type listAnalyzer struct{ calls atomic.Int32 }

func (*listAnalyzer) Name() string { return "list" }
func (*listAnalyzer) Version() int { return 1 }
func (*listAnalyzer) Match(p string, _ fs.FileMode) bool {
	return strings.HasSuffix(p, ".pkgs")
}

func (a *listAnalyzer) Analyze(_ context.Context, in scan.Input) ([]scan.Package, error) {
	a.calls.Add(1)
	var out []scan.Package
	for f := range in.Files {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			name, version, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				return out, &scan.FileError{Path: f.Path, Err: fmt.Errorf("bad line %q", sc.Text())}
			}
			out = append(out, scan.Package{Name: name, Version: version, Type: scan.TypeDeb, Arch: "amd64",
				PURL: scan.NewPURL(scan.TypeDeb, "", name, version, "arch", "amd64"), Paths: []string{f.Path}})
		}
	}
	return out, nil
}

func newScanner(t *testing.T, opts ...scan.Option) *scan.LayerScanner {
	t.Helper()
	s, err := scan.New(append([]scan.Option{scan.WithAnalyzers(&listAnalyzer{}), scan.WithTempDir(t.TempDir())}, opts...)...)
	require.NoError(t, err)
	return s
}

func names(ps []scan.Package) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s@%s#%d", p.Name, p.Version, p.Layer.Index))
	}
	return out
}

var osRelease = []testimage.Entry{
	testimage.File("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
	testimage.Symlink("etc/os-release", "../usr/lib/os-release"),
}

func TestAttributionUpgradeRemoveOpaque(t *testing.T) {
	img := testimage.Image(
		append([]testimage.Entry{testimage.File("var/db/status.pkgs", "a 1\nb 1\nc 1\n"), testimage.File("opt/x/extra.pkgs", "x 1\n")}, osRelease...),
		[]testimage.Entry{testimage.File("var/db/status.pkgs", "a 1\nb 2\nc 1\n")},
		[]testimage.Entry{testimage.File("var/db/status.pkgs", "a 1\nb 2\n")},
		[]testimage.Entry{testimage.Opaque("opt/x"), testimage.File("opt/x/new.pkgs", "y 1\n")},
	)
	rep, err := newScanner(t).Scan(context.Background(), img, scan.WithRef("test:attr"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a@1#0", "b@2#1", "y@1#3"}, names(rep.Packages))
	require.Len(t, rep.Removed, 2)
	assert.Equal(t, "c", rep.Removed[0].Name)
	assert.Equal(t, 0, rep.Removed[0].Layer.Index)
	assert.Equal(t, 2, rep.Removed[0].RemovedBy.Index)
	assert.Equal(t, "x", rep.Removed[1].Name)
	assert.Equal(t, 3, rep.Removed[1].RemovedBy.Index)
	require.NotNil(t, rep.Distro)
	assert.Equal(t, "debian", rep.Distro.ID)
	assert.Equal(t, "12", rep.Distro.VersionID)
	assert.Equal(t, "pkg:deb/debian/a@1?arch=amd64&distro=debian-12", rep.Packages[0].PURL.String())
	assert.Equal(t, "list", rep.Packages[0].FoundBy)
	assert.Empty(t, rep.Incomplete)
	require.Len(t, rep.Layers, 4)
	assert.Equal(t, "layer 2", rep.Layers[2].CreatedBy)
	assert.Equal(t, "linux/amd64", rep.Image.Platform)
	assert.Equal(t, "test:attr", rep.Image.Ref)
}

func TestWhiteoutOfDatabaseAndReinstall(t *testing.T) {
	img := testimage.Image(
		[]testimage.Entry{testimage.File("var/db/status.pkgs", "a 1\nb 1\n")},
		[]testimage.Entry{testimage.Whiteout("var/db")},
		[]testimage.Entry{testimage.File("var/db/status.pkgs", "a 1\n")},
	)
	rep, err := newScanner(t).Scan(context.Background(), img)
	require.NoError(t, err)
	// a came back in layer 2: it belongs there, not to layer 0.
	assert.Equal(t, []string{"a@1#2"}, names(rep.Packages))
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, "b", rep.Removed[0].Name)
	assert.Equal(t, 1, rep.Removed[0].RemovedBy.Index)
	assert.Nil(t, rep.Distro)
}

// countingLayer counts how often a layer's blob is opened.
type countingLayer struct {
	v1.Layer
	opens *atomic.Int32
}

func (l countingLayer) Compressed() (io.ReadCloser, error) {
	l.opens.Add(1)
	return l.Layer.Compressed()
}

func countingImage(t *testing.T, img v1.Image, opens *atomic.Int32) v1.Image {
	t.Helper()
	ls, err := img.Layers()
	require.NoError(t, err)
	cls := make([]v1.Layer, len(ls))
	for i, l := range ls {
		cls[i] = countingLayer{l, opens}
	}
	return testimage.FromLayers(cls...)
}

func TestCacheSkipsKnownLayers(t *testing.T) {
	var opens atomic.Int32
	base := testimage.Image(
		append([]testimage.Entry{testimage.File("var/db/status.pkgs", "a 1\n")}, osRelease...),
		[]testimage.Entry{testimage.File("etc/motd", "hello")},
	)
	img := countingImage(t, base, &opens)
	cache := scan.NewMemoryCache()
	s := newScanner(t, scan.WithCache(cache))
	first, err := s.Scan(context.Background(), img)
	require.NoError(t, err)
	assert.Equal(t, int32(2), opens.Load())
	second, err := s.Scan(context.Background(), img)
	require.NoError(t, err)
	assert.Equal(t, int32(2), opens.Load(), "a warm rescan must read no layer")
	first.ScannedAt, second.ScannedAt = time.Time{}, time.Time{}
	assert.Equal(t, first, second)

	// An image that shares the first layer reads only its new one.
	ls, _ := base.Layers()
	other := countingImage(t, testimage.FromLayers(ls[0], testimage.Layer(testimage.Gzip, testimage.File("var/db/more.pkgs", "m 1\n"))), &opens)
	rep, err := s.Scan(context.Background(), other)
	require.NoError(t, err)
	assert.Equal(t, int32(3), opens.Load())
	assert.Equal(t, []string{"a@1#0", "m@1#1"}, names(rep.Packages))
}

func TestDiffIDMismatchFailsAndCachesNothing(t *testing.T) {
	good := testimage.Tar(testimage.File("var/db/status.pkgs", "a 1\n"))
	evil := testimage.Tar(testimage.File("var/db/status.pkgs", "evil 1\n"))
	img, err := mutate.Append(testimage.Image(), mutate.Addendum{Layer: lyingLayer{testimage.LayerFromBytes(testimage.Compress(evil, testimage.Gzip), testimage.Gzip), good}})
	require.NoError(t, err)
	cache := scan.NewMemoryCache()
	_, err = newScanner(t, scan.WithCache(cache)).Scan(context.Background(), img)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not match the diffID")
	assert.Equal(t, 0, cache.Len())
}

// lyingLayer claims the diffID of other content.
type lyingLayer struct {
	v1.Layer
	claimed []byte
}

func (l lyingLayer) DiffID() (v1.Hash, error) {
	h, _, err := v1.SHA256(strings.NewReader(string(l.claimed)))
	return h, err
}
