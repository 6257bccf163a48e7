package scan

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// VulnMatcher finds the vulnerabilities of installed packages;
// *vulndb.Matcher is the default. Result i is for query i. Implementations
// must be safe for concurrent use.
type VulnMatcher interface {
	Match(ctx context.Context, queries []vulndb.Query) ([]vulndb.Result, error)
}

// sourceLister is the optional ability of a matcher to say which feeds its
// data comes from, recorded in [Report.Database].
type sourceLister interface {
	Sources(ctx context.Context) ([]vulndb.SourceInfo, error)
}

// DatabaseInfo says what vulnerability data a report was matched against.
type DatabaseInfo struct {
	// MatchedAt is when the findings were computed.
	MatchedAt time.Time `json:"matchedAt"`
	// Sources are the feeds in the database, with their last update.
	Sources []vulndb.SourceInfo `json:"sources"`
}

// OSOwned is the matching option for language packages that an OS package
// installed; see [WithOSOwnedEcosystemMatching].
type matchOptions struct {
	osOwnedInEcosystem bool
}

// MatchOption configures [MatchReport].
type MatchOption func(*matchOptions)

// WithOSOwnedEcosystemMatching sets whether a language package that an OS
// package installed (Debian's python3-* modules) is also matched in its
// own ecosystem. Distributions backport fixes without changing upstream
// versions, so by default such packages take their vulnerabilities from
// the OS feed, through the OS package. The default is false.
func WithOSOwnedEcosystemMatching(on bool) MatchOption {
	return func(o *matchOptions) { o.osOwnedInEcosystem = on }
}

// MatchReport matches the report's packages with m and replaces its
// findings, summary and database information: a stored report is
// re-matched this way when feeds change. Packages that cannot be matched
// (no known ecosystem for their distribution, a version that does not
// parse) are recorded in Incomplete, replacing earlier matcher entries.
func MatchReport(ctx context.Context, rep *Report, m VulnMatcher, opts ...MatchOption) error {
	var o matchOptions
	for _, opt := range opts {
		opt(&o)
	}
	// Earlier matcher incompleteness is replaced, not added to.
	rep.Incomplete = slices.DeleteFunc(rep.Incomplete, func(e AnalyzerError) bool { return e.Analyzer == matcherName })

	type slot struct {
		pkgs []int
	}
	var (
		queries     []vulndb.Query
		index       = map[vulndb.Query]int{}
		slots       []slot
		unsupported = map[string]int{}
	)
	for i := range rep.Packages {
		p := &rep.Packages[i]
		if p.Owner != nil && !IsOSType(p.Type) && !o.osOwnedInEcosystem {
			continue // its OS package is matched through the distribution's feed
		}
		q, ok := QueryFor(p, rep.Distro)
		if !ok {
			if IsOSType(p.Type) {
				unsupported[p.Type]++
			}
			continue
		}
		j, seen := index[q]
		if !seen {
			j = len(queries)
			index[q] = j
			queries = append(queries, q)
			slots = append(slots, slot{})
		}
		slots[j].pkgs = append(slots[j].pkgs, i)
	}
	for typ, n := range unsupported {
		d := "an unknown distribution"
		if rep.Distro != nil {
			d = strings.TrimSpace(rep.Distro.ID + " " + rep.Distro.VersionID)
		}
		rep.Incomplete = append(rep.Incomplete, AnalyzerError{Analyzer: matcherName,
			Error: fmt.Sprintf("%d %s packages not matched: no vulnerability data is known for %s", n, typ, d)})
	}
	results, err := m.Match(ctx, queries)
	if err != nil {
		return fmt.Errorf("scan: matching: %w", err)
	}
	if len(results) != len(queries) {
		return fmt.Errorf("scan: matching: %d results for %d queries", len(results), len(queries))
	}
	findings := []Finding{}
	for j, res := range results {
		for _, i := range slots[j].pkgs {
			p := &rep.Packages[i]
			if res.Err != nil {
				rep.Incomplete = append(rep.Incomplete, AnalyzerError{Analyzer: matcherName, Path: p.PURL.String(), Error: res.Err.Error()})
			}
			for _, mt := range res.Matches {
				findings = append(findings, newFinding(p, mt))
			}
		}
	}
	sortFindings(findings)
	rep.Findings = findings
	rep.Summary = summarize(findings)
	info := &DatabaseInfo{MatchedAt: time.Now().UTC(), Sources: []vulndb.SourceInfo{}}
	if sl, ok := m.(sourceLister); ok {
		srcs, err := sl.Sources(ctx)
		if err != nil {
			return fmt.Errorf("scan: listing vulnerability sources: %w", err)
		}
		info.Sources = srcs
	}
	rep.Database = info
	return nil
}

// matcherName is the Analyzer name of matching problems in Incomplete.
const matcherName = "matcher"

func newFinding(p *Package, m vulndb.Match) Finding {
	f := Finding{
		ID:               m.ID,
		Aliases:          m.Aliases,
		Package:          p.Name,
		Type:             p.Type,
		PURL:             p.PURL,
		InstalledVersion: p.Version,
		FixedVersion:     m.FixedVersion,
		Status:           string(m.Status),
		Severity:         string(cmp.Or(m.Severity, vulndb.Unknown)),
		SeveritySource:   m.SeveritySource,
		Title:            m.Summary,
		KEV:              m.KEV,
		EPSS:             m.EPSS,
		DataSources:      m.Sources,
		Layer:            p.Layer,
	}
	if !m.Published.IsZero() {
		t := m.Published
		f.Published = &t
	}
	for _, c := range m.CVSS {
		f.CVSS = append(f.CVSS, CVSS{Version: cvssVersion(c), Vector: c.Vector, Score: c.Score, Source: c.Source})
	}
	return f
}

// cvssVersion reads the CVSS version from a vector ("CVSS:3.1/…") or,
// for v2 vectors that carry none, from the type.
func cvssVersion(c vulndb.CVSS) string {
	if rest, ok := strings.CutPrefix(c.Vector, "CVSS:"); ok {
		v, _, _ := strings.Cut(rest, "/")
		return v
	}
	switch c.Type {
	case "CVSS_V2":
		return "2.0"
	case "CVSS_V3":
		return "3.1"
	case "CVSS_V4":
		return "4.0"
	}
	return ""
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Layer.Index, b.Layer.Index),
			cmp.Compare(vulndb.Severity(b.Severity).Rank(), vulndb.Severity(a.Severity).Rank()),
			strings.Compare(a.ID, b.ID),
			strings.Compare(a.Package, b.Package),
			strings.Compare(a.InstalledVersion, b.InstalledVersion),
		)
	})
}

func summarize(fs []Finding) map[string]int {
	s := make(map[string]int, len(Severities))
	for _, sev := range Severities {
		s[sev] = 0
	}
	for _, f := range fs {
		s[f.Severity]++
	}
	return s
}

// QueryFor returns the vulnerability query for a package of an image whose
// operating system is d: OS packages by source package under their
// distribution release ("Debian:12", "Alpine:v3.19"), language packages in
// their ecosystem with the name the ecosystem's advisories use. ok is
// false when no feed is known for the package.
func QueryFor(p *Package, d *Distro) (vulndb.Query, bool) {
	switch p.Type {
	case TypeDeb, TypeAPK, TypeRPM:
		eco := distroEcosystem(p.Type, d)
		if eco == "" {
			return vulndb.Query{}, false
		}
		name, ver := p.Name, p.Version
		if p.Source != nil && p.Source.Name != "" {
			name = p.Source.Name
			if p.Type == TypeDeb && p.Source.Version != "" {
				ver = p.Source.Version // Debian's tracker speaks in source versions
			}
		}
		return vulndb.Query{Ecosystem: eco, Name: name, Version: ver}, true
	case TypeGolang:
		v := strings.TrimPrefix(p.Version, "v")
		if p.Name == "stdlib" || p.Name == "toolchain" {
			v = strings.TrimPrefix(p.Version, "go")
			v = strings.TrimPrefix(v, "v")
		}
		if v == "" || v == "(devel)" {
			return vulndb.Query{}, false
		}
		return vulndb.Query{Ecosystem: vulndb.EcosystemGo, Name: p.Name, Version: v}, true
	}
	if p.Type == TypeBinary || (len(p.CPEs) > 0 && languageEcosystems[p.Type] == "") {
		return cpeQuery(p)
	}
	eco, ok := languageEcosystems[p.Type]
	if !ok || p.Version == "" {
		return vulndb.Query{}, false
	}
	name := p.Name
	switch p.Type {
	case TypeMaven:
		if p.PURL.Namespace != "" {
			name = p.PURL.Namespace + ":" + p.PURL.Name
		}
	case TypeComposer, TypeNPM:
		if p.PURL.Namespace != "" {
			name = p.PURL.Namespace + "/" + p.PURL.Name
		}
	}
	return vulndb.Query{Ecosystem: eco, Name: name, Version: p.Version}, true
}

// languageEcosystems maps package types to OSV ecosystems. Read only.
var languageEcosystems = map[string]string{
	TypeNPM:      vulndb.EcosystemNPM,
	TypePyPI:     vulndb.EcosystemPyPI,
	TypeMaven:    vulndb.EcosystemMaven,
	TypeCargo:    vulndb.EcosystemCratesIO,
	TypeGem:      vulndb.EcosystemRubyGems,
	TypeNuGet:    vulndb.EcosystemNuGet,
	TypeComposer: vulndb.EcosystemPackagist,
}

// debianCodenames maps the codenames of Debian releases without a
// VERSION_ID (testing) to the release number they will carry.
func debianRelease(d *Distro) string {
	if d.VersionID != "" {
		major, _, _ := strings.Cut(d.VersionID, ".")
		return major
	}
	switch d.VersionCodename {
	case "trixie":
		return "13"
	case "forky":
		return "14"
	case "duke":
		return "15"
	case "sid":
		return "unstable"
	}
	return ""
}

// distroEcosystem names the OSV ecosystem of an OS package type on d.
func distroEcosystem(typ string, d *Distro) string {
	if d == nil {
		return ""
	}
	id := strings.ToLower(d.ID)
	switch typ {
	case TypeDeb:
		switch id {
		case "debian":
			if r := debianRelease(d); r != "" {
				return vulndb.EcosystemDebian + ":" + r
			}
		case "ubuntu":
			if d.VersionID == "" {
				return ""
			}
			eco := vulndb.EcosystemUbuntu + ":" + d.VersionID
			if yy, mm, ok := strings.Cut(d.VersionID, "."); ok && mm == "04" && len(yy) == 2 && (yy[1]-'0')%2 == 0 {
				eco += ":LTS"
			}
			return eco
		}
	case TypeAPK:
		switch id {
		case "alpine":
			parts := strings.SplitN(d.VersionID, ".", 3)
			if len(parts) < 2 {
				return ""
			}
			return vulndb.EcosystemAlpine + ":v" + parts[0] + "." + parts[1]
		case "wolfi":
			return vulndb.EcosystemWolfi
		case "chainguard":
			return vulndb.EcosystemChainguard
		}
	case TypeRPM:
		major, _, _ := strings.Cut(d.VersionID, ".")
		if major == "" {
			return ""
		}
		switch id {
		case "rocky":
			return vulndb.EcosystemRocky + ":" + major
		case "almalinux":
			return vulndb.EcosystemAlma + ":" + major
		case "mariner":
			return vulndb.EcosystemMariner + ":" + d.VersionID
		}
	}
	return ""
}

// cpeQuery queries NVD's configurations for a package known by CPE: the
// vendor and product of its first CPE, and the CPE's version (NVD's form of
// it: "21.0.4" where the package says "21.0.4+7-LTS"), or the package's
// when the CPE has none.
func cpeQuery(p *Package) (vulndb.Query, bool) {
	if len(p.CPEs) == 0 {
		return vulndb.Query{}, false
	}
	f := strings.Split(p.CPEs[0], ":")
	if len(f) < 6 || f[0] != "cpe" || f[1] != "2.3" || f[3] == "" || f[4] == "" {
		return vulndb.Query{}, false
	}
	v := p.Version
	if f[5] != "*" && f[5] != "-" && f[5] != "" {
		v = strings.ReplaceAll(f[5], "\\", "")
	}
	if v == "" {
		return vulndb.Query{}, false
	}
	return vulndb.Query{Ecosystem: vulndb.EcosystemNVD, Name: f[3] + ":" + f[4], Version: v}, true
}
