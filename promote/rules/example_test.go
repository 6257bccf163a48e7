package rules_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/promote/rules"
)

// Load promotion rules, find the rules a pushed tag starts, and make the
// promotion request of one.
func Example() {
	dir, err := os.MkdirTemp("", "rules-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	write("qa.yaml", "name: qa\nrules:\n  - name: no-latest\n    tag: latest\n")
	write("rules.yaml", `rules:
  - name: dev-to-qa
    source:
      repository: 127.0.0.1:5000/dev/app
      tag: { glob: "1.*" }
    target:
      repository: 127.0.0.1:5001/qa/app
      tag: "%n-qa"
    policy: qa.yaml
    noClobber: true
`)
	set, err := rules.LoadFile(filepath.Join(dir, "rules.yaml"))
	if err != nil {
		log.Fatal(err)
	}
	// A push event names the registry as its clients reached it.
	for _, r := range set.Match("localhost:5000", "dev/app", "1.4") {
		req := r.Request("1.4", "sha256:0f2e4b6cd0ec5a8f8a4d5f4e1d7a3a2bfa1cfe9b7f3c1e1e9d6b0c2a4e8f7d6c", "distribution")
		fmt.Println(r.Name, "promotes", req.Source)
		fmt.Println("to", req.Target, "tagged", req.Tag, "noClobber", req.NoClobber)
	}
	fmt.Println("latest matches:", len(set.Match("127.0.0.1:5000", "dev/app", "latest")))
	// Output:
	// dev-to-qa promotes 127.0.0.1:5000/dev/app:1.4@sha256:0f2e4b6cd0ec5a8f8a4d5f4e1d7a3a2bfa1cfe9b7f3c1e1e9d6b0c2a4e8f7d6c
	// to 127.0.0.1:5001/qa/app tagged %n-qa noClobber true
	// latest matches: 0
}
