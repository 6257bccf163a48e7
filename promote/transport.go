package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portcullis-oci/portcullis/internal/redact"
)

// retryTransport retries requests answered 408, 429 or 5xx, or failing to
// connect, when their body can be replayed; it waits with a doubling backoff
// or what Retry-After asks for, whichever is longer.
type retryTransport struct {
	base          http.RoundTripper
	retries       int
	backoff       time.Duration
	maxRetryAfter time.Duration
	clock         Clock
}

func retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests ||
		code == http.StatusInternalServerError || code == http.StatusBadGateway ||
		code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	wait := t.backoff
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if attempt >= t.retries || !replayable || req.Context().Err() != nil {
			return resp, err
		}
		d := wait
		switch {
		case err != nil:
			if !transient(err) {
				return resp, err
			}
		case retryable(resp.StatusCode):
			if ra := retryAfter(resp.Header.Get("Retry-After"), t.clock.Now()); ra > d {
				d = min(ra, t.maxRetryAfter)
			}
			// Drain a bounded amount so the connection can be reused.
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			resp.Body.Close()
		default:
			return resp, nil
		}
		if serr := t.clock.Sleep(req.Context(), d); serr != nil {
			return nil, serr
		}
		wait *= 2
	}
}

// retryAfter parses a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 1<<20)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// errDryRun is returned for any write attempted in a dry run.
var errDryRun = errors.New("promote: dry run: refusing to write")

// readOnlyTransport fails every request that is not GET or HEAD.
type readOnlyTransport struct{ base http.RoundTripper }

func (t readOnlyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s", errDryRun, req.Method)
	}
	return t.base.RoundTrip(req)
}

// counter counts, for one promotion, what was written to the target
// repository: blobs uploaded and their bytes, blobs mounted, blobs the
// target already had, manifests written. It also learns the credentials
// sent, to remove them from errors.
type counter struct {
	base   http.RoundTripper
	host   string // the target registry host
	repo   string // the target repository path, "/v2/REPO/"
	red    *redactor
	copied atomic.Int64
	bytes  atomic.Int64
	mount  atomic.Int64
	skip   atomic.Int64
	mfst   atomic.Int64
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	if v := req.Header.Get("Authorization"); v != "" {
		c.red.AddAuthorization(v)
	}
	target := req.URL.Host == c.host && strings.HasPrefix(req.URL.Path, c.repo)
	if target && req.Body != nil && req.Body != http.NoBody && (req.Method == http.MethodPatch || req.Method == http.MethodPut) && strings.Contains(req.URL.Path, "/blobs/uploads/") {
		req.Body = &countingBody{rc: req.Body, n: &c.bytes}
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil || !target {
		return resp, err
	}
	p := req.URL.Path
	switch {
	case req.Method == http.MethodHead && strings.Contains(p, "/blobs/") && resp.StatusCode == http.StatusOK:
		c.skip.Add(1)
	case req.Method == http.MethodPost && req.URL.Query().Get("mount") != "" && resp.StatusCode == http.StatusCreated:
		c.mount.Add(1)
	case req.Method == http.MethodPut && strings.Contains(p, "/blobs/uploads/") && resp.StatusCode == http.StatusCreated:
		c.copied.Add(1)
	case req.Method == http.MethodPut && strings.Contains(p, "/manifests/") && resp.StatusCode/100 == 2:
		c.mfst.Add(1)
	}
	return resp, nil
}

type countingBody struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

// redactor removes known credentials and URL user-info from messages.
type redactor = redact.Redactor

// redactedError stands in for an error whose message held a credential,
// still matching the sentinels the original matched.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool {
	switch target {
	case ErrDenied, ErrTagExists, ErrInvalidRequest, context.Canceled, context.DeadlineExceeded, errDryRun:
		return errors.Is(e.err, target)
	}
	return false
}

// clean returns err with every known credential removed from its message.
func clean(r *redactor, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// transient reports whether a transport error is worth retrying: a
// connection reset or cut short. Dial and TLS failures are not (go-
// containerregistry's ping tries HTTPS before plain HTTP on local
// registries, and that must fail fast).
func transient(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
