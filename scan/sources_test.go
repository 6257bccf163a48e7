package scan_test

// End-to-end scans of images opened from every kind of source the registry
// package knows, through the real dpkg and apk analyzers: a registry (the
// in-memory one, and the real Distribution registry when CI started one),
// an OCI layout, a docker save archive and an unpacked root filesystem;
// multi-platform indexes; gzip, zstd and uncompressed layers.

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/registry"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
)

// dpkgStatus returns a dpkg status database listing the given
// "name version" pairs as installed.
func dpkgStatus(pkgs ...string) string {
	var b strings.Builder
	for _, p := range pkgs {
		n, v, _ := strings.Cut(p, " ")
		b.WriteString("Package: " + n + "\nStatus: install ok installed\nArchitecture: amd64\nVersion: " + v + "\n\n")
	}
	return b.String()
}

// debianImage is a three-layer Debian image on platform p: base, an
// install (and an upgrade of b), a removal of c.
func debianImage(t *testing.T, p v1.Platform, c testimage.Compression) v1.Image {
	t.Helper()
	layers := [][]testimage.Entry{
		{
			testimage.File("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
			testimage.Symlink("etc/os-release", "../usr/lib/os-release"),
			testimage.File("var/lib/dpkg/status", dpkgStatus("a 1.0", "b 1.0", "c 1.0", "arch-"+p.Architecture+" 1.0")),
		},
		{testimage.File("var/lib/dpkg/status", dpkgStatus("a 1.0", "b 2.0", "c 1.0", "arch-"+p.Architecture+" 1.0", "d 1.0"))},
		{testimage.File("var/lib/dpkg/status", dpkgStatus("a 1.0", "b 2.0", "arch-"+p.Architecture+" 1.0", "d 1.0"))},
	}
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant})
	require.NoError(t, err)
	for i, l := range layers {
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:   testimage.Layer(c, l...),
			History: v1.History{CreatedBy: "step " + string(rune('0'+i))},
		})
		require.NoError(t, err)
	}
	return img
}

// wantDebian is what a scan of debianImage reports: name@version#layer.
func wantDebian(arch string) []string {
	return []string{"a@1.0#0", "arch-" + arch + "@1.0#0", "b@2.0#1", "d@1.0#1"}
}

func checkDebian(t *testing.T, rep *scan.Report, arch string) {
	t.Helper()
	assert.Equal(t, wantDebian(arch), names(rep.Packages))
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, "c", rep.Removed[0].Name)
	assert.Equal(t, 2, rep.Removed[0].RemovedBy.Index)
	require.NotNil(t, rep.Distro)
	assert.Equal(t, "debian", rep.Distro.ID)
	assert.Empty(t, rep.Incomplete)
	require.Len(t, rep.Layers, 3)
	assert.Equal(t, "step 1", rep.Layers[1].CreatedBy)
	assert.Equal(t, "pkg:deb/debian/b@2.0?arch=amd64&distro=debian-12", rep.Packages[2].PURL.String())
}

func defaultScanner(t *testing.T) *scan.LayerScanner {
	t.Helper()
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...))
	require.NoError(t, err)
	return sc
}

func scanRef(t *testing.T, ref string, opts ...registry.Option) *scan.Report {
	t.Helper()
	img, err := registry.Open(context.Background(), ref, opts...)
	require.NoError(t, err)
	rep, err := defaultScanner(t).Scan(context.Background(), img, scan.WithRef(img.Ref))
	require.NoError(t, err)
	return rep
}

func memoryRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
)

func multiArchIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	return mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: debianImage(t, amd64, testimage.Gzip), Descriptor: v1.Descriptor{Platform: &amd64}},
		mutate.IndexAddendum{Add: debianImage(t, arm64, testimage.Zstd), Descriptor: v1.Descriptor{Platform: &arm64}},
	)
}

func TestScanFromRegistry(t *testing.T) {
	host := memoryRegistry(t)
	for _, c := range []struct {
		name string
		c    testimage.Compression
	}{{"gzip", testimage.Gzip}, {"zstd", testimage.Zstd}, {"uncompressed", testimage.Uncompressed}} {
		t.Run(c.name, func(t *testing.T) {
			ref := host + "/app/" + c.name + ":1"
			tag, err := name.NewTag(ref, name.Insecure)
			require.NoError(t, err)
			require.NoError(t, remote.Write(tag, debianImage(t, amd64, c.c)))
			rep := scanRef(t, "registry:"+ref)
			checkDebian(t, rep, "amd64")
			assert.Equal(t, "registry:"+ref, rep.Image.Ref)
			assert.Equal(t, "linux/amd64", rep.Image.Platform)
		})
	}
}

func TestScanMultiPlatform(t *testing.T) {
	host := memoryRegistry(t)
	ref := host + "/multi/app:1"
	tag, err := name.NewTag(ref, name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(tag, multiArchIndex(t)))

	rep := scanRef(t, ref, registry.WithPlatform(arm64))
	assert.Equal(t, "linux/arm64/v8", rep.Image.Platform)
	assert.Contains(t, names(rep.Packages), "arch-arm64@1.0#0")

	imgs, err := registry.OpenAll(context.Background(), ref)
	require.NoError(t, err)
	require.Len(t, imgs, 2)
	sc := defaultScanner(t)
	seen := map[string]bool{}
	for _, img := range imgs {
		rep, err := sc.Scan(context.Background(), img, scan.WithRef(img.Ref))
		require.NoError(t, err)
		seen[rep.Image.Platform] = true
		arch := strings.Split(rep.Image.Platform, "/")[1]
		assert.Contains(t, names(rep.Packages), "arch-"+arch+"@1.0#0", rep.Image.Platform)
	}
	assert.Equal(t, map[string]bool{"linux/amd64": true, "linux/arm64/v8": true}, seen)

	_, err = registry.Open(context.Background(), ref, registry.WithPlatform(v1.Platform{OS: "linux", Architecture: "s390x"}))
	require.ErrorIs(t, err, registry.ErrPlatformNotFound)
}

func TestScanFromLocalSources(t *testing.T) {
	img := debianImage(t, amd64, testimage.Gzip)
	dir := t.TempDir()

	// An OCI layout holding a multi-platform index.
	lp, err := layout.Write(filepath.Join(dir, "oci"), multiArchIndex(t))
	require.NoError(t, err)
	rep := scanRef(t, "oci-dir:"+string(lp), registry.WithPlatform(amd64))
	checkDebian(t, rep, "amd64")

	// docker save output.
	tag, err := name.NewTag("example.test/app:1")
	require.NoError(t, err)
	archive := filepath.Join(dir, "app.tar")
	require.NoError(t, tarball.WriteToFile(archive, tag, img))
	rep = scanRef(t, "docker-archive:"+archive)
	checkDebian(t, rep, "amd64")

	// An unpacked root filesystem: one layer, nothing removed.
	root := filepath.Join(dir, "rootfs")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/lib"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), []byte(dpkgStatus("a 1.0", "b 2.0")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/lib/os-release"), []byte("ID=debian\nVERSION_ID=\"12\"\n"), 0o644))
	require.NoError(t, os.Symlink("../usr/lib/os-release", filepath.Join(root, "etc/os-release")))
	rep = scanRef(t, "dir:"+root)
	assert.Equal(t, []string{"a@1.0#0", "b@2.0#0"}, names(rep.Packages))
	require.NotNil(t, rep.Distro)
	assert.Equal(t, "12", rep.Distro.VersionID)
}

// TestScanFromDistribution runs against the real CNCF Distribution
// registry that .ci/run starts (PORTCULLIS_TEST_REGISTRY=host:port).
func TestScanFromDistribution(t *testing.T) {
	host := os.Getenv("PORTCULLIS_TEST_REGISTRY")
	if host == "" {
		t.Skip("PORTCULLIS_TEST_REGISTRY not set: no Distribution registry to test against (.ci/run starts one)")
	}
	ref := host + "/scan-test/multi:1"
	tag, err := name.NewTag(ref, name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(tag, multiArchIndex(t)))
	for _, p := range []v1.Platform{amd64, arm64} {
		rep := scanRef(t, "registry:"+ref, registry.WithPlatform(p))
		assert.Contains(t, names(rep.Packages), "arch-"+p.Architecture+"@1.0#0")
		assert.Len(t, rep.Packages, 4)
		require.Len(t, rep.Removed, 1)
	}
	// A rescan of the same image reads no layer again.
	img, err := registry.Open(context.Background(), "registry:"+ref, registry.WithPlatform(amd64))
	require.NoError(t, err)
	cache := scan.NewMemoryCache()
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithCache(cache))
	require.NoError(t, err)
	_, err = sc.Scan(context.Background(), img)
	require.NoError(t, err)
	var read int
	sc2, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithCache(cache), scan.WithProgress(func(p scan.Progress) {
		if p.Done && !p.Cached {
			read++
		}
	}))
	require.NoError(t, err)
	rep, err := sc2.Scan(context.Background(), img)
	require.NoError(t, err)
	checkDebian(t, rep, "amd64")
	assert.Zero(t, read, "layers read again on a warm rescan")
}
