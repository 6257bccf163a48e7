package registry

import (
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image is an image opened from some source, with where it came from. Its
// methods are those of the embedded [v1.Image]; their errors are [*Error]
// values naming the reference and the digest concerned.
//
// The config was read, checked against its digest and parsed once when the
// image was opened, and is served from memory. Layer blobs are read lazily;
// for an OCI layout each compressed blob is checked against its digest and
// size while it is read (a registry's blobs are checked by
// go-containerregistry), and the error comes at the end of the stream, so
// a reader must read to io.EOF for the check to happen.
//
// An Image is safe for concurrent use, as the embedded image is.
type Image struct {
	v1.Image
	// Ref is the reference as the user gave it.
	Ref string
	// Platform is the platform chosen from an index or, for an image that
	// did not come from an index, the one its config states (nil if it
	// states none).
	Platform *v1.Platform
}

// image wraps an opened image: it serves the config checked at open, names
// and redacts errors, and checks layer blobs where the source does not.
type image struct {
	base       v1.Image
	ref        string
	red        *redactor
	rawConfig  []byte
	config     *v1.ConfigFile
	configName v1.Hash
	// verifyBlobs: compressed layer streams are checked against their
	// descriptors here (the source does not do it).
	verifyBlobs bool
	// byDiffID: name layers by diffID in errors, their digest being costly
	// to compute (a docker-archive's uncompressed layers) or made up.
	byDiffID bool
}

var _ v1.Image = (*image)(nil)

func (i *image) fail(op, digest string, err error) error {
	return newError(i.red, i.ref, op, digest, err)
}

func (i *image) Layers() ([]v1.Layer, error) {
	ls, err := i.base.Layers()
	if err != nil {
		return nil, i.fail("listing layers", "", err)
	}
	out := make([]v1.Layer, len(ls))
	for n, l := range ls {
		out[n] = &layer{Layer: l, img: i}
	}
	return out, nil
}

func (i *image) MediaType() (types.MediaType, error) {
	mt, err := i.base.MediaType()
	if err != nil {
		return mt, i.fail("reading media type", "", err)
	}
	return mt, nil
}

func (i *image) Size() (int64, error) {
	n, err := i.base.Size()
	if err != nil {
		return n, i.fail("reading manifest size", "", err)
	}
	return n, nil
}

func (i *image) ConfigName() (v1.Hash, error) { return i.configName, nil }

func (i *image) ConfigFile() (*v1.ConfigFile, error) { return i.config.DeepCopy(), nil }

func (i *image) RawConfigFile() ([]byte, error) { return append([]byte(nil), i.rawConfig...), nil }

func (i *image) Digest() (v1.Hash, error) {
	h, err := i.base.Digest()
	if err != nil {
		return h, i.fail("computing manifest digest", "", err)
	}
	return h, nil
}

func (i *image) Manifest() (*v1.Manifest, error) {
	m, err := i.base.Manifest()
	if err != nil {
		return nil, i.fail("reading manifest", "", err)
	}
	return m, nil
}

func (i *image) RawManifest() ([]byte, error) {
	b, err := i.base.RawManifest()
	if err != nil {
		return nil, i.fail("reading manifest", "", err)
	}
	return b, nil
}

func (i *image) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	l, err := i.base.LayerByDigest(h)
	if err != nil {
		return nil, i.fail("finding layer", h.String(), err)
	}
	return &layer{Layer: l, img: i}, nil
}

func (i *image) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	l, err := i.base.LayerByDiffID(h)
	if err != nil {
		return nil, i.fail("finding layer with diffID", h.String(), err)
	}
	return &layer{Layer: l, img: i}, nil
}

// layer wraps a layer of an [image].
type layer struct {
	v1.Layer
	img *image
}

// Descriptor keeps the descriptor of the wrapped layer (its URLs,
// annotations, media type) visible to go-containerregistry.
func (l *layer) Descriptor() (*v1.Descriptor, error) {
	d, err := partial.Descriptor(l.Layer)
	if err != nil {
		return nil, l.fail(err)
	}
	return d, nil
}

func (l *layer) fail(err error) error {
	if l.img.byDiffID {
		if h, derr := l.Layer.DiffID(); derr == nil {
			return l.img.fail("reading layer with diffID", h.String(), err)
		}
		return l.img.fail("reading layer", "", err)
	}
	if h, derr := l.Layer.Digest(); derr == nil {
		return l.img.fail("reading layer", h.String(), err)
	}
	return l.img.fail("reading layer", "", err)
}

func (l *layer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, l.fail(err)
	}
	br := &blobReader{rc: rc, l: l}
	if l.img.verifyBlobs {
		d, err := l.Layer.Digest()
		if err != nil {
			rc.Close()
			return nil, l.fail(err)
		}
		size, err := l.Layer.Size()
		if err != nil {
			rc.Close()
			return nil, l.fail(err)
		}
		h, err := v1.Hasher(d.Algorithm)
		if err != nil {
			rc.Close()
			return nil, l.fail(fmt.Errorf("%w: %v", ErrInvalidImage, err))
		}
		br.want, br.size, br.h = d, size, h
	}
	return br, nil
}

func (l *layer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Uncompressed()
	if err != nil {
		return nil, l.fail(err)
	}
	return &blobReader{rc: rc, l: l}, nil
}

// blobReader names and redacts read errors and, when h is set, checks the
// stream against a digest and size: more bytes than the size fail at once,
// fewer or a different digest at the end of the stream.
type blobReader struct {
	rc   io.ReadCloser
	l    *layer
	h    hash.Hash
	want v1.Hash
	size int64
	n    int64
	err  error
}

func (r *blobReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.rc.Read(p)
	if r.h != nil {
		r.h.Write(p[:n])
		r.n += int64(n)
		if r.n > r.size {
			r.err = r.l.fail(fmt.Errorf("%w: blob is larger than the %d bytes of its descriptor", ErrInvalidImage, r.size))
			return 0, r.err
		}
		if errors.Is(err, io.EOF) {
			if r.n != r.size {
				r.err = r.l.fail(fmt.Errorf("%w: blob has %d bytes, its descriptor says %d", ErrInvalidImage, r.n, r.size))
				return n, r.err
			}
			if got := hex.EncodeToString(r.h.Sum(nil)); got != r.want.Hex {
				r.err = r.l.fail(fmt.Errorf("%w: blob content hashes to %s:%s", ErrInvalidImage, r.want.Algorithm, got))
				return n, r.err
			}
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = r.l.fail(err)
		return n, r.err
	}
	return n, err
}

func (r *blobReader) Close() error {
	if err := r.rc.Close(); err != nil {
		return r.l.fail(err)
	}
	return nil
}
