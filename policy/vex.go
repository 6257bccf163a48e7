package policy

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/internal/yamlx"

	"github.com/package-url/packageurl-go"

	"github.com/portcullis-oci/portcullis/scan"
)

// VEX statuses (OpenVEX).
const (
	VEXNotAffected        = "not_affected"
	VEXAffected           = "affected"
	VEXFixed              = "fixed"
	VEXUnderInvestigation = "under_investigation"
)

// VEXDocument is an OpenVEX document (https://github.com/openvex/spec),
// versions 0.0.1 to 0.2.0.
type VEXDocument struct {
	// Source names where the document came from, for reasons.
	Source     string
	ID         string
	Author     string
	Timestamp  time.Time
	Statements []VEXStatement
}

// VEXStatement says how one vulnerability affects some products.
type VEXStatement struct {
	Vulnerability string
	Aliases       []string
	Products      []VEXProduct
	// Status is one of the VEX… status constants.
	Status          string
	Justification   string
	ImpactStatement string
	// Timestamp is the statement's, its last update's, or the document's.
	Timestamp time.Time
}

// VEXProduct is a product a statement is about: an image (an OCI package
// URL, or a digest in @id or hashes) or a package (a package URL), with the
// subcomponents the statement is limited to.
type VEXProduct struct {
	ID            string
	PURL          string
	Hashes        map[string]string
	Subcomponents []VEXProduct
}

// LoadVEXFile reads and parses an OpenVEX document.
func LoadVEXFile(path string) (*VEXDocument, error) {
	data, err := yamlx.ReadFile(path, MaxVEXBytes)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return ParseVEX(path, data)
}

// The OpenVEX wire format. Older documents give the vulnerability as a
// string, products as strings and subcomponents on the statement.
type vexDocJSON struct {
	Context    string          `json:"@context"`
	ID         string          `json:"@id"`
	Author     string          `json:"author"`
	Timestamp  *time.Time      `json:"timestamp"`
	Statements []vexStmtJSON   `json:"statements"`
	Products   json.RawMessage `json:"products"`
}

type vexStmtJSON struct {
	Vulnerability   json.RawMessage   `json:"vulnerability"`
	Products        []json.RawMessage `json:"products"`
	Subcomponents   []json.RawMessage `json:"subcomponents"`
	Status          string            `json:"status"`
	Justification   string            `json:"justification"`
	ImpactStatement string            `json:"impact_statement"`
	Timestamp       *time.Time        `json:"timestamp"`
	LastUpdated     *time.Time        `json:"last_updated"`
}

type vexVulnJSON struct {
	Name    string   `json:"name"`
	ID      string   `json:"@id"`
	Aliases []string `json:"aliases"`
}

type vexProductJSON struct {
	ID            string            `json:"@id"`
	Identifiers   map[string]string `json:"identifiers"`
	Hashes        map[string]string `json:"hashes"`
	Subcomponents []json.RawMessage `json:"subcomponents"`
}

// maxVEXStatements bounds the statements of one document.
const maxVEXStatements = 1 << 17

// ParseVEX parses an OpenVEX document; name is used in errors and reasons.
// A statement without a vulnerability or product, with an unknown status,
// or not_affected without a justification or impact statement is an error
// naming the statement.
func ParseVEX(name string, data []byte) (*VEXDocument, error) {
	if len(data) > MaxVEXBytes {
		return nil, fmt.Errorf("policy: %s: larger than %d bytes", name, MaxVEXBytes)
	}
	var raw vexDocJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("policy: %s: not an OpenVEX document: %w", name, err)
	}
	if !strings.HasPrefix(raw.Context, "https://openvex.dev/ns") {
		return nil, fmt.Errorf("policy: %s: @context %q is not OpenVEX (https://openvex.dev/ns…)", name, raw.Context)
	}
	if raw.Timestamp == nil {
		return nil, fmt.Errorf("policy: %s: the document has no timestamp", name)
	}
	if len(raw.Statements) > maxVEXStatements {
		return nil, fmt.Errorf("policy: %s: more than %d statements", name, maxVEXStatements)
	}
	doc := &VEXDocument{Source: name, ID: raw.ID, Author: raw.Author, Timestamp: raw.Timestamp.UTC()}
	for i, rs := range raw.Statements {
		st, err := parseVEXStatement(rs, doc.Timestamp)
		if err != nil {
			return nil, fmt.Errorf("policy: %s: statement %d: %w", name, i+1, err)
		}
		doc.Statements = append(doc.Statements, st)
	}
	return doc, nil
}

func parseVEXStatement(rs vexStmtJSON, docTime time.Time) (VEXStatement, error) {
	st := VEXStatement{Status: rs.Status, Justification: rs.Justification, ImpactStatement: rs.ImpactStatement, Timestamp: docTime}
	switch {
	case rs.Timestamp != nil:
		st.Timestamp = rs.Timestamp.UTC()
	case rs.LastUpdated != nil:
		st.Timestamp = rs.LastUpdated.UTC()
	}
	var s string
	var v vexVulnJSON
	switch {
	case len(rs.Vulnerability) == 0:
		return st, fmt.Errorf("no vulnerability")
	case json.Unmarshal(rs.Vulnerability, &s) == nil:
		st.Vulnerability = s
	case json.Unmarshal(rs.Vulnerability, &v) == nil:
		st.Vulnerability, st.Aliases = v.Name, v.Aliases
		if st.Vulnerability == "" {
			st.Vulnerability = v.ID
		}
	default:
		return st, fmt.Errorf("vulnerability: want a string or an object with a name")
	}
	if st.Vulnerability == "" {
		return st, fmt.Errorf("the vulnerability has no name")
	}
	switch st.Status {
	case VEXNotAffected:
		if st.Justification == "" && st.ImpactStatement == "" {
			return st, fmt.Errorf("%s %s: not_affected needs a justification or an impact_statement", st.Vulnerability, st.Status)
		}
		switch st.Justification {
		case "", "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
			"vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist":
		default:
			return st, fmt.Errorf("%s: unknown justification %q", st.Vulnerability, st.Justification)
		}
	case VEXAffected, VEXFixed, VEXUnderInvestigation:
	default:
		return st, fmt.Errorf("%s: unknown status %q (want not_affected, affected, fixed or under_investigation)", st.Vulnerability, st.Status)
	}
	var subs []VEXProduct
	for _, r := range rs.Subcomponents {
		p, err := parseVEXProduct(r, 1)
		if err != nil {
			return st, fmt.Errorf("%s: subcomponent: %w", st.Vulnerability, err)
		}
		subs = append(subs, p)
	}
	for _, r := range rs.Products {
		p, err := parseVEXProduct(r, 0)
		if err != nil {
			return st, fmt.Errorf("%s: product: %w", st.Vulnerability, err)
		}
		p.Subcomponents = append(p.Subcomponents, subs...)
		st.Products = append(st.Products, p)
	}
	if len(st.Products) == 0 {
		return st, fmt.Errorf("%s: no products", st.Vulnerability)
	}
	return st, nil
}

func parseVEXProduct(r json.RawMessage, depth int) (VEXProduct, error) {
	var s string
	if json.Unmarshal(r, &s) == nil {
		p := VEXProduct{ID: s}
		if strings.HasPrefix(s, "pkg:") {
			p.PURL = s
		}
		return p, nil
	}
	var raw vexProductJSON
	if err := json.Unmarshal(r, &raw); err != nil {
		return VEXProduct{}, fmt.Errorf("want a string or an object")
	}
	p := VEXProduct{ID: raw.ID, PURL: raw.Identifiers["purl"], Hashes: raw.Hashes}
	if p.PURL == "" && strings.HasPrefix(p.ID, "pkg:") {
		p.PURL = p.ID
	}
	if p.ID == "" && p.PURL == "" && len(p.Hashes) == 0 {
		return p, fmt.Errorf("no @id, purl or hashes")
	}
	if depth == 0 {
		for _, sr := range raw.Subcomponents {
			sp, err := parseVEXProduct(sr, 1)
			if err != nil {
				return p, fmt.Errorf("subcomponent: %w", err)
			}
			p.Subcomponents = append(p.Subcomponents, sp)
		}
	}
	return p, nil
}

// vexTarget is a compiled product: the image (by digest or name), or
// packages; subs, if any, limit it to findings in those packages.
type vexTarget struct {
	imageDigest string       // image by digest
	imageName   string       // image by OCI name (last path element of the repository)
	pkg         *purlPattern // a package product
	subs        []purlPattern
}

// vexRule is a compiled statement.
type vexRule struct {
	doc      *VEXDocument
	index    int // statement index in doc
	st       *VEXStatement
	targets  []vexTarget
	suppress bool
	order    int // position among all statements evaluated, later wins ties
}

// vexIndex finds statements by vulnerability ID or alias.
type vexIndex struct {
	byID  map[string][]*vexRule
	rules []*vexRule
}

func newVEXIndex(docs []*VEXDocument, start int) *vexIndex {
	ix := &vexIndex{byID: map[string][]*vexRule{}}
	n := start
	for _, d := range docs {
		if d == nil {
			continue
		}
		for i := range d.Statements {
			st := &d.Statements[i]
			r := &vexRule{doc: d, index: i, st: st, order: n,
				suppress: st.Status == VEXNotAffected || st.Status == VEXFixed}
			n++
			for _, p := range st.Products {
				if t, ok := compileVEXProduct(p); ok {
					r.targets = append(r.targets, t)
				}
			}
			if len(r.targets) == 0 {
				continue
			}
			ix.rules = append(ix.rules, r)
			seen := map[string]bool{}
			for _, id := range append([]string{st.Vulnerability}, st.Aliases...) {
				if id != "" && !seen[id] {
					seen[id] = true
					ix.byID[id] = append(ix.byID[id], r)
				}
			}
		}
	}
	return ix
}

func compileVEXProduct(p VEXProduct) (vexTarget, bool) {
	var t vexTarget
	for _, s := range p.Subcomponents {
		if s.PURL == "" {
			continue
		}
		if pp, err := parsePURLPattern(s.PURL); err == nil && pp.name != "" {
			t.subs = append(t.subs, pp)
		}
	}
	if len(p.Subcomponents) > 0 && len(t.subs) == 0 {
		return t, false // limited to subcomponents we cannot identify
	}
	if p.PURL != "" {
		u, err := packageurl.FromString(p.PURL)
		if err != nil {
			return t, false
		}
		if strings.EqualFold(u.Type, "oci") {
			t.imageDigest, t.imageName = u.Version, u.Name
			return t, u.Version != "" || u.Name != ""
		}
		pp, err := parsePURLPattern(p.PURL)
		if err != nil || pp.name == "" {
			return t, false
		}
		t.pkg = &pp
		return t, true
	}
	for algo, hex := range p.Hashes {
		switch algo {
		case "sha-256":
			t.imageDigest = "sha256:" + strings.ToLower(hex)
		case "sha-512":
			t.imageDigest = "sha512:" + strings.ToLower(hex)
		}
	}
	if t.imageDigest == "" {
		id := p.ID
		if i := strings.LastIndex(id, "@"); i >= 0 {
			id = id[i+1:]
		}
		if strings.HasPrefix(id, "sha256:") || strings.HasPrefix(id, "sha512:") {
			t.imageDigest = id
		}
	}
	return t, t.imageDigest != ""
}

// applies reports whether the target covers a finding in package u of an
// image with the given digest and repository.
func (t *vexTarget) applies(u *scan.PURL, digest, repository string) bool {
	switch {
	case t.pkg != nil:
		if len(t.subs) == 0 {
			return t.pkg.match(u)
		}
	case t.imageDigest != "":
		if t.imageDigest != digest {
			return false
		}
	case t.imageName != "":
		last := repository
		if i := strings.LastIndexByte(last, '/'); i >= 0 {
			last = last[i+1:]
		}
		if !strings.EqualFold(last, t.imageName) {
			return false
		}
	default:
		return false
	}
	if len(t.subs) == 0 {
		return true
	}
	for i := range t.subs {
		if t.subs[i].match(u) {
			return true
		}
	}
	return false
}

// lookup returns the statement that decides on finding f (the latest of
// those that cover it), or nil.
func (ix *vexIndex) lookup(f *scan.Finding, digest, repository string, best *vexRule) *vexRule {
	if ix == nil || len(ix.byID) == 0 {
		return best
	}
	try := func(id string) {
		for _, r := range ix.byID[id] {
			if best != nil && (r.st.Timestamp.Before(best.st.Timestamp) || r.st.Timestamp.Equal(best.st.Timestamp) && r.order < best.order) {
				continue
			}
			for i := range r.targets {
				if r.targets[i].applies(&f.PURL, digest, repository) {
					best = r
					break
				}
			}
		}
	}
	try(f.ID)
	for _, a := range f.Aliases {
		if a != f.ID {
			try(a)
		}
	}
	return best
}

func (r *vexRule) source() string {
	return fmt.Sprintf("%s#statement %d", r.doc.Source, r.index+1)
}
