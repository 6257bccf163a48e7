package registry

import (
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Defaults for the limits of [Open] and [OpenAll].
const (
	// DefaultMaxIndexDepth bounds how deeply indexes may nest: an index
	// listing images has depth 1, an index of such indexes depth 2.
	DefaultMaxIndexDepth = 8
	// DefaultMaxIndexChildren bounds the manifests one index may list.
	DefaultMaxIndexChildren = 1024
	// DefaultMaxManifestBytes bounds the size of a manifest, an index, an
	// OCI layout's index.json, a docker-archive's manifest.json and an image
	// config: 4 MiB, what the Distribution registry accepts.
	DefaultMaxManifestBytes int64 = 4 << 20
	// DefaultMaxLayers bounds the layers of one image.
	DefaultMaxLayers = 1000
)

// walkBudgetFactor times the children limit bounds the descriptors visited
// in one walk of a tree of indexes, so that depth and fan-out limits together
// cannot multiply into an unbounded walk.
const walkBudgetFactor = 4

// Option configures [Open] and [OpenAll].
type Option func(*options)

type options struct {
	platform         v1.Platform
	platformSet      bool
	keychain         authn.Keychain
	transport        http.RoundTripper
	maxIndexDepth    int
	maxIndexChildren int
	maxManifestBytes int64
	maxLayers        int
}

// WithPlatform sets the platform [Open] picks from a multi-platform index
// and that a single-platform image must satisfy when it is set explicitly.
// Fields left empty (the variant, the OS version) match any value. The
// platform is also the one recorded for a dir: source. The default is
// [DefaultPlatform]: linux and the architecture of this program.
func WithPlatform(p v1.Platform) Option {
	return func(o *options) {
		o.platform = clonePlatform(p)
		o.platformSet = true
	}
}

// WithKeychain sets where credentials for registries come from. The default
// is [authn.DefaultKeychain] (the Docker configuration and its credential
// helpers).
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) { o.keychain = k }
}

// WithTransport sets the HTTP transport for registry requests. The default
// is [remote.DefaultTransport].
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) { o.transport = t }
}

// WithMaxIndexDepth bounds how deeply indexes may nest. The default is
// [DefaultMaxIndexDepth] (8).
func WithMaxIndexDepth(n int) Option {
	return func(o *options) { o.maxIndexDepth = n }
}

// WithMaxIndexChildren bounds the manifests one index may list; four times
// this number bounds the descriptors visited in the whole tree of indexes.
// The default is [DefaultMaxIndexChildren] (1024).
func WithMaxIndexChildren(n int) Option {
	return func(o *options) { o.maxIndexChildren = n }
}

// WithMaxManifestBytes bounds the size of each manifest, index, OCI layout
// index.json, docker-archive manifest.json and image config read. The
// default is [DefaultMaxManifestBytes] (4 MiB, like Distribution).
func WithMaxManifestBytes(n int64) Option {
	return func(o *options) { o.maxManifestBytes = n }
}

// WithMaxLayers bounds the layers of one image. The default is
// [DefaultMaxLayers] (1000).
func WithMaxLayers(n int) Option {
	return func(o *options) { o.maxLayers = n }
}

func makeOptions(opts []Option) (*options, error) {
	o := &options{
		platform:         DefaultPlatform(),
		keychain:         authn.DefaultKeychain,
		transport:        remote.DefaultTransport,
		maxIndexDepth:    DefaultMaxIndexDepth,
		maxIndexChildren: DefaultMaxIndexChildren,
		maxManifestBytes: DefaultMaxManifestBytes,
		maxLayers:        DefaultMaxLayers,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	switch {
	case o.maxIndexDepth < 1:
		return nil, fmt.Errorf("registry: WithMaxIndexDepth(%d): must be at least 1", o.maxIndexDepth)
	case o.maxIndexChildren < 1:
		return nil, fmt.Errorf("registry: WithMaxIndexChildren(%d): must be at least 1", o.maxIndexChildren)
	case o.maxManifestBytes < 1:
		return nil, fmt.Errorf("registry: WithMaxManifestBytes(%d): must be at least 1", o.maxManifestBytes)
	case o.maxLayers < 0:
		return nil, fmt.Errorf("registry: WithMaxLayers(%d): must not be negative", o.maxLayers)
	case o.keychain == nil:
		return nil, fmt.Errorf("registry: WithKeychain(nil): a keychain is required (authn.NewMultiKeychain() has no credentials)")
	case o.transport == nil:
		return nil, fmt.Errorf("registry: WithTransport(nil): a transport is required")
	case o.platform.OS == "" || o.platform.Architecture == "":
		return nil, fmt.Errorf("registry: WithPlatform(%q): the OS and architecture are required", o.platform.String())
	}
	return o, nil
}
