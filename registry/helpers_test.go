package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"
)

// Platforms used by the tests.
var (
	amd64   = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64   = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	armv7   = v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	s390x   = v1.Platform{OS: "linux", Architecture: "s390x"}
	unknown = v1.Platform{OS: "unknown", Architecture: "unknown"}
)

// newRegistry starts go-containerregistry's in-memory registry, wrapped by
// wrap when it is not nil, and returns its host:port.
func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// platformImage returns a random image whose config states platform p.
func platformImage(t *testing.T, p v1.Platform, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(256, layers)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cfg)
	require.NoError(t, err)
	return img
}

// attestation returns an attestation manifest for img, as buildx writes it.
func attestation(t *testing.T, img v1.Image) mutate.IndexAddendum {
	t.Helper()
	att, err := random.Image(64, 1)
	require.NoError(t, err)
	d, err := img.Digest()
	require.NoError(t, err)
	return mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform: &unknown,
		Annotations: map[string]string{
			"vnd.docker.reference.type":   "attestation-manifest",
			"vnd.docker.reference.digest": d.String(),
		},
	}}
}

// multiArch builds a buildx-like index: images for amd64, arm64 and arm/v7,
// each followed by its attestation manifest. It returns the index and the
// platform images in order.
func multiArch(t *testing.T) (v1.ImageIndex, []v1.Image) {
	t.Helper()
	var adds []mutate.IndexAddendum
	var imgs []v1.Image
	for _, p := range []v1.Platform{amd64, arm64, armv7} {
		img := platformImage(t, p, 2)
		imgs = append(imgs, img)
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}}, attestation(t, img))
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...), imgs
}

// indexOf wraps adds in a new OCI index.
func indexOf(adds ...mutate.IndexAddendum) v1.ImageIndex {
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
}

func pushImage(t *testing.T, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	require.NoError(t, remote.Write(r, img, remote.WithContext(context.Background())))
}

func pushIndex(t *testing.T, ref string, idx v1.ImageIndex) {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(r, idx, remote.WithContext(context.Background())))
}

// writeLayout writes an OCI layout holding idx's entries as its index.json
// entries, under a new directory named dirName in a temporary directory.
func writeLayout(t *testing.T, dirName string, idx v1.ImageIndex) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), dirName)
	// layout.Write makes blobs/sha256 only when it writes a layer.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755))
	_, err := layout.Write(dir, idx)
	require.NoError(t, err)
	return dir
}

func digestOf(t *testing.T, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	require.NoError(t, err)
	return h
}

func digestsOf(t *testing.T, imgs []*Image) []v1.Hash {
	t.Helper()
	var out []v1.Hash
	for _, img := range imgs {
		out = append(out, digestOf(t, img))
	}
	return out
}

// readAll reads a layer's compressed stream to its end.
func readCompressed(l v1.Layer) error {
	rc, err := l.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

// putRaw puts a manifest as it is, with no blobs, by a plain HTTP PUT.
func putRaw(t *testing.T, ref string, mt types.MediaType, body []byte) {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	u := fmt.Sprintf("http://%s/v2/%s/manifests/%s", r.Context().RegistryStr(), r.Context().RepositoryStr(), r.Identifier())
	req, err := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", string(mt))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
}

// pushSparse pushes img's config and layers but skip, then its manifest.
func pushSparse(t *testing.T, ref string, img v1.Image, skip v1.Hash) {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	layers, err := img.Layers()
	require.NoError(t, err)
	for _, l := range layers {
		if digestOf(t, l) != skip {
			require.NoError(t, remote.WriteLayer(r.Context(), l))
		}
	}
	cl, err := partial.ConfigLayer(img)
	require.NoError(t, err)
	require.NoError(t, remote.WriteLayer(r.Context(), cl))
	raw, err := img.RawManifest()
	require.NoError(t, err)
	mt, err := img.MediaType()
	require.NoError(t, err)
	putRaw(t, ref, mt, raw)
}
