package trigger

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/promote/rules"
)

// Defaults of the options of [NewHandler].
const (
	// DefaultWorkers is how many promotions run at once.
	DefaultWorkers = 2
	// DefaultQueueSize is how many promotions may wait for a worker.
	DefaultQueueSize = 256
	// DefaultMaxBodyBytes bounds a request body.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxEvents bounds the events of an envelope (the resources of a
	// Harbor webhook).
	DefaultMaxEvents = 100
	// DefaultJobTimeout bounds one promotion.
	DefaultJobTimeout = time.Hour
	// RetryAfter is what a full queue asks senders to wait.
	RetryAfter = 10 * time.Second
)

// Job is one promotion a push event started: a rule, the pushed tag and
// the digest the push gave it.
type Job struct {
	Rule    *rules.Rule
	Tag     string
	Digest  string
	Trigger string // TriggerDistribution or TriggerHarbor
}

// Request returns the job's promotion request.
func (j Job) Request() promote.Request { return j.Rule.Request(j.Tag, j.Digest, j.Trigger) }

type jobKey struct{ rule, digest, tag string }

func (j Job) key() jobKey { return jobKey{j.Rule.Name, j.Digest, j.Tag} }

// Option configures a [Handler].
type Option func(*options)

type options struct {
	workers    int
	queueSize  int
	maxBody    int64
	maxEvents  int
	jobTimeout time.Duration
	auth       *[sha256.Size]byte
	registry   string
	onResult   func(Job, *promote.Result, error)
	logger     *slog.Logger
}

// WithWorkers sets how many promotions run at once; the default is
// [DefaultWorkers].
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }

// WithQueueSize sets how many promotions may wait for a worker; when the
// queue is full the handler answers 503 with Retry-After. The default is
// [DefaultQueueSize].
func WithQueueSize(n int) Option { return func(o *options) { o.queueSize = n } }

// WithMaxBodyBytes bounds a request body; the default is
// [DefaultMaxBodyBytes].
func WithMaxBodyBytes(n int64) Option { return func(o *options) { o.maxBody = n } }

// WithMaxEvents bounds the events of one envelope (the resources of one
// Harbor webhook); the default is [DefaultMaxEvents].
func WithMaxEvents(n int) Option { return func(o *options) { o.maxEvents = n } }

// WithJobTimeout bounds each promotion; the default is
// [DefaultJobTimeout], and d <= 0 means no bound.
func WithJobTimeout(d time.Duration) Option { return func(o *options) { o.jobTimeout = d } }

// WithAuthorization makes the handler refuse (401) requests whose
// Authorization header is not exactly value, such as "Bearer <token>" as
// configured in the registry's endpoint headers. The comparison takes the
// same time whatever the header holds, and the value is never logged or
// echoed.
func WithAuthorization(value string) Option {
	return func(o *options) {
		sum := sha256.Sum256([]byte(value))
		o.auth = &sum
	}
}

// WithRegistry sets the registry host[:port] push events are matched
// against, in place of the host they name: for a registry behind a proxy,
// or one whose events name no host.
func WithRegistry(host string) Option { return func(o *options) { o.registry = host } }

// WithOnResult sets a function called after each promotion with its job,
// result and error (from the worker's goroutine; it must be safe for
// concurrent use). Jobs dropped by [Handler.Close] are reported with the
// context's error.
func WithOnResult(f func(Job, *promote.Result, error)) Option {
	return func(o *options) { o.onResult = f }
}

// WithLogger sets the logger; the default discards everything.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// Handler is an http.Handler receiving push events, CNCF Distribution
// notifications and Harbor webhooks, and promoting the pushed tags the
// rules select. It answers at once (202) and promotes in the background,
// on a bounded queue served by a fixed number of workers. It is safe for
// concurrent use.
type Handler struct {
	p     promote.Promoter
	rules *rules.Set
	o     options

	ctx    context.Context
	cancel context.CancelFunc
	queue  chan Job
	wg     sync.WaitGroup

	mu      sync.Mutex
	pending map[jobKey]bool // queued or running
	closed  bool
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns a handler promoting with p the pushes s selects, and
// starts its workers; stop them with [Handler.Close].
func NewHandler(p promote.Promoter, s *rules.Set, opts ...Option) *Handler {
	o := options{
		workers:    DefaultWorkers,
		queueSize:  DefaultQueueSize,
		maxBody:    DefaultMaxBodyBytes,
		maxEvents:  DefaultMaxEvents,
		jobTimeout: DefaultJobTimeout,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.workers <= 0 {
		o.workers = DefaultWorkers
	}
	if o.queueSize <= 0 {
		o.queueSize = DefaultQueueSize
	}
	if o.maxBody <= 0 {
		o.maxBody = DefaultMaxBodyBytes
	}
	if o.maxEvents <= 0 {
		o.maxEvents = DefaultMaxEvents
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if s == nil {
		s = &rules.Set{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Handler{
		p: p, rules: s, o: o,
		ctx: ctx, cancel: cancel,
		queue:   make(chan Job, o.queueSize),
		pending: map[jobKey]bool{},
	}
	h.wg.Add(o.workers)
	for range o.workers {
		go h.work()
	}
	return h
}

// ServeHTTP takes a POSTed Distribution notification envelope or Harbor
// webhook. Tagged pushes of image manifests and indexes that a rule
// selects are queued for promotion and answered 202; other events (blob
// pushes, pulls, deletes, untagged pushes, other Harbor event types) are
// acknowledged and ignored (200 when nothing is queued). A malformed
// payload is refused with 400 and a short reason, and nothing in it is
// promoted; a method other than POST gets 405, a wrong Authorization 401,
// an unsupported content type 415, and a full queue 503 with Retry-After.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, "only POST is accepted")
		return
	}
	if h.o.auth != nil {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], h.o.auth[:]) != 1 {
			h.o.logger.WarnContext(r.Context(), "push event refused: wrong or missing authorization", "remote", r.RemoteAddr)
			reply(w, http.StatusUnauthorized, "unauthorized")
			return
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			reply(w, http.StatusUnsupportedMediaType, "unsupported content type")
			return
		case mt == "application/json", mt == EventsMediaType, mt == EventsMediaTypeV2:
		default:
			reply(w, http.StatusUnsupportedMediaType, "unsupported content type: want application/json or "+EventsMediaType)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.refuse(w, r, fmt.Sprintf("body larger than %d bytes", h.o.maxBody))
			return
		}
		h.refuse(w, r, "reading the body failed")
		return
	}
	pushes, ignored, err := parsePayload(body, h.o.maxEvents, h.o.registry)
	if err != nil {
		h.refuse(w, r, err.Error())
		return
	}
	var jobs []Job
	seen := map[jobKey]bool{}
	for _, p := range pushes {
		matched := h.rules.Match(p.registry, p.repository, p.tag)
		if len(matched) == 0 {
			h.o.logger.DebugContext(r.Context(), "push matches no rule", "trigger", p.trigger, "registry", p.registry, "repository", p.repository, "tag", p.tag)
		}
		for _, rule := range matched {
			j := Job{Rule: rule, Tag: p.tag, Digest: p.digest, Trigger: p.trigger}
			if !seen[j.key()] {
				seen[j.key()] = true
				jobs = append(jobs, j)
			}
		}
	}
	if len(jobs) == 0 {
		reply(w, http.StatusOK, fmt.Sprintf("nothing to promote (%d pushes, %d events ignored)", len(pushes), ignored))
		return
	}
	queued, coalesced, err := h.enqueue(jobs)
	if err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
		h.o.logger.WarnContext(r.Context(), "push event refused", "reason", err.Error(), "jobs", len(jobs))
		reply(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	for _, j := range queued {
		h.o.logger.InfoContext(r.Context(), "promotion queued", "rule", j.Rule.Name, "trigger", j.Trigger, "tag", j.Tag, "digest", j.Digest)
	}
	reply(w, http.StatusAccepted, fmt.Sprintf("accepted: %d promotions queued, %d already queued", len(queued), coalesced))
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, reason string) {
	h.o.logger.WarnContext(r.Context(), "malformed push event", "reason", reason, "remote", r.RemoteAddr)
	reply(w, http.StatusBadRequest, reason)
}

func reply(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}

var (
	errClosed    = errors.New("shutting down")
	errQueueFull = errors.New("promotion queue full")
)

// enqueue queues the jobs not already queued or running, all or none.
func (h *Handler) enqueue(jobs []Job) (queued []Job, coalesced int, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, 0, errClosed
	}
	for _, j := range jobs {
		if h.pending[j.key()] {
			coalesced++
			continue
		}
		queued = append(queued, j)
	}
	// Only this function sends, under h.mu: the room seen here stays.
	if len(queued) > cap(h.queue)-len(h.queue) {
		return nil, 0, errQueueFull
	}
	for _, j := range queued {
		h.pending[j.key()] = true
		h.queue <- j
	}
	return queued, coalesced, nil
}

func (h *Handler) work() {
	defer h.wg.Done()
	for j := range h.queue {
		h.run(j)
	}
}

func (h *Handler) run(j Job) {
	var res *promote.Result
	var err error
	if err = h.ctx.Err(); err == nil {
		res, err = h.promote(j)
	}
	h.mu.Lock()
	delete(h.pending, j.key())
	h.mu.Unlock()

	log := h.o.logger.With("rule", j.Rule.Name, "trigger", j.Trigger, "tag", j.Tag, "digest", j.Digest)
	switch {
	case errors.Is(err, promote.ErrDenied):
		log.Info("promotion denied", "err", err)
	case err != nil:
		log.Error("promotion failed", "err", err)
	case res != nil:
		log.Info("promotion done", "target", res.TargetRef, "promoted", res.Promoted, "copied", res.Copied, "manifests", res.Manifests)
	}
	if h.o.onResult != nil {
		h.o.onResult(j, res, err)
	}
}

// promote runs one promotion; a panic in the promoter is an error, not a
// crash of the server.
func (h *Handler) promote(j Job) (res *promote.Result, err error) {
	ctx := h.ctx
	if h.o.jobTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.o.jobTimeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("trigger: promotion by rule %q panicked: %v", j.Rule.Name, r)
		}
	}()
	return h.p.Promote(ctx, j.Request())
}

// Close stops taking work (later requests get 503), lets the workers
// finish the jobs already accepted, queued and running, and waits for
// them. When ctx ends first, the running promotions are cancelled, the
// queued ones are dropped (reported to the [WithOnResult] function with
// the context's error), and Close returns ctx's error without waiting
// further.
func (h *Handler) Close(ctx context.Context) error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.queue)
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		h.cancel()
		return nil
	case <-ctx.Done():
		h.cancel()
		return ctx.Err()
	}
}
