package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type scripted struct {
	codes []int // answered in turn; the last repeats
	err   error // returned instead of a response when set
	calls int
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	c := s.codes[min(s.calls-1, len(s.codes)-1)]
	h := http.Header{}
	if c == http.StatusTooManyRequests {
		h.Set("Retry-After", "5")
	}
	return status(c, h), nil
}

func TestRetryTransport(t *testing.T) {
	tests := []struct {
		name      string
		codes     []int
		err       error
		body      io.Reader // nil: no body; a strings.Reader is replayable
		stream    bool      // a body that cannot be replayed
		wantCalls int
		wantCode  int
		wantWaits []time.Duration
	}{
		{"429 then 200 waits Retry-After", []int{429, 200}, nil, nil, false, 2, 200, []time.Duration{5 * time.Second}},
		{"503 twice then 200", []int{503, 503, 200}, nil, nil, false, 3, 200, []time.Duration{time.Second, 2 * time.Second}},
		{"500 forever gives up", []int{500}, nil, nil, false, 4, 500, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"401 not retried", []int{401}, nil, nil, false, 1, 401, nil},
		{"403 not retried", []int{403}, nil, nil, false, 1, 403, nil},
		{"404 not retried", []int{404}, nil, nil, false, 1, 404, nil},
		{"replayable body retried", []int{503, 201}, nil, strings.NewReader("x"), false, 2, 201, []time.Duration{time.Second}},
		{"streamed body not retried", []int{503, 201}, nil, nil, true, 1, 503, nil},
		{"connection reset retried", nil, syscall.ECONNRESET, nil, false, 4, 0, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"dial or TLS failure not retried", nil, errors.New("tls: first record does not look like a TLS handshake"), nil, false, 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &scripted{codes: tt.codes, err: tt.err}
			clock := &fakeClock{now: testNow}
			rt := &retryTransport{base: base, retries: 3, backoff: time.Second, maxRetryAfter: time.Minute, clock: clock}
			req, err := http.NewRequest(http.MethodPut, "http://127.0.0.1:1/v2/x/manifests/y", tt.body)
			require.NoError(t, err)
			if tt.stream {
				req.Body = io.NopCloser(strings.NewReader("stream"))
				req.GetBody = nil
			}
			resp, err := rt.RoundTrip(req)
			assert.Equal(t, tt.wantCalls, base.calls)
			if tt.err != nil {
				assert.Error(t, err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.wantCode, resp.StatusCode)
			}
			assert.Equal(t, tt.wantWaits, clock.sleeps)
		})
	}
}

func TestRetryTransportContextEndsWait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	base := &scripted{codes: []int{429}} // Retry-After: 5
	rt := &retryTransport{base: base, retries: 3, backoff: time.Second, maxRetryAfter: time.Minute, clock: realClock{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/v2/", nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = rt.RoundTrip(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second, "the wait ends with the context")
	assert.Equal(t, 1, base.calls)
}

// pings counts the handshakes (GET /v2/) among requests.
func pings(reqs []request) int {
	n := 0
	for _, r := range reqs {
		if r.Method == http.MethodGet && r.Path == "/v2/" {
			n++
		}
	}
	return n
}

// A promoter keeps its authenticated transports between promotions: the
// second promotion to the same place makes no handshake, counts only its
// own writes, and still keeps the credentials it sent out of its errors.
// Other credentials or another clock hour make a new handshake.
func TestTransportsReusedAcrossPromotions(t *testing.T) {
	const secret = "s3cret-canary-pass"
	failPuts := atomic.Bool{}
	echo := authEcho(failPuts.Load)
	host := newRegistry(t, nil)
	tgtHost := newRegistry(t, echo)
	for i := range 3 {
		push(t, fmt.Sprintf("%s/dev/app:v%d", host, i), randomImage(t))
	}
	keys := staticKeychain{user: "robot", pass: secret}
	p, rt, _, clock := setup(t, WithKeychain(keys))
	ctx := context.Background()
	req := func(i int) Request {
		return Request{Source: fmt.Sprintf("%s/dev/app:v%d", host, i), Target: tgtHost + "/qa/app", Policy: allow}
	}
	res, err := p.Promote(ctx, req(0))
	require.NoError(t, err)
	first := pings(rt.requests())
	require.Positive(t, first)
	assert.Equal(t, 2, res.Manifests, "the manifest by digest and the tag")

	rt.reset()
	res, err = p.Promote(ctx, req(1))
	require.NoError(t, err)
	assert.Zero(t, pings(rt.requests()), "no handshake for the second promotion")
	assert.Equal(t, 2, res.Manifests, "counts are the promotion's own")

	rt.reset()
	failPuts.Store(true)
	_, err = p.Promote(ctx, req(2))
	require.Error(t, err)
	assert.Zero(t, pings(rt.requests()))
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, err.Error(), "cm9ib3Q6", "the Authorization header is learnt through a reused transport too")
	failPuts.Store(false)

	rt.reset()
	clock.mu.Lock()
	clock.now = clock.now.Add(transportCacheTTL + time.Second)
	clock.mu.Unlock()
	_, err = p.Promote(ctx, req(2))
	require.NoError(t, err)
	assert.Positive(t, pings(rt.requests()), "an old transport is not reused")

	p2, rt2, _, _ := setup(t, WithKeychain(staticKeychain{user: "robot", pass: "another"}))
	_, err = p2.Promote(ctx, req(2))
	require.NoError(t, err)
	assert.Positive(t, pings(rt2.requests()))
	reg, err := name.NewRegistry(tgtHost)
	require.NoError(t, err)
	assert.NotEqual(t,
		transportKey(reg, &authn.AuthConfig{Username: "robot", Password: secret}, true, false, nil),
		transportKey(reg, &authn.AuthConfig{Username: "robot", Password: "another"}, true, false, nil),
		"credentials are part of the key")
	assert.NotContains(t,
		transportKey(reg, &authn.AuthConfig{Username: "robot", Password: secret}, true, false, nil),
		secret, "the key holds a digest of the credentials, not them")
}
