package main

import (
	"archive/tar"
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// demoFiles holds the demo image's layers, one directory per layer, in
// order. A file named ".wh.NAME" is a whiteout: the layer deletes NAME.
//
//go:embed all:image
var demoFiles embed.FS

// demoLayers describes the layers: the directory under image/, the
// command a Dockerfile would have run, and the layer's symlinks (kept here
// because embedded files cannot be symlinks). Debian's etc/os-release is
// one, so the scanner must resolve it.
var demoLayers = []struct {
	dir, createdBy string
	symlinks       map[string]string
}{
	{"0-base", "ADD debian-12-minimal.tar /", map[string]string{"etc/os-release": "../usr/lib/os-release"}},
	{"1-install-curl", "RUN apt-get install -y curl && apt-get upgrade -y libssl3", nil},
	{"2-remove-tzdata", "RUN apt-get purge -y tzdata", nil},
	// Only in the rebuilt image (1.1), which the policy lets through.
	{"3-upgrade-libc6", "RUN apt-get upgrade -y libc6", nil},
}

// demoImageLayers is how many of demoLayers the first demo image (1.0)
// has; the rebuilt image has them all, sharing the first ones' blobs.
const demoImageLayers = 3

// epoch is the fixed time given to every file and the image, so the demo
// image has the same digest on every machine.
var epoch = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// buildDemoImage builds the three-layer demo image from the embedded files.
func buildDemoImage() (v1.Image, error) { return buildImage(demoImageLayers) }

// buildRebuiltImage builds the demo image rebuilt with libc6 upgraded.
func buildRebuiltImage() (v1.Image, error) { return buildImage(len(demoLayers)) }

// buildImage builds an image of the first n demoLayers.
func buildImage(n int) (v1.Image, error) {
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		OS:           "linux",
		Architecture: runtime.GOARCH,
		Created:      v1.Time{Time: epoch},
		Config: v1.Config{
			Labels: map[string]string{"org.opencontainers.image.title": "portcullis quickstart demo"},
			Cmd:    []string{"bash"},
		},
	})
	if err != nil {
		return nil, err
	}
	for _, l := range demoLayers[:n] {
		blob, err := tarDir(demoFiles, path.Join("image", l.dir), l.symlinks)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.dir, err)
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(blob)), nil
		}, tarball.WithCompressedCaching)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.dir, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:   layer,
			History: v1.History{CreatedBy: l.createdBy, Created: v1.Time{Time: epoch}},
		})
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.dir, err)
		}
	}
	return img, nil
}

// tarDir writes the tree under root and the given symlinks (path to
// target) as an uncompressed layer tar, parent directories before their
// contents.
func tarDir(fsys fs.FS, root string, symlinks map[string]string) ([]byte, error) {
	var paths []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name := range symlinks {
		paths = append(paths, path.Join(root, name))
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		name := strings.TrimPrefix(p, root+"/")
		hdr := &tar.Header{Name: name, ModTime: epoch, Mode: 0o644, Format: tar.FormatPAX}
		var body []byte
		if target, ok := symlinks[name]; ok {
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, target, 0o777
			if err := tw.WriteHeader(hdr); err != nil {
				return nil, err
			}
			continue
		}
		fi, err := fs.Stat(fsys, p)
		if err != nil {
			return nil, err
		}
		switch {
		case fi.IsDir():
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, name+"/", 0o755
		default:
			if body, err = fs.ReadFile(fsys, p); err != nil {
				return nil, err
			}
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
