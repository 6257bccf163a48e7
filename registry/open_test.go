package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// source places an index or image somewhere Open can read it and returns
// the reference.
type source struct {
	name       string
	putIndex   func(t *testing.T, idx v1.ImageIndex) string
	putImage   func(t *testing.T, img v1.Image) string
	isRegistry bool
}

func sources(t *testing.T) []source {
	host := newRegistry(t, nil)
	n := 0
	next := func() string { n++; return fmt.Sprintf("%s/test/repo%d:tag", host, n) }
	return []source{
		{
			name:       "registry",
			isRegistry: true,
			putIndex: func(t *testing.T, idx v1.ImageIndex) string {
				ref := next()
				pushIndex(t, ref, idx)
				return "registry:" + ref
			},
			putImage: func(t *testing.T, img v1.Image) string {
				ref := next()
				pushImage(t, ref, img)
				return ref
			},
		},
		{
			name: "oci-dir",
			putIndex: func(t *testing.T, idx v1.ImageIndex) string {
				return "oci-dir:" + writeLayout(t, "layout", indexOf(mutate.IndexAddendum{Add: idx}))
			},
			putImage: func(t *testing.T, img v1.Image) string {
				return "oci-dir:" + writeLayout(t, "layout", indexOf(mutate.IndexAddendum{Add: img}))
			},
		},
	}
}

func TestOpenMultiArch(t *testing.T) {
	ctx := context.Background()
	idx, imgs := multiArch(t)
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			ref := src.putIndex(t, idx)
			tests := []struct {
				name string
				want v1.Platform
				img  int // index into imgs, -1 for not found
				plat v1.Platform
			}{
				{"amd64", amd64, 0, amd64},
				{"arm64 without variant", v1.Platform{OS: "linux", Architecture: "arm64"}, 1, arm64},
				{"arm64/v8", arm64, 1, arm64},
				{"arm without variant", v1.Platform{OS: "linux", Architecture: "arm"}, 2, armv7},
				{"arm/v7", armv7, 2, armv7},
				{"arm/v6 is not served by v7", v1.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, -1, v1.Platform{}},
				{"s390x", s390x, -1, v1.Platform{}},
				{"windows", v1.Platform{OS: "windows", Architecture: "amd64"}, -1, v1.Platform{}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					img, err := Open(ctx, ref, WithPlatform(tt.want))
					if tt.img < 0 {
						require.Error(t, err)
						assert.ErrorIs(t, err, ErrPlatformNotFound)
						assert.ErrorContains(t, err, "linux/amd64, linux/arm/v7, linux/arm64/v8")
						assert.ErrorContains(t, err, "skipped 3 non-platform manifests")
						assert.ErrorContains(t, err, digestOf(t, idx).String())
						return
					}
					require.NoError(t, err)
					assert.Equal(t, digestOf(t, imgs[tt.img]), digestOf(t, img))
					require.NotNil(t, img.Platform)
					assert.Equal(t, tt.plat, *img.Platform)
					assert.Equal(t, ref, img.Ref)
					require.NoError(t, validate.Image(img))
				})
			}

			all, err := OpenAll(ctx, ref)
			require.NoError(t, err)
			assert.Equal(t, []v1.Hash{digestOf(t, imgs[0]), digestOf(t, imgs[1]), digestOf(t, imgs[2])}, digestsOf(t, all))
			var plats []string
			for _, img := range all {
				plats = append(plats, img.Platform.String())
				assert.Equal(t, ref, img.Ref)
			}
			assert.Equal(t, []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7"}, plats)
		})
	}
}

func TestOpenNestedIndex(t *testing.T) {
	ctx := context.Background()
	inner, imgs := multiArch(t)
	zImg := platformImage(t, s390x, 1)
	zIdx := indexOf(mutate.IndexAddendum{Add: zImg, Descriptor: v1.Descriptor{Platform: &s390x}}, attestation(t, zImg))
	// The same inner index twice: walked once.
	root := indexOf(mutate.IndexAddendum{Add: inner}, mutate.IndexAddendum{Add: zIdx}, mutate.IndexAddendum{Add: inner})
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			ref := src.putIndex(t, root)
			img, err := Open(ctx, ref, WithPlatform(s390x))
			require.NoError(t, err)
			assert.Equal(t, digestOf(t, zImg), digestOf(t, img))

			img, err = Open(ctx, ref, WithPlatform(arm64))
			require.NoError(t, err)
			assert.Equal(t, digestOf(t, imgs[1]), digestOf(t, img))

			all, err := OpenAll(ctx, ref)
			require.NoError(t, err)
			assert.Equal(t, []v1.Hash{digestOf(t, imgs[0]), digestOf(t, imgs[1]), digestOf(t, imgs[2]), digestOf(t, zImg)}, digestsOf(t, all))

			_, err = Open(ctx, ref, WithPlatform(v1.Platform{OS: "linux", Architecture: "riscv64"}))
			assert.ErrorIs(t, err, ErrPlatformNotFound)
			assert.ErrorContains(t, err, "linux/s390x")
		})
	}
}

func TestOpenSingleImage(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, arm64, 3)
	noPlatform, err := random.Image(100, 0) // zero layers, config without a platform
	require.NoError(t, err)
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			ref := src.putImage(t, img)
			got, err := Open(ctx, ref) // the default platform does not have to match
			require.NoError(t, err)
			assert.Equal(t, digestOf(t, img), digestOf(t, got))
			require.NotNil(t, got.Platform)
			assert.Equal(t, arm64, *got.Platform)
			require.NoError(t, validate.Image(got))

			all, err := OpenAll(ctx, ref)
			require.NoError(t, err)
			assert.Equal(t, []v1.Hash{digestOf(t, img)}, digestsOf(t, all))

			_, err = Open(ctx, ref, WithPlatform(amd64)) // an explicit one does
			assert.ErrorIs(t, err, ErrPlatformNotFound)
			assert.ErrorContains(t, err, "the image is for linux/arm64/v8")

			zero, err := Open(ctx, src.putImage(t, noPlatform), WithPlatform(amd64))
			require.NoError(t, err)
			layers, err := zero.Layers()
			require.NoError(t, err)
			assert.Empty(t, layers)
			assert.Nil(t, zero.Platform)
		})
	}
}

// chain returns an image wrapped in depth indexes.
func chain(t *testing.T, img v1.Image, depth int) v1.ImageIndex {
	t.Helper()
	idx := indexOf(mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &amd64}})
	for range depth - 1 {
		idx = indexOf(mutate.IndexAddendum{Add: idx})
	}
	return idx
}

func TestIndexDepthLimit(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 1)
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			tests := []struct {
				depth int
				opts  []Option
				limit int
			}{
				{DefaultMaxIndexDepth, nil, DefaultMaxIndexDepth},
				{DefaultMaxIndexDepth + 1, nil, DefaultMaxIndexDepth},
				{2, []Option{WithMaxIndexDepth(2)}, 2},
				{3, []Option{WithMaxIndexDepth(2)}, 2},
			}
			for _, tt := range tests {
				t.Run(fmt.Sprintf("depth %d limit %d", tt.depth, tt.limit), func(t *testing.T) {
					ref := src.putIndex(t, chain(t, img, tt.depth))
					got, err := Open(ctx, ref, append(tt.opts, WithPlatform(amd64))...)
					if tt.depth <= tt.limit {
						require.NoError(t, err)
						assert.Equal(t, digestOf(t, img), digestOf(t, got))
						return
					}
					var le *LimitError
					require.ErrorAs(t, err, &le)
					assert.Equal(t, "WithMaxIndexDepth", le.Option)
					assert.Equal(t, int64(tt.limit), le.Limit)
					assert.ErrorContains(t, err, "WithMaxIndexDepth")
					assert.ErrorContains(t, err, fmt.Sprintf("limit of %d", tt.limit))
				})
			}
		})
	}
}

func TestIndexChildrenLimit(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 1)
	withChildren := func(n int) v1.ImageIndex {
		adds := make([]mutate.IndexAddendum, n)
		for i := range adds {
			// One image listed n times, for n distinct platforms.
			p := v1.Platform{OS: "linux", Architecture: "amd64", Variant: fmt.Sprintf("x%d", i)}
			adds[i] = mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}}
		}
		return indexOf(adds...)
	}
	tests := []struct {
		children int
		opts     []Option
		limit    int
	}{
		{3, []Option{WithMaxIndexChildren(3)}, 3},
		{4, []Option{WithMaxIndexChildren(3)}, 3},
		{DefaultMaxIndexChildren, nil, DefaultMaxIndexChildren},
		{DefaultMaxIndexChildren + 1, nil, DefaultMaxIndexChildren},
	}
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			for _, tt := range tests {
				if src.isRegistry && tt.children > 100 {
					continue // the registry writes each child: the layout covers the default
				}
				t.Run(fmt.Sprintf("%d children limit %d", tt.children, tt.limit), func(t *testing.T) {
					ref := src.putIndex(t, withChildren(tt.children))
					got, err := Open(ctx, ref, append(tt.opts, WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64", Variant: "x2"}))...)
					if tt.children <= tt.limit {
						require.NoError(t, err)
						assert.Equal(t, "x2", got.Platform.Variant)
						return
					}
					var le *LimitError
					require.ErrorAs(t, err, &le)
					assert.Equal(t, "WithMaxIndexChildren", le.Option)
					assert.Equal(t, int64(tt.children), le.Got)
					assert.ErrorContains(t, err, "WithMaxIndexChildren")
				})
			}
		})
	}
}

func TestWalkBudget(t *testing.T) {
	// Each index lists at most 5 manifests, within WithMaxIndexChildren(5),
	// but the walk as a whole may visit at most 4×5 descriptors: a root of
	// 3 indexes of 5 (18 descriptors) passes, one of 4 (24) does not.
	img := platformImage(t, amd64, 1)
	tree := func(subs int) string {
		var adds []mutate.IndexAddendum
		for i := range subs {
			var leaves []mutate.IndexAddendum
			for j := range 5 {
				p := v1.Platform{OS: "linux", Architecture: "amd64", Variant: fmt.Sprintf("v%d-%d", i, j)}
				leaves = append(leaves, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
			}
			adds = append(adds, mutate.IndexAddendum{Add: indexOf(leaves...)})
		}
		return "oci-dir:" + writeLayout(t, "l", indexOf(mutate.IndexAddendum{Add: indexOf(adds...)}))
	}
	all, err := OpenAll(context.Background(), tree(3), WithMaxIndexChildren(5))
	require.NoError(t, err)
	assert.Len(t, all, 15)

	_, err = OpenAll(context.Background(), tree(4), WithMaxIndexChildren(5))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Contains(t, le.Option, "WithMaxIndexChildren")
	assert.Equal(t, int64(20), le.Limit)
}

func TestMaxLayersAndManifestBytes(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 3)
	raw, err := img.RawManifest()
	require.NoError(t, err)
	size := int64(len(raw))
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			ref := src.putImage(t, img)
			_, err := Open(ctx, ref, WithMaxLayers(3))
			require.NoError(t, err)
			_, err = Open(ctx, ref, WithMaxLayers(2))
			var le *LimitError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "WithMaxLayers", le.Option)
			assert.Equal(t, int64(3), le.Got)

			_, err = Open(ctx, ref, WithMaxManifestBytes(max(size, 4096)))
			require.NoError(t, err)
			_, err = Open(ctx, ref, WithMaxManifestBytes(size-1))
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "WithMaxManifestBytes", le.Option)
			assert.ErrorContains(t, err, "WithMaxManifestBytes")
		})
	}
}

func TestDiffIDsMismatch(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 2)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg.RootFS.DiffIDs = cfg.RootFS.DiffIDs[:1]
	bad, err := mutate.ConfigFile(img, cfg)
	require.NoError(t, err)
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			_, err := Open(ctx, src.putImage(t, bad))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidImage)
			assert.ErrorContains(t, err, "rootfs.diff_ids lists 1 layers but the manifest has 2")
			assert.ErrorContains(t, err, digestOf(t, configNamer{bad}).String())
		})
	}
}

type configNamer struct{ v1.Image }

func (c configNamer) Digest() (v1.Hash, error) { return c.ConfigName() }

func TestMissingBlob(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 2)
	layers, err := img.Layers()
	require.NoError(t, err)
	missing := digestOf(t, layers[1])

	t.Run("registry", func(t *testing.T) {
		// The config and the first layer, then the manifest: the registry
		// accepts the manifest without its second layer.
		ref := newRegistry(t, nil) + "/test/sparse:1"
		pushSparse(t, ref, img, missing)

		got, err := Open(ctx, ref)
		require.NoError(t, err, "the manifest and config are there")
		gl, err := got.Layers()
		require.NoError(t, err)
		require.NoError(t, readCompressed(gl[0]))
		err = readCompressed(gl[1])
		require.Error(t, err)
		assert.ErrorContains(t, err, "reading layer "+missing.String())
		assert.ErrorContains(t, err, "registry: "+ref)
		assert.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("oci-dir", func(t *testing.T) {
		dir := writeLayout(t, "l", indexOf(mutate.IndexAddendum{Add: img}))
		require.NoError(t, os.Remove(filepath.Join(dir, "blobs", "sha256", missing.Hex)))
		got, err := Open(ctx, "oci-dir:"+dir)
		require.NoError(t, err)
		gl, err := got.Layers()
		require.NoError(t, err)
		err = readCompressed(gl[1])
		require.Error(t, err)
		assert.ErrorContains(t, err, "reading layer "+missing.String())
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("config", func(t *testing.T) {
		dir := writeLayout(t, "l", indexOf(mutate.IndexAddendum{Add: img}))
		cfgName, err := img.ConfigName()
		require.NoError(t, err)
		require.NoError(t, os.Remove(filepath.Join(dir, "blobs", "sha256", cfgName.Hex)))
		_, err = Open(ctx, "oci-dir:"+dir)
		require.Error(t, err)
		assert.ErrorContains(t, err, cfgName.String())
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

func TestCorruptLayoutBlob(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 1)
	layers, err := img.Layers()
	require.NoError(t, err)
	ld := digestOf(t, layers[0])
	good, err := os.ReadFile(filepath.Join(writeLayout(t, "g", indexOf(mutate.IndexAddendum{Add: img})), "blobs", "sha256", ld.Hex))
	require.NoError(t, err)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0xff
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"same size, other bytes", flipped, "blob content hashes to"},
		{"shorter", good[:len(good)-1], "descriptor says"},
		{"longer", append(append([]byte(nil), good...), 0), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeLayout(t, "l", indexOf(mutate.IndexAddendum{Add: img}))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "blobs", "sha256", ld.Hex), tt.content, 0o644))
			got, err := Open(ctx, "oci-dir:"+dir)
			require.NoError(t, err)
			gl, err := got.Layers()
			require.NoError(t, err)
			err = readCompressed(gl[0])
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidImage)
			assert.ErrorContains(t, err, tt.want)
			assert.ErrorContains(t, err, ld.String())
		})
	}
}

func TestCorruptManifests(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 1)
	idx := indexOf(mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &amd64}})
	idxDigest := digestOf(t, idx)
	imgDigest := digestOf(t, img)
	cfgName, err := img.ConfigName()
	require.NoError(t, err)
	blob := func(dir string, h v1.Hash) string { return filepath.Join(dir, "blobs", h.Algorithm, h.Hex) }

	tests := []struct {
		name   string
		mangle func(t *testing.T, dir string)
		want   string
		is     error
	}{
		{"index content differs from its digest", func(t *testing.T, dir string) {
			// An index that lists itself would be a cycle; its digest cannot
			// match, and that is caught first.
			cyc := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[{"mediaType":%q,"digest":%q,"size":10}]}`, types.OCIImageIndex, types.OCIImageIndex, idxDigest)
			require.NoError(t, os.WriteFile(blob(dir, idxDigest), []byte(cyc), 0o644))
		}, "reading index " + idxDigest.String(), ErrInvalidImage},
		{"manifest content differs from its digest", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(blob(dir, imgDigest), []byte(`{"schemaVersion":2}`), 0o644))
		}, "reading manifest " + imgDigest.String(), ErrInvalidImage},
		{"config content differs from its digest", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(blob(dir, cfgName), []byte(`{"rootfs":{"type":"layers","diff_ids":[]}}`), 0o644))
		}, "reading config " + cfgName.String(), ErrInvalidImage},
		{"manifest is a symlink", func(t *testing.T, dir string) {
			require.NoError(t, os.Rename(blob(dir, imgDigest), filepath.Join(dir, "elsewhere")))
			require.NoError(t, os.Symlink(filepath.Join(dir, "elsewhere"), blob(dir, imgDigest)))
		}, "not a regular file", ErrInvalidImage},
		{"no oci-layout", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "oci-layout")))
		}, "no oci-layout file", ErrInvalidImage},
		{"wrong oci-layout version", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"2.0.0"}`), 0o644))
		}, `unsupported imageLayoutVersion "2.0.0"`, ErrInvalidImage},
		{"index.json is not JSON", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"manifests":[`), 0o644))
		}, "parsing index.json", ErrInvalidImage},
		{"huge manifest blob", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(blob(dir, imgDigest), make([]byte, 5<<20), 0o644))
		}, "WithMaxManifestBytes", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeLayout(t, "l", indexOf(mutate.IndexAddendum{Add: idx}))
			tt.mangle(t, dir)
			_, err := Open(ctx, "oci-dir:"+dir, WithPlatform(amd64))
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "oci-dir:"+dir, e.Ref)
		})
	}
}

func TestUnsupportedManifests(t *testing.T) {
	ctx := context.Background()
	host := newRegistry(t, nil)
	tests := []struct {
		name      string
		mediaType types.MediaType
		body      string
		want      string
	}{
		{"schema 1", types.DockerManifestSchema1Signed, `{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[],"history":[]}`, "schema 1"},
		{"artifact", types.OCIManifestSchema1, fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":"application/vnd.example.thing","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`, types.OCIManifestSchema1), "not a container image"},
		{"unknown", "application/vnd.example+json", `{"hello":"world"}`, "unknown media type"},
		{"manifest not JSON", types.OCIManifestSchema1, `{"schemaVersion":2,`, "parsing manifest"},
		{"index says it is a manifest", types.OCIImageIndex, fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[]}`, types.OCIManifestSchema1), "not an index"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := fmt.Sprintf("%s/test/odd%d:1", host, i)
			putRaw(t, ref, tt.mediaType, []byte(tt.body))
			_, err := Open(ctx, ref)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidImage)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestIndexNotJSON(t *testing.T) {
	// go-containerregistry's registry refuses such an index on push; a
	// registry of our own serves it.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", string(types.OCIImageIndex))
		io.WriteString(w, `{"schemaVersion":2,"manifests":[`)
	}))
	defer srv.Close()
	_, err := Open(context.Background(), strings.TrimPrefix(srv.URL, "http://")+"/x/y:1")
	assert.ErrorIs(t, err, ErrInvalidImage)
	assert.ErrorContains(t, err, "parsing index")
}

func TestEmptyIndex(t *testing.T) {
	ref := "oci-dir:" + writeLayout(t, "l", indexOf(mutate.IndexAddendum{Add: mutate.IndexMediaType(empty.Index, types.OCIImageIndex)}))
	_, err := OpenAll(context.Background(), ref)
	assert.ErrorIs(t, err, ErrPlatformNotFound)
	assert.ErrorContains(t, err, "no platform images")
	_, err = Open(context.Background(), ref)
	assert.ErrorIs(t, err, ErrPlatformNotFound)
}

func TestBadOptions(t *testing.T) {
	for _, opt := range []Option{WithMaxIndexDepth(0), WithMaxIndexChildren(-1), WithMaxManifestBytes(0), WithMaxLayers(-1), WithKeychain(nil), WithTransport(nil), WithPlatform(v1.Platform{OS: "linux"})} {
		_, err := Open(context.Background(), "dir:.", opt)
		assert.ErrorContains(t, err, "registry: With")
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Open(ctx, "dir:.")
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, errors.Is(err, context.Canceled))
}
