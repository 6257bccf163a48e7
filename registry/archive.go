package registry

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Bounds on a docker-archive beyond the options: how many tar entries it may
// have (docker save writes a handful per layer), how many images its
// manifest.json may list, and how many links a path may go through.
const (
	maxArchiveEntries = 100_000
	maxArchiveImages  = 4096
	maxArchiveHops    = 40
)

// archiveEntry is what the pre-scan of a docker-archive learns of an entry.
type archiveEntry struct {
	typeflag byte
	linkname string
	size     int64
}

// openArchive opens an image from the output of docker save. Before
// go-containerregistry reads it, a scan of the tar headers checks
// manifest.json and the config and layer paths it names, so that no read is
// unbounded and no chain of links is followed too far.
func (s *session) openArchive(r reference) ([]*Image, error) {
	entries, manifest, err := s.scanArchive(r.path)
	if err != nil {
		return nil, err
	}
	var descs tarball.Manifest
	if err := json.Unmarshal(manifest, &descs); err != nil {
		return nil, s.invalid("parsing", "manifest.json", "%v", err)
	}
	if len(descs) > maxArchiveImages {
		return nil, s.invalid("parsing", "manifest.json", "%d images listed, more than %d", len(descs), maxArchiveImages)
	}
	var tag *name.Tag
	if r.tag != "" {
		t, err := name.NewTag(r.tag)
		if err != nil {
			return nil, s.fail("", "", fmt.Errorf("%w: tag %q: %v", ErrInvalidReference, r.tag, err))
		}
		tag = &t
	}
	desc, err := s.selectArchiveImage(descs, tag)
	if err != nil {
		return nil, err
	}
	if n := len(desc.Layers); n > s.o.maxLayers {
		return nil, s.limit("parsing", "manifest.json", "number of layers", int64(n), int64(s.o.maxLayers), "WithMaxLayers")
	}
	size, err := resolveArchivePath(entries, desc.Config)
	if err != nil {
		return nil, s.invalid("reading config", desc.Config, "%v", err)
	}
	if size > s.o.maxManifestBytes {
		return nil, s.limit("reading config", desc.Config, "config size in bytes", size, s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	for _, l := range desc.Layers {
		if _, err := resolveArchivePath(entries, l); err != nil {
			return nil, s.invalid("reading layer", l, "%v", err)
		}
	}
	opener := func() (io.ReadCloser, error) { return os.Open(r.path) }
	base, err := tarball.Image(opener, tag)
	if err != nil {
		return nil, s.fail("reading", "manifest.json", err)
	}
	rawConfig, err := base.RawConfigFile()
	if err != nil {
		return nil, s.fail("reading config", desc.Config, err)
	}
	configName, _, err := v1.SHA256(bytes.NewReader(rawConfig))
	if err != nil {
		return nil, s.fail("reading config", desc.Config, err)
	}
	img, err := s.wrap(base, rawConfig, configName, len(desc.Layers), true)
	if err != nil {
		return nil, err
	}
	if err := s.checkPlatform(img, configName.String()); err != nil {
		return nil, err
	}
	return []*Image{img}, nil
}

// scanArchive reads the tar headers of a docker-archive, and manifest.json.
func (s *session) scanArchive(p string) (map[string]archiveEntry, []byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, s.fail("opening", "", err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := f.ReadAt(magic, 0)
	if magic = magic[:n]; bytes.HasPrefix(magic, []byte{0x1f, 0x8b}) || bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		return nil, nil, s.invalid("opening", "", "the archive is compressed; decompress the output of docker save first")
	}
	tr := tar.NewReader(f) // skips entry bodies by seeking
	entries := map[string]archiveEntry{}
	var manifest []byte
	for n := 0; ; n++ {
		if err := s.ctx.Err(); err != nil {
			return nil, nil, s.fail("reading archive", "", err)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, s.invalid("reading archive", "", "not a tar archive: %v", err)
		}
		if n >= maxArchiveEntries {
			return nil, nil, s.invalid("reading archive", "", "more than %d entries; not the output of docker save", maxArchiveEntries)
		}
		clean := path.Clean(hdr.Name)
		if _, dup := entries[clean]; !dup { // go-containerregistry reads the first
			entries[clean] = archiveEntry{typeflag: hdr.Typeflag, linkname: hdr.Linkname, size: hdr.Size}
		}
		if clean == "manifest.json" && hdr.Typeflag == tar.TypeReg && manifest == nil {
			if hdr.Size > s.o.maxManifestBytes {
				return nil, nil, s.limit("reading", "manifest.json", "manifest.json size in bytes", hdr.Size, s.o.maxManifestBytes, "WithMaxManifestBytes")
			}
			if manifest, err = io.ReadAll(io.LimitReader(tr, s.o.maxManifestBytes+1)); err != nil {
				return nil, nil, s.fail("reading", "manifest.json", err)
			}
		}
	}
	if manifest == nil {
		return nil, nil, s.invalid("reading archive", "", "no manifest.json: not the output of docker save")
	}
	return entries, manifest, nil
}

// selectArchiveImage picks the image of manifest.json the tag names, or the
// only one.
func (s *session) selectArchiveImage(descs tarball.Manifest, tag *name.Tag) (tarball.Descriptor, error) {
	var tags []string
	for _, d := range descs {
		for _, t := range d.RepoTags {
			pt, err := name.NewTag(t)
			if err != nil {
				return tarball.Descriptor{}, s.invalid("parsing", "manifest.json", "invalid RepoTags entry %q: %v", t, err)
			}
			if tag != nil && pt.Name() == tag.Name() {
				return d, nil
			}
			tags = append(tags, pt.Name())
		}
	}
	if tag == nil && len(descs) == 1 {
		return descs[0], nil
	}
	var list []string
	for _, d := range descs {
		if len(d.RepoTags) == 0 {
			list = append(list, fmt.Sprintf("untagged (config %s)", d.Config))
		}
	}
	slices.Sort(tags)
	list = append(slices.Compact(tags), list...)
	switch {
	case len(descs) == 0:
		return tarball.Descriptor{}, s.invalid("parsing", "manifest.json", "it lists no images")
	case tag == nil:
		return tarball.Descriptor{}, s.fail("selecting image", "", fmt.Errorf("%w: the archive has %d images; name one with docker-archive:PATH:TAG: %s", ErrInvalidReference, len(descs), strings.Join(clip(list), ", ")))
	default:
		return tarball.Descriptor{}, s.fail("selecting tag", tag.Name(), fmt.Errorf("%w: the archive has %s", ErrNotFound, strings.Join(clip(list), ", ")))
	}
}

// resolveArchivePath follows p through links in the archive, as
// go-containerregistry will, to a regular file, and returns its size.
func resolveArchivePath(entries map[string]archiveEntry, p string) (int64, error) {
	cur := path.Clean(p)
	for range maxArchiveHops {
		e, ok := entries[cur]
		if !ok {
			return 0, fmt.Errorf("%q is not in the archive", cur)
		}
		switch e.typeflag {
		case tar.TypeReg:
			return e.size, nil
		case tar.TypeSymlink, tar.TypeLink:
			cur = path.Join(path.Dir(cur), path.Clean(e.linkname))
		default:
			return 0, fmt.Errorf("%q is not a regular file", cur)
		}
	}
	return 0, fmt.Errorf("%q goes through more than %d links", p, maxArchiveHops)
}
