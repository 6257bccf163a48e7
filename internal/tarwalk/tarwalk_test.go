package tarwalk_test

import (
	"archive/tar"
	"bytes"
	"io"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/tarwalk"
	"github.com/portcullis-oci/portcullis/internal/testimage"
)

type seen struct {
	kind tarwalk.Kind
	path string
	link string
}

func walk(t *testing.T, b []byte, lim tarwalk.Limits) ([]seen, []tarwalk.Problem, error) {
	t.Helper()
	var out []seen
	problems, err := tarwalk.Walk(bytes.NewReader(b), lim, func(e *tarwalk.Entry) error {
		out = append(out, seen{e.Kind, e.Path, e.Link})
		return nil
	})
	return out, problems, err
}

func TestWalkCleansAndClassifies(t *testing.T) {
	b := testimage.Tar(
		testimage.Dir("./"),
		testimage.File("../../etc/passwd", "x"),
		testimage.File("/abs/file", "x"),
		testimage.File("//double//slash", "x"),
		testimage.File(`C:\windows\x`, "x"),
		testimage.Symlink("lib64", "/usr/lib64"),
		testimage.Hardlink("bin/b", "../bin/a"),
		testimage.Whiteout("etc/gone"),
		testimage.Opaque("opt/dir"),
		testimage.File(".wh..wh..opq", ""),
		testimage.File("x/.wh.", ""),
		testimage.File("x/.wh..wh.plnk", ""),
		testimage.File("../.wh.top", ""),
		testimage.Entry{Name: "dev/null", Type: tar.TypeChar},
	)
	got, problems, err := walk(t, b, tarwalk.Limits{})
	require.NoError(t, err)
	assert.Equal(t, []seen{
		{tarwalk.File, "etc/passwd", ""},
		{tarwalk.File, "abs/file", ""},
		{tarwalk.File, "double/slash", ""},
		{tarwalk.File, `C:\windows\x`, ""},
		{tarwalk.Symlink, "lib64", "/usr/lib64"},
		{tarwalk.Hardlink, "bin/b", "bin/a"},
		{tarwalk.Whiteout, "etc/gone", ""},
		{tarwalk.Opaque, "opt/dir", ""},
		{tarwalk.Opaque, "", ""},
		{tarwalk.Whiteout, "top", ""},
		{tarwalk.Other, "dev/null", ""},
	}, got)
	require.Len(t, problems, 2)
	assert.Contains(t, problems[0].Reason, "names nothing")
	assert.Contains(t, problems[1].Reason, "AUFS")
}

func TestWalkLimits(t *testing.T) {
	b := testimage.Tar(testimage.File("a", "1"), testimage.File("b", "2"))
	_, _, err := walk(t, b, tarwalk.Limits{MaxEntries: 2})
	require.NoError(t, err)
	_, _, err = walk(t, b, tarwalk.Limits{MaxEntries: 1})
	require.ErrorIs(t, err, tarwalk.ErrTooManyEntries)

	long := strings.Repeat("d/", 40) + "f"
	got, problems, err := walk(t, testimage.Tar(testimage.File(long, "x"), testimage.File("ok", "y")), tarwalk.Limits{MaxPathLen: 50})
	require.NoError(t, err)
	assert.Equal(t, []seen{{tarwalk.File, "ok", ""}}, got)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].Reason, "exceeds the limit of 50")
}

func TestWalkTruncated(t *testing.T) {
	b := testimage.Tar(testimage.File("a", strings.Repeat("x", 4096)), testimage.File("b", "2"))
	_, err := tarwalk.Walk(bytes.NewReader(b[:1500]), tarwalk.Limits{}, func(e *tarwalk.Entry) error {
		_, err := io.Copy(io.Discard, e.Body)
		return err
	})
	require.Error(t, err)
}

// FuzzLayerWalk checks that whatever the tar bytes, the walk ends without
// panicking and every path it emits is clean and inside the root.
func FuzzLayerWalk(f *testing.F) {
	f.Add(testimage.Tar(testimage.File("../x", "a"), testimage.Symlink("l", "/etc"), testimage.Whiteout("a/b"), testimage.Opaque("c")))
	f.Add(testimage.Tar(testimage.Hardlink("a", "../../b"), testimage.Dir("./")))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tarwalk.Walk(bytes.NewReader(b), tarwalk.Limits{MaxEntries: 1000}, func(e *tarwalk.Entry) error {
			for _, p := range []string{e.Path, map[bool]string{true: e.Link}[e.Kind == tarwalk.Hardlink]} {
				if p == "" {
					continue
				}
				if strings.HasPrefix(p, "/") || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") {
					t.Fatalf("unclean path %q", p)
				}
			}
			if e.Body != nil {
				io.Copy(io.Discard, io.LimitReader(e.Body, 1<<20))
			}
			return nil
		})
	})
}
