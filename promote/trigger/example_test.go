package trigger_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/promote/rules"
	"github.com/portcullis-oci/portcullis/promote/trigger"
)

// Receive a registry's push notification and promote the pushed tag by the
// rule that selects it.
func ExampleHandler() {
	dir, err := os.MkdirTemp("", "trigger-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("name: qa\n"), 0o600); err != nil {
		log.Fatal(err)
	}
	set, err := rules.Load("rules.yaml", []byte(`rules:
  - name: dev-to-qa
    source: {repository: registry.example.com/dev/app, tag: {glob: "1.*"}}
    target: {repository: registry.example.com/qa/app, tag: "%n-qa"}
    policy: policy.yaml
`), dir)
	if err != nil {
		log.Fatal(err)
	}
	// A promoter that only says what it would do; real programs use
	// promote.New.
	p := promote.PromoterFunc(func(_ context.Context, req promote.Request) (*promote.Result, error) {
		return &promote.Result{Source: req.Source, TargetRef: req.Target + ":1.2-qa", Promoted: true}, nil
	})
	done := make(chan string, 1)
	h := trigger.NewHandler(p, set,
		trigger.WithAuthorization("Bearer token"),
		trigger.WithOnResult(func(j trigger.Job, res *promote.Result, err error) {
			done <- fmt.Sprintf("%s (%s): %s to %s, err %v", j.Rule.Name, j.Trigger, res.Source, res.TargetRef, err)
		}))

	event := `{"events": [{
	  "action": "push",
	  "target": {
	    "mediaType": "application/vnd.oci.image.manifest.v1+json",
	    "digest": "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf",
	    "repository": "dev/app",
	    "tag": "1.2"
	  },
	  "request": {"host": "registry.example.com", "method": "PUT"}
	}]}`
	req := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(event))
	req.Header.Set("Content-Type", trigger.EventsMediaType)
	req.Header.Set("Authorization", "Bearer token")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Print(w.Code, " ", w.Body.String())

	fmt.Println(<-done)

	if err := h.Close(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 202 accepted: 1 promotions queued, 0 already queued
	// dev-to-qa (distribution): registry.example.com/dev/app:1.2@sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf to registry.example.com/qa/app:1.2-qa, err <nil>
}
