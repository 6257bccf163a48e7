package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func diffIDsOf(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	return cfg.RootFS.DiffIDs
}

func TestDockerArchive(t *testing.T) {
	ctx := context.Background()
	app := platformImage(t, amd64, 2)
	db := platformImage(t, arm64, 1)
	dir := filepath.Join(t.TempDir(), "with:colon")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	multi := filepath.Join(dir, "multi.tar")
	appTag, err := name.NewTag("example.com/app:1.0")
	require.NoError(t, err)
	dbTag, err := name.NewTag("db")
	require.NoError(t, err)
	require.NoError(t, tarball.MultiRefWriteToFile(multi, map[name.Reference]v1.Image{appTag: app, dbTag: db}))
	single := filepath.Join(dir, "single.tar")
	require.NoError(t, tarball.WriteToFile(single, appTag, app))

	tests := []struct {
		name    string
		ref     string
		opts    []Option
		want    v1.Image
		wantErr string
		is      error
	}{
		{"single image, no tag", "docker-archive:" + single, nil, app, "", nil},
		{"single image, its tag", "docker-archive:" + single + ":example.com/app:1.0", nil, app, "", nil},
		{"tag with registry and version", "docker-archive:" + multi + ":example.com/app:1.0", nil, app, "", nil},
		{"short tag", "docker-archive:" + multi + ":db", []Option{WithPlatform(arm64)}, db, "", nil},
		{"short tag, full form", "docker-archive:" + multi + ":index.docker.io/library/db:latest", nil, db, "", nil},
		{"several images, no tag", "docker-archive:" + multi, nil, nil, "the archive has 2 images; name one with docker-archive:PATH:TAG: example.com/app:1.0, index.docker.io/library/db:latest", ErrInvalidReference},
		{"unknown tag", "docker-archive:" + multi + ":nope", nil, nil, "the archive has example.com/app:1.0, index.docker.io/library/db:latest", ErrNotFound},
		{"explicit platform mismatch", "docker-archive:" + single, []Option{WithPlatform(s390x)}, nil, "the image is for linux/amd64", ErrPlatformNotFound},
		{"too many layers", "docker-archive:" + single, []Option{WithMaxLayers(1)}, nil, "WithMaxLayers", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Open(ctx, tt.ref, tt.opts...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.wantErr)
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, diffIDsOf(t, tt.want), diffIDsOf(t, img))
			wantCfg, err := tt.want.ConfigName()
			require.NoError(t, err)
			gotCfg, err := img.ConfigName()
			require.NoError(t, err)
			assert.Equal(t, wantCfg, gotCfg)
			assert.Equal(t, tt.ref, img.Ref)
			require.NotNil(t, img.Platform)
			require.NoError(t, validate.Image(img))
		})
	}
}

// writeTar writes a tar of the given entries (links when link is set).
type tarEntry struct {
	name, link string
	hardlink   bool
	body       []byte
}

func writeTar(t *testing.T, path string, entries []tarEntry) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		if e.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
			if e.hardlink {
				h.Typeflag = tar.TypeLink
			}
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write(e.body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

func TestDockerArchiveMalformed(t *testing.T) {
	ctx := context.Background()
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	manifest := func(layers ...string) []byte {
		b, err := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{"x:1"}, "Layers": layers}})
		require.NoError(t, err)
		return b
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write([]byte("not a tar"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	tests := []struct {
		name    string
		entries []tarEntry
		raw     []byte
		want    string
	}{
		{"compressed", nil, gz.Bytes(), "the archive is compressed"},
		{"not a tar", nil, []byte("hello, this is not a tar archive at all, it is just text of some length that fills a header block............................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"), "not a tar archive"},
		{"no manifest.json", []tarEntry{{name: "config.json", body: cfg}}, nil, "no manifest.json"},
		{"manifest.json not JSON", []tarEntry{{name: "manifest.json", body: []byte("[{")}}, nil, "parsing manifest.json"},
		{"no images", []tarEntry{{name: "manifest.json", body: []byte("[]")}}, nil, "lists no images"},
		{"missing config", []tarEntry{{name: "manifest.json", body: manifest()}}, nil, `"config.json" is not in the archive`},
		{"layer link cycle", []tarEntry{
			{name: "manifest.json", body: manifest("a/layer.tar")},
			{name: "config.json", body: cfg},
			{name: "a/layer.tar", link: "../b/layer.tar"},
			{name: "b/layer.tar", link: "../a/layer.tar"},
		}, nil, "more than 40 links"},
		{"layer outside the archive", []tarEntry{
			{name: "manifest.json", body: manifest("../../etc/passwd")},
			{name: "config.json", body: cfg},
		}, nil, `"../../etc/passwd" is not in the archive`},
		{"diff_ids mismatch", []tarEntry{
			{name: "manifest.json", body: manifest("l.tar")},
			{name: "config.json", body: cfg},
			{name: "l.tar", body: make([]byte, 1024)},
		}, nil, "rootfs.diff_ids lists 0 layers but the manifest has 1"},
		{"config too large", []tarEntry{
			{name: "manifest.json", body: manifest()},
			{name: "config.json", body: make([]byte, DefaultMaxManifestBytes+1)},
		}, nil, "WithMaxManifestBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "a.tar")
			if tt.raw != nil {
				require.NoError(t, os.WriteFile(p, tt.raw, 0o644))
			} else {
				writeTar(t, p, tt.entries)
			}
			_, err := Open(ctx, "docker-archive:"+p)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
			assert.ErrorContains(t, err, "registry: docker-archive:"+p)
		})
	}
}

func TestDockerArchiveLinkedLayer(t *testing.T) {
	// Old docker save output links a layer shared by two images.
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "etc/hostname", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg}))
	_, err := tw.Write([]byte("x\n"))
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	diffID, _, err := v1.SHA256(bytes.NewReader(layer.Bytes()))
	require.NoError(t, err)
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + diffID.String() + `"]}}`)
	manifest := []byte(`[{"Config":"config.json","RepoTags":["x:1"],"Layers":["b/layer.tar"]}]`)
	p := filepath.Join(t.TempDir(), "a.tar")
	writeTar(t, p, []tarEntry{
		{name: "manifest.json", body: manifest},
		{name: "config.json", body: cfg},
		{name: "a/layer.tar", body: layer.Bytes()},
		{name: "b/layer.tar", link: "../a/layer.tar"},
	})
	img, err := Open(context.Background(), "docker-archive:"+p)
	require.NoError(t, err)
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	rc, err := layers[0].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, layer.Bytes(), got)
}

// tarListing is one entry of a layer as read back.
type tarListing struct {
	Name     string
	Type     byte
	Link     string
	Mode     int64
	Body     string
	ModTime  time.Time
	Uid, Gid int
}

func listLayer(t *testing.T, l v1.Layer) []tarListing {
	t.Helper()
	rc, err := l.Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	tr := tar.NewReader(rc)
	var out []tarListing
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out = append(out, tarListing{h.Name, h.Typeflag, h.Linkname, h.Mode, string(body), h.ModTime.UTC(), h.Uid, h.Gid})
	}
	return out
}

func TestDir(t *testing.T) {
	ctx := context.Background()
	outside := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(outside, []byte("do not read"), 0o600))
	root := filepath.Join(t.TempDir(), "root:fs")
	for _, d := range []string{"etc", "usr/bin", "var/empty"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=test\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/bin/tool"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "etc/escape")))            // absolute, outside
	require.NoError(t, os.Symlink("../../../../etc", filepath.Join(root, "usr/bin/up")))  // relative, outside
	require.NoError(t, os.Symlink(filepath.Dir(outside), filepath.Join(root, "linkdir"))) // a directory outside
	mkfifo := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644) == nil
	epoch := time.Unix(0, 0).UTC()

	img, err := Open(ctx, "dir:"+root)
	require.NoError(t, err)
	assert.Equal(t, "dir:"+root, img.Ref)
	require.NotNil(t, img.Platform)
	assert.Equal(t, DefaultPlatform(), *img.Platform)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "linux", cfg.OS)
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)

	want := []tarListing{
		{Name: "etc/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "etc/escape", Type: tar.TypeSymlink, Link: outside, Mode: 0o777},
		{Name: "etc/os-release", Type: tar.TypeReg, Mode: 0o644, Body: "ID=test\n"},
		{Name: "linkdir", Type: tar.TypeSymlink, Link: filepath.Dir(outside), Mode: 0o777},
		{Name: "usr/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "usr/bin/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "usr/bin/tool", Type: tar.TypeReg, Mode: 0o755, Body: "#!/bin/sh\n"},
		{Name: "usr/bin/up", Type: tar.TypeSymlink, Link: "../../../../etc", Mode: 0o777},
		{Name: "var/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "var/empty/", Type: tar.TypeDir, Mode: 0o755},
	}
	for i := range want {
		want[i].ModTime = epoch
	}
	got := listLayer(t, layers[0])
	for i := range got {
		got[i].Mode &^= 0o022 // the umask of the machine
		want[i].Mode &^= 0o022
	}
	assert.Equal(t, want, got, "sorted; symlinks stored, not followed; the fifo (made: %v) left out", mkfifo)
	for _, e := range got {
		assert.NotContains(t, e.Body, "do not read")
	}

	// The same tree gives the same layer and image.
	again, err := Open(ctx, "dir:"+root)
	require.NoError(t, err)
	assert.Equal(t, digestOf(t, img), digestOf(t, again))
	require.NoError(t, validate.Image(img))

	// The compressed stream is a gzip of the same tar.
	rc, err := layers[0].Compressed()
	require.NoError(t, err)
	zr, err := gzip.NewReader(rc)
	require.NoError(t, err)
	h, _, err := v1.SHA256(zr)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	assert.Equal(t, diffIDsOf(t, img)[0], h)

	// A change after opening fails the read of the layer, by its diffID.
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=changed\n"), 0o644))
	err = validate.Layer(layers[0])
	assert.Error(t, err)

	// A platform set explicitly is recorded.
	img, err = Open(ctx, "dir:"+root, WithPlatform(s390x))
	require.NoError(t, err)
	assert.Equal(t, s390x, *img.Platform)
	cfg, err = img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "s390x", cfg.Architecture)
}

func TestDirErrors(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err := Open(ctx, "dir:"+file)
	assert.ErrorIs(t, err, ErrInvalidReference)
	assert.ErrorContains(t, err, "not a directory")
	_, err = Open(ctx, "dir:"+filepath.Join(t.TempDir(), "missing"))
	assert.ErrorIs(t, err, ErrInvalidReference)

	unreadable := filepath.Join(t.TempDir(), "r")
	require.NoError(t, os.MkdirAll(filepath.Join(unreadable, "locked"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(unreadable, "locked", "x"), []byte("x"), 0o644))
	require.NoError(t, os.Chmod(filepath.Join(unreadable, "locked"), 0))
	t.Cleanup(func() { os.Chmod(filepath.Join(unreadable, "locked"), 0o755) })
	if os.Geteuid() == 0 {
		return // root reads everything
	}
	_, err = Open(ctx, "dir:"+unreadable)
	assert.ErrorContains(t, err, "locked")
}

func TestOCIDirSelectors(t *testing.T) {
	ctx := context.Background()
	one := platformImage(t, amd64, 1)
	two := platformImage(t, arm64, 1)
	idx, _ := multiArch(t)
	layoutIdx := indexOf(
		mutate.IndexAddendum{Add: one, Descriptor: v1.Descriptor{Annotations: map[string]string{refNameAnnotation: "v1"}}},
		mutate.IndexAddendum{Add: two, Descriptor: v1.Descriptor{Annotations: map[string]string{refNameAnnotation: "docker.io/library/x:2.0"}}},
		mutate.IndexAddendum{Add: idx, Descriptor: v1.Descriptor{Annotations: map[string]string{refNameAnnotation: "multi"}}},
		// The same image tagged twice is one choice.
		mutate.IndexAddendum{Add: one, Descriptor: v1.Descriptor{Annotations: map[string]string{refNameAnnotation: "dup"}}},
		mutate.IndexAddendum{Add: one, Descriptor: v1.Descriptor{Annotations: map[string]string{refNameAnnotation: "dup"}}},
	)
	dir := writeLayout(t, "lay:out", layoutIdx) // a ':' in the path
	single := writeLayout(t, "single:1", indexOf(mutate.IndexAddendum{Add: two}))

	tests := []struct {
		name    string
		ref     string
		opts    []Option
		want    v1.Image
		wantErr string
		is      error
	}{
		{"tag", "oci-dir:" + dir + ":v1", nil, one, "", nil},
		{"tag with ':'", "oci-dir:" + dir + ":docker.io/library/x:2.0", nil, two, "", nil},
		{"digest", "oci-dir:" + dir + "@" + digestOf(t, two).String(), nil, two, "", nil},
		{"tag of an index", "oci-dir:" + dir + ":multi", []Option{WithPlatform(armv7)}, nil, "", nil},
		{"tag on two entries of one image", "oci-dir:" + dir + ":dup", nil, one, "", nil},
		{"single entry, no selector", "oci-dir:" + single, nil, two, "", nil},
		{"single entry, path ending in :1", "oci-dir:" + single + "@" + digestOf(t, two).String(), nil, two, "", nil},
		{"no selector, several entries", "oci-dir:" + dir, nil, nil, "5 entries match; pick one", ErrInvalidReference},
		{"unknown tag", "oci-dir:" + dir + ":v9", nil, nil, `index.json has tags "docker.io/library/x:2.0", "dup", "multi", "v1"`, ErrNotFound},
		{"unknown digest", "oci-dir:" + dir + "@sha256:" + digestOf(t, two).Hex[:60] + "0000", nil, nil, "no entry with this digest", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Open(ctx, tt.ref, tt.opts...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.wantErr)
				assert.ErrorIs(t, err, tt.is)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.ref, img.Ref)
			if tt.want != nil {
				assert.Equal(t, digestOf(t, tt.want), digestOf(t, img))
			} else {
				assert.Equal(t, armv7, *img.Platform)
			}
		})
	}
}
