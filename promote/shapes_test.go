package promote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawManifest is a manifest pushed byte for byte as written.
type rawManifest struct {
	body []byte
	mt   types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.body, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

func sha256Of(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// pushRaw pushes blobs and then a manifest given as bytes, returning the
// manifest's digest.
func pushRaw(t *testing.T, ref string, body []byte, mt types.MediaType, blobs ...[]byte) string {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	require.NoError(t, err)
	for _, b := range blobs {
		require.NoError(t, remote.WriteLayer(r.Context(), static.NewLayer(b, types.OCILayer)))
	}
	require.NoError(t, remote.Put(r, rawManifest{body, mt}))
	return sha256Of(body)
}

// The shapes a registry holds that promotion must carry unchanged (same
// digests): an image without layers, a zero-byte layer, an uncompressed
// layer, an artifact (artifactType, empty config, no layers), an empty
// index, a manifest with a descriptor data field and fields no spec
// names, and a non-distributable layer (its blob stays where its URLs
// say). Within one registry and across two.
func TestPromoteShapes(t *testing.T) {
	emptyConfig := []byte("{}")
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	shapes := []struct {
		name  string
		index bool
		push  func(t *testing.T, ref string) string
	}{
		{"image without layers", false, func(t *testing.T, ref string) string {
			img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64"})
			require.NoError(t, err)
			return push(t, ref, img).String()
		}},
		{"zero-byte and uncompressed layers", false, func(t *testing.T, ref string) string {
			img, err := mutate.AppendLayers(empty.Image,
				static.NewLayer(nil, types.OCIUncompressedLayer),
				static.NewLayer([]byte("plain tar bytes, not compressed"), types.OCIUncompressedLayer))
			require.NoError(t, err)
			return push(t, ref, img).String()
		}},
		{"artifact", false, func(t *testing.T, ref string) string {
			body := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.thing","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":%q,"size":2,"data":"e30="},"layers":[]}`, sha256Of(emptyConfig))
			return pushRaw(t, ref, body, types.OCIManifestSchema1, emptyConfig)
		}},
		{"data field and custom fields", false, func(t *testing.T, ref string) string {
			layer := []byte("layer bytes")
			body := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","x-custom":{"kept":true},"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":%q,"size":%d,"data":"bGF5ZXIgYnl0ZXM=","x-extra":1}],"annotations":{"org.opencontainers.image.title":"../../x"}}`,
				sha256Of(cfg), len(cfg), sha256Of(layer), len(layer))
			return pushRaw(t, ref, body, types.OCIManifestSchema1, cfg, layer)
		}},
		{"non-distributable layer", false, func(t *testing.T, ref string) string {
			foreign := "sha256:" + fmt.Sprintf("%064x", 7)
			body := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":%q,"size":%d},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":%q,"size":1234,"urls":["https://example.invalid/layer"]}]}`,
				sha256Of(cfg), len(cfg), foreign)
			return pushRaw(t, ref, body, types.DockerManifestSchema2, cfg)
		}},
		{"empty index", true, func(t *testing.T, ref string) string {
			return push(t, ref, mutate.IndexMediaType(empty.Index, types.OCIImageIndex)).String()
		}},
	}
	for _, sameRegistry := range []bool{true, false} {
		for _, sh := range shapes {
			t.Run(fmt.Sprintf("%s/same registry %v", sh.name, sameRegistry), func(t *testing.T) {
				src := newRegistry(t, nil)
				tgt := src
				if !sameRegistry {
					tgt = newRegistry(t, nil)
				}
				d := sh.push(t, src+"/dev/app:v1")
				p, rt, _, _ := setup(t)
				res, err := p.Promote(context.Background(), Request{Source: src + "/dev/app:v1", Target: tgt + "/qa/app", Policy: allow})
				require.NoError(t, err)
				assert.Equal(t, d, res.SourceDigest)
				assert.Equal(t, d, headDigest(t, tgt+"/qa/app:v1"), "the same digest")
				r, err := name.ParseReference(tgt+"/qa/app@"+d, name.Insecure)
				require.NoError(t, err)
				got, err := remote.Get(r)
				require.NoError(t, err)
				assert.Equal(t, d, sha256Of(got.Manifest), "the manifest byte for byte")
				if !sh.index {
					// Every blob is there but a non-distributable one.
					m, err := v1.ParseManifest(bytes.NewReader(got.Manifest))
					require.NoError(t, err)
					for _, l := range append([]v1.Descriptor{m.Config}, m.Layers...) {
						if len(l.URLs) > 0 {
							assert.False(t, tgtHasBlob(t, tgt+"/qa/app", l.Digest), "a non-distributable blob is not copied")
							continue
						}
						assert.True(t, tgtHasBlob(t, tgt+"/qa/app", l.Digest), "blob %s", l.Digest)
					}
				}

				rt.reset()
				_, err = p.Promote(context.Background(), Request{Source: src + "/dev/app:v1", Target: tgt + "/qa/app", Policy: allow})
				require.NoError(t, err)
				assert.Empty(t, rt.writes(), "a re-run writes nothing")
			})
		}
	}
}

// tgtHasBlob reports whether repo holds the blob, asked by HEAD.
func tgtHasBlob(t *testing.T, repo string, d v1.Hash) bool {
	t.Helper()
	r, err := name.NewRepository(repo, name.Insecure)
	require.NoError(t, err)
	ok, err := blobExists(context.Background(), http.DefaultTransport, r, d)
	require.NoError(t, err)
	return ok
}
