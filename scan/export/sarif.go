package export

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/portcullis-oci/portcullis/scan"
)

// SARIFFingerprint is the key of the partial fingerprint each SARIF result
// carries, so that code-scanning dashboards follow one finding across
// uploads: a hash of the vulnerability ID, the package's PURL and layer
// diffID, and its evidence path.
const SARIFFingerprint = "portcullisFinding/v1"

// securitySeverityOf is the security-severity a rule gets when no CVSS
// score is known: a score inside the band GitHub maps the severity to
// (critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9), or "" for
// UNKNOWN.
func securitySeverityOf(severity string) string {
	switch severity {
	case "CRITICAL":
		return "9.5"
	case "HIGH":
		return "8.0"
	case "MEDIUM":
		return "5.5"
	case "LOW":
		return "2.0"
	}
	return ""
}

// SARIF writes rep's findings as a SARIF 2.1.0 log for code-scanning
// dashboards such as GitHub's.
//
// The log has one run whose tool driver is "portcullis", with one rule per
// vulnerability ID: its title as short description, help naming the
// affected packages and their fixed versions, a link to the advisory when
// its database is known, and the properties GitHub reads:
// "security-severity" (the highest CVSS base score as a string, or a score
// inside the severity's band when no CVSS score is known) and tags. Each
// finding is one result: level error for CRITICAL and HIGH, warning for
// MEDIUM, note for LOW and UNKNOWN; a message naming the package, its
// installed and fixed versions and its layer; and a location whose
// physical artifact is the package's first evidence path (the dpkg status
// file, the binary) and whose logical location is the package's PURL.
// What the scan could not analyse is listed as tool execution
// notifications.
func SARIF(w io.Writer, rep *scan.Report) error {
	if rep == nil {
		return errors.New("export: sarif: nil report")
	}
	log := buildSARIF(rep)
	if err := log.PrettyWrite(w); err != nil {
		return fmt.Errorf("export: sarif: writing the log of %s: %w", rep.Image.Digest, err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("export: sarif: writing the log of %s: %w", rep.Image.Digest, err)
	}
	return nil
}

func buildSARIF(rep *scan.Report) *sarif.Report {
	img := describeImage(rep.Image)
	inv := newInventory(rep.Packages)

	log := sarif.NewReport()
	log.Schema = "https://json.schemastore.org/sarif-2.1.0.json"
	run := sarif.NewRun()
	run.Tool = sarif.NewTool().WithDriver(sarif.NewToolComponent().WithName(ToolName))

	props := sarif.NewPropertyBag().Add("imageName", img.name)
	if rep.Image.Digest != "" {
		props.Add("imageDigest", rep.Image.Digest)
	}
	if rep.Image.Platform != "" {
		props.Add("imagePlatform", rep.Image.Platform)
	}
	if img.purl != "" {
		props.Add("imagePurl", img.purl)
	}
	run.WithProperties(props)

	invocation := sarif.NewInvocation()
	invocation.ExecutionSuccessful = ptr(true)
	for _, e := range rep.Incomplete {
		invocation.ToolExecutionNotifications = append(invocation.ToolExecutionNotifications,
			sarif.NewNotification().WithLevel(sarif.LevelWarning).WithMessage(sarif.NewTextMessage(e.String())))
	}
	run.AddInvocation(invocation)

	// Rules first, sorted by ID, so results can point at them by index.
	byID := map[string][]*scan.Finding{}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		byID[f.ID] = append(byID[f.ID], f)
	}
	ruleIndex := make(map[string]int, len(byID))
	for i, id := range sortedKeys(byID) {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule(id, byID[id]))
		ruleIndex[id] = i
	}
	// Findings about packages that share type, name, version, PURL and
	// layer cannot say which of them they are about; MatchReport gives one
	// such finding per package, so the n-th goes to the n-th package.
	seen := map[findingKey]int{}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		k := findingKey{f.ID, keyOfFinding(f), f.Layer}
		evidence := ""
		if idx := inv.packagesOf(f); len(idx) > 0 {
			evidence = firstPath(&inv.pkgs[idx[seen[k]%len(idx)]])
		}
		seen[k]++
		run.AddResult(sarifResult(f, evidence, ruleIndex[f.ID]))
	}
	log.AddRun(run)
	return log
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(severity string) string {
	switch severity {
	case "CRITICAL", "HIGH":
		return sarif.LevelError
	case "MEDIUM":
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

func sarifRule(id string, fs []*scan.Finding) *sarif.ReportingDescriptor {
	var (
		title    string
		worst    string
		aliases  []string
		sources  []string
		cvss     []scan.CVSS
		text, md []string
	)
	for _, f := range fs {
		if title == "" {
			title = f.Title
		}
		if worst == "" || severityRank(f.Severity) > severityRank(worst) {
			worst = f.Severity
		}
		aliases = append(aliases, f.Aliases...)
		sources = append(sources, f.DataSources...)
		cvss = append(cvss, f.CVSS...)
		fix := "no fixed version is known (" + f.Status + ")"
		if f.FixedVersion != "" {
			fix = "fixed in " + f.FixedVersion
		}
		line := fmt.Sprintf("%s %s (%s): %s", f.Package, f.InstalledVersion, f.Type, fix)
		text = append(text, line)
		md = append(md, "| "+mdEscape(f.Package)+" | "+mdEscape(f.InstalledVersion)+" | "+mdEscape(f.Type)+" | "+mdEscape(f.FixedVersion)+" |")
	}
	text, md = uniqueSorted(text), uniqueSorted(md)
	sources = uniqueSorted(sources)
	if worst == "" {
		worst = "UNKNOWN"
	}

	short := title
	if short == "" {
		short = id
	}
	full := short
	if a := uniqueSorted(slices.DeleteFunc(aliases, func(s string) bool { return s == id })); len(a) > 0 {
		full += " (also known as " + strings.Join(a, ", ") + ")"
	}
	help := "Vulnerability " + id + ", severity " + worst + ".\n" + strings.Join(text, "\n")
	markdown := "**Vulnerability " + mdEscape(id) + "** (severity " + worst + ")\n\n" +
		"| Package | Installed version | Type | Fixed version |\n| --- | --- | --- | --- |\n" +
		strings.Join(md, "\n")

	rule := sarif.NewRule(id).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(short)).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(full)).
		WithHelp(sarif.NewMultiformatMessageString().WithText(help).WithMarkdown(markdown)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(worst)))
	if adv, ok := advisoryFor(id, sources); ok {
		rule.WithHelpURI(adv.url)
	}
	props := sarif.NewPropertyBag().WithTags([]string{"security", "vulnerability", strings.ToLower(worst)})
	if score, ok := maxCVSS(cvss); ok {
		props.Add("security-severity", strconv.FormatFloat(score, 'f', 1, 64))
	} else if s := securitySeverityOf(worst); s != "" {
		props.Add("security-severity", s)
	}
	rule.WithProperties(props)
	return rule
}

// findingKey identifies findings that no field tells apart.
type findingKey struct {
	id    string
	pkg   pkgKey
	layer scan.LayerRef
}

// sarifResult is the result for f about the package read from evidence.
func sarifResult(f *scan.Finding, evidence string, ruleIndex int) *sarif.Result {
	purl := f.PURL.String()

	msg := fmt.Sprintf("%s %s (%s) is affected by %s", f.Package, f.InstalledVersion, f.Type, f.ID)
	if f.Title != "" {
		msg += ": " + f.Title
	}
	msg += ". Severity " + f.Severity + "."
	if f.FixedVersion != "" {
		msg += " Fixed version: " + f.FixedVersion + "."
	} else {
		msg += " No fixed version (" + f.Status + ")."
	}
	msg += " Installed by " + layerText(f.Layer)
	if evidence != "" {
		msg += ", found in " + evidence
	}
	msg += "."

	uri := artifactURI(evidence)
	if uri == "" {
		uri = purl
	}
	if uri == "" {
		uri = "image"
	}
	loc := sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri)).
		WithRegion(sarif.NewRegion().WithStartLine(1)))
	if purl != "" {
		loc.AddLogicalLocation(sarif.NewLogicalLocation().WithName(f.Package).WithFullyQualifiedName(purl).WithKind("package"))
	}

	sum := sha256.Sum256([]byte(f.ID + "\x00" + purl + "\x00" + f.Layer.DiffID + "\x00" + evidence))
	props := sarif.NewPropertyBag().
		Add("severity", f.Severity).
		Add("installedVersion", f.InstalledVersion).
		Add("layerIndex", f.Layer.Index)
	addIf := func(k, v string) {
		if v != "" {
			props.Add(k, v)
		}
	}
	addIf("purl", purl)
	addIf("fixedVersion", f.FixedVersion)
	addIf("status", f.Status)
	addIf("layerDiffID", f.Layer.DiffID)
	if f.KEV != nil {
		props.Add("kev", true)
		addIf("kevDateAdded", f.KEV.DateAdded)
	}
	if f.EPSS != nil {
		props.Add("epssScore", f.EPSS.Score)
		props.Add("epssPercentile", f.EPSS.Percentile)
	}

	res := sarif.NewRuleResult(f.ID).
		WithRuleIndex(ruleIndex).
		WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(msg)).
		AddLocation(loc).
		WithProperties(props)
	// WithPartialFingerprints, not AddPartialFingerprint: the library's
	// NewResult leaves the map nil.
	res.WithPartialFingerprints(map[string]string{SARIFFingerprint: hex.EncodeToString(sum[:])})
	return res
}

// artifactURI turns an evidence path inside the image into a relative URI
// reference: percent-encoded, with no leading slash, and with "./" before a
// first segment that holds a colon.
func artifactURI(p string) string {
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return ""
	}
	return (&url.URL{Path: p}).String()
}

// mdEscape keeps table cells in one piece.
func mdEscape(s string) string {
	if !strings.ContainsAny(s, "|\r\n") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '|':
			b.WriteString("\\|")
		case '\r', '\n':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }
