package export

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"

	"github.com/portcullis-oci/portcullis/scan"
)

// CycloneDXSchema is the JSON schema URL the CycloneDX output names.
const CycloneDXSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// serialNamespaceURL names the namespace of the name-based (version 5)
// UUIDs that serial numbers are.
const serialNamespaceURL = "https://portcullis.invalid/cyclonedx"

// CycloneDX writes rep as a CycloneDX 1.6 JSON BOM.
//
// metadata.component is the image (type container, named by its
// reference, versioned by its digest, with a pkg:oci PURL when it came
// from a registry), metadata.tools names portcullis and metadata.timestamp
// is the scan time. The distribution, when known, is an operating-system
// component. Every installed package is a library component whose bom-ref
// is its PURL (made unique with a "|2", "|3", … suffix when packages share
// a PURL), with its declared licences (an SPDX id, one SPDX expression, or
// names) and the properties named by the Prop… constants. Packages a later
// layer removed are not components.
//
// Each vulnerability ID found becomes one entry of vulnerabilities: its
// ratings (the severity with the source that rated it, and each CVSS
// vector with its score), the database that publishes it and its aliases,
// the components it affects (with their installed versions), the upgrades
// that fix it, its publication date and KEV, EPSS, status and fixed
// version properties. Everything is sorted, so the same report always
// gives the same bytes.
func CycloneDX(w io.Writer, rep *scan.Report) error {
	if rep == nil {
		return errors.New("export: cyclonedx: nil report")
	}
	bom := buildCycloneDX(rep)
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("export: cyclonedx: writing the BOM of %s: %w", rep.Image.Digest, err)
	}
	return nil
}

func buildCycloneDX(rep *scan.Report) *cdx.BOM {
	img := describeImage(rep.Image)
	inv := newInventory(rep.Packages)

	bom := &cdx.BOM{
		JSONSchema:  CycloneDXSchema,
		BOMFormat:   cdx.BOMFormat,
		SpecVersion: cdx.SpecVersion1_6,
		Version:     1,
		SerialNumber: "urn:uuid:" + uuid.NewSHA1(uuid.NewSHA1(uuid.NameSpaceURL, []byte(serialNamespaceURL)),
			[]byte(rep.Image.Digest+"\x00"+rep.Image.Ref+"\x00"+timestamp(rep.ScannedAt))).String(),
	}

	used := map[string]bool{}
	imageRef := img.purl
	if imageRef == "" {
		imageRef = "portcullis:image:" + cmp.Or(rep.Image.Digest, img.name)
	}
	imageRef = uniqueName(used, imageRef)
	imageComp := &cdx.Component{
		BOMRef:     imageRef,
		Type:       cdx.ComponentTypeContainer,
		Name:       img.name,
		Version:    rep.Image.Digest,
		PackageURL: img.purl,
	}
	if rep.Image.Platform != "" {
		imageComp.Properties = &[]cdx.Property{{Name: PropPlatform, Value: rep.Image.Platform}}
	}
	tools := []cdx.Component{{Type: cdx.ComponentTypeApplication, Name: ToolName}}
	bom.Metadata = &cdx.Metadata{
		Timestamp: timestamp(rep.ScannedAt),
		Tools:     &cdx.ToolsChoice{Components: &tools},
		Component: imageComp,
	}
	if props := metadataProperties(rep); len(props) > 0 {
		bom.Metadata.Properties = &props
	}

	components := make([]cdx.Component, 0, len(inv.pkgs)+1)
	if d := rep.Distro; d != nil && d.ID != "" {
		version := cmp.Or(d.VersionID, d.VersionCodename)
		ref := "portcullis:os:" + d.ID
		if version != "" {
			ref += "@" + version
		}
		components = append(components, cdx.Component{
			BOMRef:      uniqueName(used, ref),
			Type:        cdx.ComponentTypeOS,
			Name:        d.ID,
			Version:     version,
			Description: d.PrettyName,
		})
	}
	refs := make([]string, len(inv.pkgs))
	for i := range inv.pkgs {
		p := &inv.pkgs[i]
		base := p.PURL.String()
		if base == "" {
			base = "portcullis:package:" + p.Type + "/" + p.Name + "@" + p.Version
		}
		refs[i] = uniqueRef(used, base)
		components = append(components, packageComponent(p, refs[i]))
	}
	if len(components) > 0 {
		bom.Components = &components
	}
	if vulns := cdxVulnerabilities(rep, inv, refs, imageRef); len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	return bom
}

// uniqueRef returns base, or base with "|2", "|3", … appended; '|' is not
// a PURL character, so the suffix cannot be read as part of one.
func uniqueRef(used map[string]bool, base string) string {
	s := base
	for n := 2; used[s]; n++ {
		s = base + "|" + strconv.Itoa(n)
	}
	used[s] = true
	return s
}

func metadataProperties(rep *scan.Report) []cdx.Property {
	var props []cdx.Property
	for _, e := range rep.Incomplete {
		props = append(props, cdx.Property{Name: PropIncomplete, Value: e.String()})
	}
	return props
}

func packageComponent(p *scan.Package, ref string) cdx.Component {
	c := cdx.Component{
		BOMRef:     ref,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: p.PURL.String(),
		Licenses:   cdxLicenses(p.Licenses),
	}
	if len(p.CPEs) > 0 {
		c.CPE = p.CPEs[0]
	}
	props := []cdx.Property{
		{Name: PropLayerIndex, Value: strconv.Itoa(p.Layer.Index)},
		{Name: PropLayerDiffID, Value: p.Layer.DiffID},
		{Name: PropPackageType, Value: p.Type},
	}
	if path := firstPath(p); path != "" {
		props = append(props, cdx.Property{Name: PropPackagePath, Value: path})
	}
	if s := p.Source; s != nil {
		if s.Name != "" {
			props = append(props, cdx.Property{Name: PropSourceName, Value: s.Name})
		}
		if s.Version != "" {
			props = append(props, cdx.Property{Name: PropSourceVersion, Value: s.Version})
		}
	}
	if p.Dev {
		props = append(props, cdx.Property{Name: PropDev, Value: "true"})
	}
	if o := p.Owner; o != nil && o.Name != "" {
		props = append(props, cdx.Property{Name: PropOwner, Value: ownerText(o)})
	}
	props = slices.DeleteFunc(props, func(p cdx.Property) bool { return p.Value == "" })
	c.Properties = &props
	return c
}

// ownerText names the OS package that installed a package:
// "deb/python3-requests@2.31.0+dfsg-1".
func ownerText(o *scan.Owner) string {
	s := o.Type + "/" + o.Name
	if o.Version != "" {
		s += "@" + o.Version
	}
	return s
}

// cdxLicenses turns declared licence strings into CycloneDX licences.
// CycloneDX allows either a list of licences (by SPDX id or by name) or
// exactly one expression, so: ids and names become a list; a single
// expression, or expressions mixed only with ids, become one expression
// joined with AND; expressions mixed with free text are listed as names.
func cdxLicenses(ls []string) *cdx.Licenses {
	classes := classifyLicenses(ls)
	if len(classes) == 0 {
		return nil
	}
	hasExpr, hasName := false, false
	for _, l := range classes {
		hasExpr = hasExpr || l.kind == licenseExpression
		hasName = hasName || l.kind == licenseName
	}
	declared := cdx.LicenseAcknowledgementDeclared
	if hasExpr && !hasName {
		parts := make([]string, len(classes))
		for i, l := range classes {
			parts[i] = l.value
		}
		return &cdx.Licenses{{Expression: joinExpressions(parts), Acknowledgement: &declared}}
	}
	out := make(cdx.Licenses, 0, len(classes))
	for _, l := range classes {
		lic := &cdx.License{Acknowledgement: declared}
		if l.kind == licenseID {
			lic.ID = l.value
		} else {
			lic.Name = l.value
		}
		out = append(out, cdx.LicenseChoice{License: lic})
	}
	return &out
}

// cdxSeverity maps a severity name to CycloneDX's; ok is false for names
// other than CRITICAL, HIGH, MEDIUM and LOW.
func cdxSeverity(s string) (sev cdx.Severity, ok bool) {
	switch s {
	case "CRITICAL":
		return cdx.SeverityCritical, true
	case "HIGH":
		return cdx.SeverityHigh, true
	case "MEDIUM":
		return cdx.SeverityMedium, true
	case "LOW":
		return cdx.SeverityLow, true
	}
	return cdx.SeverityUnknown, false
}

// cvssMethod maps a CVSS version to CycloneDX's scoring method.
func cvssMethod(version string) cdx.ScoringMethod {
	switch version {
	case "2", "2.0":
		return cdx.ScoringMethodCVSSv2
	case "3", "3.0":
		return cdx.ScoringMethodCVSSv3
	case "3.1":
		return cdx.ScoringMethodCVSSv31
	case "4", "4.0":
		return cdx.ScoringMethodCVSSv4
	}
	return cdx.ScoringMethodOther
}

// cdxVulnerabilities groups the findings by vulnerability ID. refs are the
// bom-refs of inv's packages; imageRef is affected when a finding's
// package is not in the report.
func cdxVulnerabilities(rep *scan.Report, inv *inventory, refs []string, imageRef string) []cdx.Vulnerability {
	findings := sortedFindings(rep.Findings)
	var out []cdx.Vulnerability
	for start := 0; start < len(findings); {
		end := start + 1
		for end < len(findings) && findings[end].ID == findings[start].ID {
			end++
		}
		out = append(out, cdxVulnerability(findings[start:end], inv, refs, imageRef))
		start = end
	}
	return out
}

func cdxVulnerability(fs []scan.Finding, inv *inventory, refs []string, imageRef string) cdx.Vulnerability {
	id := fs[0].ID
	v := cdx.Vulnerability{ID: id}

	var (
		sources, aliases, statuses, fixed, upgrades []string
		ratings                                     []cdx.VulnerabilityRating
		seenRating                                  = map[string]bool{}
		affected                                    = map[string]string{} // bom-ref → installed version
	)
	for i := range fs {
		f := &fs[i]
		sources = append(sources, f.DataSources...)
		aliases = append(aliases, f.Aliases...)
		statuses = append(statuses, f.Status)
		fixed = append(fixed, f.FixedVersion)
		if f.FixedVersion != "" {
			upgrades = append(upgrades, "Upgrade "+f.Package+" to "+f.FixedVersion)
		}
		if v.Description == "" {
			v.Description = f.Title
		}
		if f.Published != nil && !f.Published.IsZero() {
			if p := timestamp(*f.Published); v.Published == "" || p < v.Published {
				v.Published = p
			}
		}
		if sev, ok := cdxSeverity(f.Severity); ok || f.Severity != "" {
			key := "sev\x00" + string(sev) + "\x00" + f.SeveritySource
			if !seenRating[key] {
				seenRating[key] = true
				r := cdx.VulnerabilityRating{Severity: sev}
				if f.SeveritySource != "" {
					r.Source = &cdx.Source{Name: f.SeveritySource}
				}
				ratings = append(ratings, r)
			}
		}
		for _, c := range f.CVSS {
			if c.Vector == "" && c.Score <= 0 {
				continue
			}
			key := "cvss\x00" + c.Version + "\x00" + c.Vector + "\x00" + c.Source + "\x00" + formatFloat(c.Score)
			if seenRating[key] {
				continue
			}
			seenRating[key] = true
			r := cdx.VulnerabilityRating{Method: cvssMethod(c.Version), Vector: c.Vector}
			if c.Score > 0 {
				score := c.Score
				r.Score = &score
			}
			if c.Source != "" {
				r.Source = &cdx.Source{Name: c.Source}
			}
			ratings = append(ratings, r)
		}
		idx := inv.packagesOf(f)
		if len(idx) == 0 {
			affected[imageRef] = ""
		}
		for _, j := range idx {
			affected[refs[j]] = f.InstalledVersion
		}
	}
	sources = uniqueSorted(sources)

	if adv, ok := advisoryFor(id, sources); ok {
		v.Source = &cdx.Source{Name: adv.source, URL: adv.url}
	} else if len(sources) > 0 {
		v.Source = &cdx.Source{Name: sources[0]}
	}

	slices.SortStableFunc(ratings, func(a, b cdx.VulnerabilityRating) int {
		return cmp.Or(
			cmp.Compare(a.Method, b.Method),
			strings.Compare(sourceName(a.Source), sourceName(b.Source)),
			strings.Compare(string(a.Severity), string(b.Severity)),
			strings.Compare(a.Vector, b.Vector),
		)
	})
	if len(ratings) > 0 {
		v.Ratings = &ratings
	}

	var (
		references []cdx.VulnerabilityReference
		advisories []cdx.Advisory
		props      []cdx.Property
	)
	if adv, ok := advisoryFor(id, sources); ok {
		advisories = append(advisories, cdx.Advisory{Title: id, URL: adv.url})
	}
	for _, a := range uniqueSorted(aliases) {
		if a == id {
			continue
		}
		adv, ok := advisoryFor(a, sources)
		if !ok {
			props = append(props, cdx.Property{Name: PropAlias, Value: a})
			continue
		}
		references = append(references, cdx.VulnerabilityReference{ID: a, Source: &cdx.Source{Name: adv.source, URL: adv.url}})
		advisories = append(advisories, cdx.Advisory{Title: a, URL: adv.url})
	}
	if len(references) > 0 {
		v.References = &references
	}
	if len(advisories) > 0 {
		v.Advisories = &advisories
	}
	if u := uniqueSorted(upgrades); len(u) > 0 {
		v.Recommendation = strings.Join(u, "; ")
	}

	affects := make([]cdx.Affects, 0, len(affected))
	for _, ref := range sortedKeys(affected) {
		a := cdx.Affects{Ref: ref}
		if ver := affected[ref]; ver != "" {
			a.Range = &[]cdx.AffectedVersions{{Version: ver, Status: cdx.VulnerabilityStatusAffected}}
		}
		affects = append(affects, a)
	}
	v.Affects = &affects

	props = append(props, exploitProperties(fs)...)
	for _, s := range uniqueSorted(statuses) {
		props = append(props, cdx.Property{Name: PropStatus, Value: s})
	}
	for _, s := range uniqueSorted(fixed) {
		props = append(props, cdx.Property{Name: PropFixedVersion, Value: s})
	}
	for _, s := range sources {
		props = append(props, cdx.Property{Name: PropDataSource, Value: s})
	}
	if len(props) > 0 {
		v.Properties = &props
	}
	return v
}

// exploitProperties are the KEV and EPSS properties of a vulnerability,
// from the first finding that has each.
func exploitProperties(fs []scan.Finding) []cdx.Property {
	var props []cdx.Property
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	for i := range fs {
		if k := fs[i].KEV; k != nil {
			add(PropKEV, "true")
			add(PropKEVDateAdded, k.DateAdded)
			add(PropKEVDueDate, k.DueDate)
			add(PropKEVRansomware, k.KnownRansomware)
			break
		}
	}
	for i := range fs {
		if e := fs[i].EPSS; e != nil {
			add(PropEPSSScore, formatFloat(e.Score))
			add(PropEPSSPercentile, formatFloat(e.Percentile))
			add(PropEPSSDate, e.Date)
			break
		}
	}
	return props
}

func sourceName(s *cdx.Source) string {
	if s == nil {
		return ""
	}
	return s.Name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
