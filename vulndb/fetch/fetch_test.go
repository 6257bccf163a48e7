package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordSleeps makes c record its waits instead of sleeping.
func recordSleeps(c *Client) *[]time.Duration {
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return &waits
}

func TestRetriesHonourRetryAfter(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusForbidden) // NVD's throttling
		default:
			w.Header().Set("ETag", `"v1"`)
			io.WriteString(w, "hello")
		}
	}))
	defer srv.Close()
	c := New(WithRetryStatus(http.StatusForbidden), WithBackoff(time.Second, time.Minute))
	waits := recordSleeps(c)
	resp, err := c.Get(context.Background(), srv.URL, nil, Validators{})
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(body))
	assert.Equal(t, `"v1"`, resp.Validators.ETag)
	require.Len(t, *waits, 2)
	assert.Equal(t, 7*time.Second, (*waits)[0], "Retry-After is honoured")
	assert.GreaterOrEqual(t, (*waits)[1], 2*time.Second, "backoff doubles")
}

func TestRetryAfterCappedAndRetriesBounded(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "86400")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := New(WithRetries(2), WithBackoff(time.Second, 30*time.Second))
	waits := recordSleeps(c)
	_, err := c.Get(context.Background(), srv.URL, nil, Validators{})
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusServiceUnavailable, se.Status)
	assert.EqualValues(t, 3, calls.Load())
	assert.Equal(t, []time.Duration{30 * time.Second, 30 * time.Second}, *waits)
}

func TestNotFoundIsNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c := New()
	recordSleeps(c)
	_, err := c.Get(context.Background(), srv.URL+"/x?apiKey=secret", nil, Validators{})
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.EqualValues(t, 1, calls.Load())
	assert.NotContains(t, err.Error(), "secret")
}

func TestConditional(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		io.WriteString(w, "data")
	}))
	defer srv.Close()
	c := New()
	resp, err := c.Get(context.Background(), srv.URL, nil, Validators{})
	require.NoError(t, err)
	resp.Body.Close()
	assert.False(t, resp.NotModified)
	resp2, err := c.Get(context.Background(), srv.URL, nil, resp.Validators)
	require.NoError(t, err)
	assert.True(t, resp2.NotModified)
	assert.Equal(t, resp.Validators, resp2.Validators)
}

func TestBodyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if r.URL.Path == "/declared" {
			io.WriteString(w, strings.Repeat("x", 100))
			return
		}
		fl := w.(http.Flusher)
		io.WriteString(w, strings.Repeat("x", 60))
		fl.Flush() // chunked: no Content-Length
		io.WriteString(w, strings.Repeat("x", 60))
	}))
	defer srv.Close()
	c := New(WithMaxBytes(50))
	_, err := c.Get(context.Background(), srv.URL+"/declared", nil, Validators{})
	require.ErrorIs(t, err, ErrTooLarge)
	resp, err := c.Get(context.Background(), srv.URL+"/chunked", nil, Validators{})
	require.NoError(t, err)
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	require.ErrorIs(t, err, ErrTooLarge)
}

func TestHeadersSentNotShown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("apiKey") != "k3y" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	_, err := New().Get(context.Background(), srv.URL, http.Header{"apiKey": {"k3y"}}, Validators{})
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusTeapot, se.Status, "the header reached the server")
	assert.NotContains(t, err.Error(), "k3y")
}

func TestCancelledWhileWaiting(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := New(WithBackoff(time.Hour, time.Hour))
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := c.Get(ctx, srv.URL, nil, Validators{})
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assert.Equal(t, 5*time.Second, retryAfter("5", now))
	assert.Equal(t, 10*time.Second, retryAfter(now.Add(10*time.Second).Format(http.TimeFormat), now))
	assert.Zero(t, retryAfter("soon", now))
	assert.Zero(t, retryAfter("", now))
}
