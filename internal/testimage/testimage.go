// Package testimage builds container images from files in memory, for
// tests and demos: layers with regular files, directories, symlinks, hard
// links and whiteouts, compressed with gzip, zstd or not at all.
package testimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Entry is one tar entry.
type Entry struct {
	Name string
	// Body is a regular file's content.
	Body []byte
	// Type is the tar type flag; the default is a regular file.
	Type byte
	// Link is a symlink's or hard link's target.
	Link string
	// Mode is the permission bits; the default is 0644 (0755 for directories).
	Mode int64
}

// File returns a regular-file entry.
func File(name, body string) Entry { return Entry{Name: name, Body: []byte(body)} }

// Dir returns a directory entry.
func Dir(name string) Entry { return Entry{Name: name, Type: tar.TypeDir} }

// Symlink returns a symlink entry.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Link: target}
}

// Hardlink returns a hard-link entry.
func Hardlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeLink, Link: target}
}

// Whiteout returns the whiteout entry that deletes path.
func Whiteout(path string) Entry {
	dir, base := splitPath(path)
	return File(dir+".wh."+base, "")
}

// Opaque returns the marker that hides the lower contents of dir.
func Opaque(dir string) Entry { return File(dir+"/.wh..wh..opq", "") }

func splitPath(p string) (dir, base string) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i+1], p[i+1:]
		}
	}
	return "", p
}

// Tar returns the entries as an uncompressed tar stream.
func Tar(entries ...Entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Link, Mode: e.Mode, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(fmt.Sprintf("testimage: %s: %v", e.Name, err))
		}
		if h.Size > 0 {
			if _, err := tw.Write(e.Body); err != nil {
				panic(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Compression chooses how a layer is compressed.
type Compression int

// The compressions.
const (
	Gzip Compression = iota
	Zstd
	Uncompressed
)

// Compress compresses b.
func Compress(b []byte, c Compression) []byte {
	var buf bytes.Buffer
	switch c {
	case Gzip:
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(b)
		zw.Close()
	case Zstd:
		zw, _ := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
		zw.Write(b)
		zw.Close()
	default:
		return b
	}
	return buf.Bytes()
}

// LayerFromBytes returns a layer whose blob is exactly blob, as a registry
// would hold it, compressed with c; its diffID is computed from the
// decompressed content.
func LayerFromBytes(blob []byte, c Compression) v1.Layer {
	mt := map[Compression]types.MediaType{Gzip: types.OCILayer, Zstd: types.OCILayerZStd, Uncompressed: types.OCIUncompressedLayer}[c]
	return &blobLayer{Layer: static.NewLayer(blob, mt), c: c}
}

// blobLayer is a static layer whose diffID is that of its decompressed
// content.
type blobLayer struct {
	v1.Layer
	c      Compression
	once   sync.Once
	diffID v1.Hash
	err    error
}

func (l *blobLayer) DiffID() (v1.Hash, error) {
	l.once.Do(func() {
		rc, err := l.Uncompressed()
		if err != nil {
			l.err = err
			return
		}
		defer rc.Close()
		l.diffID, _, l.err = v1.SHA256(rc)
	})
	return l.diffID, l.err
}

func (l *blobLayer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	switch l.c {
	case Gzip:
		zr, err := gzip.NewReader(rc)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(zr), nil
	case Zstd:
		zr, err := zstd.NewReader(rc)
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return rc, nil
}

// Layer returns a layer holding entries, compressed with c.
func Layer(c Compression, entries ...Entry) v1.Layer {
	return LayerFromBytes(Compress(Tar(entries...), c), c)
}

// Image returns an image whose layers hold the given entries, bottom
// first, gzip-compressed, each with a history entry "layer N" and platform
// linux/amd64.
func Image(layers ...[]Entry) v1.Image {
	ls := make([]v1.Layer, len(layers))
	for i, es := range layers {
		ls[i] = Layer(Gzip, es...)
	}
	return FromLayers(ls...)
}

// FromLayers returns a linux/amd64 image of the given layers.
func FromLayers(layers ...v1.Layer) v1.Image {
	img := empty.Image
	for i, l := range layers {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: fmt.Sprintf("layer %d", i), Created: v1.Time{Time: time.Unix(0, 0)}}})
		if err != nil {
			panic(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		panic(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		panic(err)
	}
	return img
}

// Debian12OSRelease is Debian 12's /etc/os-release.
const Debian12OSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`

// DebPackage is a package for [Debian12].
type DebPackage struct{ Name, Source, Version string }

// Debian12 returns the entries of a minimal Debian 12 root: os-release and
// a dpkg status database listing pkgs as installed.
func Debian12(pkgs ...DebPackage) []Entry {
	var status strings.Builder
	for _, p := range pkgs {
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 100\nMaintainer: Test <test@example.org>\nArchitecture: amd64\n", p.Name)
		if p.Source != "" {
			fmt.Fprintf(&status, "Source: %s\n", p.Source)
		}
		fmt.Fprintf(&status, "Version: %s\nDescription: %s\n\n", p.Version, p.Name)
	}
	return []Entry{File("etc/os-release", Debian12OSRelease), File("var/lib/dpkg/status", status.String())}
}
