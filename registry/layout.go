package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// refNameAnnotation is the annotation that names an entry of index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// maxListed bounds how many entries an error message lists.
const maxListed = 10

// openLayout opens an image from an OCI image layout.
func (s *session) openLayout(r reference) ([]*Image, error) {
	if err := s.checkLayout(r.path); err != nil {
		return nil, err
	}
	lp := layout.Path(r.path)
	s.checkBlob = func(h v1.Hash, max int64, option string) error { return s.checkLayoutBlob(r.path, h, max, option) }
	s.verifyBlobs = true
	root, err := lp.ImageIndex()
	if err != nil {
		return nil, s.fail("reading", "index.json", err)
	}
	raw, err := root.RawManifest()
	if err != nil {
		return nil, s.fail("reading", "index.json", err)
	}
	if n := int64(len(raw)); n > s.o.maxManifestBytes {
		return nil, s.limit("reading", "index.json", "index.json size in bytes", n, s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	im, err := root.IndexManifest()
	if err != nil {
		return nil, s.invalid("parsing", "index.json", "%v", err)
	}
	if n := len(im.Manifests); n > s.o.maxIndexChildren {
		return nil, s.limit("reading", "index.json", "number of manifests in index.json", int64(n), int64(s.o.maxIndexChildren), "WithMaxIndexChildren")
	}
	d, set, err := s.selectLayoutEntry(r, im.Manifests)
	if err != nil {
		return nil, err
	}
	if set != nil {
		ps, digest, err := newPlatformSet(root, set)
		if err != nil {
			return nil, s.fail("reading", "index.json", err)
		}
		return s.fromIndex(ps, digest)
	}
	switch {
	case d.MediaType.IsIndex():
		if err := s.checkManifestDesc(d, "index"); err != nil {
			return nil, err
		}
		idx, err := root.ImageIndex(d.Digest)
		if err != nil {
			return nil, s.fail("reading index", d.Digest.String(), err)
		}
		return s.fromIndex(idx, d.Digest)
	case d.MediaType.IsImage():
		if err := s.checkManifestDesc(d, "manifest"); err != nil {
			return nil, err
		}
		img, err := root.Image(d.Digest)
		if err != nil {
			return nil, s.fail("reading manifest", d.Digest.String(), err)
		}
		return s.openSingle(img, d.Digest)
	default:
		return nil, s.invalid("reading", "index.json", "entry %s has media type %q, neither an image nor an index", d.Digest, d.MediaType)
	}
}

// selectLayoutEntry picks the entry of index.json that the reference names.
// When the candidates are image manifests for distinct platforms (what
// writing an index's children straight into index.json produces), it
// returns them as set, to be chosen from like an index's children.
func (s *session) selectLayoutEntry(r reference, entries []v1.Descriptor) (d v1.Descriptor, set []v1.Descriptor, err error) {
	var cands []v1.Descriptor
	switch {
	case r.digest != (v1.Hash{}):
		for _, e := range entries {
			if e.Digest == r.digest {
				return e, nil, nil
			}
		}
		return v1.Descriptor{}, nil, s.fail("selecting entry", r.digest.String(), fmt.Errorf("%w: index.json has no entry with this digest (it has %s)", ErrNotFound, listEntries(entries)))
	case r.tag != "":
		for _, e := range entries {
			if e.Annotations[refNameAnnotation] == r.tag {
				cands = append(cands, e)
			}
		}
		if len(cands) == 0 {
			var tags []string
			for _, e := range entries {
				if t := e.Annotations[refNameAnnotation]; t != "" {
					tags = append(tags, fmt.Sprintf("%q", t))
				}
			}
			slices.Sort(tags)
			have := "no tagged entries"
			if len(tags) > 0 {
				have = "tags " + strings.Join(clip(slices.Compact(tags)), ", ")
			}
			return v1.Descriptor{}, nil, s.fail("selecting tag", fmt.Sprintf("%q", r.tag), fmt.Errorf("%w: index.json has %s", ErrNotFound, have))
		}
	default:
		cands = entries
	}
	switch len(cands) {
	case 0:
		return v1.Descriptor{}, nil, s.fail("selecting entry in", "index.json", fmt.Errorf("%w: index.json lists no images", ErrNotFound))
	case 1:
		return cands[0], nil, nil
	}
	// Several entries for one digest (tagged twice) are one choice.
	if !slices.ContainsFunc(cands, func(d v1.Descriptor) bool { return d.Digest != cands[0].Digest }) {
		return cands[0], nil, nil
	}
	if platformImages(cands) {
		return v1.Descriptor{}, cands, nil
	}
	return v1.Descriptor{}, nil, s.fail("selecting entry in", "index.json", fmt.Errorf("%w: %d entries match; pick one with oci-dir:PATH:TAG or oci-dir:PATH@DIGEST: %s", ErrInvalidReference, len(cands), listEntries(cands)))
}

// listEntries describes index.json entries for a message.
func listEntries(entries []v1.Descriptor) string {
	if len(entries) == 0 {
		return "no entries"
	}
	var out []string
	for _, e := range entries {
		var about []string
		if t := e.Annotations[refNameAnnotation]; t != "" {
			about = append(about, fmt.Sprintf("tag %q", t))
		}
		if e.Platform != nil {
			about = append(about, platformString(e.Platform))
		}
		if len(about) > 0 {
			out = append(out, fmt.Sprintf("%s (%s)", e.Digest, strings.Join(about, ", ")))
		} else {
			out = append(out, e.Digest.String())
		}
	}
	return strings.Join(clip(out), ", ")
}

// clip shortens a list for a message.
func clip(list []string) []string {
	if len(list) <= maxListed {
		return list
	}
	return append(list[:maxListed:maxListed], fmt.Sprintf("and %d more", len(list)-maxListed))
}

// checkLayout checks a directory is an OCI image layout whose index.json
// may be read: an oci-layout file of version 1.x, a regular index.json
// within the manifest limit.
func (s *session) checkLayout(dir string) error {
	const maxLayoutFile = 4 << 10
	fi, err := os.Lstat(filepath.Join(dir, "oci-layout"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s.invalid("opening layout", "", "not an OCI image layout: no oci-layout file")
	case err != nil:
		return s.fail("opening layout", "", err)
	case !fi.Mode().IsRegular():
		return s.invalid("opening layout", "", "oci-layout is not a regular file (%s)", fi.Mode().Type())
	case fi.Size() > maxLayoutFile:
		return s.invalid("opening layout", "", "oci-layout has %d bytes", fi.Size())
	}
	b, err := os.ReadFile(filepath.Join(dir, "oci-layout"))
	if err != nil {
		return s.fail("opening layout", "", err)
	}
	var v struct {
		Version string `json:"imageLayoutVersion"`
	}
	if err := json.Unmarshal(b, &v); err != nil || len(b) > maxLayoutFile {
		return s.invalid("opening layout", "", "oci-layout is not valid JSON")
	}
	if !strings.HasPrefix(v.Version, "1.") {
		return s.invalid("opening layout", "", "unsupported imageLayoutVersion %q in oci-layout (want 1.x)", v.Version)
	}
	fi, err = os.Lstat(filepath.Join(dir, "index.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s.invalid("opening layout", "", "no index.json")
	case err != nil:
		return s.fail("opening layout", "", err)
	case !fi.Mode().IsRegular():
		return s.invalid("opening layout", "", "index.json is not a regular file (%s)", fi.Mode().Type())
	case fi.Size() > s.o.maxManifestBytes:
		return s.limit("reading", "index.json", "index.json size in bytes", fi.Size(), s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	return nil
}

// checkLayoutBlob checks, before go-containerregistry reads a blob of the
// layout whole into memory, that it is a regular file of at most max bytes.
func (s *session) checkLayoutBlob(dir string, h v1.Hash, max int64, option string) error {
	fi, err := os.Lstat(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s.fail("reading blob", h.String(), fmt.Errorf("%w: the layout has no such blob", ErrNotFound))
	case err != nil:
		return s.fail("reading blob", h.String(), err)
	case !fi.Mode().IsRegular():
		return s.invalid("reading blob", h.String(), "the blob is not a regular file (%s)", fi.Mode().Type())
	case fi.Size() > max:
		return s.limit("reading blob", h.String(), "blob size in bytes", fi.Size(), max, option)
	}
	return nil
}

// platformImages reports whether every descriptor is an image manifest with
// a platform, no two for the same platform.
func platformImages(ds []v1.Descriptor) bool {
	seen := map[string]bool{}
	for _, d := range ds {
		if !d.MediaType.IsImage() || d.Platform == nil || seen[d.Platform.String()] {
			return false
		}
		seen[d.Platform.String()] = true
	}
	return true
}

// platformSet is a synthetic index over some of index.json's entries; its
// children are read from the layout.
type platformSet struct {
	root v1.ImageIndex
	raw  []byte
}

// newPlatformSet returns the index listing entries, and its digest.
func newPlatformSet(root v1.ImageIndex, entries []v1.Descriptor) (*platformSet, v1.Hash, error) {
	raw, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: entries})
	if err != nil {
		return nil, v1.Hash{}, err
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return nil, v1.Hash{}, err
	}
	return &platformSet{root: root, raw: raw}, h, nil
}

func (p *platformSet) RawManifest() ([]byte, error) { return p.raw, nil }

func (p *platformSet) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }

func (p *platformSet) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(p.raw))
	return h, err
}

func (p *platformSet) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(p.raw))
}

func (p *platformSet) Size() (int64, error) { return int64(len(p.raw)), nil }

func (p *platformSet) Image(h v1.Hash) (v1.Image, error) { return p.root.Image(h) }

func (p *platformSet) ImageIndex(h v1.Hash) (v1.ImageIndex, error) { return p.root.ImageIndex(h) }
