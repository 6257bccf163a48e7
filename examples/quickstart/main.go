// Command quickstart is Portcullis's offline end-to-end demo. It starts a
// registry on the loopback interface (go-containerregistry's in-memory
// one), pushes a three-layer demo image built from the files under image/
// (a Debian 12 base, a layer that installs curl and upgrades libssl3, a
// layer that removes tzdata), imports the small Debian tracker excerpt
// under feed/ into an embedded vulnerability database, then opens, scans
// and matches the image through the same calls a Portcullis user makes,
// and prints the per-layer report with its findings.
//
//	go run ./examples/quickstart
package main

import (
	"cmp"

	"github.com/portcullis-oci/portcullis/policy"

	_ "embed"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/debian"

	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/portcullis-oci/portcullis/registry"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// demoFeed is an excerpt of the Debian security tracker's JSON export.
//
//go:embed feed/debian-tracker.json
var demoFeed []byte

// demoPolicy is the gate the demo image is judged by.
//
//go:embed policy.yaml
var demoPolicy []byte

// demoRepository is where the demo image is pushed.
const demoRepository = "dev/demo"

// run is the demo, writing what it does to w.
func run(ctx context.Context, w io.Writer) error {
	// 1. A registry on 127.0.0.1, in memory, quiet.
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	fmt.Fprintf(w, "registry   listening on %s (in memory)\n", host)

	// 2. Build the demo image and push it.
	img, err := buildDemoImage()
	if err != nil {
		return fmt.Errorf("building the demo image: %w", err)
	}
	tag, err := name.NewTag(host+"/"+demoRepository+":1.0", name.Insecure)
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("pushing %s: %w", tag, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "pushed     %s@%s\n\n", tag, digest)

	// 3. An embedded vulnerability database with the bundled feed.
	dbDir, err := os.MkdirTemp("", "portcullis-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dbDir)
	store, err := boltstore.Open(ctx, filepath.Join(dbDir, "portcullis.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	feedPath := filepath.Join(dbDir, "debian-tracker.json")
	if err := os.WriteFile(feedPath, demoFeed, 0o644); err != nil {
		return err
	}
	feed, err := debian.New(debian.WithPath(feedPath))
	if err != nil {
		return err
	}
	info, err := vulndb.Update(ctx, store, feed, nil)
	if err != nil {
		return fmt.Errorf("importing the demo feed: %w", err)
	}
	fmt.Fprintf(w, "imported   %d records from %s (feed/debian-tracker.json)\n\n", info.Records, info.Name)

	// 4. Open, scan and match it the way a user of the library does.
	ref := "registry:" + tag.String()
	opened, err := registry.Open(ctx, ref)
	if err != nil {
		return err
	}
	matcher, err := vulndb.NewMatcher(store)
	if err != nil {
		return err
	}
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithMatcher(matcher))
	if err != nil {
		return err
	}
	rep, err := sc.Scan(ctx, opened, scan.WithRef(opened.Ref))
	if err != nil {
		return fmt.Errorf("scanning %s: %w", ref, err)
	}
	if err := rep.WriteTable(w); err != nil {
		return err
	}

	// 5. Decide with the demo policy whether the image may move on.
	gate, err := policy.Load("policy.yaml", demoPolicy)
	if err != nil {
		return err
	}
	decision, err := gate.Evaluate(ctx, policy.Input{
		Image:  policy.Image{Repository: tag.Context().String(), Tag: tag.TagStr(), Digest: digest.String()},
		Report: rep,
	})
	if err != nil {
		return err
	}
	writeDecision(w, decision)
	return nil
}

// writeDecision prints the verdict and, for each rule that fired, why and
// about which findings.
func writeDecision(w io.Writer, d policy.Decision) {
	fmt.Fprintf(w, "\nPolicy decision (policy.yaml): %s\n", strings.ToUpper(d.Verdict.String()))
	for _, r := range d.Reasons {
		fmt.Fprintf(w, "  %-5s %s: %s\n", r.Verdict, r.Rule, r.Message)
		for _, f := range r.Findings {
			fmt.Fprintf(w, "        %s %s in %s %s (fixed in %s), layer %d\n", f.Severity, f.ID, f.Package, f.Version, cmp.Or(f.FixedVersion, "-"), f.Layer.Index)
		}
	}
}
