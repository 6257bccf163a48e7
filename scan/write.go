package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the native JSON report (schema version [SchemaVersion]).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteTable writes the report for people: the image, its layers with
// what created them and how many packages each brought, the packages with
// their layer, what later layers removed, and what could not be analysed.
func (r *Report) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "Image:    %s\n", orDash(r.Image.Ref))
	fmt.Fprintf(ew, "Digest:   %s\n", r.Image.Digest)
	if r.Image.Platform != "" {
		fmt.Fprintf(ew, "Platform: %s\n", r.Image.Platform)
	}
	if r.Distro != nil {
		name := r.Distro.PrettyName
		if name == "" {
			name = strings.TrimSpace(r.Distro.ID + " " + r.Distro.VersionID)
		}
		fmt.Fprintf(ew, "Distro:   %s\n", name)
	} else {
		fmt.Fprintf(ew, "Distro:   unknown\n")
	}

	added := make([]int, len(r.Layers))
	removed := make([]int, len(r.Layers))
	for _, p := range r.Packages {
		if p.Layer.Index < len(added) {
			added[p.Layer.Index]++
		}
	}
	for _, p := range r.Removed {
		if p.RemovedBy.Index < len(removed) {
			removed[p.RemovedBy.Index]++
		}
	}
	fmt.Fprintf(ew, "\nLayers (%d)\n", len(r.Layers))
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tDIFFID\tSIZE\tPACKAGES\tREMOVED\tCREATED BY")
	for i, l := range r.Layers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", l.Index, shortDigest(l.DiffID), humanBytes(l.Size), added[i], removed[i], oneLine(l.CreatedBy, 60))
	}
	tw.Flush()

	fmt.Fprintf(ew, "\nPackages (%d)\n", len(r.Packages))
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tTYPE\tNAME\tVERSION\tSOURCE\tPURL")
	for _, p := range r.Packages {
		src := "-"
		if p.Source != nil && (p.Source.Name != p.Name || p.Source.Version != p.Version) {
			src = strings.TrimSuffix(p.Source.Name+"@"+p.Source.Version, "@")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.Layer.Index, p.Type, p.Name, p.Version, src, p.PURL)
	}
	tw.Flush()

	if len(r.Removed) > 0 {
		fmt.Fprintf(ew, "\nRemoved by a later layer (%d)\n", len(r.Removed))
		tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ADDED IN\tREMOVED BY\tTYPE\tNAME\tVERSION")
		for _, p := range r.Removed {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\n", p.Layer.Index, p.RemovedBy.Index, p.Type, p.Name, p.Version)
		}
		tw.Flush()
	}
	if r.Database != nil {
		r.writeFindings(ew)
	}
	if len(r.Incomplete) > 0 {
		fmt.Fprintf(ew, "\nINCOMPLETE: %d thing(s) could not be analysed; this inventory may be missing packages:\n", len(r.Incomplete))
		for _, e := range r.Incomplete {
			fmt.Fprintf(ew, "  - %s\n", e)
		}
	}
	return ew.err
}

// writeFindings writes the vulnerabilities grouped by the layer of the
// affected package, most severe first, then the summary.
func (r *Report) writeFindings(w io.Writer) {
	fmt.Fprintf(w, "\nVulnerabilities (%d)\n", len(r.Findings))
	byLayer := map[int][]Finding{}
	for _, f := range r.Findings {
		byLayer[f.Layer.Index] = append(byLayer[f.Layer.Index], f)
	}
	for _, l := range r.Layers {
		fs := byLayer[l.Index]
		if len(fs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nLayer %d  %s  (%d)\n", l.Index, oneLine(l.CreatedBy, 60), len(fs))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEVERITY\tID\tPACKAGE\tINSTALLED\tFIXED IN\tSTATUS\tSOURCE\tTITLE")
		for _, f := range fs {
			id := f.ID
			if f.KEV != nil {
				id += " (KEV)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Severity, id, f.Package, f.InstalledVersion,
				orDash(f.FixedVersion), f.Status, orDash(f.SeveritySource), oneLine(f.Title, 50))
		}
		tw.Flush()
	}
	parts := make([]string, 0, len(Severities))
	for _, sev := range Severities {
		parts = append(parts, fmt.Sprintf("%s %d", sev, r.Summary[sev]))
	}
	fmt.Fprintf(w, "\nSummary: %s\n", strings.Join(parts, ", "))
	if len(r.Database.Sources) == 0 {
		fmt.Fprintln(w, "Database: empty (no feed imported)")
		return
	}
	var srcs []string
	for _, s := range r.Database.Sources {
		srcs = append(srcs, fmt.Sprintf("%s (%d records, updated %s)", s.Name, s.Records, s.Updated.Format("2006-01-02")))
	}
	fmt.Fprintf(w, "Database: %s\n", strings.Join(srcs, "; "))
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return hex[:12]
	}
	return d
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
