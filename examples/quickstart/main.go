// Command quickstart is Portcullis's offline end-to-end demo. It starts a
// registry on the loopback interface (go-containerregistry's in-memory
// one), pushes a three-layer demo image built from the files under image/
// (a Debian 12 base, a layer that installs curl and upgrades libssl3, a
// layer that removes tzdata), imports the small Debian tracker excerpt
// under feed/ into an embedded vulnerability database, then opens, scans
// and matches the image through the same calls a Portcullis user makes,
// prints the per-layer report with its findings and the policy's
// decision, and then promotes: the image is refused from dev/ to qa/, and
// the same image rebuilt with the fix is promoted (its shared layers are
// mounted, not copied), both recorded in the database.
//
//	go run ./examples/quickstart
package main

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/registry"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
	"github.com/portcullis-oci/portcullis/vulndb/debian"
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

// demoRepository is where the demo image is pushed, and qaRepository
// where it is promoted to.
const (
	demoRepository = "dev/demo"
	qaRepository   = "qa/demo"
)

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
	tag, digest, err := pushImage(ctx, host+"/"+demoRepository+":1.0", img)
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

	// 6. Promote from dev/ to qa/ through the same gate: refused. The report
	// just made is stored by digest, so the promoter decides on it without
	// scanning again.
	reports := promote.NewStoreReports(store)
	if err := reports.Put(ctx, digest.String(), rep); err != nil {
		return err
	}
	promoter, err := promote.New(
		promote.WithMatcher(matcher),
		promote.WithReportStore(reports),
		promote.WithRecorder(promote.NewStoreRecorder(store, 0)),
	)
	if err != nil {
		return err
	}
	target := host + "/" + qaRepository
	fmt.Fprintf(w, "\nPromote %s:1.0 to %s\n", demoRepository, qaRepository)
	res, err := promoter.Promote(ctx, promote.Request{Source: tag.String(), Target: target, Policy: gate, Trigger: "quickstart"})
	switch {
	case errors.Is(err, promote.ErrDenied):
		how := "scanned"
		if len(res.Platforms) == 1 && res.Platforms[0].ReportReused {
			how = "stored report reused"
		}
		fmt.Fprintf(w, "  DENIED   %s stays in dev/ (%s): %s\n", shortDigest(res.SourceDigest), how, strings.Join(res.Decision.Fired(policy.Deny), ", "))
		fmt.Fprintf(w, "  %s:1.0 exists: %v\n", qaRepository, exists(ctx, target+":1.0"))
	case err != nil:
		return fmt.Errorf("promoting %s: %w", tag, err)
	default:
		return fmt.Errorf("promoting %s: the demo policy should have denied it", tag)
	}

	// 7. Rebuild with the fix (one more layer), push, promote: allowed.
	fixed, err := buildRebuiltImage()
	if err != nil {
		return fmt.Errorf("building the rebuilt image: %w", err)
	}
	tag2, _, err := pushImage(ctx, host+"/"+demoRepository+":1.1", fixed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nPromote %s:1.1 (rebuilt: %s) to %s\n", demoRepository, demoLayers[len(demoLayers)-1].createdBy, qaRepository)
	res, err = promoter.Promote(ctx, promote.Request{Source: tag2.String(), Target: target, Policy: gate, Trigger: "quickstart"})
	if err != nil {
		return fmt.Errorf("promoting %s: %w", tag2, err)
	}
	fmt.Fprintf(w, "  PROMOTED %s to %s (%s; blobs: %d already in the registry, %d mounted from %s, %d uploaded)\n",
		shortDigest(res.SourceDigest), strings.TrimPrefix(res.TargetRef, host+"/"), strings.ToUpper(res.Decision.Verdict.String()),
		res.Skipped, res.Mounted, demoRepository, res.Copied)
	got := headDigest(ctx, target+":1.1")
	fmt.Fprintf(w, "  %s:1.1 names the same digest: %v\n", qaRepository, got == res.SourceDigest)

	// 8. Both are in the promotion history, in the same database file.
	recs, err := promote.NewStoreRecorder(store, 0).Records(ctx, promote.RecordFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nPromotion history (%s)\n", filepath.Base(store.Path()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTCOME\tSOURCE\tDIGEST\tTARGET\tWHY")
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Outcome, strings.TrimPrefix(r.Source, host+"/"), shortDigest(r.SourceDigest),
			strings.TrimPrefix(r.TargetRef, host+"/"), cmp.Or(firedRules(r.Reasons), "-"))
	}
	return tw.Flush()
}

// pushImage pushes img to ref on the demo registry.
func pushImage(ctx context.Context, ref string, img v1.Image) (name.Tag, v1.Hash, error) {
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return name.Tag{}, v1.Hash{}, err
	}
	if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
		return name.Tag{}, v1.Hash{}, fmt.Errorf("pushing %s: %w", tag, err)
	}
	d, err := img.Digest()
	return tag, d, err
}

// headDigest returns the digest ref names, or "" when there is none.
func headDigest(ctx context.Context, ref string) string {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return ""
	}
	d, err := remote.Head(r, remote.WithContext(ctx))
	if err != nil {
		return ""
	}
	return d.Digest.String()
}

func exists(ctx context.Context, ref string) bool { return headDigest(ctx, ref) != "" }

// shortDigest shortens "sha256:0123…" to "sha256:0123456789ab".
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

// firedRules names the rules that denied or warned, with their verdicts.
func firedRules(reasons []policy.Reason) string {
	var out []string
	for _, r := range reasons {
		out = append(out, r.Verdict.String()+" "+r.Rule)
	}
	return strings.Join(out, ", ")
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
