// Package fetch downloads feed files over HTTP the way a polite,
// unattended client must: bounded time and size, retries with backoff on
// throttling and server errors honouring Retry-After, and conditional
// requests (ETag, Last-Modified) so an unchanged feed costs one round trip.
//
// It is shared by the vulnerability feeds; nothing in it knows a feed. A
// program that needs its own HTTP client (a proxy, a CA, a user agent,
// other limits) makes a [Client] with [New] and gives it to a feed's
// WithClient option.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Defaults of a [Client].
const (
	DefaultTimeout    = 10 * time.Minute
	DefaultRetries    = 5
	DefaultBackoff    = 2 * time.Second
	DefaultMaxBackoff = 2 * time.Minute
	DefaultMaxBytes   = int64(4 << 30)
	DefaultUserAgent  = "portcullis"
)

// ErrTooLarge is matched by the error of a body read past the client's
// size limit.
var ErrTooLarge = errors.New("fetch: response larger than the limit")

// StatusError is the error for a response whose status is neither success
// nor "not modified", after retries.
type StatusError struct {
	URL    string // without query and credentials
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("fetch: GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Validators are what a server said about a response so the next request
// can be conditional.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
}

// Response is a successful (2xx) or not-modified (304) response.
type Response struct {
	// NotModified is true for a 304: Body is then empty.
	NotModified bool
	// Validators of this response, for the next request.
	Validators Validators
	// Header is the response's header.
	Header http.Header
	// Body reads at most the client's byte limit; reading more fails with
	// an error matching [ErrTooLarge]. The caller closes it.
	Body io.ReadCloser
}

// Option configures a [Client].
type Option func(*Client)

// WithHTTPClient sets the HTTP client. The default is a client with
// [DefaultTimeout] and http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithRetries sets how many times a throttled or failed request is
// retried. The default is [DefaultRetries].
func WithRetries(n int) Option {
	return func(c *Client) {
		if n >= 0 {
			c.retries = n
		}
	}
}

// WithBackoff sets the first wait between retries (doubled each time, with
// jitter) and the longest wait, which also caps a server's Retry-After.
// The default is [DefaultBackoff] and [DefaultMaxBackoff].
func WithBackoff(first, max time.Duration) Option {
	return func(c *Client) {
		if first > 0 {
			c.backoff = first
		}
		if max > 0 {
			c.maxBackoff = max
		}
	}
}

// WithMaxBytes bounds the size of a response body. The default is
// [DefaultMaxBytes].
func WithMaxBytes(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBytes = n
		}
	}
}

// WithRetryStatus adds statuses that are retried besides 429, 502, 503 and
// 504 (NVD, for one, throttles with 403). The default is none.
func WithRetryStatus(codes ...int) Option {
	return func(c *Client) {
		for _, code := range codes {
			c.retryStatus[code] = true
		}
	}
}

// WithUserAgent sets the User-Agent header. The default is
// [DefaultUserAgent].
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// WithLogger sets where retries are logged. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// Client fetches URLs. It is safe for concurrent use.
type Client struct {
	hc          *http.Client
	retries     int
	backoff     time.Duration
	maxBackoff  time.Duration
	maxBytes    int64
	retryStatus map[int]bool
	userAgent   string
	log         *slog.Logger
	sleep       func(context.Context, time.Duration) error
}

// New returns a client.
func New(opts ...Option) *Client {
	c := &Client{
		hc:          &http.Client{Timeout: DefaultTimeout},
		retries:     DefaultRetries,
		backoff:     DefaultBackoff,
		maxBackoff:  DefaultMaxBackoff,
		maxBytes:    DefaultMaxBytes,
		retryStatus: map[int]bool{http.StatusTooManyRequests: true, http.StatusBadGateway: true, http.StatusServiceUnavailable: true, http.StatusGatewayTimeout: true},
		userAgent:   DefaultUserAgent,
		log:         slog.New(slog.DiscardHandler),
		sleep:       sleepCtx,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// Get fetches rawURL with the extra request headers hdr (which never appear
// in errors or logs), conditionally on prev when it is not empty. A 304
// gives a Response with NotModified set. Network errors, 429, 5xx gateway
// errors and the statuses added by [WithRetryStatus] are retried; any
// other status is a [*StatusError].
func (c *Client) Get(ctx context.Context, rawURL string, hdr http.Header, prev Validators) (*Response, error) {
	shown := redact(rawURL)
	var lastErr error
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, fmt.Errorf("fetch: GET %s: %w", shown, stripURL(err))
		}
		for k, vs := range hdr {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		req.Header.Set("User-Agent", c.userAgent)
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
		resp, err := c.hc.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, fmt.Errorf("fetch: GET %s: %w", shown, ctx.Err())
			}
			lastErr = fmt.Errorf("fetch: GET %s: %w", shown, stripURL(err))
		case resp.StatusCode == http.StatusNotModified:
			resp.Body.Close()
			return &Response{NotModified: true, Validators: prev, Header: resp.Header, Body: http.NoBody}, nil
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			if resp.ContentLength > c.maxBytes {
				resp.Body.Close()
				return nil, fmt.Errorf("fetch: GET %s: %d bytes: %w of %d bytes", shown, resp.ContentLength, ErrTooLarge, c.maxBytes)
			}
			return &Response{
				Validators: Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")},
				Header:     resp.Header,
				Body:       &limitedBody{rc: resp.Body, left: c.maxBytes, max: c.maxBytes, url: shown},
			}, nil
		default:
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			lastErr = &StatusError{URL: shown, Status: resp.StatusCode}
			if !c.retryStatus[resp.StatusCode] && resp.StatusCode != http.StatusInternalServerError {
				return nil, lastErr
			}
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		if attempt >= c.retries {
			return nil, lastErr
		}
		if wait <= 0 {
			wait = c.backoff << min(attempt, 16)
			wait += time.Duration(rand.Int64N(int64(wait)/4 + 1))
		}
		wait = min(wait, c.maxBackoff)
		c.log.LogAttrs(ctx, slog.LevelWarn, "retrying", slog.String("url", shown), slog.Any("error", lastErr), slog.Duration("wait", wait))
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("fetch: GET %s: %w", shown, err)
		}
	}
}

// retryAfter parses a Retry-After header (seconds or an HTTP date); zero
// when absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return t.Sub(now)
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// redact returns rawURL without user info and query (where API keys hide).
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}

// stripURL drops the URL a *url.Error carries (it may hold a query with a
// key), keeping the operation's error.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// limitedBody fails a read past max bytes.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
	url  string
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.rc.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("fetch: GET %s: %w of %d bytes", l.url, ErrTooLarge, l.max)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }
