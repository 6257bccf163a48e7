package registry

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ggcrTestdata returns the directory of go-containerregistry's module,
// whose testdata holds real docker save outputs (docker 25's OCI form, an
// older one with linked layers) and OCI layouts written by other tools.
func ggcrTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/google/go-containerregistry").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("go-containerregistry's module directory is not available: %v", err)
	}
	return filepath.Join(dir, "pkg", "v1")
}

func TestRealArchivesAndLayouts(t *testing.T) {
	base := ggcrTestdata(t)
	archive := func(name string) string { return "docker-archive:" + filepath.Join(base, "tarball", "testdata", name) }
	ocidir := func(name string) string { return "oci-dir:" + filepath.Join(base, "layout", "testdata", name) }
	tests := []struct {
		name     string
		ref      string
		images   int
		platform string
		layers   int
		wantErr  string
	}{
		{"docker 25 save (OCI inside)", archive("hello-world-v25.tar"), 1, "linux/arm64", 1, ""},
		{"older docker save", archive("test_image_1.tar"), 1, "linux/amd64", 1, ""},
		{"linked layer", archive("test_link.tar") + ":bazel/v1/tarball:test_image_3", 1, "linux/amd64", 2, ""},
		{"bundle, tag picks one", archive("test_bundle.tar") + ":test_image_2", 1, "linux/amd64", 1, ""},
		{"bundle, no tag", archive("test_bundle.tar"), 0, "", 0, "index.docker.io/library/test_image_1:latest, index.docker.io/library/test_image_2:latest"},
		{"no manifest.json", archive("no_manifest.tar"), 0, "", 0, "no manifest.json"},
		{"null manifest.json", archive("null_manifest.tar"), 0, "", 0, "lists no images"},
		{"layout image by tag", ocidir("test_index") + ":1", 1, "linux/amd64", 1, ""},
		{"layout nested OCI index", ocidir("test_index") + ":3", 1, "linux/amd64", 1, ""},
		{"layout Docker manifest list", ocidir("test_index") + ":4", 1, "linux/amd64", 1, ""},
		{"layout entry of a descriptor media type", ocidir("test_index") + ":2", 0, "", 0, "neither an image nor an index"},
		{"layout with one image", ocidir("test_index_one_image"), 1, "linux/amd64", 1, ""},
		{"layout artifact", ocidir("test_index_media_type"), 0, "", 0, "not a container image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs, err := OpenAll(context.Background(), tt.ref)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, imgs, tt.images)
			img := imgs[0]
			assert.Equal(t, tt.platform, img.Platform.String())
			layers, err := img.Layers()
			require.NoError(t, err)
			assert.Len(t, layers, tt.layers)
			for _, l := range layers {
				assert.NoError(t, readCompressed(l))
			}
			assert.NoError(t, validate.Image(img))
		})
	}
}
