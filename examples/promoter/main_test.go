package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portcullis-oci/portcullis/internal/testregistry"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/memstore"
	"github.com/portcullis-oci/portcullis/vulndb/osv"
)

// debianImage is a one-layer Debian 12 image with libc6 (from glibc) at
// the given version: below 2.36-9+deb12u6 it has the test feed's critical
// vulnerability.
func debianImage(libcVersion string) v1.Image {
	return testimage.Image(testimage.Debian12(testimage.DebPackage{Name: "libc6", Source: "glibc", Version: libcVersion}))
}

// setupDB makes a database directory holding the test feed.
func setupDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := boltstore.Open(t.Context(), filepath.Join(dir, dbFile))
	require.NoError(t, err)
	feed, err := osv.New(osv.WithPath("testdata/osv"))
	require.NoError(t, err)
	info, err := vulndb.Update(t.Context(), st, feed, nil)
	require.NoError(t, err)
	require.Equal(t, 1, info.Records)
	require.NoError(t, st.Close())
	return dir
}

// writeRules writes a rules file promoting REGISTRY/dev/app's "latest" to
// REGISTRY/qa/app through testdata/policy.yaml.
func writeRules(t *testing.T, registry string) string {
	t.Helper()
	dir := t.TempDir()
	pol, err := os.ReadFile("testdata/policy.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), pol, 0o644))
	rulesYAML := fmt.Sprintf(`rules:
  - name: dev-to-qa
    source:
      repository: %[1]s/dev/app
      tag: latest
    target:
      repository: %[1]s/qa/app
    policy: policy.yaml
`, registry)
	path := filepath.Join(dir, "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte(rulesYAML), 0o644))
	return path
}

// startServer runs the promoter until the test ends and returns its
// address.
func startServer(t *testing.T, cfg config) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	cfg.ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		t.Fatalf("promoter did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("promoter did not start in 30s")
	}
	return ""
}

// records fetches the server's promotion history.
func records(t *testing.T, addr, auth, query string) []promote.Record {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/records"+query, nil)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var recs []promote.Record
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&recs))
	return recs
}

// waitFor polls cond every 100ms until it holds or the time runs out.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, d)
	return 0
}

// pushEnvelope is a Distribution notification for a tagged manifest push,
// shaped as Distribution v3 sends it.
func pushEnvelope(registry, repo, tag, digest string) string {
	return fmt.Sprintf(`{"events":[{"id":"e1","timestamp":"2026-12-04T18:12:14Z","action":"push",
"target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":400,"length":400,
"repository":%q,"url":"http://%s/v2/%s/manifests/%s","tag":%q},
"request":{"id":"r1","addr":"127.0.0.1:5555","host":%q,"method":"PUT","useragent":"test"},"actor":{},
"source":{"addr":"host:5000","instanceID":"i1"}}]}`, digest, repo, registry, repo, digest, tag, registry)
}

func post(t *testing.T, addr, auth, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/events", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The server on go-containerregistry's registry: an event promotes a clean
// image and refuses a vulnerable one (recorded, with the reason); requests
// without the secret are refused; the poller promotes without events.
func TestServerPromotesOnEvents(t *testing.T) {
	host := testregistry.New(t, nil)
	const auth = "Bearer test-secret"
	addr := startServer(t, config{rulesFile: writeRules(t, host), dbDir: setupDB(t), listen: "127.0.0.1:0", auth: auth, workers: 2})

	clean := testregistry.Push(t, host+"/dev/app:latest", debianImage("2.36-9+deb12u7")).String()
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "", pushEnvelope(host, "dev/app", "latest", clean)))
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "Bearer wrong", pushEnvelope(host, "dev/app", "latest", clean)))
	assert.Empty(t, testregistry.Digest(host+"/qa/app:latest"), "an unauthorized event promotes nothing")
	assert.Equal(t, http.StatusBadRequest, post(t, addr, auth, `{"events":"not a list"}`))

	require.Equal(t, http.StatusAccepted, post(t, addr, auth, pushEnvelope(host, "dev/app", "latest", clean)))
	waitFor(t, 30*time.Second, "qa/app:latest promoted", func() bool { return testregistry.Digest(host+"/qa/app:latest") == clean })

	bad := testregistry.Push(t, host+"/dev/app:latest", debianImage("2.36-9+deb12u4")).String()
	require.Equal(t, http.StatusAccepted, post(t, addr, auth, pushEnvelope(host, "dev/app", "latest", bad)))
	var denied promote.Record
	waitFor(t, 30*time.Second, "the denial recorded", func() bool {
		for _, r := range records(t, addr, auth, "?outcome=denied") {
			if r.SourceDigest == bad {
				denied = r
				return true
			}
		}
		return false
	})
	assert.Equal(t, clean, testregistry.Digest(host+"/qa/app:latest"), "qa/app:latest untouched")
	assert.Equal(t, "dev-to-qa", denied.Rule)
	assert.Equal(t, "distribution", denied.Trigger)
	require.NotEmpty(t, denied.Reasons)
	assert.Equal(t, "no-criticals", denied.Reasons[0].Rule)
	require.NotEmpty(t, denied.Reasons[0].Findings)
	assert.Equal(t, "PORTCULLIS-TEST-0001", denied.Reasons[0].Findings[0].ID)

	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/records", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the history needs the secret too")
}

func TestServerPolls(t *testing.T) {
	host := testregistry.New(t, nil)
	clean := testregistry.Push(t, host+"/dev/app:latest", debianImage("2.36-9+deb12u7")).String()
	testregistry.Push(t, host+"/dev/app:old", debianImage("2.36-9+deb12u7"))
	addr := startServer(t, config{rulesFile: writeRules(t, host), dbDir: setupDB(t), listen: "127.0.0.1:0", poll: 200 * time.Millisecond, workers: 1})
	waitFor(t, 30*time.Second, "qa/app:latest promoted by polling", func() bool { return testregistry.Digest(host+"/qa/app:latest") == clean })
	assert.Empty(t, testregistry.Digest(host+"/qa/app:old"), "the rule selects latest only")
	recs := records(t, addr, "", "?outcome=promoted")
	require.NotEmpty(t, recs)
	assert.Equal(t, "poll", recs[0].Trigger)
}

func TestParseArgs(t *testing.T) {
	t.Setenv("TEST_PROMOTER_AUTH", "Bearer x")
	cfg, err := parseArgs([]string{"--rules", "r.yaml", "--auth-env", "TEST_PROMOTER_AUTH", "--poll", "1m"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "Bearer x", cfg.auth)
	assert.Equal(t, time.Minute, cfg.poll)
	_, err = parseArgs(nil, io.Discard)
	assert.Error(t, err)
	_, err = parseArgs([]string{"--rules", "r.yaml", "extra"}, io.Discard)
	assert.Error(t, err)
	_, err = parseArgs([]string{"--rules", "r.yaml", "--workers", "0"}, io.Discard)
	assert.Error(t, err)
	err = run(context.Background(), config{rulesFile: filepath.Join(t.TempDir(), "missing.yaml"), dbDir: t.TempDir(), listen: "127.0.0.1:0"})
	assert.ErrorContains(t, err, "missing.yaml")
}

// The "done when", on a real CNCF Distribution registry started by
// .ci/run with its notifications pointed at PORTCULLIS_TEST_NOTIFY_LISTEN:
// pushing to dev/app promotes to qa/app within seconds when the image has
// no critical vulnerability, and leaves qa/app untouched, with a recorded
// reason, when it has one.
func TestDistributionNotificationsPromote(t *testing.T) {
	regHost := os.Getenv("PORTCULLIS_TEST_NOTIFY_REGISTRY")
	listen := os.Getenv("PORTCULLIS_TEST_NOTIFY_LISTEN")
	if regHost == "" || listen == "" {
		t.Skip("PORTCULLIS_TEST_NOTIFY_REGISTRY and PORTCULLIS_TEST_NOTIFY_LISTEN are not set (.ci/run sets them)")
	}
	auth := os.Getenv("PORTCULLIS_TEST_NOTIFY_AUTH")
	addr := startServer(t, config{rulesFile: writeRules(t, regHost), dbDir: setupDB(t), listen: listen, auth: auth, workers: 2})

	clean := testregistry.Push(t, regHost+"/dev/app:latest", debianImage("2.36-9+deb12u7")).String()
	took := waitFor(t, 60*time.Second, "qa/app:latest promoted after the push", func() bool { return testregistry.Digest(regHost+"/qa/app:latest") == clean })
	t.Logf("push of a clean image to dev/app:latest: promoted to qa/app:latest %s later", took.Round(time.Millisecond))

	bad := testregistry.Push(t, regHost+"/dev/app:latest", debianImage("2.36-9+deb12u4")).String()
	var denied *promote.Record
	took = waitFor(t, 60*time.Second, "the denial of the vulnerable push recorded", func() bool {
		for _, r := range records(t, addr, auth, "?outcome=denied") {
			if r.SourceDigest == bad {
				denied = &r
				return true
			}
		}
		return false
	})
	t.Logf("push of a vulnerable image: denial recorded %s later", took.Round(time.Millisecond))
	assert.Equal(t, clean, testregistry.Digest(regHost+"/qa/app:latest"), "qa/app:latest still names the clean image")
	assert.Equal(t, "distribution", denied.Trigger)
	require.NotEmpty(t, denied.Reasons)
	assert.Equal(t, "no-criticals", denied.Reasons[0].Rule)
	assert.Contains(t, denied.Error, "denied")
}

func TestFeedsStamp(t *testing.T) {
	st := memstore.New()
	put := func(at time.Time) {
		require.NoError(t, st.Update(t.Context(), "test", false, func(tx vulndb.Tx) error {
			return tx.SetInfo(vulndb.SourceInfo{Name: "test", Updated: at})
		}))
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	put(t0)
	a, err := feedsStamp(t.Context(), st)
	require.NoError(t, err)
	b, err := feedsStamp(t.Context(), st)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	put(t0.Add(time.Minute))
	c, err := feedsStamp(t.Context(), st)
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "an update changes the stamp")
}
