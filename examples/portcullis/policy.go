package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/policy/policytest"
	"github.com/portcullis-oci/portcullis/registry"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
	"github.com/portcullis-oci/portcullis/vulndb"
)

const policyUsage = `usage:
  portcullis policy check --policy FILE (IMAGE | --report REPORT.json) [--tag TAG] [--repository REPO]
                          [--vex FILE]... [--format table|json] [--time TIME] [--platform OS/ARCH]
  portcullis policy test [-v] DIR`

// runPolicy runs the policy commands.
func runPolicy(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"policy needs a subcommand: check or test\n" + policyUsage}
	}
	switch args[0] {
	case "check":
		return runPolicyCheck(ctx, g, args[1:], stdout, stderr)
	case "test":
		return runPolicyTest(ctx, g, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown policy subcommand %q (want check or test)\n%s", args[0], policyUsage)}
}

// parseInterspersed parses flags that may come after positional
// arguments ("check IMAGE --tag prod"); it returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// checkOutput is what `policy check --format json` writes.
type checkOutput struct {
	Policy string       `json:"policy"`
	Image  policy.Image `json:"image"`
	policy.Decision
}

func runPolicyCheck(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("policy check", g, stderr)
	policyFile := fs.String("policy", "", "the policy file (YAML or JSON); required")
	reportFile := fs.String("report", "", "decide on a stored report (portcullis scan --format json) instead of scanning IMAGE")
	tag := fs.String("tag", "", "the tag being decided on (default: the tag of IMAGE or of the report's reference)")
	repo := fs.String("repository", "", "the repository (default: that of IMAGE or of the report's reference)")
	format := fs.String("format", "table", "output format: table or json")
	at := fs.String("time", "", "decide as of this time (RFC 3339); the default is now")
	platform := fs.String("platform", "", "platform to scan from a multi-platform IMAGE, as OS/ARCH[/VARIANT]")
	var vexFiles multiFlag
	fs.Var(&vexFiles, "vex", "an OpenVEX document that comes with the image (repeatable)")
	fs.Usage = func() { fmt.Fprintln(stderr, policyUsage); fs.PrintDefaults() }
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *policyFile == "":
		return usageError{"policy check: --policy FILE is required"}
	case *reportFile == "" && len(pos) != 1:
		return usageError{"policy check takes one IMAGE, or --report REPORT.json"}
	case *reportFile != "" && len(pos) != 0:
		return usageError{"policy check: give IMAGE or --report, not both"}
	case *format != "table" && *format != "json":
		return usageError{fmt.Sprintf("--format %q: must be table or json", *format)}
	case *platform != "" && *reportFile != "":
		return usageError{"--platform applies to scanning IMAGE, not to --report"}
	}
	now := time.Now().UTC()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return usageError{fmt.Sprintf("--time %q: want an RFC 3339 time such as 2025-06-01T12:00:00Z", *at)}
		}
	}
	p, err := policy.LoadFile(*policyFile)
	if err != nil {
		return usageError{err.Error()}
	}
	in := policy.Input{Now: now}
	for _, f := range vexFiles {
		doc, err := policy.LoadVEXFile(f)
		if err != nil {
			return usageError{err.Error()}
		}
		in.VEX = append(in.VEX, doc)
	}

	var ref string
	if *reportFile != "" {
		rep, err := policytest.LoadReport(*reportFile)
		if err != nil {
			return usageError{strings.TrimPrefix(err.Error(), "policytest: ")}
		}
		in.Report, ref = rep, rep.Image.Ref
	} else {
		ref = pos[0]
		rep, annotations, err := scanForPolicy(ctx, g, ref, *platform)
		if err != nil {
			return err
		}
		in.Report = rep
		// Manifest annotations (org.opencontainers.image.base.*) count as
		// labels where the config has no label of the name.
		labels := maps.Clone(rep.Image.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range annotations {
			if _, ok := labels[k]; !ok {
				labels[k] = v
			}
		}
		in.Image.Labels = labels
		for _, e := range rep.Incomplete {
			fmt.Fprintf(stderr, "portcullis: warning: incomplete: %s\n", e)
		}
	}
	in.Image.Repository, in.Image.Tag = refParts(ref)
	if *repo != "" {
		in.Image.Repository = *repo
	}
	if *tag != "" {
		in.Image.Tag = *tag
	}
	d, err := p.Evaluate(ctx, in)
	if err != nil {
		return err
	}
	img := in.Image
	if img.Digest == "" && in.Report != nil {
		img.Digest = in.Report.Image.Digest
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(checkOutput{Policy: p.Name(), Image: img, Decision: d}); err != nil {
			return err
		}
	} else if err := writeDecision(stdout, p.Name(), *policyFile, img, d); err != nil {
		return err
	}
	if d.Verdict == policy.Deny {
		return gateError{fmt.Sprintf("policy %s denied the image: %s", p.Name(), strings.Join(d.Fired(policy.Deny), ", "))}
	}
	return nil
}

// scanForPolicy opens and scans IMAGE against the database, returning the
// report and the manifest's annotations.
func scanForPolicy(ctx context.Context, g *globals, ref, platform string) (*scan.Report, map[string]string, error) {
	var opts []registry.Option
	if platform != "" {
		pl, err := registry.ParsePlatform(platform)
		if err != nil {
			return nil, nil, usageError{err.Error()}
		}
		opts = append(opts, registry.WithPlatform(pl))
	}
	st, err := openDB(ctx, g.db, true)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	m, err := vulndb.NewMatcher(st)
	if err != nil {
		return nil, nil, err
	}
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithMatcher(m))
	if err != nil {
		return nil, nil, err
	}
	img, err := registry.Open(ctx, ref, opts...)
	if err != nil {
		return nil, nil, err
	}
	rep, err := sc.Scan(ctx, img, scan.WithRef(img.Ref))
	if err != nil {
		return nil, nil, err
	}
	var annotations map[string]string
	if mf, err := img.Manifest(); err == nil && mf != nil {
		annotations = mf.Annotations
	}
	return rep, annotations, nil
}

// refParts returns the repository and tag of a registry reference
// ("registry:REF" or a bare REF); other sources name neither.
func refParts(ref string) (repository, tag string) {
	ref = strings.TrimPrefix(ref, registry.SchemeRegistry+":")
	for _, s := range []string{registry.SchemeOCIDir, registry.SchemeDockerArchive, registry.SchemeDir} {
		if strings.HasPrefix(ref, s+":") {
			return "", ""
		}
	}
	if ref == "" {
		return "", ""
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", ""
	}
	if t, ok := r.(name.Tag); ok {
		tag = t.TagStr()
	}
	return r.Context().Name(), tag
}

// writeDecision writes a decision for people.
func writeDecision(w io.Writer, policyName, file string, img policy.Image, d policy.Decision) error {
	ew := &errWriter{w: w}
	image := img.Repository
	if img.Tag != "" {
		image += ":" + img.Tag
	}
	if img.Digest != "" {
		image = strings.TrimSpace(image + " @ " + img.Digest)
	}
	if image == "" {
		image = "-"
	}
	fmt.Fprintf(ew, "Policy:   %s (%s)\nImage:    %s\nVerdict:  %s\n", policyName, file, image, strings.ToUpper(d.Verdict.String()))
	if len(d.Reasons) > 0 {
		fmt.Fprintln(ew)
	}
	for _, r := range d.Reasons {
		label := strings.ToUpper(r.Verdict.String())
		if r.Verdict == policy.Allow {
			label = "NOTE"
		}
		fmt.Fprintf(ew, "%-5s %s\n      %s\n", label, r.Rule, r.Message)
		writeEvidence(ew, r.Findings, r.Packages, r.Omitted)
	}
	if len(d.Suppressed) > 0 {
		fmt.Fprintln(ew, "\nSuppressed:")
		for _, s := range d.Suppressed {
			var head []string
			head = append(head, s.Kind, s.Source)
			if s.Vulnerability != "" {
				head = append(head, s.Vulnerability)
			}
			if s.PURL != "" {
				head = append(head, s.PURL)
			}
			if s.Status != "" {
				head = append(head, s.Status)
			}
			if s.Owner != "" {
				head = append(head, "owner "+s.Owner)
			}
			if s.Expires != nil {
				word := "expires"
				if s.Expired {
					word = "EXPIRED"
				}
				head = append(head, word+" "+s.Expires.Format(time.RFC3339))
			}
			fmt.Fprintf(ew, "  %s\n", strings.Join(head, "  "))
			if s.Reason != "" {
				fmt.Fprintf(ew, "      %s\n", s.Reason)
			}
			writeEvidence(ew, s.Findings, s.Packages, s.Omitted)
		}
	}
	return ew.err
}

func writeEvidence(w io.Writer, fs []policy.FindingRef, ps []policy.PackageRef, omitted int) {
	if len(fs) == 0 && len(ps) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range fs {
		fix := "no fix"
		if f.FixedVersion != "" {
			fix = "fixed in " + f.FixedVersion
		}
		fmt.Fprintf(tw, "      %s\t%s\t%s %s\t%s\tlayer %d\t%s\n", f.ID, f.Severity, f.Package, f.Version, fix, f.Layer.Index, f.PURL)
	}
	for _, p := range ps {
		lic := strings.Join(p.Licenses, ", ")
		if lic == "" {
			lic = "no licence declared"
		}
		fmt.Fprintf(tw, "      %s %s\t%s\tlayer %d\t%s\n", p.Name, p.Version, lic, p.Layer.Index, p.PURL)
	}
	tw.Flush()
	if omitted > 0 {
		fmt.Fprintf(w, "      … and %d more\n", omitted)
	}
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}

func runPolicyTest(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("policy test", g, stderr)
	verbose := fs.Bool("v", false, "list every case, not only the failures")
	fs.Usage = func() { fmt.Fprintln(stderr, policyUsage); fs.PrintDefaults() }
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"policy test takes one DIR"}
	}
	dir := pos[0]
	sum, err := policytest.RunDir(ctx, dir)
	if err != nil {
		if errors.Is(err, policytest.ErrNoCases) {
			return usageError{strings.TrimPrefix(err.Error(), "policytest: ")}
		}
		return usageError{err.Error()}
	}
	ew := &errWriter{w: stdout}
	perFile := map[string][2]int{}
	var files []string
	for _, r := range sum.Results {
		rel := relTo(dir, r.File)
		c, seen := perFile[rel]
		if !seen {
			files = append(files, rel)
		}
		if r.Passed() {
			c[0]++
			if *verbose {
				fmt.Fprintf(ew, "--- PASS: %s:%d: %s\n", rel, r.Line, r.Case)
			}
		} else {
			c[1]++
			switch {
			case r.Err != nil && r.Case == "":
				fmt.Fprintf(ew, "--- FAIL: %s\n    %s\n", rel, r.Err)
			case r.Err != nil:
				fmt.Fprintf(ew, "--- FAIL: %s:%d: %s\n    %s\n", rel, r.Line, r.Case, r.Err)
			default:
				fmt.Fprintf(ew, "--- FAIL: %s:%d: %s\n", rel, r.Line, r.Case)
				for _, p := range r.Problems {
					fmt.Fprintf(ew, "    %s\n", p)
				}
				for _, reason := range r.Decision.Reasons {
					fmt.Fprintf(ew, "    reason %s (%s): %s\n", reason.Rule, reason.Verdict, reason.Message)
				}
			}
		}
		perFile[rel] = c
	}
	slices.Sort(files)
	for _, f := range files {
		c := perFile[f]
		status := "ok  "
		if c[1] > 0 {
			status = "FAIL"
		}
		fmt.Fprintf(ew, "%s %s: %d passed, %d failed\n", status, f, c[0], c[1])
	}
	if ew.err != nil {
		return ew.err
	}
	if sum.Failed > 0 {
		return gateError{fmt.Sprintf("policy test: %d of %d cases failed", sum.Failed, sum.Passed+sum.Failed)}
	}
	fmt.Fprintf(stdout, "PASS: %d cases\n", sum.Passed)
	return nil
}

func relTo(dir, file string) string {
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}
