package trigger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/portcullis-oci/portcullis/internal/loopback"
	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/promote/rules"
)

// Defaults of the options of [NewPoller].
const (
	// DefaultMaxTags bounds the tags listed from one repository.
	DefaultMaxTags = 10_000
	// DefaultPageSize is how many tags are asked for per page.
	DefaultPageSize = 1000
	// TriggerPoll is the default trigger name of a poller's promotions.
	TriggerPoll = "poll"
)

// PollOption configures a [Poller].
type PollOption func(*pollOptions)

type pollOptions struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	logger    *slog.Logger
	trigger   string
	maxTags   int
	pageSize  int
	retries   int
	backoff   time.Duration
	recheck   func(context.Context) (string, error)
}

// WithKeychain sets where the credentials for listing tags come from; the
// default is authn.DefaultKeychain. (The promoter has its own.)
func WithKeychain(k authn.Keychain) PollOption { return func(o *pollOptions) { o.keychain = k } }

// WithTransport sets the HTTP transport used to list tags and resolve
// them; the default is http.DefaultTransport.
func WithTransport(t http.RoundTripper) PollOption {
	return func(o *pollOptions) { o.transport = t }
}

// WithPollLogger sets the poller's logger; the default discards
// everything.
func WithPollLogger(l *slog.Logger) PollOption { return func(o *pollOptions) { o.logger = l } }

// WithTriggerName sets the trigger recorded with the poller's promotions
// ("cli" for a one-off command); the default is [TriggerPoll].
func WithTriggerName(name string) PollOption { return func(o *pollOptions) { o.trigger = name } }

// WithMaxTags bounds the tags listed from one repository; past it, the
// first n are considered and the rule reports an error. The default is
// [DefaultMaxTags].
func WithMaxTags(n int) PollOption { return func(o *pollOptions) { o.maxTags = n } }

// WithPageSize sets how many tags are asked for per page of the tag list;
// the default is [DefaultPageSize].
func WithPageSize(n int) PollOption { return func(o *pollOptions) { o.pageSize = n } }

// WithRetries sets how many times a listing or resolving request answered
// 429, 408 or 5xx, or failing to connect, is retried, waiting backoff
// before the first retry and doubling; the default is go-containerregistry's
// (3 attempts, from 1s, tripling).
func WithRetries(n int, backoff time.Duration) PollOption {
	return func(o *pollOptions) { o.retries, o.backoff = n, backoff }
}

// WithRecheckDenied makes the poller decide again on the tags it saw
// denied, digest unchanged, once stamp returns another value than at the
// previous poll: give it something that changes when the vulnerability
// database or the policies do (the feeds' update times, say), so that an
// image denied for a vulnerability that was withdrawn, or that an
// exception now covers, is promoted. By default a denied tag is decided
// again only when it names another digest.
func WithRecheckDenied(stamp func(context.Context) (string, error)) PollOption {
	return func(o *pollOptions) { o.recheck = stamp }
}

// Outcome is what a poll did about one tag of one rule, or, with Tag
// empty, the failure to list the rule's source repository.
type Outcome struct {
	Rule   string
	Tag    string
	Digest string
	// Result and Err are what the promoter returned; Err alone when the
	// tags could not be listed or resolved.
	Result *promote.Result
	Err    error
}

// Poller promotes the tags the rules select by polling the source
// repositories: the tags whose digest changed since it last saw them. It is
// safe for concurrent use; polls run one at a time.
type Poller struct {
	p   promote.Promoter
	set *rules.Set
	o   pollOptions

	mu    sync.Mutex
	seen  map[seenKey]seenDigest // digest last promoted (or decided on)
	stamp string                 // the WithRecheckDenied stamp of the last poll
}

// seenDigest is the digest a tag had when the poller last decided on it,
// and whether it was denied.
type seenDigest struct {
	digest string
	denied bool
}

type seenKey struct{ rule, tag string }

// NewPoller returns a poller promoting with p the tags s selects.
func NewPoller(p promote.Promoter, s *rules.Set, opts ...PollOption) *Poller {
	o := pollOptions{
		keychain:  authn.DefaultKeychain,
		transport: http.DefaultTransport,
		trigger:   TriggerPoll,
		maxTags:   DefaultMaxTags,
		pageSize:  DefaultPageSize,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.maxTags <= 0 {
		o.maxTags = DefaultMaxTags
	}
	if o.pageSize <= 0 {
		o.pageSize = DefaultPageSize
	}
	if s == nil {
		s = &rules.Set{}
	}
	return &Poller{p: p, set: s, o: o, seen: map[seenKey]seenDigest{}}
}

// repoState is one source repository's tags and digests within a poll.
type repoState struct {
	repo    name.Repository
	tags    []string
	err     error // listing failed; tags may hold the first maxTags
	digests map[string]string
	derrs   map[string]error
}

// PollOnce lists the tags of every rule's source repository, keeps those
// the rule selects (not tags standing for referrers, "sha256-…"), resolves
// each to its digest, and promotes those whose digest changed since the
// poller last saw them (all of them on the first poll), each by
// rule.Request(tag, digest, trigger). A repository that cannot be listed,
// a tag that cannot be resolved or a promotion that fails does not stop
// the others: the returned error joins them all, each naming its rule and
// tag. Denials are among them (errors.Is(err, promote.ErrDenied)).
//
// A tag is tried again at the next poll when its promotion failed for
// another reason than a decision (denied, target tag exists, invalid
// request); a denied one when the stamp of [WithRecheckDenied] changes.
func (p *Poller) PollOnce(ctx context.Context) ([]Outcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ropts := []remote.Option{
		remote.WithAuthFromKeychain(p.o.keychain),
		remote.WithTransport(p.o.transport),
		remote.WithPageSize(p.o.pageSize),
		remote.WithContext(ctx),
	}
	if p.o.backoff > 0 {
		ropts = append(ropts, remote.WithRetryBackoff(remote.Backoff{Duration: p.o.backoff, Factor: 2, Jitter: 0.1, Steps: max(p.o.retries, 0) + 1}))
	}
	puller, err := remote.NewPuller(ropts...)
	if err != nil {
		return nil, fmt.Errorf("trigger: %w", err)
	}
	repos := map[string]*repoState{}
	var outs []Outcome
	var errs []error
	if p.o.recheck != nil {
		stamp, err := p.o.recheck(ctx)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("trigger: reading the recheck stamp: %w", err))
		case stamp != p.stamp:
			if p.stamp != "" {
				for key, s := range p.seen {
					if s.denied {
						delete(p.seen, key)
					}
				}
			}
			p.stamp = stamp
		}
	}
	listed := map[string]map[string]bool{} // rule → its tags, when listed in full
	for _, r := range p.set.Rules {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		st := repos[r.Source]
		if st == nil {
			st = p.list(ctx, puller, r.Source)
			repos[r.Source] = st
		}
		if st.err != nil {
			err := fmt.Errorf("rule %q: listing the tags of %s: %w", r.Name, r.Source, st.err)
			outs = append(outs, Outcome{Rule: r.Name, Err: err})
			errs = append(errs, err)
			if len(st.tags) == 0 {
				continue
			}
		}
		tags := map[string]bool{}
		if st.err == nil {
			listed[r.Name] = tags
		}
		for _, tag := range st.tags {
			if !r.MatchTag(tag) || referrerTag(tag) {
				continue
			}
			tags[tag] = true
			digest, err := st.digest(ctx, puller, tag)
			if err != nil {
				err = fmt.Errorf("rule %q, tag %q: resolving %s:%s: %w", r.Name, tag, r.Source, tag, err)
				outs = append(outs, Outcome{Rule: r.Name, Tag: tag, Err: err})
				errs = append(errs, err)
				continue
			}
			key := seenKey{r.Name, tag}
			if p.seen[key].digest == digest {
				continue
			}
			res, err := p.promote(ctx, r, tag, digest)
			outs = append(outs, Outcome{Rule: r.Name, Tag: tag, Digest: digest, Result: res, Err: err})
			if err == nil || errors.Is(err, promote.ErrDenied) || errors.Is(err, promote.ErrTagExists) || errors.Is(err, promote.ErrInvalidRequest) {
				p.seen[key] = seenDigest{digest: digest, denied: errors.Is(err, promote.ErrDenied)}
			}
			log := p.o.logger.With("rule", r.Name, "tag", tag, "digest", digest, "trigger", p.o.trigger)
			switch {
			case errors.Is(err, promote.ErrDenied):
				log.InfoContext(ctx, "promotion denied", "err", err)
			case err != nil:
				log.ErrorContext(ctx, "promotion failed", "err", err)
			case res != nil:
				log.InfoContext(ctx, "promotion done", "target", res.TargetRef, "promoted", res.Promoted)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("rule %q, tag %q: %w", r.Name, tag, err))
			}
		}
	}
	// Forget the tags gone from repositories listed in full, so that the
	// memory is bounded by what the registries hold.
	for key := range p.seen {
		if tags, ok := listed[key.rule]; ok && !tags[key.tag] {
			delete(p.seen, key)
		}
	}
	return outs, errors.Join(errs...)
}

func (p *Poller) promote(ctx context.Context, r *rules.Rule, tag, digest string) (res *promote.Result, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			res, err = nil, fmt.Errorf("trigger: promotion by rule %q panicked: %v", r.Name, rec)
		}
	}()
	return p.p.Promote(ctx, r.Request(tag, digest, p.o.trigger))
}

// list lists a repository's tags, page by page, up to maxTags.
func (p *Poller) list(ctx context.Context, puller *remote.Puller, source string) *repoState {
	st := &repoState{digests: map[string]string{}, derrs: map[string]error{}}
	var opts []name.Option
	if host, _, _ := strings.Cut(source, "/"); loopback.Is(host) {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(source, opts...)
	if err != nil {
		st.err = err
		return st
	}
	st.repo = repo
	lister, err := puller.Lister(ctx, repo)
	if err != nil {
		st.err = err
		return st
	}
	maxPages := max(10, 2*p.o.maxTags/p.o.pageSize+2)
	for pages := 0; lister.HasNext(); pages++ {
		if pages == maxPages {
			st.err = fmt.Errorf("more than %d pages of tags", maxPages)
			return st
		}
		page, err := lister.Next(ctx)
		if err != nil {
			st.err = err
			return st
		}
		for _, t := range page.Tags {
			if len(st.tags) == p.o.maxTags {
				st.err = fmt.Errorf("more than %d tags (considering the first %d)", p.o.maxTags, p.o.maxTags)
				return st
			}
			st.tags = append(st.tags, t)
		}
	}
	return st
}

// digest resolves a tag with a HEAD request, once per poll.
func (st *repoState) digest(ctx context.Context, puller *remote.Puller, tag string) (string, error) {
	if d, ok := st.digests[tag]; ok {
		return d, nil
	}
	if err, ok := st.derrs[tag]; ok {
		return "", err
	}
	ref := st.repo.Tag(tag)
	desc, err := puller.Head(ctx, ref)
	if err != nil {
		st.derrs[tag] = err
		return "", err
	}
	d := desc.Digest.String()
	st.digests[tag] = d
	return d, nil
}

// Run polls now and then every interval until ctx ends, logging what each
// poll did; it returns ctx's error.
func (p *Poller) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return errors.New("trigger: the poll interval must be longer than 0")
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		outs, err := p.PollOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			p.o.logger.ErrorContext(ctx, "poll finished with errors", "outcomes", len(outs), "err", err)
		} else {
			p.o.logger.InfoContext(ctx, "poll finished", "outcomes", len(outs))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
