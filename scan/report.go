package scan

import (
	"strconv"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// SchemaVersion is the version of the native JSON report written by
// [Report.MarshalJSON]'s callers; fields may be added, none renamed.
const SchemaVersion = 1

// Report is the result of scanning one image.
type Report struct {
	SchemaVersion int      `json:"schemaVersion"`
	Image         ImageRef `json:"image"`
	// Distro is the operating system of the final image, if one was found.
	Distro *Distro `json:"distro"`
	// Layers are the image's layers, bottom first.
	Layers []Layer `json:"layers"`
	// Packages is the final inventory, sorted by type, name, version, path.
	Packages []Package `json:"packages"`
	// Removed lists packages some layer installed and a later layer removed.
	Removed []RemovedPackage `json:"removed,omitempty"`
	// Findings are filled when a vulnerability source is configured.
	Findings []Finding `json:"findings"`
	// Summary counts findings by severity.
	Summary map[string]int `json:"summary"`
	// Database says what the findings were matched against; nil when the
	// report was not matched.
	Database *DatabaseInfo `json:"database,omitempty"`
	// Incomplete lists what could not be analysed. A report with entries
	// here is not a clean bill of health.
	Incomplete []AnalyzerError `json:"incomplete"`
	ScannedAt  time.Time       `json:"scannedAt"`
}

// ImageRef identifies the scanned image.
type ImageRef struct {
	// Ref is the reference the image was opened by, as the user wrote it.
	Ref       string `json:"ref,omitempty"`
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType,omitempty"`
	// Platform is "os/arch" or "os/arch/variant".
	Platform string            `json:"platform,omitempty"`
	Labels   map[string]string `json:"labels"`
	Created  *time.Time        `json:"created,omitempty"`
}

// Distro is an operating system release, from os-release or its fallbacks.
type Distro struct {
	ID              string   `json:"id"`
	VersionID       string   `json:"versionId,omitempty"`
	VersionCodename string   `json:"versionCodename,omitempty"`
	PrettyName      string   `json:"prettyName,omitempty"`
	IDLike          []string `json:"idLike,omitempty"`
}

// Layer describes one layer of the image.
type Layer struct {
	Index     int    `json:"index"`
	Digest    string `json:"digest"`
	DiffID    string `json:"diffID"`
	MediaType string `json:"mediaType,omitempty"`
	// Size is the compressed size in bytes.
	Size int64 `json:"size"`
	// CreatedBy is the history's created_by for the layer, if recorded.
	CreatedBy string `json:"createdBy,omitempty"`
	// EmptyLayer history entries are not layers and are not listed.
}

// Ref returns the short reference to l used by packages and findings.
func (l Layer) Ref() LayerRef { return LayerRef{Index: l.Index, DiffID: l.DiffID} }

// LayerRef names a layer by position and diffID.
type LayerRef struct {
	Index  int    `json:"index"`
	DiffID string `json:"diffID"`
}

// RemovedPackage is a package that a layer installed and a later layer
// removed.
type RemovedPackage struct {
	Package
	// RemovedBy is the layer that removed it.
	RemovedBy LayerRef `json:"removedBy"`
}

// AnalyzerError records something that could not be analysed. It makes a
// report incomplete; it never means "no packages".
type AnalyzerError struct {
	// Analyzer is the analyzer's name, or "scanner" for the layer walk itself.
	Analyzer string    `json:"analyzer"`
	Layer    *LayerRef `json:"layer,omitempty"`
	Path     string    `json:"path,omitempty"`
	Error    string    `json:"error"`
}

// String returns a one-line description naming the layer and path.
func (e AnalyzerError) String() string {
	s := e.Analyzer
	if e.Layer != nil {
		s += ": layer " + strconv.Itoa(e.Layer.Index) + " (" + e.Layer.DiffID + ")"
	}
	if e.Path != "" {
		s += ": " + e.Path
	}
	return s + ": " + e.Error
}

// Finding is a vulnerability that affects a package of the image.
type Finding struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	// Package and Type name the affected package.
	Package          string `json:"package"`
	Type             string `json:"type"`
	PURL             PURL   `json:"purl"`
	InstalledVersion string `json:"installedVersion"`
	FixedVersion     string `json:"fixedVersion,omitempty"`
	// Status is fixed (a fixed version exists), not-fixed or wont-fix.
	Status string `json:"status"`
	// Severity is CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN, rated by
	// SeveritySource: the distribution or ecosystem first, then NVD.
	Severity       string `json:"severity"`
	SeveritySource string `json:"severitySource,omitempty"`
	CVSS           []CVSS `json:"cvss,omitempty"`
	// Title is the advisory's one-line summary.
	Title     string     `json:"title,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	// KEV is set when CISA lists the vulnerability as exploited.
	KEV *vulndb.KEV `json:"kev,omitempty"`
	// EPSS is FIRST's exploit prediction score.
	EPSS *vulndb.EPSS `json:"epss,omitempty"`
	// DataSources are the feeds whose records matched.
	DataSources []string `json:"dataSources,omitempty"`
	// Layer is the layer of the affected package.
	Layer LayerRef `json:"layer"`
}

// CVSS is one CVSS vector and its base score.
type CVSS struct {
	Version string  `json:"version"`
	Vector  string  `json:"vector"`
	Score   float64 `json:"score"`
	// Source is who scored it ("nvd", a CNA, "ghsa"), where known.
	Source string `json:"source,omitempty"`
}

// Severities lists the severity names counted in [Report.Summary], most
// severe first.
var Severities = [...]string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}
