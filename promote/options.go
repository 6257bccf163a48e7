package promote

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
)

// Defaults of the options of [New].
const (
	// DefaultConcurrency is how many blobs of one image are copied at once.
	DefaultConcurrency = 4
	// DefaultRetries is how many times a request answered 429 or 5xx (or
	// failing to connect) is retried.
	DefaultRetries = 3
	// DefaultRetryBackoff is the wait before the first retry; it doubles
	// each time, unless the registry's Retry-After asks for longer.
	DefaultRetryBackoff = 500 * time.Millisecond
	// DefaultMaxRetryAfter caps the wait a Retry-After header may ask for.
	DefaultMaxRetryAfter = 2 * time.Minute
	// DefaultMaxReportAge is how old a stored report may be and still be
	// reused instead of scanning again.
	DefaultMaxReportAge = 24 * time.Hour
	// DefaultMaxIndexDepth bounds how deeply indexes may nest.
	DefaultMaxIndexDepth = 8
)

// Clock tells the time and waits. Implementations must be safe for
// concurrent use.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Option configures a promoter made by [New].
type Option func(*options)

type options struct {
	scanner       scan.Scanner
	matcher       scan.VulnMatcher
	store         ReportStore
	recorder      Recorder
	maxReportAge  time.Duration
	transport     http.RoundTripper
	keychain      authn.Keychain
	concurrency   int
	retries       int
	backoff       time.Duration
	maxRetryAfter time.Duration
	logger        *slog.Logger
	clock         Clock
}

// WithScanner sets the scanner used when no fresh stored report exists.
// The default is a [scan.New] scanner with the default analyzers and the
// matcher of [WithMatcher].
func WithScanner(s scan.Scanner) Option { return func(o *options) { o.scanner = s } }

// WithMatcher sets the vulnerability matcher of the default scanner (unless
// [WithScanner] is given), and the one stored reports are matched again
// with when its feeds were updated since they were matched (a
// *vulndb.Matcher says so; the inventory is reused, the findings are
// current). The default is none: reports are not matched, which a
// fail-closed policy denies.
func WithMatcher(m scan.VulnMatcher) Option { return func(o *options) { o.matcher = m } }

// WithReportStore sets where reports are looked up by image digest before
// scanning, and stored after. The default is a new [MemoryReportStore].
func WithReportStore(s ReportStore) Option { return func(o *options) { o.store = s } }

// WithRecorder sets where every promotion, denial and failure is
// recorded. The default records nothing; [NewStoreRecorder] keeps records
// in the vulnerability database, and [MemoryRecorder] in memory.
func WithRecorder(r Recorder) Option { return func(o *options) { o.recorder = r } }

// WithMaxReportAge sets how old (by Report.ScannedAt) a stored report may
// be and still be reused; older ones are scanned again. The default is
// [DefaultMaxReportAge].
func WithMaxReportAge(d time.Duration) Option { return func(o *options) { o.maxReportAge = d } }

// WithTransport sets the HTTP transport under the registry client (which
// adds authentication and retries above it). The default is
// http.DefaultTransport.
func WithTransport(t http.RoundTripper) Option { return func(o *options) { o.transport = t } }

// WithKeychain sets where registry credentials come from. The default is
// authn.DefaultKeychain.
func WithKeychain(k authn.Keychain) Option { return func(o *options) { o.keychain = k } }

// WithConcurrency sets how many blobs of one image are copied at once
// (go-containerregistry's jobs). For an index, children are also written
// that many at once, so up to n*n blob copies can be in flight. The default
// is [DefaultConcurrency].
func WithConcurrency(n int) Option { return func(o *options) { o.concurrency = n } }

// WithRetries sets how many times a request answered 429, 408 or 5xx, or
// failing to connect, is retried, with backoff starting at backoff and
// doubling, and honouring Retry-After (capped at [DefaultMaxRetryAfter]).
// Requests whose body cannot be replayed (blob upload chunks) are not
// retried; a re-run completes what they left. The default is
// [DefaultRetries] and [DefaultRetryBackoff].
func WithRetries(n int, backoff time.Duration) Option {
	return func(o *options) {
		o.retries = n
		o.backoff = backoff
	}
}

// WithLogger sets the logger. The default discards everything.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock used for decisions, report freshness, tag
// templates and retry waits. The default is the system clock.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

func buildOptions(opts []Option) (*options, error) {
	o := &options{
		maxReportAge:  DefaultMaxReportAge,
		transport:     http.DefaultTransport,
		keychain:      authn.DefaultKeychain,
		concurrency:   DefaultConcurrency,
		retries:       DefaultRetries,
		backoff:       DefaultRetryBackoff,
		maxRetryAfter: DefaultMaxRetryAfter,
		clock:         realClock{},
	}
	for _, opt := range opts {
		opt(o)
	}
	switch {
	case o.concurrency < 1:
		return nil, fmt.Errorf("promote: WithConcurrency(%d): want at least 1", o.concurrency)
	case o.retries < 0:
		return nil, fmt.Errorf("promote: WithRetries(%d): want 0 or more", o.retries)
	case o.backoff < 0:
		return nil, fmt.Errorf("promote: WithRetries backoff %s: want 0 or more", o.backoff)
	case o.maxReportAge < 0:
		return nil, fmt.Errorf("promote: WithMaxReportAge(%s): want 0 or more", o.maxReportAge)
	case o.transport == nil || o.keychain == nil || o.clock == nil:
		return nil, fmt.Errorf("promote: WithTransport, WithKeychain and WithClock need a non-nil value")
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.store == nil {
		o.store = NewMemoryReportStore()
	}
	if o.scanner == nil {
		sopts := []scan.Option{scan.WithAnalyzers(analyzers.Default()...)}
		if o.matcher != nil {
			sopts = append(sopts, scan.WithMatcher(o.matcher))
		}
		s, err := scan.New(sopts...)
		if err != nil {
			return nil, fmt.Errorf("promote: making the default scanner: %w", err)
		}
		o.scanner = s
	}
	return o, nil
}
