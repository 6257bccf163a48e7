package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/internal/testregistry"
	"github.com/portcullis-oci/portcullis/policy"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/promote"
)

func outcomeTags(outs []Outcome) []string {
	var tags []string
	for _, o := range outs {
		tags = append(tags, o.Rule+":"+o.Tag)
	}
	sort.Strings(tags)
	return tags
}

func TestPollerPromotesChangedTags(t *testing.T) {
	dev, qa := testregistry.New(t, nil), testregistry.New(t, nil)
	d10 := pushImage(t, dev+"/dev/app:1.0")
	d11 := pushImage(t, dev+"/dev/app:1.1")
	pushImage(t, dev+"/dev/app:latest")
	sig := "sha256-" + strings.TrimPrefix(d10, "sha256:") + ".sig"
	pushImage(t, dev+"/dev/app:"+sig)

	rec := &promote.MemoryRecorder{}
	set := loadRules(t, "rules:\n"+oneRule("dev-to-qa", dev+"/dev/app", "*", qa+"/qa/app", "%n"), allow)
	// Only 1.* tags: the selector of a second rule on the same repository.
	set2 := loadRules(t, "rules:\n"+oneRule("releases", dev+"/dev/app", "1.*", qa+"/qa/app", "%n"), allow)
	p := NewPoller(newPromoter(t, promote.WithRecorder(rec)), set2, WithKeychain(authn.NewMultiKeychain()))

	// First poll: every matching tag.
	outs, err := p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"releases:1.0", "releases:1.1"}, outcomeTags(outs))
	for _, o := range outs {
		require.NoError(t, o.Err)
		require.NotNil(t, o.Result)
		assert.True(t, o.Result.Promoted)
		assert.Equal(t, o.Digest, o.Result.SourceDigest)
	}
	assert.Equal(t, d10, testregistry.Digest(qa+"/qa/app:1.0"))
	assert.Equal(t, d11, testregistry.Digest(qa+"/qa/app:1.1"))
	assert.Empty(t, testregistry.Digest(qa+"/qa/app:latest"), "latest is not selected")
	recs, err := rec.Records(context.Background(), promote.RecordFilter{})
	require.NoError(t, err)
	require.Len(t, recs, 2)
	for _, r := range recs {
		assert.Equal(t, "poll", r.Trigger)
		assert.Equal(t, "releases", r.Rule)
	}

	// Nothing changed: nothing promoted.
	outs, err = p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Empty(t, outs)

	// A moved tag, and a new one, are promoted.
	d11b := pushImage(t, dev+"/dev/app:1.1")
	d12 := pushImage(t, dev+"/dev/app:1.2")
	pushImage(t, dev+"/dev/app:latest")
	outs, err = p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"releases:1.1", "releases:1.2"}, outcomeTags(outs))
	assert.Equal(t, d11b, testregistry.Digest(qa+"/qa/app:1.1"))
	assert.Equal(t, d12, testregistry.Digest(qa+"/qa/app:1.2"))
	assert.Equal(t, d10, testregistry.Digest(qa+"/qa/app:1.0"))

	outs, err = p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Empty(t, outs)

	// A poller of the rule taking every tag skips the signature tag.
	p2 := NewPoller(newPromoter(t), set, WithKeychain(authn.NewMultiKeychain()), WithTriggerName("cli"))
	outs, err = p2.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"dev-to-qa:1.0", "dev-to-qa:1.1", "dev-to-qa:1.2", "dev-to-qa:latest"}, outcomeTags(outs))
}

func TestPollerTriggerName(t *testing.T) {
	dev := testregistry.New(t, nil)
	pushImage(t, dev+"/dev/app:1.0")
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "*", dev+"/qa/app", "%n"), allow)
	rec := newRecorder(false)
	p := NewPoller(rec, set, WithKeychain(authn.NewMultiKeychain()), WithTriggerName("cli"))
	_, err := p.PollOnce(context.Background())
	require.NoError(t, err)
	require.Len(t, rec.requests(), 1)
	assert.Equal(t, "cli", rec.requests()[0].Trigger)
	assert.Equal(t, "a", rec.requests()[0].Rule)
	assert.True(t, strings.HasPrefix(rec.requests()[0].Source, dev+"/dev/app:1.0@sha256:"), rec.requests()[0].Source)
}

func TestPollerFailuresDoNotStopOthers(t *testing.T) {
	dev, qa := testregistry.New(t, nil), testregistry.New(t, nil)
	dWeb := pushImage(t, dev+"/dev/web:1.0")
	pushImage(t, dev+"/dev/db:1.0")
	// A registry that fails every request.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	brokenHost := strings.TrimPrefix(broken.URL, "http://")

	set := loadRules(t, "rules:\n"+
		oneRule("missing", dev+"/dev/nothing", "*", qa+"/qa/nothing", "%n")+
		oneRule("broken", brokenHost+"/dev/app", "*", qa+"/qa/app", "%n")+
		oneRule("web", dev+"/dev/web", "*", qa+"/qa/web", "%n")+
		oneRule("db", dev+"/dev/db", "*", qa+"/qa/db", "%n"), allow)
	set.Rule("db").Policy = deny
	var brokenCalls atomic.Int32
	p := NewPoller(newPromoter(t), set, WithKeychain(authn.NewMultiKeychain()), WithRetries(1, time.Millisecond), WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == brokenHost {
			brokenCalls.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})))

	outs, err := p.PollOnce(context.Background())
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `rule "missing": listing the tags of `+dev+"/dev/nothing")
	assert.Contains(t, msg, `rule "broken": listing the tags of `+brokenHost+"/dev/app")
	assert.Contains(t, msg, `rule "db", tag "1.0"`)
	assert.True(t, errors.Is(err, promote.ErrDenied), "the denial is among the errors")
	assert.NotContains(t, msg, `rule "web"`)
	assert.Equal(t, []string{"broken:", "db:1.0", "missing:", "web:1.0"}, outcomeTags(outs))
	assert.Equal(t, dWeb, testregistry.Digest(qa+"/qa/web:1.0"), "the others are still promoted")
	assert.Empty(t, testregistry.Digest(qa+"/qa/db:1.0"))
	assert.Positive(t, brokenCalls.Load())
	assert.LessOrEqual(t, brokenCalls.Load(), int32(4), "retries bounded by WithRetries")

	// A denial is a decision: not asked again until the tag moves. The
	// failing repositories are tried again.
	outs, err = p.PollOnce(context.Background())
	require.Error(t, err)
	assert.Equal(t, []string{"broken:", "missing:"}, outcomeTags(outs))
	assert.False(t, errors.Is(err, promote.ErrDenied))
}

func TestPollerRetriesFailedPromotions(t *testing.T) {
	dev, qa := testregistry.New(t, nil), testregistry.New(t, nil)
	d := pushImage(t, dev+"/dev/app:1.0")
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "*", qa+"/qa/app", "%n"), allow)
	real := newPromoter(t)
	var calls atomic.Int32
	flaky := promote.PromoterFunc(func(ctx context.Context, req promote.Request) (*promote.Result, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("connection reset")
		}
		return real.Promote(ctx, req)
	})
	p := NewPoller(flaky, set, WithKeychain(authn.NewMultiKeychain()))
	outs, err := p.PollOnce(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rule "a", tag "1.0": connection reset`)
	require.Len(t, outs, 1)
	assert.Equal(t, d, outs[0].Digest)

	outs, err = p.PollOnce(context.Background())
	require.NoError(t, err)
	require.Len(t, outs, 1, "a failure that was no decision is tried again")
	assert.Equal(t, d, testregistry.Digest(qa+"/qa/app:1.0"))
}

// paginate makes the registry's tag list answer n tags per page with a Link
// header to the next, as Distribution does.
func paginate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") || r.URL.Query().Get("n") == "" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}
		if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			if n := r.URL.Query().Get("n"); fmt.Sprint(len(body.Tags)) == n && len(body.Tags) > 0 {
				q := url.Values{"n": {n}, "last": {body.Tags[len(body.Tags)-1]}}
				w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, q.Encode()))
			}
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// countingTransport counts tag list requests.
type countingTransport struct {
	lists atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/tags/list") {
		c.lists.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestPollerPaginatesWithinBounds(t *testing.T) {
	dev := testregistry.New(t, paginate)
	for _, tag := range []string{"a", "b", "c", "d", "e"} {
		pushImage(t, dev+"/dev/app:"+tag)
	}
	set := loadRules(t, "rules:\n"+oneRule("r", dev+"/dev/app", "*", dev+"/qa/app", "%n"), allow)

	ct := &countingTransport{}
	rec := newRecorder(false)
	p := NewPoller(rec, set, WithKeychain(authn.NewMultiKeychain()), WithPageSize(2), WithTransport(ct))
	outs, err := p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"r:a", "r:b", "r:c", "r:d", "r:e"}, outcomeTags(outs))
	assert.GreaterOrEqual(t, ct.lists.Load(), int32(3), "three pages or more")

	rec = newRecorder(false)
	p = NewPoller(rec, set, WithKeychain(authn.NewMultiKeychain()), WithPageSize(2), WithMaxTags(3))
	outs, err = p.PollOnce(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than 3 tags")
	assert.Contains(t, err.Error(), `rule "r"`)
	assert.Equal(t, []string{"r:", "r:a", "r:b", "r:c"}, outcomeTags(outs), "the first tags are still considered")
}

func TestPollerEndlessPagesBounded(t *testing.T) {
	// A registry whose every page links to another, empty one.
	var pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		pages.Add(1)
		w.Header().Set("Link", fmt.Sprintf(`</v2/dev/app/tags/list?n=10&last=x%d>; rel="next"`, pages.Load()))
		_, _ = w.Write([]byte(`{"name":"dev/app","tags":[]}`))
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	set := loadRules(t, "rules:\n"+oneRule("r", host+"/dev/app", "*", host+"/qa/app", "%n"), allow)
	p := NewPoller(newRecorder(false), set, WithKeychain(authn.NewMultiKeychain()), WithPageSize(10), WithMaxTags(20))
	_, err := p.PollOnce(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pages of tags")
	assert.LessOrEqual(t, pages.Load(), int32(20))
}

func TestPollerRun(t *testing.T) {
	dev := testregistry.New(t, nil)
	pushImage(t, dev+"/dev/app:1.0")
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "*", dev+"/qa/app", "%n"), allow)
	rec := newRecorder(false)
	logs := &logBuffer{}
	p := NewPoller(rec, set, WithKeychain(authn.NewMultiKeychain()), WithPollLogger(logs.logger()))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, 10*time.Millisecond) }()
	rec.waitStarted(t)
	// Later polls find nothing new; a moved tag is picked up.
	time.Sleep(50 * time.Millisecond)
	d := pushImage(t, dev+"/dev/app:1.0")
	req := rec.waitStarted(t)
	assert.Equal(t, dev+"/dev/app:1.0@"+d, req.Source)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
	assert.Len(t, rec.requests(), 2)
	assert.Contains(t, logs.String(), "poll finished")

	require.Error(t, p.Run(context.Background(), 0))
}

func TestPollerConcurrentPollsSerialised(t *testing.T) {
	dev := testregistry.New(t, nil)
	pushImage(t, dev+"/dev/app:1.0")
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "*", dev+"/qa/app", "%n"), allow)
	rec := newRecorder(false)
	p := NewPoller(rec, set, WithKeychain(authn.NewMultiKeychain()))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := p.PollOnce(context.Background())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, rec.requests(), 1, "one poll promotes; the others see it done")
}

func TestPollerLogsNoCredentials(t *testing.T) {
	// Credentials for listing come from the keychain and never reach the
	// errors or the logs.
	const secret = "p4ssw0rd-canary"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	set := loadRules(t, "rules:\n"+oneRule("a", host+"/dev/app", "*", host+"/qa/app", "%n"), allow)
	logs := &logBuffer{}
	p := NewPoller(newRecorder(false), set, WithKeychain(staticKeychain{"u", secret}), WithPollLogger(logs.logger()))
	outs, err := p.PollOnce(context.Background())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	for _, o := range outs {
		assert.NotContains(t, fmt.Sprint(o.Err), secret)
	}
	assert.NotContains(t, logs.String(), secret)
}

type staticKeychain struct{ user, pass string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: k.user, Password: k.pass}, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestPollerListsEachRepositoryOnce(t *testing.T) {
	dev := testregistry.New(t, nil)
	pushImage(t, dev+"/dev/app:1.0")
	pushImage(t, dev+"/dev/app:2.0")
	set := loadRules(t, "rules:\n"+
		oneRule("one", dev+"/dev/app", "1.*", dev+"/qa/app", "%n")+
		oneRule("all", dev+"/dev/app", "*", dev+"/staging/app", "%n"), allow)
	ct := &countingTransport{}
	rec := newRecorder(false)
	p := NewPoller(rec, set, WithKeychain(authn.NewMultiKeychain()), WithTransport(ct))
	outs, err := p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"all:1.0", "all:2.0", "one:1.0"}, outcomeTags(outs))
	assert.Equal(t, int32(1), ct.lists.Load(), "two rules on one repository: one listing per poll")
}

// A denied tag is decided again, digest unchanged, once the recheck stamp
// changes (the database was updated); not before, and promoted tags are
// not touched.
func TestPollerRecheckDenied(t *testing.T) {
	dev, qa := testregistry.New(t, nil), testregistry.New(t, nil)
	bad := pushImage(t, dev+"/dev/app:bad")
	pushImage(t, dev+"/dev/app:good")
	denied := map[string]bool{bad: true}
	var mu sync.Mutex
	gate := policy.Func(func(_ context.Context, in policy.Input) (policy.Decision, error) {
		mu.Lock()
		defer mu.Unlock()
		if denied[in.Image.Digest] {
			return policy.Decision{Verdict: policy.Deny, Reasons: []policy.Reason{{Rule: "r", Verdict: policy.Deny, Message: "bad"}}}, nil
		}
		return policy.Decision{Verdict: policy.Allow}, nil
	})
	set := loadRules(t, "rules:\n"+oneRule("dev-to-qa", dev+"/dev/app", "*", qa+"/qa/app", "%n"), gate)
	stamp := "feeds@1"
	p := NewPoller(newPromoter(t), set, WithKeychain(authn.NewMultiKeychain()),
		WithRecheckDenied(func(context.Context) (string, error) { mu.Lock(); defer mu.Unlock(); return stamp, nil }))

	outs, err := p.PollOnce(context.Background())
	require.ErrorIs(t, err, promote.ErrDenied)
	assert.Equal(t, []string{"dev-to-qa:bad", "dev-to-qa:good"}, outcomeTags(outs))
	outs, err = p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Empty(t, outs, "same stamp: the denial stands")

	mu.Lock()
	denied[bad] = false // the vulnerability was withdrawn
	mu.Unlock()
	outs, err = p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Empty(t, outs, "the stamp did not change: not decided again")
	assert.Empty(t, testregistry.Digest(qa+"/qa/app:bad"))

	mu.Lock()
	stamp = "feeds@2"
	mu.Unlock()
	outs, err = p.PollOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"dev-to-qa:bad"}, outcomeTags(outs), "only the denied tag is decided again")
	assert.Equal(t, bad, testregistry.Digest(qa+"/qa/app:bad"))
}
