package scan_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
)

func scanEntries(t *testing.T, s *scan.LayerScanner, layers ...[]testimage.Entry) (*scan.Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Scan(ctx, testimage.Image(layers...))
}

func TestPathsAreClampedToTheRoot(t *testing.T) {
	rep, err := scanEntries(t, newScanner(t), []testimage.Entry{
		testimage.File("../../var/db/a.pkgs", "a 1\n"),
		testimage.File("/var/db/b.pkgs", "b 1\n"),
		testimage.File("./var/./db//c.pkgs", "c 1\n"),
		testimage.File(`..\..\d.pkgs`, "d 1\n"),
		testimage.Dir("./"),
	})
	require.NoError(t, err)
	var paths []string
	for _, p := range rep.Packages {
		paths = append(paths, p.Paths[0])
	}
	assert.Equal(t, []string{"var/db/a.pkgs", "var/db/b.pkgs", "var/db/c.pkgs", `..\..\d.pkgs`}, paths)
}

func TestSameFileTwiceLastWins(t *testing.T) {
	rep, err := scanEntries(t, newScanner(t), []testimage.Entry{
		testimage.File("var/db/a.pkgs", "old 1\n"),
		testimage.File("./var/db/a.pkgs", "new 1\n"),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"new@1#0"}, names(rep.Packages))
}

func TestSymlinkResolution(t *testing.T) {
	rel := "ID=alpine\nVERSION_ID=3.19.1\n"
	for name, layers := range map[string][][]testimage.Entry{
		"relative link": {{testimage.File("usr/lib/os-release", rel), testimage.Symlink("etc/os-release", "../usr/lib/os-release")}},
		"absolute link": {{testimage.File("usr/lib/os-release", rel), testimage.Symlink("etc/os-release", "/usr/lib/os-release")}},
		"link in a lower layer, file above": {
			{testimage.Symlink("etc/os-release", "../usr/lib/os-release")},
			{testimage.File("usr/lib/os-release", rel)},
		},
		"directory link":           {{testimage.Symlink("etc", "usr/etc"), testimage.File("usr/etc/os-release", rel)}},
		"escaping link is clamped": {{testimage.File("usr/lib/os-release", rel), testimage.Symlink("etc/os-release", "../../../../../usr/lib/os-release")}},
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := scanEntries(t, newScanner(t), layers...)
			require.NoError(t, err)
			require.NotNil(t, rep.Distro)
			assert.Equal(t, "alpine", rep.Distro.ID)
			assert.Equal(t, "3.19.1", rep.Distro.VersionID)
			assert.Empty(t, rep.Incomplete)
		})
	}
}

func TestSymlinkLoopIsRecorded(t *testing.T) {
	rep, err := scanEntries(t, newScanner(t), []testimage.Entry{
		testimage.Symlink("etc/os-release", "a"),
		testimage.Symlink("etc/a", "b"),
		testimage.Symlink("etc/b", "a"),
		testimage.File("var/db/x.pkgs", "x 1\n"),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"x@1#0"}, names(rep.Packages))
	require.Len(t, rep.Incomplete, 1)
	assert.Contains(t, rep.Incomplete[0].Error, "too many levels of symbolic links")
	assert.Equal(t, "etc/os-release", rep.Incomplete[0].Path)
}

func TestBrokenOSReleaseFallsBack(t *testing.T) {
	rep, err := scanEntries(t, newScanner(t), []testimage.Entry{
		testimage.File("etc/os-release", "this is not an os-release file\n"),
		testimage.File("etc/debian_version", "12.5\n"),
		testimage.File("var/db/x.pkgs", "x 1\n"),
	})
	require.NoError(t, err)
	require.NotNil(t, rep.Distro, "etc/debian_version is the fallback")
	assert.Equal(t, "debian", rep.Distro.ID)
	assert.Equal(t, "12", rep.Distro.VersionID)
	require.Len(t, rep.Incomplete, 1, "the broken file is still reported")
	assert.Equal(t, "etc/os-release", rep.Incomplete[0].Path)
	assert.NotContains(t, rep.Incomplete[0].Error, "etc/os-release", "the path is said once")
}

func TestHardLinksCarryTheirTargetsContent(t *testing.T) {
	rep, err := scanEntries(t, newScanner(t), []testimage.Entry{
		testimage.File("var/db/real.txt", "a 1\n"),
		testimage.Hardlink("var/db/link.pkgs", "var/db/real.txt"),
		testimage.Hardlink("var/db/forward.pkgs", "var/db/later.txt"),
		testimage.File("var/db/later.txt", "b 1\n"),
		testimage.Hardlink("var/db/missing.pkgs", "var/db/nothing"),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a@1#0", "b@1#0"}, names(rep.Packages))
	require.Len(t, rep.Incomplete, 1)
	assert.Equal(t, "var/db/missing.pkgs", rep.Incomplete[0].Path)
}

func TestCompressions(t *testing.T) {
	for _, c := range []testimage.Compression{testimage.Gzip, testimage.Zstd, testimage.Uncompressed} {
		img := testimage.FromLayers(testimage.Layer(c, testimage.File("var/db/a.pkgs", "a 1\n")))
		rep, err := newScanner(t).Scan(context.Background(), img)
		require.NoError(t, err)
		assert.Equal(t, []string{"a@1#0"}, names(rep.Packages))
	}
}

func TestBrokenLayersFailWithTheLayerNamed(t *testing.T) {
	good := testimage.Tar(testimage.File("var/db/a.pkgs", "a 1\n"))
	gz := testimage.Compress(good, testimage.Gzip)
	var huge bytes.Buffer
	tw := tar.NewWriter(&huge)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "var/db/big.pkgs", Size: 10 << 30, Mode: 0o644, Typeflag: tar.TypeReg}))
	tw.Write([]byte("a 1\n"))
	for name, tc := range map[string]struct {
		blob []byte
		c    testimage.Compression
		want string
	}{
		"truncated gzip":         {gz[:len(gz)/2], testimage.Gzip, "unexpected EOF"},
		"not a tar":              {[]byte(strings.Repeat("this is not a tar archive\n", 100)), testimage.Uncompressed, "layer 0"},
		"entry claiming 10 GiB":  {huge.Bytes(), testimage.Uncompressed, "layer 0"},
		"gzip with bad checksum": {corruptTrailer(gz), testimage.Gzip, "layer 0"},
		"bytes after the end":    {append(append([]byte{}, good...), []byte("trailing")...), testimage.Uncompressed, "layer 0"},
	} {
		t.Run(name, func(t *testing.T) {
			// Each layer claims the diffID of the good content.
			img := testimage.FromLayers(lyingLayer{testimage.LayerFromBytes(tc.blob, tc.c), good})
			_, err := newScanner(t, scan.WithMaxFileBytes(1<<20)).Scan(context.Background(), img)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func corruptTrailer(gz []byte) []byte {
	b := append([]byte{}, gz...)
	b[len(b)-8] ^= 0xff // CRC32
	return b
}

func TestLimits(t *testing.T) {
	entries := []testimage.Entry{testimage.File("var/db/a.pkgs", "a 1\n"), testimage.File("b", "x"), testimage.File("c", "y")}
	t.Run("entries at the limit", func(t *testing.T) {
		_, err := scanEntries(t, newScanner(t, scan.WithMaxEntries(3)), entries)
		require.NoError(t, err)
	})
	t.Run("entries over the limit", func(t *testing.T) {
		_, err := scanEntries(t, newScanner(t, scan.WithMaxEntries(2)), entries)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "more entries than the limit")
	})
	t.Run("layer bytes over the limit", func(t *testing.T) {
		_, err := scanEntries(t, newScanner(t, scan.WithMaxLayerBytes(1024)), entries)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "larger than the limit")
	})
	t.Run("file over the limit is incomplete", func(t *testing.T) {
		rep, err := scanEntries(t, newScanner(t, scan.WithMaxFileBytes(3)), entries)
		require.NoError(t, err)
		assert.Empty(t, rep.Packages)
		require.Len(t, rep.Incomplete, 1)
		assert.Equal(t, "var/db/a.pkgs", rep.Incomplete[0].Path)
		assert.Contains(t, rep.Incomplete[0].Error, "WithMaxFileBytes")
	})
	t.Run("layers over the limit", func(t *testing.T) {
		_, err := scanEntries(t, newScanner(t, scan.WithMaxLayers(1)), entries, entries)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithMaxLayers")
	})
}

// misbehaving analyzers: one panics, one hangs ignoring its context.
type panicky struct{}

func (panicky) Name() string                                                { return "panicky" }
func (panicky) Version() int                                                { return 1 }
func (panicky) Match(p string, _ fs.FileMode) bool                          { return strings.HasSuffix(p, ".pkgs") }
func (panicky) Analyze(context.Context, scan.Input) ([]scan.Package, error) { panic("boom") }

type hanging struct{ release chan struct{} }

func (hanging) Name() string                       { return "hanging" }
func (hanging) Version() int                       { return 1 }
func (hanging) Match(p string, _ fs.FileMode) bool { return strings.HasSuffix(p, ".pkgs") }
func (h hanging) Analyze(_ context.Context, in scan.Input) ([]scan.Package, error) {
	for range in.Files {
		<-h.release
	}
	return nil, nil
}

func TestMisbehavingAnalyzersAreContained(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s, err := scan.New(scan.WithAnalyzers(&listAnalyzer{}, panicky{}, hanging{release}), scan.WithAnalyzerTimeout(200*time.Millisecond))
	require.NoError(t, err)
	rep, err := scanEntries(t, s, []testimage.Entry{testimage.File("var/db/a.pkgs", "a 1\n")})
	require.NoError(t, err)
	assert.Equal(t, []string{"a@1#0"}, names(rep.Packages), "the well-behaved analyzer's packages are kept")
	byAnalyzer := map[string]string{}
	for _, e := range rep.Incomplete {
		byAnalyzer[e.Analyzer] += e.Error
	}
	assert.Len(t, rep.Incomplete, 2)
	assert.Contains(t, byAnalyzer["panicky"], "panicked: boom")
	assert.Contains(t, byAnalyzer["hanging"], "WithAnalyzerTimeout")
}

func TestConfigLayerMismatch(t *testing.T) {
	img := testimage.Image([]testimage.Entry{testimage.File("a", "a")})
	_, err := newScanner(t).Scan(context.Background(), extraDiffID{img})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "diffIDs for 1 layers")
}

type extraDiffID struct{ v1.Image }

func (e extraDiffID) ConfigFile() (*v1.ConfigFile, error) {
	cf, err := e.Image.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs = append(cf.RootFS.DiffIDs, cf.RootFS.DiffIDs[0])
	return cf, nil
}

// hashAnalyzer reports one package per matched file whose version is the
// SHA-256 of the first limit bytes it read (all of them when limit is 0).
type hashAnalyzer struct {
	name  string
	limit int64
}

func (h hashAnalyzer) Name() string                     { return h.name }
func (hashAnalyzer) Version() int                       { return 1 }
func (hashAnalyzer) Match(p string, _ fs.FileMode) bool { return strings.HasSuffix(p, ".big") }
func (h hashAnalyzer) Analyze(_ context.Context, in scan.Input) ([]scan.Package, error) {
	var out []scan.Package
	for f := range in.Files {
		sum := sha256.New()
		var r io.Reader = f
		if h.limit > 0 {
			r = io.LimitReader(f, h.limit)
		}
		if _, err := io.Copy(sum, r); err != nil {
			return nil, err
		}
		out = append(out, scan.Package{Name: h.name, Version: hex.EncodeToString(sum.Sum(nil))[:16], Type: "generic", Paths: []string{f.Path}})
	}
	return out, nil
}

// A file too large to hold, wanted by several analyzers, is streamed to all
// of them at once: each reads what it wants, whole or in part.
func TestLargeSharedFileIsStreamedToEveryAnalyzer(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), (20<<20)/16+7) // over the 16 MiB in-memory share
	whole := sha256.Sum256(body)
	head := sha256.Sum256(body[:10])
	s, err := scan.New(scan.WithAnalyzers(hashAnalyzer{"whole", 0}, hashAnalyzer{"head", 10}, hashAnalyzer{"whole2", 0}))
	require.NoError(t, err)
	rep, err := scanEntries(t, s, []testimage.Entry{{Name: "opt/a.big", Body: body}, testimage.File("opt/b.big", "small")})
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)
	got := map[string]string{}
	for _, p := range rep.Packages {
		got[p.Name+" "+p.Paths[0]] = p.Version
	}
	assert.Equal(t, hex.EncodeToString(whole[:])[:16], got["whole opt/a.big"])
	assert.Equal(t, hex.EncodeToString(whole[:])[:16], got["whole2 opt/a.big"])
	assert.Equal(t, hex.EncodeToString(head[:])[:16], got["head opt/a.big"])
	small := sha256.Sum256([]byte("small"))
	assert.Equal(t, hex.EncodeToString(small[:])[:16], got["whole opt/b.big"])
}
