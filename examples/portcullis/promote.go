package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/promote/rules"
	"github.com/portcullis-oci/portcullis/promote/trigger"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/boltstore"
)

const promoteUsage = `usage:
  portcullis promote --policy FILE [--dry-run] [--tag TEMPLATE] [--no-clobber] [--evidence]
                     [--skip-referrers] [--format table|json] SOURCE TARGET
  portcullis promote --rules FILE [--dry-run] [--format table|json]
  portcullis promote history [--repository REGISTRY/REPO] [--outcome OUTCOME] [--limit N] [--format table|json]

SOURCE is REGISTRY/REPO:TAG or REGISTRY/REPO@DIGEST; TARGET is REGISTRY/REPO[:TAG].
TEMPLATE is a target tag: Docker Trusted Registry keywords (%n the source tag, %Y %m %d %H %M %S …)
or a Go template ({{.Tag}}, {{.Digest}}, {{.Time.Format "2006"}}). With --rules, every rule of the
file is applied to every tag of its source repository that it selects.
Every promotion and denial is recorded in the database (see "promote history").`

// runPromote runs `portcullis promote`.
func runPromote(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "history" {
		return runPromoteHistory(ctx, g, args[1:], stdout, stderr)
	}
	fs := newFlagSet("promote", g, stderr)
	policyFile := fs.String("policy", "", "the policy that must allow the image (YAML or JSON)")
	rulesFile := fs.String("rules", "", "a promotion rules file: apply every rule to every tag it selects")
	dryRun := fs.Bool("dry-run", false, "decide and report what would be copied; write nothing")
	tag := fs.String("tag", "", "target tag or tag template (default: TARGET's tag, else the source tag)")
	noClobber := fs.Bool("no-clobber", false, "refuse to move a target tag that names another image")
	evidence := fs.Bool("evidence", false, "attach the scan report and decision to the promoted image as an OCI referrer")
	skipReferrers := fs.Bool("skip-referrers", false, "do not copy the source's referrers (signatures, SBOMs, attestations)")
	format := fs.String("format", "table", "output format: table or json")
	maxAge := fs.Duration("max-report-age", promote.DefaultMaxReportAge, "reuse a stored scan report of the digest up to this old")
	fs.Usage = func() { _, _ = io.WriteString(stderr, promoteUsage+"\n"); fs.PrintDefaults() }
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *format != "table" && *format != "json":
		return usageError{fmt.Sprintf("--format %q: must be table or json", *format)}
	case *rulesFile != "" && *policyFile != "":
		return usageError{"promote: give --policy with SOURCE TARGET, or --rules, not both"}
	case *rulesFile != "" && len(pos) != 0:
		return usageError{"promote --rules takes no SOURCE or TARGET: the rules name them"}
	case *rulesFile != "" && (*tag != "" || *noClobber || *evidence || *skipReferrers):
		return usageError{"promote --rules: --tag, --no-clobber, --evidence and --skip-referrers are set per rule in the rules file"}
	case *rulesFile == "" && *policyFile == "":
		return usageError{"promote: --policy FILE (with SOURCE TARGET) or --rules FILE is required\n" + promoteUsage}
	case *rulesFile == "" && len(pos) != 2:
		return usageError{"promote takes SOURCE and TARGET\n" + promoteUsage}
	}

	st, err := openDB(ctx, g.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := newPromoter(st, *maxAge, stderr)
	if err != nil {
		return err
	}

	if *rulesFile != "" {
		set, err := rules.LoadFile(*rulesFile)
		if err != nil {
			return usageError{err.Error()}
		}
		return promoteByRules(ctx, p, set, *dryRun, *format, stdout)
	}

	pol, err := policy.LoadFile(*policyFile)
	if err != nil {
		return usageError{err.Error()}
	}
	req := promote.Request{
		Source: pos[0], Target: pos[1], Policy: pol, Tag: *tag,
		DryRun: *dryRun, NoClobber: *noClobber, Evidence: *evidence, SkipReferrers: *skipReferrers,
		Trigger: "cli",
	}
	res, err := p.Promote(ctx, req)
	if res != nil {
		if werr := writePromotion(stdout, *format, res, err); werr != nil {
			return werr
		}
	}
	switch {
	case errors.Is(err, promote.ErrDenied):
		return gateError{fmt.Sprintf("policy %s denied the promotion: %s", pol.Name(), strings.Join(res.Decision.Fired(policy.Deny), ", "))}
	case errors.Is(err, promote.ErrTagExists):
		return gateError{err.Error()}
	case errors.Is(err, promote.ErrInvalidRequest):
		return usageError{err.Error()}
	}
	return err
}

// newPromoter returns the default promoter over the database: its matcher,
// its report store and its promotion records.
func newPromoter(st *boltstore.Store, maxAge time.Duration, stderr io.Writer) (*promote.Default, error) {
	m, err := vulndb.NewMatcher(st)
	if err != nil {
		return nil, err
	}
	return promote.New(
		promote.WithMatcher(m),
		promote.WithReportStore(promote.NewStoreReports(st)),
		promote.WithRecorder(promote.NewStoreRecorder(st, 0)),
		promote.WithMaxReportAge(maxAge),
		promote.WithLogger(logger(stderr)),
	)
}

// promoteByRules applies every rule to every tag it selects.
func promoteByRules(ctx context.Context, p promote.Promoter, set *rules.Set, dryRun bool, format string, stdout io.Writer) error {
	if dryRun {
		p = dryRunPromoter{p}
	}
	poller := trigger.NewPoller(p, set, trigger.WithTriggerName("cli"))
	outcomes, err := poller.PollOnce(ctx)
	if format == "json" {
		type row struct {
			Rule   string          `json:"rule"`
			Tag    string          `json:"tag"`
			Digest string          `json:"digest,omitempty"`
			Result *promote.Result `json:"result,omitempty"`
			Error  string          `json:"error,omitempty"`
		}
		rows := []row{}
		for _, o := range outcomes {
			r := row{Rule: o.Rule, Tag: o.Tag, Digest: o.Digest, Result: o.Result}
			if o.Err != nil {
				r.Error = o.Err.Error()
			}
			rows = append(rows, r)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(rows); werr != nil {
			return werr
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RULE\tTAG\tDIGEST\tOUTCOME\tTARGET\tWHY")
		for _, o := range outcomes {
			target, why := "-", "-"
			if o.Result != nil {
				target = cmp.Or(o.Result.TargetRef, "-")
			}
			outcome := promote.OutcomeOf(o.Result, o.Err)
			switch {
			case errors.Is(o.Err, promote.ErrDenied):
				why = strings.Join(o.Result.Decision.Fired(policy.Deny), ", ")
			case o.Err != nil:
				why = o.Err.Error()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Rule, o.Tag, shortDigest(o.Digest), outcome, target, why)
		}
		if werr := tw.Flush(); werr != nil {
			return werr
		}
	}
	// Denials are the gate's answer (exit 1); other failures are errors.
	denied := 0
	var failed []error
	for _, o := range outcomes {
		switch {
		case errors.Is(o.Err, promote.ErrDenied):
			denied++
		case o.Err != nil:
			failed = append(failed, o.Err)
		}
	}
	switch {
	case len(failed) > 0:
		return errors.Join(failed...)
	case err != nil && (len(outcomes) == 0 || ctx.Err() != nil):
		return err
	case denied > 0:
		return gateError{fmt.Sprintf("%d of %d promotions denied", denied, len(outcomes))}
	}
	return nil
}

// dryRunPromoter makes every request a dry run.
type dryRunPromoter struct{ p promote.Promoter }

func (d dryRunPromoter) Promote(ctx context.Context, req promote.Request) (*promote.Result, error) {
	req.DryRun = true
	return d.p.Promote(ctx, req)
}

// writePromotion prints one promotion's result.
func writePromotion(w io.Writer, format string, res *promote.Result, err error) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	src := res.Source
	if res.SourceDigest != "" && !strings.Contains(src, "@") {
		src += "@" + res.SourceDigest
	}
	fmt.Fprintf(tw, "Source:\t%s\n", src)
	fmt.Fprintf(tw, "Target:\t%s\n", cmp.Or(res.TargetRef, "-"))
	if res.Decision.Verdict.Valid() {
		fmt.Fprintf(tw, "Decision:\t%s\n", strings.ToUpper(res.Decision.Verdict.String()))
	}
	for _, p := range res.Platforms {
		how := "scanned"
		if p.ReportReused {
			how = "stored report"
		}
		fmt.Fprintf(tw, "  %s\t%s %s (%s)\n", cmp.Or(p.Platform, "image"), shortDigest(p.Digest), p.Decision.Verdict, how)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range res.Decision.Reasons {
		fmt.Fprintf(w, "  %-5s %s: %s\n", r.Verdict, r.Rule, r.Message)
		for _, f := range r.Findings {
			fmt.Fprintf(w, "        %s %s in %s %s (fixed in %s)\n", f.Severity, f.ID, f.Package, f.Version, cmp.Or(f.FixedVersion, "-"))
		}
	}
	outcome := promote.OutcomeOf(res, err)
	switch outcome {
	case promote.OutcomePromoted, promote.OutcomeDryRun:
		verb := "Promoted"
		if res.DryRun {
			verb = "Would promote"
		}
		fmt.Fprintf(w, "%s: %d blobs copied (%s), %d mounted, %d already there, %d manifests", verb, res.Copied, byteSize(res.CopiedBytes), res.Mounted, res.Skipped, res.Manifests)
		if res.Referrers > 0 {
			fmt.Fprintf(w, ", %d referrers", res.Referrers)
		}
		fmt.Fprintln(w)
	case promote.OutcomeUnchanged:
		fmt.Fprintf(w, "Unchanged: %s already names %s\n", res.TargetRef, shortDigest(res.SourceDigest))
	case promote.OutcomeDenied:
		fmt.Fprintln(w, "Denied: nothing was written")
	case promote.OutcomeFailed:
		fmt.Fprintln(w, "Failed: the target tag was not moved")
	}
	if res.Evidence != "" {
		fmt.Fprintf(w, "Evidence: %s (OCI referrer of %s)\n", res.Evidence, shortDigest(res.SourceDigest))
	}
	return nil
}

// runPromoteHistory lists the recorded promotions.
func runPromoteHistory(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("promote history", g, stderr)
	repo := fs.String("repository", "", "only promotions from or to this repository (REGISTRY/REPO)")
	outcome := fs.String("outcome", "", "only this outcome: promoted, unchanged, denied, dry-run or failed")
	limit := fs.Int("limit", 50, "at most this many records, newest first")
	format := fs.String("format", "table", "output format: table or json")
	fs.Usage = func() { _, _ = io.WriteString(stderr, promoteUsage+"\n"); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *outcome {
	case "", string(promote.OutcomePromoted), string(promote.OutcomeUnchanged), string(promote.OutcomeDenied), string(promote.OutcomeDryRun), string(promote.OutcomeFailed):
	default:
		return usageError{fmt.Sprintf("--outcome %q: want promoted, unchanged, denied, dry-run or failed", *outcome)}
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: must be table or json", *format)}
	}
	if fs.NArg() != 0 {
		return usageError{"promote history takes no arguments"}
	}
	st, err := openDB(ctx, g.db, true)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := promote.NewStoreRecorder(st, 0).Records(ctx, promote.RecordFilter{Repository: *repo, Outcome: promote.Outcome(*outcome), Limit: max(*limit, 1)})
	if err != nil {
		return err
	}
	if *format == "json" {
		if recs == nil {
			recs = []promote.Record{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tTRIGGER\tRULE\tOUTCOME\tSOURCE\tDIGEST\tTARGET\tWHY")
	for _, r := range recs {
		why := "-"
		if fired := strings.Join(policy.Decision{Reasons: r.Reasons}.Fired(policy.Deny), ", "); r.Outcome == promote.OutcomeDenied && fired != "" {
			why = fired
		} else if r.Error != "" {
			why = r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Format(time.RFC3339), cmp.Or(r.Trigger, "-"), cmp.Or(r.Rule, "-"),
			r.Outcome, r.Source, shortDigest(r.SourceDigest), cmp.Or(r.TargetRef, "-"), why)
	}
	return tw.Flush()
}

// shortDigest shortens "sha256:0123…" for tables.
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return cmp.Or(d, "-")
}

// byteSize formats n bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
