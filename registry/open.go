package registry

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Open opens the image that ref names, for one platform. ref is one of:
//
//   - registry:REF or a bare REF such as "alpine:3.20": an image in a
//     registry, with credentials from the keychain. Registries on this
//     machine (localhost, 127.0.0.0/8, [::1]) are reached over plain HTTP.
//   - oci-dir:PATH, oci-dir:PATH:TAG or oci-dir:PATH@DIGEST: an OCI image
//     layout. TAG matches the org.opencontainers.image.ref.name annotation
//     in index.json and DIGEST an entry of index.json; with neither,
//     index.json must have exactly one entry.
//   - docker-archive:PATH or docker-archive:PATH:TAG: the output of
//     docker save; with several images in it, TAG picks one.
//   - dir:PATH: an unpacked root filesystem, read as one layer.
//
// From a multi-platform index (nested indexes too), Open picks the image for
// the platform of [WithPlatform], skipping attestation manifests; an error
// matching [ErrPlatformNotFound] lists the platforms there are. Errors are
// [*Error] values: they name the reference and digest and never hold a
// credential.
//
// ctx also governs the image's later reads (its layers are read lazily), so
// it must outlive the use of the image.
func Open(ctx context.Context, ref string, opts ...Option) (*Image, error) {
	imgs, err := open(ctx, ref, opts, false)
	if err != nil {
		return nil, err
	}
	return imgs[0], nil
}

// OpenAll opens every platform image that ref names: each image of a
// multi-platform index (nested indexes included, attestation manifests and
// other non-image entries skipped) in index order, or the one image of a
// single-platform reference. References are as for [Open].
func OpenAll(ctx context.Context, ref string, opts ...Option) ([]*Image, error) {
	return open(ctx, ref, opts, true)
}

func open(ctx context.Context, ref string, opts []Option, all bool) ([]*Image, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, err
	}
	s := &session{ctx: ctx, o: o, ref: ref, red: &redactor{}, all: all}
	if err := ctx.Err(); err != nil {
		return nil, s.fail("", "", err)
	}
	r, err := parseReference(ref, os.Stat)
	if err != nil {
		return nil, s.fail("", "", err)
	}
	switch r.kind {
	case kindRemote:
		return s.openRemote(r)
	case kindOCIDir:
		return s.openLayout(r)
	case kindDockerArchive:
		return s.openArchive(r)
	default:
		return s.openDir(r)
	}
}

// session is the state of one call of Open or OpenAll.
type session struct {
	ctx context.Context
	o   *options
	ref string
	red *redactor
	all bool
	// checkBlob, when set, checks that a blob about to be read by the source
	// whole into memory (a manifest, index or config) is within max bytes.
	checkBlob func(h v1.Hash, max int64, option string) error
	// verifyBlobs: the source does not check layer blobs against their
	// digests, so the image wrapper does.
	verifyBlobs bool
}

func (s *session) fail(op, digest string, err error) error {
	return newError(s.red, s.ref, op, digest, err)
}

func (s *session) invalid(op, digest, format string, args ...any) error {
	return s.fail(op, digest, fmt.Errorf("%w: %s", ErrInvalidImage, fmt.Sprintf(format, args...)))
}

func (s *session) limit(op, digest, what string, got, limit int64, option string) error {
	return s.fail(op, digest, &LimitError{What: what, Got: got, Limit: limit, Option: option})
}

// leaf is an image manifest listed in an index.
type leaf struct {
	desc   v1.Descriptor
	parent v1.ImageIndex
}

// walker walks a tree of indexes, collecting the platform images.
type walker struct {
	s       *session
	budget  int
	visited map[v1.Hash]bool // indexes walked
	onPath  map[v1.Hash]bool // indexes being walked
	leaves  []leaf
	skipped []string
}

// fromIndex opens the platform image(s) of idx, the index with the given
// digest: the one best matching the platform, or all of them.
func (s *session) fromIndex(idx v1.ImageIndex, digest v1.Hash) ([]*Image, error) {
	w := &walker{
		s:       s,
		budget:  walkBudgetFactor * s.o.maxIndexChildren,
		visited: map[v1.Hash]bool{},
		onPath:  map[v1.Hash]bool{},
	}
	if err := w.walk(idx, digest, 1); err != nil {
		return nil, err
	}
	if s.all {
		return w.openAll(digest)
	}
	img, err := w.pick(digest)
	if err != nil {
		return nil, err
	}
	return []*Image{img}, nil
}

func (w *walker) walk(idx v1.ImageIndex, digest v1.Hash, depth int) error {
	s := w.s
	if depth > s.o.maxIndexDepth {
		return s.limit("walking index", digest.String(), "index nesting depth", int64(depth), int64(s.o.maxIndexDepth), "WithMaxIndexDepth")
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return s.fail("reading index", digest.String(), err)
	}
	if int64(len(raw)) > s.o.maxManifestBytes {
		return s.limit("reading index", digest.String(), "index size in bytes", int64(len(raw)), s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	if err := checkDigest(raw, digest); err != nil {
		return s.fail("reading index", digest.String(), err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return s.invalid("parsing index", digest.String(), "%v", err)
	}
	if im.MediaType != "" && !im.MediaType.IsIndex() {
		return s.invalid("parsing index", digest.String(), "its mediaType is %q, not an index", im.MediaType)
	}
	if n := len(im.Manifests); n > s.o.maxIndexChildren {
		return s.limit("walking index", digest.String(), "number of manifests in the index", int64(n), int64(s.o.maxIndexChildren), "WithMaxIndexChildren")
	}
	w.onPath[digest] = true
	defer delete(w.onPath, digest)
	for _, c := range im.Manifests {
		if err := s.ctx.Err(); err != nil {
			return s.fail("walking index", digest.String(), err)
		}
		if w.budget--; w.budget < 0 {
			return s.limit("walking index", digest.String(), "number of descriptors in the tree of indexes", int64(walkBudgetFactor*s.o.maxIndexChildren+1), int64(walkBudgetFactor*s.o.maxIndexChildren), "WithMaxIndexChildren (times 4)")
		}
		switch {
		case c.MediaType.IsIndex():
			if w.onPath[c.Digest] {
				return s.invalid("walking index", digest.String(), "it lists index %s, which contains it (a cycle)", c.Digest)
			}
			if w.visited[c.Digest] {
				continue
			}
			w.visited[c.Digest] = true
			if err := s.checkManifestDesc(c, "index"); err != nil {
				return err
			}
			child, err := idx.ImageIndex(c.Digest)
			if err != nil {
				return s.fail("reading index", c.Digest.String(), err)
			}
			if err := w.walk(child, c.Digest, depth+1); err != nil {
				return err
			}
		case c.MediaType.IsImage():
			if why := skipReason(c); why != "" {
				w.skipped = append(w.skipped, why)
				continue
			}
			w.leaves = append(w.leaves, leaf{desc: c, parent: idx})
		default:
			w.skipped = append(w.skipped, fmt.Sprintf("%s (media type %q)", c.Digest, c.MediaType))
		}
	}
	return nil
}

// skipReason tells why an image manifest listed in an index is not a
// platform image, or "" if it is one.
func skipReason(d v1.Descriptor) string {
	if t := d.Annotations["vnd.docker.reference.type"]; t != "" {
		return fmt.Sprintf("%s (%s)", d.Digest, t)
	}
	if d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown" {
		return fmt.Sprintf("%s (platform unknown/unknown)", d.Digest)
	}
	if d.ArtifactType != "" && !types.MediaType(d.ArtifactType).IsConfig() {
		return fmt.Sprintf("%s (artifact %q)", d.Digest, d.ArtifactType)
	}
	return ""
}

// pick opens the leaf that best matches the requested platform. Leaves whose
// descriptor has no platform are opened to read it from their config, but
// only when no leaf's descriptor matches.
func (w *walker) pick(index v1.Hash) (*Image, error) {
	want := w.s.o.platform
	best, bestRank := -1, 0
	for n, l := range w.leaves {
		if l.desc.Platform == nil {
			continue
		}
		if r := platformRank(*l.desc.Platform, want); r > bestRank {
			best, bestRank = n, r
		}
	}
	if best >= 0 {
		return w.s.openLeaf(w.leaves[best])
	}
	var available []string
	for _, l := range w.leaves {
		if l.desc.Platform != nil {
			available = append(available, platformString(l.desc.Platform))
			continue
		}
		img, err := w.s.openLeaf(l)
		if err != nil {
			return nil, err
		}
		if img.Platform != nil && platformRank(*img.Platform, want) > 0 {
			return img, nil
		}
		available = append(available, platformString(img.Platform))
	}
	slices.Sort(available)
	available = slices.Compact(available)
	msg := fmt.Sprintf("%s: the index has %s", want.String(), strings.Join(available, ", "))
	if len(available) == 0 {
		msg = fmt.Sprintf("%s: the index has no platform images", want.String())
	}
	if len(w.skipped) > 0 {
		msg += fmt.Sprintf(" (skipped %d non-platform manifests)", len(w.skipped))
	}
	return nil, w.s.fail("choosing platform in index", index.String(), fmt.Errorf("%w %s", ErrPlatformNotFound, msg))
}

// openAll opens every leaf once (the same manifest listed twice for the same
// platform counts once), skipping manifests whose config is not an image
// config (artifacts).
func (w *walker) openAll(index v1.Hash) ([]*Image, error) {
	seen := map[string]bool{}
	var out []*Image
	for _, l := range w.leaves {
		key := l.desc.Digest.String() + " " + platformString(l.desc.Platform)
		if seen[key] {
			continue
		}
		seen[key] = true
		img, err := w.s.openLeaf(l)
		if errors.Is(err, errArtifact) {
			w.skipped = append(w.skipped, l.desc.Digest.String()+" (not an image config)")
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	if len(out) == 0 {
		return nil, w.s.fail("listing platforms in index", index.String(), fmt.Errorf("%w: the index has no platform images (skipped %d non-platform manifests)", ErrPlatformNotFound, len(w.skipped)))
	}
	return out, nil
}

// errArtifact marks a manifest whose config is not an image config.
var errArtifact = fmt.Errorf("%w: not a container image", ErrInvalidImage)

// openLeaf opens an image manifest listed in an index.
func (s *session) openLeaf(l leaf) (*Image, error) {
	if err := s.checkManifestDesc(l.desc, "manifest"); err != nil {
		return nil, err
	}
	base, err := l.parent.Image(l.desc.Digest)
	if err != nil {
		return nil, s.fail("reading manifest", l.desc.Digest.String(), err)
	}
	img, err := s.finish(base, l.desc.Digest)
	if err != nil {
		return nil, err
	}
	if l.desc.Platform != nil {
		p := clonePlatform(*l.desc.Platform)
		img.Platform = &p
	}
	return img, nil
}

// openSingle opens an image that did not come from an index: when the
// platform was set explicitly, the image's config must match it.
func (s *session) openSingle(base v1.Image, digest v1.Hash) ([]*Image, error) {
	img, err := s.finish(base, digest)
	if err != nil {
		return nil, err
	}
	if err := s.checkPlatform(img, digest.String()); err != nil {
		return nil, err
	}
	return []*Image{img}, nil
}

func (s *session) checkPlatform(img *Image, digest string) error {
	if !s.o.platformSet || img.Platform == nil || img.Platform.OS == "" {
		return nil
	}
	if platformRank(*img.Platform, s.o.platform) == 0 {
		return s.fail("checking platform of image", digest, fmt.Errorf("%w %s: the image is for %s", ErrPlatformNotFound, s.o.platform.String(), platformString(img.Platform)))
	}
	return nil
}

// checkManifestDesc checks a child descriptor's size before its manifest is
// read.
func (s *session) checkManifestDesc(d v1.Descriptor, what string) error {
	if d.Size > s.o.maxManifestBytes {
		return s.limit("reading "+what, d.Digest.String(), what+" size in bytes", d.Size, s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	if d.Size < 0 {
		return s.invalid("reading "+what, d.Digest.String(), "negative size %d", d.Size)
	}
	if s.checkBlob != nil {
		return s.checkBlob(d.Digest, s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	return nil
}

// finish checks an image manifest and its config: the manifest within the
// size limit and matching digest (when known), an image config within the
// limit and matching its digest, no more layers than allowed, and as many
// rootfs.diff_ids as layers.
func (s *session) finish(base v1.Image, digest v1.Hash) (*Image, error) {
	d := digest.String()
	raw, err := base.RawManifest()
	if err != nil {
		return nil, s.fail("reading manifest", d, err)
	}
	if int64(len(raw)) > s.o.maxManifestBytes {
		return nil, s.limit("reading manifest", d, "manifest size in bytes", int64(len(raw)), s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	if digest != (v1.Hash{}) {
		if err := checkDigest(raw, digest); err != nil {
			return nil, s.fail("reading manifest", d, err)
		}
	} else if digest, err = base.Digest(); err == nil {
		d = digest.String()
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, s.invalid("parsing manifest", d, "%v", err)
	}
	if m.MediaType != "" && !m.MediaType.IsImage() {
		return nil, s.invalid("parsing manifest", d, "its mediaType is %q, not an image manifest", m.MediaType)
	}
	if !m.Config.MediaType.IsConfig() {
		return nil, s.fail("parsing manifest", d, fmt.Errorf("%w (config media type %q)", errArtifact, m.Config.MediaType))
	}
	if n := len(m.Layers); n > s.o.maxLayers {
		return nil, s.limit("parsing manifest", d, "number of layers", int64(n), int64(s.o.maxLayers), "WithMaxLayers")
	}
	if m.Config.Size > s.o.maxManifestBytes {
		return nil, s.limit("reading config", m.Config.Digest.String(), "config size in bytes", m.Config.Size, s.o.maxManifestBytes, "WithMaxManifestBytes")
	}
	if s.checkBlob != nil && m.Config.Data == nil {
		if err := s.checkBlob(m.Config.Digest, s.o.maxManifestBytes, "WithMaxManifestBytes"); err != nil {
			return nil, err
		}
	}
	rawConfig, err := base.RawConfigFile()
	if err != nil {
		return nil, s.fail("reading config", m.Config.Digest.String(), err)
	}
	if err := checkDigest(rawConfig, m.Config.Digest); err != nil {
		return nil, s.fail("reading config", m.Config.Digest.String(), err)
	}
	if int64(len(rawConfig)) != m.Config.Size {
		return nil, s.invalid("reading config", m.Config.Digest.String(), "config has %d bytes, its descriptor says %d", len(rawConfig), m.Config.Size)
	}
	return s.wrap(base, rawConfig, m.Config.Digest, len(m.Layers), false)
}

// wrap checks a config read by the caller against the layer count and wraps
// the image.
func (s *session) wrap(base v1.Image, rawConfig []byte, configName v1.Hash, layers int, byDiffID bool) (*Image, error) {
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawConfig))
	if err != nil {
		return nil, s.invalid("parsing config", configName.String(), "%v", err)
	}
	if n := len(cfg.RootFS.DiffIDs); n != layers {
		return nil, s.invalid("checking config", configName.String(), "rootfs.diff_ids lists %d layers but the manifest has %d", n, layers)
	}
	img := &Image{
		Image: &image{
			base:        base,
			ref:         s.ref,
			red:         s.red,
			rawConfig:   rawConfig,
			config:      cfg,
			configName:  configName,
			verifyBlobs: s.verifyBlobs,
			byDiffID:    byDiffID,
		},
		Ref: s.ref,
	}
	if cfg.OS != "" || cfg.Architecture != "" {
		img.Platform = &v1.Platform{
			OS:           cfg.OS,
			Architecture: cfg.Architecture,
			Variant:      cfg.Variant,
			OSVersion:    cfg.OSVersion,
			OSFeatures:   slices.Clone(cfg.OSFeatures),
		}
	}
	return img, nil
}

// checkDigest checks that b hashes to want.
func checkDigest(b []byte, want v1.Hash) error {
	h, err := v1.Hasher(want.Algorithm)
	if err != nil {
		return fmt.Errorf("%w: digest %q: %v", ErrInvalidImage, want.String(), err)
	}
	h.Write(b)
	if got := hex.EncodeToString(h.Sum(nil)); got != want.Hex {
		return fmt.Errorf("%w: content hashes to %s:%s", ErrInvalidImage, want.Algorithm, got)
	}
	return nil
}

// sniffMediaType reads the mediaType field of a manifest or index.
func sniffMediaType(raw []byte) types.MediaType {
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return ""
	}
	return probe.MediaType
}
