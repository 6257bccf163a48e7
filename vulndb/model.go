package vulndb

import (
	"strings"
	"time"
)

// Vulnerability is one advisory, in the shape of the OSV schema
// (https://ossf.github.io/osv-schema/), with what distribution feeds add:
// a fix status and a rating per package.
type Vulnerability struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Related []string `json:"related,omitempty"`
	Summary string   `json:"summary,omitempty"`
	Details string   `json:"details,omitempty"`
	// Published, Modified and Withdrawn are as the feed states them;
	// a withdrawn record never matches.
	Published time.Time  `json:"published,omitzero"`
	Modified  time.Time  `json:"modified,omitzero"`
	Withdrawn *time.Time `json:"withdrawn,omitempty"`
	Affected  []Affected `json:"affected,omitempty"`
	// Severity holds the CVSS vectors the record carries.
	Severity []CVSS `json:"severity,omitempty"`
	// Rating is the feed's own qualitative severity for the whole record
	// (GHSA's "HIGH", NVD's base severity), if it has one.
	Rating     *Rating     `json:"rating,omitempty"`
	CWEs       []string    `json:"cwes,omitempty"`
	References []Reference `json:"references,omitempty"`
	// KEV and EPSS are exploit signals; the kev and epss sources emit
	// records (ID = the CVE) that carry only these.
	KEV  *KEV  `json:"kev,omitempty"`
	EPSS *EPSS `json:"epss,omitempty"`
	// Source names the feed the record came from.
	Source string `json:"source"`
}

// KEV is an entry of CISA's Known Exploited Vulnerabilities catalogue.
type KEV struct {
	DateAdded string `json:"dateAdded"`
	DueDate   string `json:"dueDate,omitempty"`
	// KnownRansomware is the catalogue's knownRansomwareCampaignUse.
	KnownRansomware string `json:"knownRansomwareCampaignUse,omitempty"`
}

// EPSS is a FIRST EPSS score: the probability of exploitation in the next
// 30 days, and its percentile.
type EPSS struct {
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
	Date       string  `json:"date,omitempty"`
}

// Affected says which versions of one package a vulnerability affects.
type Affected struct {
	Package Package `json:"package"`
	Ranges  []Range `json:"ranges,omitempty"`
	// Versions lists affected versions one by one.
	Versions []string `json:"versions,omitempty"`
	// Status is the distribution's verdict for the package; empty means
	// "decided by Ranges and Versions".
	Status FixStatus `json:"status,omitempty"`
	// Rating is the feed's severity for this package (Debian's urgency,
	// Red Hat's impact), if it has one.
	Rating *Rating `json:"rating,omitempty"`
	// CPEs are NVD CPE match strings, for packages with no ecosystem.
	CPEs []CPEMatch `json:"cpes,omitempty"`
}

// Package names a package within an ecosystem, as OSV spells ecosystems:
// "Go", "npm", "PyPI", "Debian:12", "Alpine:v3.19", … . For distribution
// ecosystems the release is part of the ecosystem and Name is the source
// package.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is an OSV range: ordered events on a version line.
type Range struct {
	// Type is "SEMVER", "ECOSYSTEM" or "GIT"; GIT ranges never match
	// versions.
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one event of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// FixStatus is a distribution's verdict on one package.
type FixStatus string

// The fix statuses.
const (
	StatusFixed       FixStatus = "fixed"
	StatusNotFixed    FixStatus = "not-fixed"
	StatusWontFix     FixStatus = "wont-fix"
	StatusNotAffected FixStatus = "not-affected"
)

// Severity is a qualitative severity.
type Severity string

// The severities, most severe first.
const (
	Critical Severity = "CRITICAL"
	High     Severity = "HIGH"
	Medium   Severity = "MEDIUM"
	Low      Severity = "LOW"
	Unknown  Severity = "UNKNOWN"
)

// Severities returns the severities, most severe first.
func Severities() []Severity { return []Severity{Critical, High, Medium, Low, Unknown} }

// Rank orders severities: Critical is 4, Unknown 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// ParseSeverity maps the words feeds use ("important", "moderate",
// "negligible", "unimportant", …) to a Severity; unknown words are Unknown.
func ParseSeverity(s string) Severity {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return Critical
	case "high", "important":
		return High
	case "medium", "moderate":
		return Medium
	case "low", "negligible", "unimportant", "minor":
		return Low
	}
	return Unknown
}

// Rating is a qualitative severity with the source that gave it.
type Rating struct {
	Severity Severity `json:"severity"`
	// Source is who rated it: "debian", "ghsa", "nvd", … .
	Source string `json:"source"`
}

// CVSS is a CVSS vector as a record carries it, with its base score.
type CVSS struct {
	// Type is OSV's: "CVSS_V2", "CVSS_V3" or "CVSS_V4".
	Type   string  `json:"type"`
	Vector string  `json:"vector"`
	Score  float64 `json:"score,omitempty"`
	// Source is who assigned it ("nvd", "ghsa", …), where known.
	Source string `json:"source,omitempty"`
}

// Reference is a link about a vulnerability.
type Reference struct {
	Type string `json:"type,omitempty"`
	URL  string `json:"url"`
}

// CPEMatch is an NVD CPE match with its version bounds.
type CPEMatch struct {
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding,omitempty"`
	VersionStartExcluding string `json:"versionStartExcluding,omitempty"`
	VersionEndIncluding   string `json:"versionEndIncluding,omitempty"`
	VersionEndExcluding   string `json:"versionEndExcluding,omitempty"`
}

// IsWithdrawn reports whether the record was withdrawn.
func (v *Vulnerability) IsWithdrawn() bool { return v.Withdrawn != nil && !v.Withdrawn.IsZero() }
