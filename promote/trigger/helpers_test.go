package trigger

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/internal/testregistry"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/promote/rules"
	"github.com/portcullis-oci/portcullis/scan"
)

// pushImage writes a new random image to ref and returns its digest.
func pushImage(t testing.TB, ref string) string {
	t.Helper()
	img, err := random.Image(256, 2)
	require.NoError(t, err)
	return testregistry.Push(t, ref, img).String()
}

// newPromoter returns a real promoter with a scanner that finds nothing.
func newPromoter(t testing.TB, opts ...promote.Option) *promote.Default {
	t.Helper()
	scanner := scan.ScannerFunc(func(_ context.Context, img v1.Image, _ ...scan.ScanOption) (*scan.Report, error) {
		d, err := img.Digest()
		return &scan.Report{SchemaVersion: 1, Image: scan.ImageRef{Digest: d.String()}, Summary: map[string]int{}}, err
	})
	p, err := promote.New(append([]promote.Option{
		promote.WithScanner(scanner),
		promote.WithKeychain(authn.NewMultiKeychain()),
		promote.WithRetries(0, time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	return p
}

var (
	allow = policy.Func(func(context.Context, policy.Input) (policy.Decision, error) {
		return policy.Decision{Verdict: policy.Allow}, nil
	})
	deny = policy.Func(func(context.Context, policy.Input) (policy.Decision, error) {
		return policy.Decision{Verdict: policy.Deny, Reasons: []policy.Reason{{Rule: "no", Verdict: policy.Deny, Message: "never"}}}, nil
	})
)

// loadRules loads a rules document (its rules naming policy.yaml) and
// gives every rule pol.
func loadRules(t testing.TB, doc string, pol policy.Policy) *rules.Set {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("name: p\n"), 0o600))
	s, err := rules.Load("rules.yaml", []byte(doc), dir)
	require.NoError(t, err)
	for _, r := range s.Rules {
		r.Policy = pol
	}
	return s
}

// oneRule is a rule promoting tags matching glob from src to dst with the
// tag template tmpl.
func oneRule(name, src, glob, dst, tmpl string) string {
	return fmt.Sprintf("  - name: %s\n    source: {repository: %s, tag: {glob: %q}}\n    target: {repository: %s, tag: %q}\n    policy: policy.yaml\n", name, src, glob, dst, tmpl)
}

// results collects what a handler's OnResult hook is given.
type results struct {
	mu   sync.Mutex
	got  []result
	cond chan struct{}
}

type result struct {
	job Job
	res *promote.Result
	err error
}

func newResults() *results { return &results{cond: make(chan struct{}, 1000)} }

func (r *results) hook(j Job, res *promote.Result, err error) {
	r.mu.Lock()
	r.got = append(r.got, result{j, res, err})
	r.mu.Unlock()
	r.cond <- struct{}{}
}

// wait waits for n more results.
func (r *results) wait(t testing.TB, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.cond:
		case <-time.After(30 * time.Second):
			t.Fatalf("timed out waiting for a promotion result")
		}
	}
}

func (r *results) all() []result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]result(nil), r.got...)
}

// recorder is a fake promoter that records requests; block, when not nil,
// holds each promotion until it is closed or the context ends.
type recorder struct {
	mu      sync.Mutex
	reqs    []promote.Request
	started chan promote.Request
	block   chan struct{}
}

func newRecorder(block bool) *recorder {
	r := &recorder{started: make(chan promote.Request, 1000)}
	if block {
		r.block = make(chan struct{})
	}
	return r
}

func (r *recorder) Promote(ctx context.Context, req promote.Request) (*promote.Result, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	r.started <- req
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &promote.Result{Source: req.Source, Promoted: true}, nil
}

func (r *recorder) requests() []promote.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]promote.Request(nil), r.reqs...)
}

// waitStarted waits for the next promotion to start.
func (r *recorder) waitStarted(t testing.TB) promote.Request {
	t.Helper()
	select {
	case req := <-r.started:
		return req
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for a promotion to start")
	}
	return promote.Request{}
}

// post sends body to h and returns the response.
func post(h http.Handler, contentType, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// closeHandler closes h at the end of the test.
func closeHandler(t testing.TB, h *Handler) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = h.Close(ctx)
	})
}

// logBuffer is a logger writing JSON lines to a buffer.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

const (
	ociManifest    = "application/vnd.oci.image.manifest.v1+json"
	ociIndex       = "application/vnd.oci.image.index.v1+json"
	dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	dockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	layerType      = "application/vnd.docker.container.image.rootfs.diff+x-gtar"
)

// distEvent returns one Distribution event as the registry sends it.
func distEventJSON(action, mediaType, host, repo, tag, digest string) string {
	method := map[string]string{"push": "PUT", "pull": "GET", "delete": "DELETE", "mount": "POST"}[action]
	kind := "manifests"
	if mediaType == layerType || mediaType == "application/octet-stream" {
		kind = "blobs"
	}
	tagField := ""
	if tag != "" {
		tagField = fmt.Sprintf(",\n        \"tag\": %q", tag)
	}
	return fmt.Sprintf(`{
      "id": "320678d8-ca14-430f-8bb6-4ca139cd83f7",
      "timestamp": "2026-03-09T14:44:26.402973972-08:00",
      "action": %q,
      "target": {
        "mediaType": %q,
        "digest": %q,
        "size": 708,
        "length": 708,
        "repository": %q,
        "url": "http://%s/v2/%s/%s/%s"%s
      },
      "request": {
        "id": "6df24a34-0959-4923-81ca-14f09767db19",
        "addr": "192.168.64.11:42961",
        "host": %q,
        "method": %q,
        "useragent": "containerd/2.0"
      },
      "actor": {"name": "ci"},
      "source": {"addr": "registry-0:5000", "instanceID": "a53db899-3b4b-4a62-a067-8dd013beaca4"}
    }`, action, mediaType, digest, repo, host, repo, kind, digest, tagField, host, method)
}

func envelope(events ...string) string {
	return "{\n  \"events\": [\n    " + strings.Join(events, ",\n    ") + "\n  ]\n}"
}

// harborJSON returns a Harbor webhook (default format).
func harborJSON(typ, host, project, repo, tag, digest string) string {
	return fmt.Sprintf(`{
  "type": %q,
  "occur_at": 1737446601,
  "operator": "admin",
  "event_data": {
    "resources": [
      {
        "digest": %q,
        "tag": %q,
        "resource_url": "%s/%s/%s:%s"
      }
    ],
    "repository": {
      "date_created": 1737446600,
      "name": %q,
      "namespace": %q,
      "repo_full_name": "%s/%s",
      "repo_type": "private"
    }
  }
}`, typ, digest, tag, host, project, repo, tag, repo, project, project, repo)
}

const (
	digestA = "sha256:76525f02955aec223342400a080c73024c995c9db1ba2eabf7505cf3bdf3f1f0"
	digestB = "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf"
)
