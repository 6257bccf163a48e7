package registry

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// dirCreatedBy is the history entry of a dir: image's one layer.
const dirCreatedBy = "portcullis: unpacked root filesystem"

// openDir opens an unpacked root filesystem as an image of one layer, for
// the platform of the options.
//
// The layer's tar stream is built from the directory on each read: entries
// in lexical order, directories, regular files and symbolic links only
// (devices, sockets and pipes are left out), symlinks stored as symlinks and
// never followed, times zeroed and owners 0, so that the same tree gives the
// same diffID. Files are opened through an [os.Root], so nothing outside the
// directory is read even if the tree changes while it is read; a file that
// changes between its listing and its reading fails the read. The layer's
// compressed form is gzip at level 0 (stored blocks), which costs a read and
// a checksum rather than compression.
func (s *session) openDir(r reference) ([]*Image, error) {
	root, err := filepath.Abs(r.path)
	if err != nil {
		return nil, s.fail("opening directory", "", err)
	}
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return nil, s.fail("opening directory", "", fmt.Errorf("%w: %v", ErrInvalidReference, err))
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, s.fail("opening directory", "", err)
	}
	if !fi.IsDir() {
		return nil, s.fail("opening directory", "", fmt.Errorf("%w: not a directory", ErrInvalidReference))
	}
	ctx := s.ctx
	opener := func() (io.ReadCloser, error) {
		rt, err := os.OpenRoot(root)
		if err != nil {
			return nil, err
		}
		pr, pw := io.Pipe()
		go func() {
			defer rt.Close()
			pw.CloseWithError(writeTree(ctx, rt, pw))
		}()
		return pr, nil
	}
	l, err := tarball.LayerFromOpener(opener, tarball.WithCompressionLevel(gzip.NoCompression))
	if err != nil {
		return nil, s.fail("reading directory", "", err)
	}
	p := clonePlatform(s.o.platform)
	base, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		OS:           p.OS,
		Architecture: p.Architecture,
		Variant:      p.Variant,
		OSVersion:    p.OSVersion,
		RootFS:       v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, s.fail("building image", "", err)
	}
	base, err = mutate.Append(base, mutate.Addendum{Layer: plainLayer{l}, History: v1.History{CreatedBy: dirCreatedBy}})
	if err != nil {
		return nil, s.fail("building image", "", err)
	}
	rawConfig, err := base.RawConfigFile()
	if err != nil {
		return nil, s.fail("building image", "", err)
	}
	configName, err := base.ConfigName()
	if err != nil {
		return nil, s.fail("building image", "", err)
	}
	img, err := s.wrap(base, rawConfig, configName, 1, false)
	if err != nil {
		return nil, err
	}
	img.Platform = &p
	return []*Image{img}, nil
}

// writeTree writes the tar stream of the tree under rt to w.
func writeTree(ctx context.Context, rt *os.Root, w io.Writer) error {
	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0).UTC()
	err := fs.WalkDir(rt.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		info, err := rt.Lstat(name)
		if err != nil {
			return err
		}
		hdr := &tar.Header{
			Name:    name,
			Mode:    int64(info.Mode().Perm()) | specialBits(info.Mode()),
			ModTime: epoch,
		}
		switch {
		case info.IsDir():
			hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
			return tw.WriteHeader(hdr)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := rt.Readlink(name)
			if err != nil {
				return err
			}
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
			return tw.WriteHeader(hdr)
		case info.Mode().IsRegular():
			return writeFile(tw, rt, name, info, hdr)
		default:
			return nil // devices, sockets, pipes: no package data
		}
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// writeFile writes one regular file, which must still be the file listed.
func writeFile(tw *tar.Writer, rt *os.Root, name string, listed fs.FileInfo, hdr *tar.Header) error {
	f, err := rt.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || !os.SameFile(listed, fi) {
		return fmt.Errorf("%s changed while it was read", name)
	}
	hdr.Typeflag, hdr.Size = tar.TypeReg, fi.Size()
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if n, err := io.CopyN(tw, f, hdr.Size); err != nil {
		return fmt.Errorf("%s: read %d of %d bytes: %w", name, n, hdr.Size, err)
	}
	return nil
}

// specialBits maps setuid, setgid and sticky to their tar mode bits.
func specialBits(m fs.FileMode) int64 {
	var b int64
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// plainLayer drops the empty annotations map of a tarball layer's
// descriptor, which would make the image's Manifest() differ from its
// RawManifest() (where an empty map is omitted).
type plainLayer struct{ v1.Layer }

func (l plainLayer) Descriptor() (*v1.Descriptor, error) {
	d, err := partial.Descriptor(l.Layer)
	if err != nil {
		return nil, err
	}
	if len(d.Annotations) == 0 {
		d.Annotations = nil
	}
	return d, nil
}
