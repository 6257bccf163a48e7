package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/portcullis-oci/portcullis/registry"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
	"github.com/portcullis-oci/portcullis/scan/export"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// formats are the report formats of --format.
var formats = []string{"table", "json", "cyclonedx", "spdx", "sarif"}

func runScan(ctx context.Context, g *globals, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scan", g, stderr)
	format := fs.String("format", "table", "output format: "+strings.Join(formats, ", "))
	output := fs.String("output", "", "write the report to FILE instead of standard output")
	noVulns := fs.Bool("no-vulns", false, "list packages only; do not match vulnerabilities")
	failOn := fs.String("fail-on", "", "exit with code 1 when a finding is at least this severe (CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)")
	ignoreUnfixed := fs.Bool("ignore-unfixed", false, "leave out findings that have no fixed version")
	platform := fs.String("platform", "", "platform to scan from a multi-platform image, as OS/ARCH[/VARIANT], or \"all\" for every platform (default: linux on this machine's architecture)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"scan takes exactly one IMAGE"}
	}
	if !slices.Contains(formats, *format) {
		return usageError{fmt.Sprintf("--format %q: must be one of %s", *format, strings.Join(formats, ", "))}
	}
	var threshold vulndb.Severity
	if *failOn != "" {
		threshold = vulndb.Severity(strings.ToUpper(*failOn))
		if !slices.Contains(vulndb.Severities(), threshold) {
			return usageError{fmt.Sprintf("--fail-on %q: must be CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN", *failOn)}
		}
		if *noVulns {
			return usageError{"--fail-on needs vulnerability matching; drop --no-vulns"}
		}
	}
	var opts []registry.Option
	all := *platform == "all"
	if *platform != "" && !all {
		p, err := registry.ParsePlatform(*platform)
		if err != nil {
			return usageError{err.Error()}
		}
		opts = append(opts, registry.WithPlatform(p))
	}

	sopts := []scan.Option{scan.WithAnalyzers(analyzers.Default()...)}
	if !*noVulns {
		st, err := openDB(ctx, g.db, true)
		if err != nil {
			return err
		}
		defer st.Close()
		m, err := vulndb.NewMatcher(st)
		if err != nil {
			return err
		}
		sopts = append(sopts, scan.WithMatcher(m))
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		sopts = append(sopts, scan.WithProgress(progressPrinter(stderr)))
	}
	sc, err := scan.New(sopts...)
	if err != nil {
		return err
	}

	var imgs []*registry.Image
	if all {
		if imgs, err = registry.OpenAll(ctx, fs.Arg(0), opts...); err != nil {
			return err
		}
	} else {
		img, err := registry.Open(ctx, fs.Arg(0), opts...)
		if err != nil {
			return err
		}
		imgs = []*registry.Image{img}
	}
	reps := make([]*scan.Report, 0, len(imgs))
	for _, img := range imgs {
		rep, err := sc.Scan(ctx, img, scan.WithRef(img.Ref))
		if err != nil {
			return err
		}
		if *ignoreUnfixed {
			dropUnfixed(rep)
		}
		reps = append(reps, rep)
		for _, e := range rep.Incomplete {
			fmt.Fprintf(stderr, "portcullis: warning: incomplete (%s): %s\n", rep.Image.Platform, e)
		}
		if rep.Database != nil && len(rep.Database.Sources) == 0 {
			fmt.Fprintln(stderr, "portcullis: warning: the vulnerability database is empty; run `portcullis db update` or `db import`")
		}
	}

	w := stdout
	var file *os.File
	if *output != "" {
		if file, err = os.Create(*output); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	if err := writeReports(w, *format, reps, all); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
	}
	if threshold != "" {
		if n, worst := countAtLeast(reps, threshold); n > 0 {
			return gateError{fmt.Sprintf("--fail-on %s: %d finding(s) at or above %s (worst: %s)", threshold, n, threshold, worst)}
		}
	}
	return nil
}

// dropUnfixed removes findings without a fixed version and recounts.
func dropUnfixed(rep *scan.Report) {
	if rep.Database == nil {
		return
	}
	rep.Findings = slices.DeleteFunc(rep.Findings, func(f scan.Finding) bool { return f.FixedVersion == "" })
	for k := range rep.Summary {
		rep.Summary[k] = 0
	}
	for _, f := range rep.Findings {
		rep.Summary[f.Severity]++
	}
}

// countAtLeast counts findings at least as severe as t; UNKNOWN counts
// everything.
func countAtLeast(reps []*scan.Report, t vulndb.Severity) (int, string) {
	n, worst := 0, ""
	for _, rep := range reps {
		for _, f := range rep.Findings {
			s := vulndb.Severity(f.Severity)
			if s.Rank() >= t.Rank() {
				n++
				if worst == "" || s.Rank() > vulndb.Severity(worst).Rank() {
					worst = f.Severity
				}
			}
		}
	}
	return n, worst
}

// progressPrinter shows per-layer progress on one terminal line.
func progressPrinter(w io.Writer) func(scan.Progress) {
	var mu sync.Mutex
	done := map[int]bool{}
	return func(p scan.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Done {
			done[p.Layer] = true
		}
		state := fmt.Sprintf("%d MiB of %d MiB", p.Bytes>>20, p.Size>>20)
		if p.Cached {
			state = "cached"
		} else if p.Done {
			state = "done"
		}
		fmt.Fprintf(w, "\r\033[Kscanning: %d/%d layers done; layer %d: %s", len(done), p.Layers, p.Layer, state)
		if len(done) == p.Layers {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}

// writeReports writes one report, or with --platform all a JSON array of
// reports or one table after another.
func writeReports(w io.Writer, format string, reps []*scan.Report, all bool) error {
	var write func(io.Writer, *scan.Report) error
	switch format {
	case "cyclonedx":
		write = export.CycloneDX
	case "spdx":
		write = export.SPDX
	case "sarif":
		write = export.SARIF
	}
	if write != nil {
		if all && len(reps) > 1 {
			return fmt.Errorf("--format %s writes one image; pick a --platform", format)
		}
		return write(w, reps[0])
	}
	if format == "json" {
		if !all {
			return reps[0].WriteJSON(w)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(reps)
	}
	for i, rep := range reps {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if err := rep.WriteTable(w); err != nil {
			return err
		}
	}
	return nil
}
