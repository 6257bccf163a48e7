package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/portcullis-oci/portcullis/internal/loopback"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseReference(t *testing.T) {
	tmp := t.TempDir()
	colon := filepath.Join(tmp, "a:b", "lay:out") // a directory with ':' in its path
	require.NoError(t, os.MkdirAll(colon, 0o755))
	plain := filepath.Join(tmp, "plain")
	require.NoError(t, os.MkdirAll(plain, 0o755))
	archive := filepath.Join(tmp, "x:y", "img.tar")
	require.NoError(t, os.MkdirAll(filepath.Dir(archive), 0o755))
	require.NoError(t, os.WriteFile(archive, nil, 0o644))
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

	tests := []struct {
		in      string
		kind    sourceKind
		remote  string // ref.Name() for registries
		scheme  string // "http" or "https" for registries
		path    string
		tag     string
		digest  string
		wantErr string
	}{
		{in: "alpine", kind: kindRemote, remote: "index.docker.io/library/alpine:latest", scheme: "https"},
		{in: "registry:alpine:3.20", kind: kindRemote, remote: "index.docker.io/library/alpine:3.20", scheme: "https"},
		{in: "foo:bar", kind: kindRemote, remote: "index.docker.io/library/foo:bar", scheme: "https"},
		{in: "ghcr.io/org/app@" + digest, kind: kindRemote, remote: "ghcr.io/org/app@" + digest, scheme: "https"},
		{in: "localhost:5000/app:1", kind: kindRemote, remote: "localhost:5000/app:1", scheme: "http"},
		{in: "localhost/app:1", kind: kindRemote, remote: "localhost/app:1", scheme: "http"},
		{in: "127.0.0.1:5000/app", kind: kindRemote, remote: "127.0.0.1:5000/app:latest", scheme: "http"},
		{in: "127.3.4.5:5000/app", kind: kindRemote, remote: "127.3.4.5:5000/app:latest", scheme: "http"},
		{in: "[::1]:5000/app", kind: kindRemote, remote: "[::1]:5000/app:latest", scheme: "http"},
		{in: "example.com:5000/app", kind: kindRemote, remote: "example.com:5000/app:latest", scheme: "https"},
		{in: "localhost.example.com/app", kind: kindRemote, remote: "localhost.example.com/app:latest", scheme: "https"},
		{in: "oci-dir:" + plain, kind: kindOCIDir, path: plain},
		{in: "oci-dir:" + plain + ":v1", kind: kindOCIDir, path: plain, tag: "v1"},
		{in: "oci-dir:" + plain + ":docker.io/library/x:2.0", kind: kindOCIDir, path: plain, tag: "docker.io/library/x:2.0"},
		{in: "oci-dir:" + plain + "@" + digest, kind: kindOCIDir, path: plain, digest: digest},
		{in: "oci-dir:" + colon, kind: kindOCIDir, path: colon},
		{in: "oci-dir:" + colon + ":latest", kind: kindOCIDir, path: colon, tag: "latest"},
		{in: "oci-dir:" + colon + "@" + digest, kind: kindOCIDir, path: colon, digest: digest},
		{in: "oci-dir:" + plain + "@sha256:abc", wantErr: "want 64 lower-case hex digits"},
		{in: "oci-dir:" + plain + "@sha256:" + strings.ToUpper(digest[7:]), wantErr: "lower-case hex"},
		{in: "oci-dir:" + plain + "@md5:0123", wantErr: "want sha256"},
		{in: "oci-dir:" + plain + ":bad tag", wantErr: "not a valid tag"},
		{in: "oci-dir:" + plain + ":-x", wantErr: "not a valid tag"},
		{in: "oci-dir:" + filepath.Join(tmp, "missing"), wantErr: "no such directory"},
		{in: "oci-dir:" + archive, wantErr: "not a directory"},
		{in: "oci-dir:", wantErr: "needs a path"},
		{in: "docker-archive:" + archive, kind: kindDockerArchive, path: archive},
		{in: "docker-archive:" + archive + ":app", kind: kindDockerArchive, path: archive, tag: "app"},
		{in: "docker-archive:" + archive + ":example.com/app:1.0", kind: kindDockerArchive, path: archive, tag: "example.com/app:1.0"},
		{in: "docker-archive:" + archive + ":Bad Tag", wantErr: "not a valid tag"},
		{in: "docker-archive:" + plain, wantErr: "not a regular file"},
		{in: "dir:" + plain, kind: kindDir, path: plain},
		{in: "dir:relative:with:colons", kind: kindDir, path: "relative:with:colons"},
		{in: "dir:", wantErr: "needs a path"},
		{in: "registry:", wantErr: "needs an image reference"},
		{in: "", wantErr: "empty reference"},
		{in: "oci:./out", wantErr: `unsupported source type "oci:"`},
		{in: "oci:out", wantErr: `(use oci-dir:)`},
		{in: "docker://alpine", wantErr: `unsupported source type "docker:"`},
		{in: "podman+x:/some/path", wantErr: `unknown source type "podman+x:"`},
		{in: "weird:/x", wantErr: `unknown source type "weird:"`},
		{in: "Upper/Case", wantErr: "not an image reference"},
		{in: "alpine\x00", wantErr: "control characters"},
		{in: strings.Repeat("a", maxReferenceLen+1), wantErr: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := parseReference(tt.in, os.Stat)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalidReference)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.kind, r.kind)
			assert.Equal(t, tt.path, r.path)
			assert.Equal(t, tt.tag, r.tag)
			if tt.digest != "" {
				assert.Equal(t, tt.digest, r.digest.String())
			} else {
				assert.Equal(t, v1.Hash{}, r.digest)
			}
			if tt.kind == kindRemote {
				assert.Equal(t, tt.remote, r.remote.Name())
				assert.Equal(t, tt.scheme, r.remote.Context().Scheme())
			}
		})
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LOCALHOST:5000", true},
		{"127.0.0.1", true},
		{"127.0.0.1:5000", true},
		{"127.255.255.254:1", true},
		{"[::1]", true},
		{"[::1]:5000", true},
		{"::1", true},
		{"128.0.0.1", false},
		{"10.0.0.1:5000", false},
		{"192.168.1.1", false},
		{"[::2]:5000", false},
		{"localhost.example.com", false},
		{"mylocalhost:5000", false},
		{"index.docker.io", false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, loopback.Is(tt.host), tt.host)
	}
}

func TestParsePlatform(t *testing.T) {
	tests := []struct {
		in      string
		want    v1.Platform
		wantErr bool
	}{
		{"linux/amd64", v1.Platform{OS: "linux", Architecture: "amd64"}, false},
		{"linux/arm64/v8", v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, false},
		{"windows/amd64:10.0.17763.1234", v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1234"}, false},
		{"linux", v1.Platform{}, true},
		{"linux/", v1.Platform{}, true},
		{"/amd64", v1.Platform{}, true},
		{"linux/amd64/", v1.Platform{}, true},
		{"linux/arm/v7/x", v1.Platform{}, true},
		{"Linux/AMD64", v1.Platform{}, true},
		{"linux/amd64:", v1.Platform{}, true},
		{"", v1.Platform{}, true},
		{strings.Repeat("a", 300) + "/b", v1.Platform{}, true},
	}
	for _, tt := range tests {
		got, err := ParsePlatform(tt.in)
		if tt.wantErr {
			assert.Error(t, err, tt.in)
			if err != nil {
				assert.True(t, strings.HasPrefix(err.Error(), "registry: platform"), err.Error())
			}
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestPlatformRank(t *testing.T) {
	p := func(s string) v1.Platform {
		pl, err := ParsePlatform(s)
		require.NoError(t, err)
		return pl
	}
	tests := []struct {
		have, want string
		match      bool
	}{
		{"linux/amd64", "linux/amd64", true},
		{"linux/arm64", "linux/arm64/v8", true},
		{"linux/arm64/v8", "linux/arm64", true},
		{"linux/arm/v6", "linux/arm/v7", true},
		{"linux/arm/v7", "linux/arm/v6", false},
		{"linux/arm/v5", "linux/arm/v7", true},
		{"linux/amd64", "linux/arm64", false},
		{"windows/amd64", "linux/amd64", false},
		{"windows/amd64:10.0.1", "windows/amd64", true},
		{"windows/amd64:10.0.1", "windows/amd64:10.0.2", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.match, platformRank(p(tt.have), p(tt.want)) > 0, "%s for %s", tt.have, tt.want)
	}
	assert.Greater(t, platformRank(p("linux/arm/v7"), p("linux/arm/v7")), platformRank(p("linux/arm/v6"), p("linux/arm/v7")))
	assert.Greater(t, platformRank(p("linux/arm/v6"), p("linux/arm/v7")), platformRank(p("linux/arm/v5"), p("linux/arm/v7")))
}

func TestDefaultPlatform(t *testing.T) {
	p := DefaultPlatform()
	assert.Equal(t, "linux", p.OS)
	assert.NotEmpty(t, p.Architecture)
	if p.Architecture == "arm" {
		assert.NotEmpty(t, p.Variant)
	}
}
