package registry

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const userAgent = "portcullis"

// openRemote opens an image from a registry.
func (s *session) openRemote(r reference) ([]*Image, error) {
	ref := r.remote
	auth, err := authn.Resolve(s.ctx, s.o.keychain, ref.Context())
	if err != nil {
		return nil, s.fail("resolving credentials for", ref.Context().RegistryStr(), err)
	}
	// Learn the credentials first, so that no error below can show them.
	cfg, err := authn.Authorization(s.ctx, auth)
	if err != nil {
		return nil, s.fail("resolving credentials for", ref.Context().RegistryStr(), err)
	}
	s.red.Add(cfg.Password, cfg.Auth, cfg.IdentityToken, cfg.RegistryToken)
	if cfg.Username != "" && cfg.Password != "" {
		s.red.Add(base64.StdEncoding.EncodeToString([]byte(cfg.Username + ":" + cfg.Password)))
	}
	puller, err := remote.NewPuller(
		remote.WithAuth(auth),
		remote.WithTransport(&guardTransport{base: s.o.transport, red: s.red, maxManifest: s.o.maxManifestBytes}),
		remote.WithUserAgent(userAgent),
	)
	if err != nil {
		return nil, s.fail("", "", err)
	}
	desc, err := puller.Get(s.ctx, ref)
	if err != nil {
		return nil, s.fail("fetching manifest", "", err)
	}
	mt := desc.MediaType
	if !mt.IsIndex() && !mt.IsImage() && !mt.IsSchema1() {
		// Some registries send application/json or nothing: trust the
		// document's own mediaType field when it names a manifest.
		if sniffed := sniffMediaType(desc.Manifest); sniffed.IsIndex() || sniffed.IsImage() {
			mt = sniffed
			desc.MediaType = sniffed
		}
	}
	digest := desc.Digest.String()
	switch {
	case mt.IsIndex():
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, s.fail("reading index", digest, err)
		}
		return s.fromIndex(idx, desc.Digest)
	case mt.IsImage():
		img, err := desc.Image()
		if err != nil {
			return nil, s.fail("reading manifest", digest, err)
		}
		return s.openSingle(img, desc.Digest)
	case mt.IsSchema1():
		return nil, s.invalid("reading manifest", digest, "Docker schema 1 manifests (%s) are not supported; push the image again with a current client", mt)
	default:
		return nil, s.invalid("reading manifest", digest, "unknown media type %q", mt)
	}
}

// guardTransport sits under go-containerregistry's transports (so it sees
// requests with their credentials): it records the Authorization header of
// each request for redaction, and bounds manifest bodies.
type guardTransport struct {
	base        http.RoundTripper
	red         *redactor
	maxManifest int64
}

func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if v := req.Header.Get("Authorization"); v != "" {
		t.red.AddAuthorization(v)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	if req.Method == http.MethodGet && resp.StatusCode == http.StatusOK && isManifestPath(req.URL.Path) {
		if resp.ContentLength > t.maxManifest {
			resp.Body.Close()
			return nil, &LimitError{What: "manifest size in bytes", Got: resp.ContentLength, Limit: t.maxManifest, Option: "WithMaxManifestBytes"}
		}
		resp.Body = &limitedBody{rc: resp.Body, left: t.maxManifest, max: t.maxManifest}
	}
	return resp, nil
}

// isManifestPath reports whether an API path is /v2/NAME/manifests/REF.
func isManifestPath(p string) bool {
	return strings.HasPrefix(p, "/v2/") && strings.Contains(p, "/manifests/")
}

// limitedBody fails once a body passes max bytes.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, &LimitError{What: "manifest size in bytes", Got: b.max + 1, Limit: b.max, Option: "WithMaxManifestBytes"}
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, &LimitError{What: "manifest size in bytes", Got: b.max + 1, Limit: b.max, Option: "WithMaxManifestBytes"}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("reading manifest: %w", err)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
