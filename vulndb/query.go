package vulndb

import (
	"errors"
	"strings"
	"time"
)

// Query is one installed package to match: the ecosystem and name its
// vulnerabilities are filed under and the installed version. For an OS
// package the ecosystem names the distribution release ("Debian:12") and
// the name is the source package; for a binary known only by CPE the
// ecosystem is [EcosystemNVD] and the name "vendor:product".
type Query struct {
	Ecosystem string
	Name      string
	Version   string
}

// Key returns the store key the query looks up.
func (q Query) Key() PackageKey { return KeyOf(Package{Ecosystem: q.Ecosystem, Name: q.Name}) }

// Match is one vulnerability affecting a queried package, after the
// records that describe it under different IDs (a CVE, its GHSA, a
// distribution's advisory) were merged into one.
type Match struct {
	// ID is the vulnerability's preferred ID: its CVE when it has one.
	ID string
	// Aliases are the other IDs of the merged records, sorted.
	Aliases []string
	// Summary is the first non-empty summary of the merged records.
	Summary string
	// FixedVersion is the lowest version that fixes the installed one, if
	// any.
	FixedVersion string
	// Status is fixed (a fix exists), not-fixed or wont-fix.
	Status FixStatus
	// Severity and the source that rated it: the distribution's or
	// ecosystem's own rating first, then NVD's, then a CVSS score.
	Severity       Severity
	SeveritySource string
	// CVSS vectors from every merged and enrichment record, one per vector.
	CVSS []CVSS
	// KEV and EPSS are exploit signals, when an enrichment feed has them.
	KEV  *KEV
	EPSS *EPSS
	// Published is the earliest publication date of the merged records.
	Published time.Time
	// Sources are the feeds whose records matched, sorted.
	Sources []string
	// Records are the matched records themselves.
	Records []*Vulnerability
}

// Result is what matching one query gave.
type Result struct {
	Matches []Match
	// Err is set when the query's records could not all be evaluated
	// (an installed version that does not parse for its ecosystem, a
	// range that does not): matches that could be decided are still in
	// Matches, the rest is reported here, never guessed.
	Err error
}

// ErrUnknownEcosystem is matched by the error for a query whose ecosystem
// has no version comparison.
var ErrUnknownEcosystem = errors.New("vulndb: no version comparison for the ecosystem")

// SeverityFromScore rates a CVSS base score with the bands of its version
// ("2.0", "3.0", "3.1", "4.0"; or the CVSS_V2/V3/V4 type names).
func SeverityFromScore(ver string, score float64) Severity {
	switch {
	case score <= 0:
		return Unknown
	case strings.HasPrefix(ver, "2") || ver == "CVSS_V2":
		switch {
		case score >= 7:
			return High
		case score >= 4:
			return Medium
		}
		return Low
	}
	switch {
	case score >= 9:
		return Critical
	case score >= 7:
		return High
	case score >= 4:
		return Medium
	}
	return Low
}
