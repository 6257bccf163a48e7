package trigger

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func FuzzHandler(f *testing.F) {
	dev := "127.0.0.1:5000"
	for _, seed := range []string{
		envelope(distEventJSON("push", ociManifest, dev, "dev/app", "1.0", digestA)),
		envelope(distEventJSON("push", layerType, dev, "dev/app", "", digestA), distEventJSON("push", dockerList, "localhost:5000", "dev/app", "v2", digestB)),
		envelope(distEventJSON("pull", ociManifest, dev, "dev/app", "1.0", digestA)),
		`{"events":[{"action":"push","target":{"mediaType":"` + ociIndex + `","digest":"` + digestA + `","repository":"dev/app","tag":"x","url":"http://127.0.0.1:5000/v2/dev/app/manifests/x"}}]}`,
		harborJSON("PUSH_ARTIFACT", "harbor.example.com", "library", "app", "v1", digestA),
		harborJSON("PULL_ARTIFACT", "harbor.example.com", "library", "app", "v1", digestA),
		`{"events":[null]}`,
		`{"type":1}`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	set := loadRules(f, "rules:\n"+
		oneRule("dev", dev+"/dev/app", "*", "127.0.0.1:5001/qa/app", "%n")+
		oneRule("harbor", "harbor.example.com/library/app", "v*", "harbor.example.com/prod/app", "%n"), allow)
	f.Fuzz(func(t *testing.T, body []byte) {
		p := newRecorder(false)
		h := NewHandler(p, set, WithWorkers(1), WithQueueSize(8), WithMaxEvents(16), WithMaxBodyBytes(64<<10))
		w := post(h, "application/json", string(body))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		reqs := p.requests()
		switch w.Code {
		case http.StatusOK, http.StatusAccepted:
			var top map[string]json.RawMessage
			if err := json.Unmarshal(body, &top); err != nil || top == nil {
				t.Fatalf("%d for a body that is not a JSON object", w.Code)
			}
			if _, ok := top["events"]; !ok {
				if _, ok := top["type"]; !ok {
					t.Fatalf("%d for a JSON object that is no known payload", w.Code)
				}
			}
			if (w.Code == http.StatusAccepted) != (len(reqs) > 0) {
				t.Fatalf("%d with %d promotions", w.Code, len(reqs))
			}
		case http.StatusBadRequest, http.StatusServiceUnavailable:
			if len(reqs) > 0 {
				t.Fatalf("%d but %d promotions", w.Code, len(reqs))
			}
			if !strings.HasSuffix(w.Body.String(), "\n") || len(w.Body.String()) > 400 {
				t.Fatalf("reason %q", w.Body.String())
			}
		default:
			t.Fatalf("unexpected status %d", w.Code)
		}
		// Every promotion is of a valid tag and digest of a rule's source.
		for _, req := range reqs {
			before, digest, ok := strings.Cut(req.Source, "@")
			if !ok {
				t.Fatalf("source %q without digest", req.Source)
			}
			if _, err := v1.NewHash(digest); err != nil && !validDigest(digest) {
				t.Fatalf("source %q: %v", req.Source, err)
			}
			tag, err := name.NewTag(before, name.StrictValidation)
			if err != nil {
				t.Fatalf("source %q: %v", req.Source, err)
			}
			if r := set.Rule(req.Rule); r == nil || tag.Context().Name() != r.Source || !r.MatchTag(tag.TagStr()) {
				t.Fatalf("source %q is not what rule %q selects", req.Source, req.Rule)
			}
		}
	})
}
