package trigger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/internal/testregistry"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/promote"
)

func TestDistributionPushPromotes(t *testing.T) {
	dev, qa := testregistry.New(t, nil), testregistry.New(t, nil)
	d1 := pushImage(t, dev+"/dev/app:1.0")
	// The tag moves before the event is handled: the pushed digest is
	// promoted, not what the tag names by then.
	d2 := pushImage(t, dev+"/dev/app:1.0")
	require.NotEqual(t, d1, d2)

	rec := &promote.MemoryRecorder{}
	set := loadRules(t, "rules:\n"+oneRule("dev-to-qa", dev+"/dev/app", "1.*", qa+"/qa/app", "%n-qa"), allow)
	got := newResults()
	h := NewHandler(newPromoter(t, promote.WithRecorder(rec)), set, WithOnResult(got.hook))
	closeHandler(t, h)

	body := envelope(
		distEventJSON("push", layerType, dev, "dev/app", "", digestB),
		distEventJSON("push", ociManifest, dev, "dev/app", "1.0", d1),
		distEventJSON("pull", ociManifest, dev, "dev/app", "1.0", d1),
	)
	w := post(h, EventsMediaType, body)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "1 promotions queued")
	assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))

	got.wait(t, 1)
	r := got.all()[0]
	require.NoError(t, r.err)
	assert.Equal(t, "dev-to-qa", r.job.Rule.Name)
	assert.Equal(t, "1.0", r.job.Tag)
	assert.Equal(t, d1, r.job.Digest)
	assert.Equal(t, TriggerDistribution, r.job.Trigger)
	require.NotNil(t, r.res)
	assert.True(t, r.res.Promoted)
	assert.Equal(t, d1, r.res.SourceDigest)
	assert.Equal(t, d1, testregistry.Digest(qa+"/qa/app:1.0-qa"), "the pushed digest is promoted to the target tag")
	assert.Empty(t, testregistry.Digest(qa+"/qa/app:1.0"))

	recs, err := rec.Records(context.Background(), promote.RecordFilter{})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "distribution", recs[0].Trigger)
	assert.Equal(t, "dev-to-qa", recs[0].Rule)
	assert.Equal(t, promote.OutcomePromoted, recs[0].Outcome)
}

func TestDistributionMediaTypesAndHosts(t *testing.T) {
	dev := "127.0.0.1:5000"
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"oci manifest, v1 envelope", EventsMediaType, envelope(distEventJSON("push", ociManifest, dev, "dev/app", "1", digestA))},
		{"oci index, v2 envelope", EventsMediaTypeV2, envelope(distEventJSON("push", ociIndex, dev, "dev/app", "1", digestA))},
		{"docker manifest, json", "application/json", envelope(distEventJSON("push", dockerManifest, dev, "dev/app", "1", digestA))},
		{"docker list, json with charset", "application/json; charset=utf-8", envelope(distEventJSON("push", dockerList, dev, "dev/app", "1", digestA))},
		{"no content type", "", envelope(distEventJSON("push", ociManifest, dev, "dev/app", "1", digestA))},
		{"localhost for 127.0.0.1", EventsMediaType, envelope(distEventJSON("push", ociManifest, "localhost:5000", "dev/app", "1", digestA))},
		{"host from target.url", EventsMediaType, `{"events":[{"action":"push","target":{"mediaType":"` + ociManifest + `","digest":"` + digestA + `","repository":"dev/app","tag":"1","url":"http://127.0.0.1:5000/v2/dev/app/manifests/` + digestA + `"}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newRecorder(false)
			h := NewHandler(p, set)
			w := post(h, tc.contentType, tc.body)
			require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
			req := p.waitStarted(t)
			assert.Equal(t, dev+"/dev/app:1@"+digestA, req.Source)
			assert.Equal(t, "distribution", req.Trigger)
			require.NoError(t, h.Close(context.Background()))
		})
	}
}

func TestDistributionIgnored(t *testing.T) {
	dev := "127.0.0.1:5000"
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "1.*", "127.0.0.1:5001/qa/app", "%n"), allow)
	sig := "sha256-" + strings.TrimPrefix(digestA, "sha256:")
	for _, tc := range []struct{ name, body string }{
		{"blob push", envelope(distEventJSON("push", layerType, dev, "dev/app", "", digestA))},
		{"blob push octet-stream", envelope(distEventJSON("push", "application/octet-stream", dev, "dev/app", "", digestA))},
		{"pull", envelope(distEventJSON("pull", ociManifest, dev, "dev/app", "1.0", digestA))},
		{"delete", `{"events":[{"action":"delete","target":{"digest":"` + digestA + `","repository":"dev/app"}}]}`},
		{"mount", envelope(distEventJSON("mount", layerType, dev, "dev/app", "", digestA))},
		{"untagged manifest push", envelope(distEventJSON("push", ociManifest, dev, "dev/app", "", digestA))},
		{"schema1 manifest", envelope(distEventJSON("push", "application/vnd.docker.distribution.manifest.v1+prettyjws", dev, "dev/app", "1.0", digestA))},
		{"no media type", `{"events":[{"action":"push","target":{"digest":"` + digestA + `","repository":"dev/app","tag":"1.0"},"request":{"host":"127.0.0.1:5000"}}]}`},
		{"tag not selected", envelope(distEventJSON("push", ociManifest, dev, "dev/app", "latest", digestA))},
		{"other repository", envelope(distEventJSON("push", ociManifest, dev, "dev/web", "1.0", digestA))},
		{"other registry", envelope(distEventJSON("push", ociManifest, "127.0.0.1:5009", "dev/app", "1.0", digestA))},
		{"referrers tag", envelope(distEventJSON("push", ociIndex, dev, "dev/app", sig, digestA))},
		{"signature tag", envelope(distEventJSON("push", ociManifest, dev, "dev/app", sig+".sig", digestA))},
		{"unknown action", envelope(`{"action":"tag","target":{"mediaType":"` + ociManifest + `","digest":"` + digestA + `","repository":"dev/app","tag":"1.0"},"request":{"host":"127.0.0.1:5000"}}`)},
		{"empty envelope", `{"events":[]}`},
		{"unknown fields", `{"events":[{"action":"pull","target":{"mediaType":"x","references":[{"digest":"x"}]},"extra":{"a":[1,2]}}],"more":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newRecorder(false)
			h := NewHandler(p, set)
			w := post(h, EventsMediaType, tc.body)
			assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), "nothing to promote")
			require.NoError(t, h.Close(context.Background()))
			assert.Empty(t, p.requests())
		})
	}
}

func TestHarborPushArtifactPromotes(t *testing.T) {
	harbor, qa := testregistry.New(t, nil), testregistry.New(t, nil)
	d := pushImage(t, harbor+"/library/app:v1")
	set := loadRules(t, "rules:\n"+oneRule("harbor-to-qa", harbor+"/library/app", "v*", qa+"/qa/app", "%n"), allow)
	got := newResults()
	h := NewHandler(newPromoter(t), set, WithOnResult(got.hook))
	closeHandler(t, h)

	w := post(h, "application/json", harborJSON("PUSH_ARTIFACT", harbor, "library", "app", "v1", d))
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	got.wait(t, 1)
	r := got.all()[0]
	require.NoError(t, r.err)
	assert.Equal(t, TriggerHarbor, r.job.Trigger)
	assert.True(t, r.res.Promoted)
	assert.Equal(t, d, testregistry.Digest(qa+"/qa/app:v1"))
}

func TestHarborOtherTypesIgnored(t *testing.T) {
	set := loadRules(t, "rules:\n"+oneRule("a", "harbor.example.com/library/app", "*", "harbor.example.com/prod/app", "%n"), allow)
	for _, typ := range []string{"PULL_ARTIFACT", "DELETE_ARTIFACT", "SCANNING_COMPLETED", "SCANNING_FAILED", "QUOTA_EXCEED", "REPLICATION", "TAG_RETENTION", "harbor.artifact.pushed"} {
		t.Run(typ, func(t *testing.T) {
			p := newRecorder(false)
			h := NewHandler(p, set)
			w := post(h, "application/json", harborJSON(typ, "harbor.example.com", "library", "app", "v1", digestA))
			assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.NoError(t, h.Close(context.Background()))
			assert.Empty(t, p.requests())
		})
	}
	// A PUSH_ARTIFACT by digest only (no tag) is acknowledged and ignored.
	p := newRecorder(false)
	h := NewHandler(p, set)
	w := post(h, "application/json", strings.Replace(harborJSON("PUSH_ARTIFACT", "harbor.example.com", "library", "app", "v1", digestA), `"tag": "v1"`, `"tag": ""`, 1))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.NoError(t, h.Close(context.Background()))
	assert.Empty(t, p.requests())
}

func TestHarborMatchesManyRulesAndTags(t *testing.T) {
	set := loadRules(t, "rules:\n"+
		oneRule("qa", "harbor.example.com/library/app", "*", "harbor.example.com/qa/app", "%n")+
		oneRule("prod", "harbor.example.com/library/app", "v*", "harbor.example.com/prod/app", "%n"), allow)
	p := newRecorder(false)
	h := NewHandler(p, set)
	body := `{"type":"PUSH_ARTIFACT","occur_at":1,"operator":"ci","event_data":{"resources":[
		{"digest":"` + digestA + `","tag":"v1","resource_url":"harbor.example.com/library/app:v1"},
		{"digest":"` + digestA + `","tag":"latest","resource_url":"https://harbor.example.com/library/app:latest"}],
		"repository":{"name":"app","namespace":"library","repo_full_name":"library/app","repo_type":"private"}}}`
	w := post(h, "application/json", body)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), "3 promotions queued")
	require.NoError(t, h.Close(context.Background()))
	var srcs []string
	for _, r := range p.requests() {
		srcs = append(srcs, r.Rule+" "+r.Source)
	}
	assert.ElementsMatch(t, []string{
		"qa harbor.example.com/library/app:v1@" + digestA,
		"qa harbor.example.com/library/app:latest@" + digestA,
		"prod harbor.example.com/library/app:v1@" + digestA,
	}, srcs)
}

func TestMalformedPayloads(t *testing.T) {
	dev := "127.0.0.1:5000"
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	good := distEventJSON("push", ociManifest, dev, "dev/app", "1.0", digestA)
	push := func(repo, tag, digest string) string {
		return distEventJSON("push", ociManifest, dev, repo, tag, digest)
	}
	harbor := harborJSON("PUSH_ARTIFACT", dev, "dev", "app", "1.0", digestA)
	many := make([]string, DefaultMaxEvents+1)
	for i := range many {
		many[i] = good
	}
	tests := []struct{ name, body, reason string }{
		{"not JSON", "hello", "not a JSON object"},
		{"empty body", "", "not a JSON object"},
		{"JSON array", "[" + good + "]", "not a JSON object"},
		{"JSON null", "null", "not a JSON object"},
		{"JSON string", `"events"`, "not a JSON object"},
		{"truncated", envelope(good)[:100], "not a JSON object"},
		{"trailing data", envelope(good) + " {}", "not a JSON object"},
		{"unknown shape", `{"foo": 1}`, "neither"},
		{"events null", `{"events": null}`, "events: want a list"},
		{"events an object", `{"events": {"action": "push"}}`, "events: wrong type"},
		{"event null", `{"events": [null]}`, "events[0]: want an object"},
		{"event a string", `{"events": ["push"]}`, "wrong type"},
		{"action a number", `{"events": [{"action": 1}]}`, "events.action: wrong type"},
		{"target a list", `{"events": [{"action": "push", "target": []}]}`, "events.target: wrong type"},
		{"digest a number", `{"events": [{"action": "push", "target": {"digest": 1}}]}`, "events.target.digest: wrong type"},
		{"tag a bool", `{"events": [{"action": "pull", "target": {"tag": true}}]}`, "wrong type"},
		{"host a number", `{"events": [{"action": "pull", "request": {"host": 5000}}]}`, "wrong type"},
		{"push without repository", envelope(push("", "1.0", digestA)), "no repository"},
		{"push without digest", envelope(push("dev/app", "1.0", "")), "no digest"},
		{"digest not a digest", envelope(push("dev/app", "1.0", "sha256:1234")), "not a digest"},
		{"digest upper case", envelope(push("dev/app", "1.0", strings.ToUpper(digestA))), "not a digest"},
		{"digest traversal", envelope(push("dev/app", "1.0", "sha256:../../x")), "not a digest"},
		{"digest unknown algorithm", envelope(push("dev/app", "1.0", "md5:d41d8cd98f00b204e9800998ecf8427e")), "not a digest"},
		{"repository upper case", envelope(push("Dev/App", "1.0", digestA)), "not a valid repository"},
		{"repository traversal", envelope(push("dev/../app", "1.0", digestA)), "not a valid repository"},
		{"repository trailing slash", envelope(push("dev/app/", "1.0", digestA)), "not a valid repository"},
		{"repository too long", envelope(push(strings.Repeat("a", 256), "1.0", digestA)), "not a valid repository"},
		{"tag invalid", envelope(push("dev/app", "-x", digestA)), "not a valid tag"},
		{"tag too long", envelope(push("dev/app", strings.Repeat("a", 129), digestA)), "not a valid tag"},
		{"no host", `{"events":[{"action":"push","target":{"mediaType":"` + ociManifest + `","digest":"` + digestA + `","repository":"dev/app","tag":"1.0"}}]}`, "no registry host"},
		{"bad host", strings.Replace(envelope(good), `"host": "127.0.0.1:5000"`, `"host": "a b/c"`, 1), "is not a host"},
		{"bad target.url", `{"events":[{"action":"push","target":{"mediaType":"` + ociManifest + `","digest":"` + digestA + `","repository":"dev/app","tag":"1.0","url":"::"}}]}`, "target.url"},
		{"one bad event spoils the envelope", envelope(good, push("dev/app", "1.0", "sha256:bad")), "events[1]"},
		{"too many events", envelope(many...), fmt.Sprintf("more than %d events", DefaultMaxEvents)},
		{"harbor type a number", `{"type": 1}`, "type: wrong type"},
		{"harbor occur_at a string", strings.Replace(harbor, `"occur_at": 1737446601`, `"occur_at": "yesterday"`, 1), "occur_at: wrong type"},
		{"harbor event_data missing", `{"type": "PUSH_ARTIFACT", "occur_at": 1}`, "without event_data"},
		{"harbor repository missing", `{"type": "PUSH_ARTIFACT", "event_data": {"resources": [{"digest": "` + digestA + `", "tag": "1"}]}}`, "without event_data.repository"},
		{"harbor repository unnamed", `{"type": "PUSH_ARTIFACT", "event_data": {"resources": [{"digest": "` + digestA + `", "tag": "1"}], "repository": {}}}`, "without a repository name"},
		{"harbor resources missing", `{"type": "PUSH_ARTIFACT", "event_data": {"repository": {"repo_full_name": "dev/app"}}}`, "without resources"},
		{"harbor resources a map", `{"type": "PUSH_ARTIFACT", "event_data": {"resources": {}, "repository": {"repo_full_name": "dev/app"}}}`, "wrong type"},
		{"harbor resource null", `{"type": "PUSH_ARTIFACT", "event_data": {"resources": [null], "repository": {"repo_full_name": "dev/app"}}}`, "resources[0]: want an object"},
		{"harbor digest missing", strings.Replace(harbor, `"digest": "`+digestA+`",`, ``, 1), "no digest"},
		{"harbor digest invalid", strings.Replace(harbor, digestA, "sha256:xyz", 1), "not a digest"},
		{"harbor untagged digest invalid", strings.Replace(strings.Replace(harbor, digestA, "sha256:xyz", 1), `"tag": "1.0"`, `"tag": ""`, 1), "not a digest"},
		{"harbor repository invalid", strings.Replace(harbor, `"repo_full_name": "dev/app"`, `"repo_full_name": "dev/App"`, 1), "not a valid repository"},
		{"harbor resource_url without host", strings.Replace(harbor, `"resource_url": "`+dev+`/dev/app:1.0"`, `"resource_url": "app"`, 1), "resource_url"},
		{"harbor without resource_url", strings.Replace(harbor, `"resource_url": "`+dev+`/dev/app:1.0"`, `"resource_url": ""`, 1), "no registry host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newRecorder(false)
			h := NewHandler(p, set)
			w := post(h, "application/json", tc.body)
			assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tc.reason)
			assert.LessOrEqual(t, len(w.Body.String()), 300, "a short reason")
			require.NoError(t, h.Close(context.Background()))
			assert.Empty(t, p.requests(), "nothing is promoted from a malformed payload")
		})
	}

	t.Run("oversized body", func(t *testing.T) {
		p := newRecorder(false)
		h := NewHandler(p, set, WithMaxBodyBytes(1024))
		body := envelope(good, good, good)
		require.Greater(t, len(body), 1024)
		w := post(h, EventsMediaType, body)
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Contains(t, w.Body.String(), "body larger than 1024 bytes")
		require.NoError(t, h.Close(context.Background()))
		assert.Empty(t, p.requests())
	})
	t.Run("max events option", func(t *testing.T) {
		p := newRecorder(false)
		h := NewHandler(p, set, WithMaxEvents(1))
		w := post(h, EventsMediaType, envelope(good, good))
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Contains(t, w.Body.String(), "more than 1 events")
		w = post(h, "application/json", strings.Replace(harbor, `"resources": [`, `"resources": [{"digest": "`+digestB+`", "tag": "2"},`, 1))
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Contains(t, w.Body.String(), "more than 1 resources")
		require.NoError(t, h.Close(context.Background()))
		assert.Empty(t, p.requests())
	})
	t.Run("unsupported content type", func(t *testing.T) {
		p := newRecorder(false)
		h := NewHandler(p, set)
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset", "application/vnd.docker.distribution.events.v9+json"} {
			w := post(h, ct, envelope(good))
			assert.Equal(t, http.StatusUnsupportedMediaType, w.Code, ct)
		}
		require.NoError(t, h.Close(context.Background()))
		assert.Empty(t, p.requests())
	})
}

func TestMethodNotAllowed(t *testing.T) {
	p := newRecorder(false)
	h := NewHandler(p, loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow))
	closeHandler(t, h)
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		req := httptest.NewRequest(m, "/events", strings.NewReader(envelope(distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", "1", digestA))))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, m)
		assert.Equal(t, http.MethodPost, w.Header().Get("Allow"), m)
	}
	assert.Empty(t, p.requests())
}

func TestAuthorization(t *testing.T) {
	const secret = "Bearer s3cret-token-value"
	logs := &logBuffer{}
	p := newRecorder(false)
	set := loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	h := NewHandler(p, set, WithAuthorization(secret), WithLogger(logs.logger()))
	closeHandler(t, h)
	body := envelope(distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", "1", digestA))

	for _, hdr := range [][]string{
		nil,
		{"Authorization", ""},
		{"Authorization", "Bearer wrong"},
		{"Authorization", secret + " "},
		{"Authorization", strings.ToLower(secret)},
		{"Authorization", "Basic " + secret},
		{"X-Authorization", secret},
	} {
		w := post(h, EventsMediaType, body, hdr...)
		assert.Equal(t, http.StatusUnauthorized, w.Code, "%q", hdr)
		assert.NotContains(t, w.Body.String(), "s3cret")
	}
	// Unauthenticated garbage is refused before it is read.
	w := post(h, EventsMediaType, "garbage")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Empty(t, p.requests())

	w = post(h, EventsMediaType, body, "Authorization", secret)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	p.waitStarted(t)
	assert.NotContains(t, w.Body.String(), "s3cret")
	assert.NotContains(t, logs.String(), "s3cret", "the authorization never reaches the logs")
	assert.Contains(t, logs.String(), "wrong or missing authorization")
}

func TestQueueFull(t *testing.T) {
	p := newRecorder(true)
	set := loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	got := newResults()
	h := NewHandler(p, set, WithWorkers(1), WithQueueSize(2), WithOnResult(got.hook))
	closeHandler(t, h)
	ev := func(tag string) string {
		return distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", tag, digestA)
	}

	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(ev("1"))).Code)
	p.waitStarted(t) // the worker holds it; the queue is empty again
	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(ev("2"))).Code)

	// Two new jobs, one free slot: all or none.
	w := post(h, EventsMediaType, envelope(ev("3"), ev("4")))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
	assert.Equal(t, "10", w.Header().Get("Retry-After"))
	assert.Contains(t, w.Body.String(), "queue full")

	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(ev("3"))).Code)
	w = post(h, EventsMediaType, envelope(ev("4")))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
	assert.NotEmpty(t, w.Header().Get("Retry-After"))

	close(p.block)
	got.wait(t, 3)
	var tags []string
	for _, r := range got.all() {
		require.NoError(t, r.err)
		tags = append(tags, r.job.Tag)
	}
	assert.Equal(t, []string{"1", "2", "3"}, tags, "the refused payload queued nothing")

	// Room again.
	assert.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(ev("4"))).Code)
	got.wait(t, 1)
}

func TestDuplicateEventsCoalesced(t *testing.T) {
	p := newRecorder(true)
	set := loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	got := newResults()
	h := NewHandler(p, set, WithWorkers(2), WithOnResult(got.hook))
	closeHandler(t, h)
	ev := distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", "1", digestA)

	// Twice in one envelope: once.
	w := post(h, EventsMediaType, envelope(ev, ev))
	require.Equal(t, http.StatusAccepted, w.Code)
	assert.Contains(t, w.Body.String(), "1 promotions queued, 0 already queued")
	p.waitStarted(t)

	// Again while it runs (Distribution retrying, Harbor and Distribution
	// both configured): not queued twice.
	w = post(h, EventsMediaType, envelope(ev))
	require.Equal(t, http.StatusAccepted, w.Code)
	assert.Contains(t, w.Body.String(), "0 promotions queued, 1 already queued")

	// Another digest of the same tag, or the same digest by another tag,
	// is other work.
	w = post(h, EventsMediaType, envelope(
		distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", "1", digestB),
		distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", "2", digestA)))
	require.Equal(t, http.StatusAccepted, w.Code)
	assert.Contains(t, w.Body.String(), "2 promotions queued")

	close(p.block)
	got.wait(t, 3)
	assert.Len(t, p.requests(), 3)

	// Done: the same event later is promoted again (idempotent promotion).
	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(ev)).Code)
	got.wait(t, 1)
	assert.Len(t, p.requests(), 4)
}

func TestCloseWaitsForAcceptedJobs(t *testing.T) {
	p := newRecorder(true)
	set := loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	got := newResults()
	h := NewHandler(p, set, WithWorkers(1), WithOnResult(got.hook))
	ev := func(tag string) string {
		return distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", tag, digestA)
	}
	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(ev("1"), ev("2"))).Code)
	p.waitStarted(t)

	closed := make(chan error, 1)
	go func() { closed <- h.Close(context.Background()) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a promotion was running", err)
	case <-time.After(100 * time.Millisecond):
	}
	// No new work once closing.
	require.Eventually(t, func() bool {
		return post(h, EventsMediaType, envelope(ev("3"))).Code == http.StatusServiceUnavailable
	}, 5*time.Second, 10*time.Millisecond)

	close(p.block)
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	var tags []string
	for _, r := range got.all() {
		require.NoError(t, r.err)
		tags = append(tags, r.job.Tag)
	}
	assert.Equal(t, []string{"1", "2"}, tags, "the queued job is run too")
	require.NoError(t, h.Close(context.Background()), "Close twice is fine")
}

func TestCloseContextEnds(t *testing.T) {
	p := newRecorder(true) // never released: runs until cancelled
	set := loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	got := newResults()
	h := NewHandler(p, set, WithWorkers(1), WithOnResult(got.hook))
	ev := func(tag string) string {
		return distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", tag, digestA)
	}
	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(ev("1"), ev("2"))).Code)
	p.waitStarted(t)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := h.Close(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	got.wait(t, 2)
	res := got.all()
	require.ErrorIs(t, res[0].err, context.Canceled, "the running promotion is cancelled")
	require.ErrorIs(t, res[1].err, context.Canceled, "the queued one is dropped")
	assert.Len(t, p.requests(), 1, "the dropped job never reached the promoter")
}

func TestPromoterPanicIsAnError(t *testing.T) {
	set := loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	got := newResults()
	n := 0
	var mu sync.Mutex
	p := promote.PromoterFunc(func(ctx context.Context, req promote.Request) (*promote.Result, error) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			panic("boom")
		}
		return &promote.Result{Promoted: true}, nil
	})
	h := NewHandler(p, set, WithWorkers(1), WithOnResult(got.hook))
	closeHandler(t, h)
	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", "1", digestA))).Code)
	got.wait(t, 1)
	require.Error(t, got.all()[0].err)
	assert.Contains(t, got.all()[0].err.Error(), "panicked: boom")
	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(distEventJSON("push", ociManifest, "127.0.0.1:5000", "dev/app", "2", digestA))).Code)
	got.wait(t, 1)
	require.NoError(t, got.all()[1].err, "the worker survived")
}

func TestWithRegistry(t *testing.T) {
	set := loadRules(t, "rules:\n"+oneRule("a", "127.0.0.1:5000/dev/app", "*", "127.0.0.1:5001/qa/app", "%n"), allow)
	// The registry sits behind a proxy: its events name the proxy's host.
	body := envelope(distEventJSON("push", ociManifest, "registry.example.com", "dev/app", "1", digestA))

	p := newRecorder(false)
	h := NewHandler(p, set)
	assert.Equal(t, http.StatusOK, post(h, EventsMediaType, body).Code)
	require.NoError(t, h.Close(context.Background()))
	assert.Empty(t, p.requests())

	p = newRecorder(false)
	h = NewHandler(p, set, WithRegistry("127.0.0.1:5000"))
	assert.Equal(t, http.StatusAccepted, post(h, EventsMediaType, body).Code)
	require.NoError(t, h.Close(context.Background()))
	require.Len(t, p.requests(), 1)
	assert.Equal(t, "127.0.0.1:5000/dev/app:1@"+digestA, p.requests()[0].Source)

	// The override also serves events naming no host at all.
	p = newRecorder(false)
	h = NewHandler(p, set, WithRegistry("localhost:5000"))
	w := post(h, EventsMediaType, `{"events":[{"action":"push","target":{"mediaType":"`+ociManifest+`","digest":"`+digestA+`","repository":"dev/app","tag":"1"}}]}`)
	assert.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	require.NoError(t, h.Close(context.Background()))
	assert.Len(t, p.requests(), 1)
}

func TestDeniedPromotionReported(t *testing.T) {
	dev, qa := testregistry.New(t, nil), testregistry.New(t, nil)
	d := pushImage(t, dev+"/dev/app:1.0")
	set := loadRules(t, "rules:\n"+oneRule("a", dev+"/dev/app", "*", qa+"/qa/app", "%n"), deny)
	got := newResults()
	logs := &logBuffer{}
	h := NewHandler(newPromoter(t), set, WithOnResult(got.hook), WithLogger(logs.logger()))
	closeHandler(t, h)
	require.Equal(t, http.StatusAccepted, post(h, EventsMediaType, envelope(distEventJSON("push", ociManifest, dev, "dev/app", "1.0", d))).Code)
	got.wait(t, 1)
	r := got.all()[0]
	require.True(t, errors.Is(r.err, promote.ErrDenied), "%v", r.err)
	require.NotNil(t, r.res)
	assert.False(t, r.res.Promoted)
	assert.Empty(t, testregistry.Digest(qa+"/qa/app:1.0"))
	assert.Contains(t, logs.String(), "promotion denied")
}
