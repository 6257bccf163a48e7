package promote

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/internal/testregistry"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
)

// newRegistry starts an in-memory registry on 127.0.0.1; wrap, if not nil,
// sits in front of it. It returns the host:port.
func newRegistry(t testing.TB, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	return testregistry.New(t, func(h http.Handler) http.Handler {
		h = &scopedBlobs{next: h, has: map[string]bool{}}
		if wrap != nil {
			h = wrap(h)
		}
		return h
	})
}

// push writes an image or index to ref and returns its digest.
func push(t testing.TB, ref string, x any) v1.Hash { return testregistry.Push(t, ref, x) }

func randomImage(t testing.TB) v1.Image {
	t.Helper()
	img, err := random.Image(1024, 3)
	require.NoError(t, err)
	return img
}

func randomIndex(t testing.TB) v1.ImageIndex {
	t.Helper()
	idx, err := random.Index(512, 2, 3)
	require.NoError(t, err)
	return idx
}

// headDigest returns the digest ref names, or "" when it does not exist.
func headDigest(t testing.TB, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	require.NoError(t, err)
	d, err := remote.Head(r)
	if err != nil {
		require.True(t, isNotFound(err), "HEAD %s: %v", ref, err)
		return ""
	}
	return d.Digest.String()
}

// request is one request seen by a recordingTransport.
type request struct {
	Method, Path, Query string
	BodyBytes           int64
}

// recordingTransport records every request and can answer some itself.
type recordingTransport struct {
	mu     sync.Mutex
	reqs   []request
	inject func(req *http.Request) *http.Response // nil: pass through

	inflight, maxInflight atomic.Int32 // blob writes in progress
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var n int64
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		n = int64(len(b))
		req.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, request{req.Method, req.URL.Path, req.URL.RawQuery, n})
	inject := rt.inject
	rt.mu.Unlock()
	if inject != nil {
		if resp := inject(req); resp != nil {
			resp.Request = req
			return resp, nil
		}
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead && strings.Contains(req.URL.Path, "/blobs/") {
		n := rt.inflight.Add(1)
		defer rt.inflight.Add(-1)
		for {
			m := rt.maxInflight.Load()
			if n <= m || rt.maxInflight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // let concurrent uploads overlap
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (rt *recordingTransport) requests() []request {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]request(nil), rt.reqs...)
}

// writes returns the requests that are neither GET nor HEAD.
func (rt *recordingTransport) writes() []request {
	var out []request
	for _, r := range rt.requests() {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			out = append(out, r)
		}
	}
	return out
}

func (rt *recordingTransport) reset() {
	rt.mu.Lock()
	rt.reqs = nil
	rt.mu.Unlock()
}

func status(code int, hdr http.Header) *http.Response {
	if hdr == nil {
		hdr = http.Header{}
	}
	return &http.Response{StatusCode: code, Status: http.StatusText(code), Header: hdr, Body: io.NopCloser(strings.NewReader("")), ProtoMajor: 1, ProtoMinor: 1}
}

// fakeClock has a fixed time and records sleeps without sleeping.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return ctx.Err()
}

var testNow = time.Date(2026, 3, 8, 14, 5, 9, 0, time.UTC)

// fakeScanner returns a report for the image's digest, with the findings
// set for that digest, and counts scans.
type fakeScanner struct {
	mu       sync.Mutex
	now      time.Time
	scanned  []string
	findings map[string][]scan.Finding
}

func (s *fakeScanner) Scan(ctx context.Context, img v1.Image, _ ...scan.ScanOption) (*scan.Report, error) {
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanned = append(s.scanned, d.String())
	return &scan.Report{
		SchemaVersion: 1,
		Image:         scan.ImageRef{Digest: d.String(), Labels: map[string]string{"team": "shop"}},
		Findings:      s.findings[d.String()],
		Summary:       map[string]int{},
		ScannedAt:     s.now,
	}, nil
}

func (s *fakeScanner) scans() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.scanned...)
}

var (
	allow = policy.Func(func(context.Context, policy.Input) (policy.Decision, error) {
		return policy.Decision{Verdict: policy.Allow}, nil
	})
	deny = policy.Func(func(context.Context, policy.Input) (policy.Decision, error) {
		return policy.Decision{Verdict: policy.Deny, Reasons: []policy.Reason{{Rule: "no", Verdict: policy.Deny, Message: "never"}}}, nil
	})
)

// setup returns a promoter over a recording transport, its scanner and
// clock.
func setup(t testing.TB, opts ...Option) (*Default, *recordingTransport, *fakeScanner, *fakeClock) {
	t.Helper()
	rt := &recordingTransport{}
	clock := &fakeClock{now: testNow}
	sc := &fakeScanner{now: testNow, findings: map[string][]scan.Finding{}}
	p, err := New(append([]Option{
		WithTransport(rt), WithScanner(sc), WithClock(clock),
		WithKeychain(authn.NewMultiKeychain()), WithRetries(3, time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	return p, rt, sc, clock
}

type staticKeychain struct{ user, pass string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: k.user, Password: k.pass}, nil
}

// scopedBlobs makes go-containerregistry's in-memory registry, which keeps
// blobs in one store for all repositories, behave like Distribution: a
// repository has only the blobs pushed or mounted into it, and a POST with
// mount= and from= naming a repository that has the blob mounts it (201).
type scopedBlobs struct {
	next http.Handler
	mu   sync.Mutex
	has  map[string]bool // repo + "@" + digest
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

func (s *scopedBlobs) holds(repo, digest string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.has[repo+"@"+digest]
}

func (s *scopedBlobs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/blobs/")
	if !ok {
		s.next.ServeHTTP(w, r)
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Get("mount") != "":
		if from := q.Get("from"); from != "" && s.holds(from, q.Get("mount")) {
			s.mu.Lock()
			s.has[repo+"@"+q.Get("mount")] = true
			s.mu.Unlock()
			w.Header().Set("Location", "/v2/"+repo+"/blobs/"+q.Get("mount"))
			w.Header().Set("Docker-Content-Digest", q.Get("mount"))
			w.WriteHeader(http.StatusCreated)
			return
		}
		r2 := r.Clone(r.Context())
		q.Del("mount")
		q.Del("from")
		q.Del("origin")
		r2.URL.RawQuery = q.Encode()
		s.next.ServeHTTP(w, r2)
		return
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasPrefix(rest, "uploads/"):
		if !s.holds(repo, rest) {
			http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}`, http.StatusNotFound)
			return
		}
	}
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	s.next.ServeHTTP(sw, r)
	if d := q.Get("digest"); d != "" && sw.code == http.StatusCreated {
		s.mu.Lock()
		s.has[repo+"@"+d] = true
		s.mu.Unlock()
	}
}

// authEcho asks for Basic credentials, and while fail() is true refuses
// manifest PUTs with an error message that echoes the Authorization header
// (as careless registries do): errors must not pass it on.
func authEcho(fail func() bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := r.Header.Get("Authorization")
			if a == "" {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, "auth", http.StatusUnauthorized)
				return
			}
			if fail() && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_INVALID","message":"bad: ` + a + `"}]}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
