package export

import (
	"cmp"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/package-url/packageurl-go"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// ToolName is the name the exports give the tool that wrote them.
const ToolName = "portcullis"

// Property names used in CycloneDX components, vulnerabilities and
// metadata. They are stable: consumers may key on them.
const (
	PropLayerIndex     = "portcullis:layer:index"
	PropLayerDiffID    = "portcullis:layer:diffID"
	PropPackageType    = "portcullis:package:type"
	PropPackagePath    = "portcullis:package:path"
	PropSourceName     = "portcullis:source:name"
	PropSourceVersion  = "portcullis:source:version"
	PropDev            = "portcullis:package:dev"
	PropOwner          = "portcullis:package:owner"
	PropKEV            = "portcullis:kev"
	PropKEVDateAdded   = "portcullis:kev:dateAdded"
	PropKEVDueDate     = "portcullis:kev:dueDate"
	PropKEVRansomware  = "portcullis:kev:knownRansomwareCampaignUse"
	PropEPSSScore      = "portcullis:epss:score"
	PropEPSSPercentile = "portcullis:epss:percentile"
	PropEPSSDate       = "portcullis:epss:date"
	PropStatus         = "portcullis:status"
	PropFixedVersion   = "portcullis:fixedVersion"
	PropDataSource     = "portcullis:dataSource"
	PropAlias          = "portcullis:alias"
	PropPlatform       = "portcullis:image:platform"
	PropIncomplete     = "portcullis:incomplete"
)

// maxLicenseLen bounds the licence strings given to the SPDX expression
// parser; longer strings are kept as free text.
const maxLicenseLen = 1024

// pkgKey identifies the package a finding is about: findings carry the
// package's type, name, version and PURL, not its index.
type pkgKey struct {
	typ, name, version, purl string
}

func keyOfPackage(p *scan.Package) pkgKey {
	return pkgKey{typ: p.Type, name: p.Name, version: p.Version, purl: p.PURL.String()}
}

func keyOfFinding(f *scan.Finding) pkgKey {
	return pkgKey{typ: f.Type, name: f.Package, version: f.InstalledVersion, purl: f.PURL.String()}
}

// inventory is a report's packages in canonical order, indexed for
// finding the packages a finding is about.
type inventory struct {
	pkgs  []scan.Package
	byKey map[pkgKey][]int
}

// newInventory sorts a copy of the packages by type, name, version, first
// path, layer and PURL (the order [scan.Report] documents), so that the
// exports do not depend on the order a hand-built report lists them in.
func newInventory(ps []scan.Package) *inventory {
	inv := &inventory{pkgs: slices.Clone(ps), byKey: make(map[pkgKey][]int, len(ps))}
	slices.SortStableFunc(inv.pkgs, func(a, b scan.Package) int {
		return cmp.Or(
			strings.Compare(a.Type, b.Type),
			strings.Compare(a.Name, b.Name),
			strings.Compare(a.Version, b.Version),
			strings.Compare(firstPath(&a), firstPath(&b)),
			cmp.Compare(a.Layer.Index, b.Layer.Index),
			strings.Compare(a.PURL.String(), b.PURL.String()),
		)
	})
	for i := range inv.pkgs {
		k := keyOfPackage(&inv.pkgs[i])
		inv.byKey[k] = append(inv.byKey[k], i)
	}
	return inv
}

// packagesOf returns the indexes of the packages f is about: those with
// its identity in its layer, or every package with its identity when none
// is in that layer. It returns nil when the report holds no such package.
func (inv *inventory) packagesOf(f *scan.Finding) []int {
	all := inv.byKey[keyOfFinding(f)]
	var inLayer []int
	for _, i := range all {
		if inv.pkgs[i].Layer == f.Layer {
			inLayer = append(inLayer, i)
		}
	}
	if len(inLayer) > 0 {
		return inLayer
	}
	return all
}

func firstPath(p *scan.Package) string {
	if len(p.Paths) == 0 {
		return ""
	}
	return p.Paths[0]
}

// sortedFindings returns a copy of fs in a canonical order: by ID, then
// package identity and layer.
func sortedFindings(fs []scan.Finding) []scan.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b scan.Finding) int {
		return cmp.Or(
			strings.Compare(a.ID, b.ID),
			strings.Compare(a.Type, b.Type),
			strings.Compare(a.Package, b.Package),
			strings.Compare(a.InstalledVersion, b.InstalledVersion),
			strings.Compare(a.PURL.String(), b.PURL.String()),
			cmp.Compare(a.Layer.Index, b.Layer.Index),
		)
	})
	return out
}

// imageInfo is what the exports say about the scanned image.
type imageInfo struct {
	// name is the reference without a "registry:" prefix, or the digest
	// when the report has no reference.
	name string
	// purl is the image's pkg:oci PURL when it was pulled from a registry
	// and its digest is known, else "".
	purl string
}

func describeImage(img scan.ImageRef) imageInfo {
	info := imageInfo{name: strings.TrimPrefix(img.Ref, "registry:")}
	if info.name == "" {
		info.name = img.Digest
	}
	if info.name == "" {
		info.name = "image"
	}
	info.purl = ociPURL(img)
	return info
}

// ociPURL returns the pkg:oci PURL of an image opened from a registry
// (https://github.com/package-url/purl-spec, type "oci"): the last
// repository segment as the name, the digest as the version, and the
// repository, tag and architecture as qualifiers. Local sources (oci-dir:,
// docker-archive:, dir:) and images without a digest have none.
func ociPURL(img scan.ImageRef) string {
	ref := img.Ref
	if rest, ok := strings.CutPrefix(ref, "registry:"); ok {
		ref = rest
	} else {
		for _, local := range []string{"oci-dir:", "docker-archive:", "dir:"} {
			if strings.HasPrefix(ref, local) {
				return ""
			}
		}
	}
	if ref == "" || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, ".") {
		return ""
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return ""
	}
	repo := r.Context().RepositoryStr()
	if repo == "" || strings.HasPrefix(repo, "/") || strings.Contains(repo, "//") {
		return ""
	}
	digest := img.Digest
	if d, ok := r.(name.Digest); ok && digest == "" {
		digest = d.DigestStr()
	}
	if digest == "" {
		return ""
	}
	registry := r.Context().RegistryStr()
	if registry == name.DefaultRegistry {
		registry = "docker.io" // the name people and the PURL spec use
	}
	q := map[string]string{"repository_url": registry + "/" + repo}
	if t, ok := r.(name.Tag); ok {
		q["tag"] = t.TagStr()
	}
	if parts := strings.Split(img.Platform, "/"); len(parts) >= 2 && parts[1] != "" {
		q["arch"] = parts[1]
	}
	p := packageurl.NewPackageURL(packageurl.TypeOCI, "", strings.ToLower(path.Base(repo)), digest, packageurl.QualifiersFromMap(q), "")
	return p.ToString()
}

// advisory names the database that publishes a vulnerability ID and the
// URL of its page there.
type advisory struct {
	source, url string
}

// advisoryFor returns the publisher and page of a vulnerability ID when
// its prefix says which database owns it (CVE, GHSA, GO, Debian's DSA,
// DLA and DTSA, RUSTSEC), or the OSV.dev page when the record came from an
// OSV feed. ok is false otherwise.
func advisoryFor(id string, dataSources []string) (advisory, bool) {
	esc := url.PathEscape(id)
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return advisory{"NVD", "https://nvd.nist.gov/vuln/detail/" + esc}, true
	case strings.HasPrefix(id, "GHSA-"):
		return advisory{"GitHub Advisory Database", "https://github.com/advisories/" + esc}, true
	case strings.HasPrefix(id, "GO-"):
		return advisory{"Go Vulnerability Database", "https://pkg.go.dev/vuln/" + esc}, true
	case strings.HasPrefix(id, "DSA-"), strings.HasPrefix(id, "DLA-"), strings.HasPrefix(id, "DTSA-"):
		return advisory{"Debian Security Tracker", "https://security-tracker.debian.org/tracker/" + esc}, true
	case strings.HasPrefix(id, "RUSTSEC-"):
		return advisory{"RustSec Advisory Database", "https://rustsec.org/advisories/" + esc}, true
	}
	for _, s := range dataSources {
		if s == "osv" || strings.HasPrefix(s, "osv:") {
			return advisory{"OSV", "https://osv.dev/vulnerability/" + esc}, true
		}
	}
	return advisory{}, false
}

// severityRank orders the severity names of [scan.Finding]: CRITICAL is 4,
// anything unknown 0.
func severityRank(s string) int { return vulndb.Severity(s).Rank() }

// maxCVSS returns the highest CVSS base score among cs, and whether there
// was one.
func maxCVSS(cs []scan.CVSS) (float64, bool) {
	best, ok := 0.0, false
	for _, c := range cs {
		if c.Score > 0 && (!ok || c.Score > best) {
			best, ok = c.Score, true
		}
	}
	return best, ok
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// timestamp formats t as RFC 3339 in UTC, to the second.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// layerText describes a layer for people: "layer 1 (sha256:…)".
func layerText(l scan.LayerRef) string {
	s := "layer " + strconv.Itoa(l.Index)
	if l.DiffID != "" {
		s += " (" + l.DiffID + ")"
	}
	return s
}

// uniqueSorted returns the distinct non-empty strings of ss, sorted.
func uniqueSorted(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sanitizeID keeps the characters SPDX allows in identifiers (letters,
// digits, '.' and '-'), turns runs of others into one '-', and bounds the
// length.
func sanitizeID(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r < 0x80 && (r == '.' || r == '-' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'))
		switch {
		case ok && r != '-':
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= max {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// uniqueName returns base, or base with "-2", "-3", … appended, whichever
// is not yet in used, and records it.
func uniqueName(used map[string]bool, base string) string {
	s := base
	for n := 2; used[s]; n++ {
		s = base + "-" + strconv.Itoa(n)
	}
	used[s] = true
	return s
}
