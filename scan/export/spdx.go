package export

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/portcullis-oci/portcullis/scan"
)

// SPDXNamespacePrefix starts the documentNamespace of every SPDX document;
// the image digest follows. The .invalid domain (RFC 2606) resolves
// nowhere: the namespace names the document, it locates nothing.
const SPDXNamespacePrefix = "https://portcullis.invalid/spdx/"

// noAssertion is SPDX's "no attempt was made to find out".
const noAssertion = "NOASSERTION"

// maxSPDXIDLen bounds the idstring of a package's SPDXID.
const maxSPDXIDLen = 128

// The fixed element IDs, without the SPDXRef- prefix.
const (
	spdxDocumentID = "DOCUMENT"
	spdxImageID    = "Image"
	spdxOSID       = "OperatingSystem"
)

// SPDX writes rep as an SPDX 2.3 JSON document.
//
// The document's namespace is [SPDXNamespacePrefix] followed by the image
// digest, so it is the same for every scan of one image; its creator is
// "Tool: portcullis" and its creation time the scan time. It describes one
// package for the image (with its pkg:oci PURL when it came from a
// registry), which CONTAINS a package for the distribution, when known,
// and one package per installed package: with a unique SPDXID built from
// its type, name and version, its version, its PURL as a PACKAGE-MANAGER
// external reference (and its CPEs as SECURITY cpe23Type references), its
// declared licences as one SPDX expression
// (licences that are not SPDX expressions become LicenseRef-… entries of
// hasExtractedLicensingInfos; none gives NOASSERTION), NOASSERTION as
// download location, filesAnalyzed false, and the layer and evidence path
// in sourceInfo. Packages a later layer removed are left out.
func SPDX(w io.Writer, rep *scan.Report) error {
	if rep == nil {
		return errors.New("export: spdx: nil report")
	}
	doc := buildSPDX(rep)
	if err := spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("export: spdx: writing the document of %s: %w", rep.Image.Digest, err)
	}
	return nil
}

func buildSPDX(rep *scan.Report) *spdx.Document {
	img := describeImage(rep.Image)
	inv := newInventory(rep.Packages)

	namespaceID := rep.Image.Digest
	if namespaceID == "" {
		namespaceID = "no-digest/" + img.name
	}
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    spdxDocumentID,
		DocumentName:      "portcullis scan of " + img.name,
		DocumentNamespace: SPDXNamespacePrefix + url.PathEscape(namespaceID),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: ToolName}},
			Created:  timestamp(rep.ScannedAt),
		},
	}
	if len(rep.Incomplete) > 0 {
		lines := make([]string, len(rep.Incomplete))
		for i, e := range rep.Incomplete {
			lines[i] = e.String()
		}
		doc.DocumentComment = "The scan is incomplete; what was not analysed:\n" + strings.Join(lines, "\n")
	}

	image := &spdx.Package{
		PackageName:             img.name,
		PackageSPDXIdentifier:   spdxImageID,
		PackageVersion:          rep.Image.Digest,
		PackageDownloadLocation: noAssertion,
		FilesAnalyzed:           false,
		PrimaryPackagePurpose:   "CONTAINER",
	}
	if img.purl != "" {
		image.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(img.purl)}
	}
	if rep.Image.Platform != "" {
		image.PackageComment = "platform " + rep.Image.Platform
	}
	doc.Packages = append(doc.Packages, image)
	doc.Relationships = append(doc.Relationships, relationship(spdxDocumentID, common.TypeRelationshipDescribe, spdxImageID))

	if d := rep.Distro; d != nil && d.ID != "" {
		doc.Packages = append(doc.Packages, &spdx.Package{
			PackageName:             d.ID,
			PackageSPDXIdentifier:   spdxOSID,
			PackageVersion:          cmp.Or(d.VersionID, d.VersionCodename),
			PackageDownloadLocation: noAssertion,
			FilesAnalyzed:           false,
			PackageDescription:      d.PrettyName,
			PrimaryPackagePurpose:   "OPERATING_SYSTEM",
		})
		doc.Relationships = append(doc.Relationships, relationship(spdxImageID, common.TypeRelationshipContains, spdxOSID))
	}

	used := map[string]bool{spdxDocumentID: true, spdxImageID: true, spdxOSID: true}
	refs := newLicenseRefs()
	for i := range inv.pkgs {
		refs.reserve(inv.pkgs[i].Licenses)
	}
	for i := range inv.pkgs {
		p := &inv.pkgs[i]
		id := uniqueName(used, "Package-"+cmp.Or(sanitizeID(p.Type+"-"+p.Name+"-"+p.Version, maxSPDXIDLen), "unnamed"))
		doc.Packages = append(doc.Packages, spdxPackage(p, common.ElementID(id), refs))
		doc.Relationships = append(doc.Relationships, relationship(spdxImageID, common.TypeRelationshipContains, common.ElementID(id)))
	}
	for _, ref := range refs.refs() {
		text := refs.texts[ref]
		doc.OtherLicenses = append(doc.OtherLicenses, &spdx.OtherLicense{
			LicenseIdentifier: ref,
			ExtractedText:     text,
			LicenseName:       text,
			LicenseComment:    "Declared by a package's metadata; not an SPDX licence expression.",
		})
	}
	return doc
}

func spdxPackage(p *scan.Package, id common.ElementID, refs *licenseRefs) *spdx.Package {
	sp := &spdx.Package{
		PackageName:             p.Name,
		PackageSPDXIdentifier:   id,
		PackageVersion:          p.Version,
		PackageDownloadLocation: noAssertion,
		FilesAnalyzed:           false,
		PrimaryPackagePurpose:   "LIBRARY",
		PackageLicenseDeclared:  refs.expression(p.Licenses),
	}
	if sp.PackageLicenseDeclared == "" {
		sp.PackageLicenseDeclared = noAssertion
	}
	if purl := p.PURL.String(); purl != "" {
		sp.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(purl)}
	}
	for _, cpe := range p.CPEs {
		if cpe != "" {
			sp.PackageExternalReferences = append(sp.PackageExternalReferences, &spdx.PackageExternalReference{
				Category: common.CategorySecurity, RefType: common.TypeSecurityCPE23Type, Locator: cpe,
			})
		}
	}
	info := "installed by " + layerText(p.Layer) + " of the image"
	if path := firstPath(p); path != "" {
		info += ", read from " + path
	}
	sp.PackageSourceInfo = info
	var comment []string
	comment = append(comment, p.Type+" package")
	if s := p.Source; s != nil && s.Name != "" {
		comment = append(comment, "built from source package "+strings.TrimSuffix(s.Name+" "+s.Version, " "))
	}
	if p.Arch != "" {
		comment = append(comment, "architecture "+p.Arch)
	}
	if p.Dev {
		comment = append(comment, "development dependency")
	}
	if o := p.Owner; o != nil && o.Name != "" {
		comment = append(comment, "installed by OS package "+ownerText(o))
	}
	sp.PackageComment = strings.Join(comment, "; ")
	return sp
}

func purlRef(purl string) *spdx.PackageExternalReference {
	return &spdx.PackageExternalReference{
		Category: common.CategoryPackageManager,
		RefType:  common.TypePackageManagerPURL,
		Locator:  purl,
	}
}

func relationship(a common.ElementID, typ string, b common.ElementID) *spdx.Relationship {
	return &spdx.Relationship{
		RefA:         common.DocElementID{ElementRefID: a},
		RefB:         common.DocElementID{ElementRefID: b},
		Relationship: typ,
	}
}
