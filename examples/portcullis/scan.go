package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"

	"github.com/portcullis-oci/portcullis/registry"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
)

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var g globals
	g.register(fs)
	format := fs.String("format", "table", "output format: table or json")
	output := fs.String("output", "", "write the report to FILE instead of standard output")
	noVulns := fs.Bool("no-vulns", false, "list packages only; do not match vulnerabilities")
	platform := fs.String("platform", "", "platform to scan from a multi-platform image, as OS/ARCH[/VARIANT], or \"all\" for every platform (default: linux on this machine's architecture)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"scan takes exactly one IMAGE"}
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: must be table or json", *format)}
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
	var imgs []*registry.Image
	if all {
		var err error
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
	sopts := []scan.Option{scan.WithAnalyzers(analyzers.Default()...)}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		sopts = append(sopts, scan.WithProgress(progressPrinter(stderr)))
	}
	sc, err := scan.New(sopts...)
	if err != nil {
		return err
	}
	reps := make([]*scan.Report, 0, len(imgs))
	for _, img := range imgs {
		rep, err := sc.Scan(ctx, img, scan.WithRef(img.Ref))
		if err != nil {
			return err
		}
		reps = append(reps, rep)
		for _, e := range rep.Incomplete {
			fmt.Fprintf(stderr, "portcullis: warning: incomplete (%s): %s\n", rep.Image.Platform, e)
		}
	}
	if !*noVulns {
		fmt.Fprintln(stderr, "portcullis: warning: vulnerability matching is not available in this build; the report lists packages only (use --no-vulns to silence this)")
	}
	w := stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := writeReports(w, *format, reps, all); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if f, ok := w.(*os.File); ok && w != stdout {
		return f.Close()
	}
	return nil
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
