package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	canaryUser     = "robot"
	canaryPassword = "canary-pass-7f3a9c1e"
	canaryToken    = "canary-token-52be1d04"
	canaryIdentity = "canary-identity-9d71"
)

// staticKeychain answers every registry with one set of credentials.
type staticKeychain struct{ cfg authn.AuthConfig }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(k.cfg), nil
}

var canaryKeychain = staticKeychain{authn.AuthConfig{Username: canaryUser, Password: canaryPassword}}

// canaries are the strings that must never appear in an error.
var canaries = []string{
	canaryPassword,
	canaryToken,
	canaryIdentity,
	base64.StdEncoding.EncodeToString([]byte(canaryUser + ":" + canaryPassword)),
}

// assertNoCanary checks every message of err's chain and its printed forms.
func assertNoCanary(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	forms := []string{fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err)}
	for e := err; e != nil; e = errors.Unwrap(e) {
		forms = append(forms, e.Error())
	}
	for _, f := range forms {
		for _, c := range canaries {
			assert.NotContains(t, f, c)
		}
	}
}

// echoError answers with a registry error whose message and detail repeat
// the request's credentials, as a careless or hostile registry might.
func echoError(w http.ResponseWriter, r *http.Request, status int, code string) {
	auth := r.Header.Get("Authorization")
	user, pass, _ := r.BasicAuth()
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"code":    code,
		"message": fmt.Sprintf("credentials %q for %s:%s rejected", auth, user, pass),
		"detail":  map[string]string{"authorization": auth, "password": pass},
	}}})
}

// authRegistry serves one in-memory registry twice: plainly (to push test
// images) and behind front, which checks credentials. It returns both hosts.
func authRegistry(t *testing.T, front func(inner http.Handler, self func() string) http.Handler) (plain, guarded string) {
	t.Helper()
	inner := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	ps := httptest.NewServer(inner)
	t.Cleanup(ps.Close)
	var host string
	gs := httptest.NewServer(front(inner, func() string { return host }))
	t.Cleanup(gs.Close)
	host = strings.TrimPrefix(gs.URL, "http://")
	return strings.TrimPrefix(ps.URL, "http://"), host
}

func TestCredentialCanary(t *testing.T) {
	ctx := context.Background()
	img := platformImage(t, amd64, 1)
	layers, err := img.Layers()
	require.NoError(t, err)
	layerPath := "/blobs/" + digestOf(t, layers[0]).String()

	tests := []struct {
		name     string
		front    func(inner http.Handler, self func() string) http.Handler
		keychain authn.Keychain
		openErr  bool // false: Open succeeds and reading the layer fails
		is       error
	}{
		{
			name: "basic auth, 401 echoing the credentials",
			front: func(inner http.Handler, _ func() string) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					echoError(w, r, http.StatusUnauthorized, "UNAUTHORIZED")
				})
			},
			keychain: canaryKeychain,
			openErr:  true,
			is:       ErrDenied,
		},
		{
			name: "identity token, 401 echoing it",
			front: func(inner http.Handler, _ func() string) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprintf(w, "no entry for %s (%s)", canaryIdentity, r.Header.Get("Authorization"))
				})
			},
			keychain: staticKeychain{authn.AuthConfig{Username: canaryUser, Password: canaryPassword, IdentityToken: canaryIdentity}},
			openErr:  true,
			is:       ErrDenied,
		},
		{
			name: "bearer token, 403 echoing it",
			front: func(inner http.Handler, self func() string) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					switch {
					case r.URL.Path == "/token":
						if u, p, ok := r.BasicAuth(); !ok || u != canaryUser || p != canaryPassword {
							echoError(w, r, http.StatusUnauthorized, "UNAUTHORIZED")
							return
						}
						json.NewEncoder(w).Encode(map[string]string{"token": canaryToken})
					case r.Header.Get("Authorization") != "Bearer "+canaryToken:
						w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, self()))
						w.WriteHeader(http.StatusUnauthorized)
					default:
						echoError(w, r, http.StatusForbidden, "DENIED")
					}
				})
			},
			keychain: canaryKeychain,
			openErr:  true,
			is:       ErrDenied,
		},
		{
			name: "basic auth accepted, layer blob denied with an echo",
			front: func(inner http.Handler, _ func() string) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if u, p, ok := r.BasicAuth(); !ok || u != canaryUser || p != canaryPassword {
						w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
						w.WriteHeader(http.StatusUnauthorized)
						return
					}
					if strings.HasSuffix(r.URL.Path, layerPath) {
						echoError(w, r, http.StatusForbidden, "DENIED")
						return
					}
					inner.ServeHTTP(w, r)
				})
			},
			keychain: canaryKeychain,
			openErr:  false,
			is:       ErrDenied,
		},
		{
			name: "500 echoing the credentials in a plain body",
			front: func(inner http.Handler, _ func() string) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("Authorization") == "" {
						w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
						w.WriteHeader(http.StatusUnauthorized)
						return
					}
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, "bad request with %s", r.Header.Get("Authorization"))
				})
			},
			keychain: canaryKeychain,
			openErr:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, guarded := authRegistry(t, tt.front)
			pushImage(t, plain+"/team/app:1", img)
			ref := guarded + "/team/app:1"
			got, err := Open(ctx, ref, WithKeychain(tt.keychain))
			if !tt.openErr {
				require.NoError(t, err)
				gl, lerr := got.Layers()
				require.NoError(t, lerr)
				err = readCompressed(gl[0])
			}
			require.Error(t, err)
			t.Logf("error: %v", err)
			assertNoCanary(t, err)
			assert.ErrorContains(t, err, "registry: "+ref)
			assert.ErrorContains(t, err, redacted, "the echo was there, and was removed")
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, ref, e.Ref)
		})
	}
}

func TestRedirectCarriesNoCredentials(t *testing.T) {
	img := platformImage(t, amd64, 1)
	layers, err := img.Layers()
	require.NoError(t, err)
	ld := digestOf(t, layers[0])
	rc, err := layers[0].Compressed()
	require.NoError(t, err)
	blob, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())

	// The blob store on another host records what it is sent.
	var mu sync.Mutex
	var seen []string
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Write(blob)
	}))
	defer store.Close()

	plain, guarded := authRegistry(t, func(inner http.Handler, _ func() string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != canaryUser || p != canaryPassword {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if strings.HasSuffix(r.URL.Path, "/blobs/"+ld.String()) {
				http.Redirect(w, r, store.URL+"/storage/"+ld.Hex, http.StatusTemporaryRedirect)
				return
			}
			inner.ServeHTTP(w, r)
		})
	})
	pushImage(t, plain+"/team/app:1", img)
	got, err := Open(context.Background(), guarded+"/team/app:1", WithKeychain(canaryKeychain))
	require.NoError(t, err)
	gl, err := got.Layers()
	require.NoError(t, err)
	require.NoError(t, readCompressed(gl[0]))
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, seen, "the blob came from the other host")
	for _, a := range seen {
		assert.Empty(t, a, "no Authorization header crosses to another host")
	}
}

func TestManifestBodyLimit(t *testing.T) {
	// A registry that sends a manifest larger than the limit, without a
	// Content-Length, is cut off while reading.
	huge := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.(http.Flusher).Flush() // no Content-Length
		io.WriteString(w, huge)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, err := Open(context.Background(), host+"/x/y:1", WithMaxManifestBytes(64<<10))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "WithMaxManifestBytes", le.Option)
	assert.Equal(t, int64(64<<10), le.Limit)
}

func TestLoopbackOverPlainHTTP(t *testing.T) {
	// httptest listens on 127.0.0.1 over plain HTTP; "localhost:PORT" and
	// "127.0.0.1:PORT" reach it without any option.
	host := newRegistry(t, nil)
	img := platformImage(t, amd64, 1)
	pushImage(t, host+"/a/b:1", img)
	port := host[strings.LastIndexByte(host, ':')+1:]
	for _, ref := range []string{host + "/a/b:1", "registry:" + host + "/a/b:1", "localhost:" + port + "/a/b:1"} {
		got, err := Open(context.Background(), ref)
		require.NoError(t, err, ref)
		assert.Equal(t, digestOf(t, img), digestOf(t, got))
	}
}
