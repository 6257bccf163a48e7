package alpine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/version"
	"github.com/portcullis-oci/portcullis/internal/version/apk"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Bounds on what one secdb entry may hold.
const (
	maxNameLen    = 256
	maxVersionLen = 256
	maxIDTextLen  = 1024
	maxAliases    = 64
)

type format int

const (
	formatJSON format = iota
	formatYAML
)

// fixKey is one package of one release.
type fixKey struct {
	release string
	pkg     string
}

// fix is what the secdb says of one vulnerability in one package: the
// version that fixed it, or that the package was never affected.
type fix struct {
	fixed       string
	notAffected bool
}

type vuln struct {
	aliases []string
	fixes   map[fixKey]*fix
}

// aggregate gathers the secdb's files into one record per ID.
type aggregate struct {
	vulns map[string]*vuln
}

func newAggregate() *aggregate { return &aggregate{vulns: map[string]*vuln{}} }

// parseFile reads one secdb file, named name in errors, of release.
func parseFile(ctx context.Context, data []byte, name, release string, f format, agg *aggregate, sk *feedinput.SkipLog) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var pkgs []pkgEntry
	var err error
	if f == formatJSON {
		pkgs, err = readJSON(data, name, sk)
	} else {
		pkgs, err = readYAML(data, name, sk)
	}
	if err != nil {
		return err
	}
	ecosystem := vulndb.EcosystemAlpine + ":" + release
	for _, p := range pkgs {
		if !validName(p.name) {
			sk.Add("invalid package name", fmt.Sprintf("%s: %s: %q", name, p.where, feedinput.Clip(p.name, 80)))
			continue
		}
		for _, sf := range p.secfixes {
			where := name + ": " + p.name + " " + feedinput.Clip(sf.version, 80)
			if sf.malformed != "" {
				sk.Add(sf.malformed, where)
				continue
			}
			v := strings.TrimSpace(sf.version)
			notAffected := v == "0"
			if !notAffected && (v == "" || len(v) > maxVersionLen || !validVersion(v)) {
				sk.Add("invalid fixed version", where)
				continue
			}
			if len(sf.ids) == 0 {
				sk.Add("version lists no ID", where)
				continue
			}
			for _, text := range sf.ids {
				ids, aliases, extra := parseIDs(text)
				if len(ids) == 0 {
					sk.Add("no known ID in entry", where+": "+feedinput.Clip(text, 80))
					continue
				}
				if extra {
					sk.Add("text beside an ID ignored", where+": "+feedinput.Clip(text, 80))
				}
				for _, id := range ids {
					agg.add(id, aliases, fixKey{release, p.name}, v, notAffected, ecosystem)
				}
			}
		}
	}
	return nil
}

// add records that id is fixed in version of key (or never affected it).
// When the secdb lists an ID at several versions of one package, the
// highest wins: grype reads such entries as one range each, so a package
// is affected below the highest.
func (a *aggregate) add(id string, aliases []string, key fixKey, ver string, notAffected bool, ecosystem string) {
	v := a.vulns[id]
	if v == nil {
		v = &vuln{fixes: map[fixKey]*fix{}}
		a.vulns[id] = v
	}
	for _, al := range aliases {
		if al != id && !slices.Contains(v.aliases, al) && len(v.aliases) < maxAliases {
			v.aliases = append(v.aliases, al)
		}
	}
	f := v.fixes[key]
	switch {
	case f == nil && notAffected:
		v.fixes[key] = &fix{notAffected: true}
	case f == nil:
		v.fixes[key] = &fix{fixed: ver}
	case notAffected:
		// A fix listed for the package wins over "never affected".
	case f.notAffected:
		*f = fix{fixed: ver}
	default:
		if c, ok := version.ForEcosystem(ecosystem); ok {
			if n, err := c.Compare(ver, f.fixed); err == nil && n > 0 {
				f.fixed = ver
			}
		}
	}
}

// emitAll emits the records sorted by ID.
func (a *aggregate) emitAll(ctx context.Context, emit func(vulndb.Vulnerability) error) (int, error) {
	ids := make([]string, 0, len(a.vulns))
	for id := range a.vulns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if i%1024 == 0 && ctx.Err() != nil {
			return i, ctx.Err()
		}
		v := build(id, a.vulns[id])
		delete(a.vulns, id)
		if err := emit(v); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

func build(id string, v *vuln) vulndb.Vulnerability {
	out := vulndb.Vulnerability{ID: id}
	if len(v.aliases) > 0 {
		out.Aliases = slices.Sorted(slices.Values(v.aliases))
	}
	if strings.HasPrefix(id, "CVE-") {
		out.References = []vulndb.Reference{{Type: "ADVISORY", URL: AdvisoryURL + id}}
	}
	keys := make([]fixKey, 0, len(v.fixes))
	for k := range v.fixes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b fixKey) int {
		return cmp.Or(compareReleases(a.release, b.release), strings.Compare(a.pkg, b.pkg))
	})
	for _, k := range keys {
		f := v.fixes[k]
		a := vulndb.Affected{Package: vulndb.Package{Ecosystem: vulndb.EcosystemAlpine + ":" + k.release, Name: k.pkg}}
		if f.notAffected {
			a.Status = vulndb.StatusNotAffected
		} else {
			a.Status = vulndb.StatusFixed
			a.Ranges = []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: f.fixed}}}}
		}
		out.Affected = append(out.Affected, a)
	}
	return out
}

// pkgEntry is one packages[].pkg of a secdb file.
type pkgEntry struct {
	name     string
	where    string // "packages[3]" or "line 12"
	secfixes []secfix
}

// secfix is one version of a package's secfixes, with its IDs; malformed
// says why the version cannot be used.
type secfix struct {
	version   string
	ids       []string
	malformed string
}

// readJSON reads a secdb JSON file. A package entry of the wrong shape is
// skipped and counted; a file that is not JSON is an error.
func readJSON(data []byte, name string, sk *feedinput.SkipLog) ([]pkgEntry, error) {
	var doc struct {
		Packages json.RawMessage `json:"packages"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("alpine: %s: not a secdb file: %w", name, jsonErr(err, data))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("alpine: %s: byte %d: data after the secdb object", name, dec.InputOffset())
	}
	p := bytes.TrimSpace(doc.Packages)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(p, &raws); err != nil {
		return nil, fmt.Errorf("alpine: %s: packages is not a list: %w", name, err)
	}
	out := make([]pkgEntry, 0, len(raws))
	for i, raw := range raws {
		var e struct {
			Pkg struct {
				Name     string                     `json:"name"`
				Secfixes map[string]json.RawMessage `json:"secfixes"`
			} `json:"pkg"`
		}
		where := fmt.Sprintf("packages[%d]", i)
		if err := json.Unmarshal(raw, &e); err != nil {
			sk.Add("malformed package entry", name+": "+where)
			continue
		}
		pe := pkgEntry{name: e.Pkg.Name, where: where}
		vers := make([]string, 0, len(e.Pkg.Secfixes))
		for v := range e.Pkg.Secfixes {
			vers = append(vers, v)
		}
		slices.Sort(vers)
		for _, v := range vers {
			pe.secfixes = append(pe.secfixes, jsonSecfix(v, e.Pkg.Secfixes[v]))
		}
		out = append(out, pe)
	}
	return out, nil
}

func jsonSecfix(ver string, raw json.RawMessage) secfix {
	sf := secfix{version: ver}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			sf.malformed = "malformed ID list"
		}
		sf.ids = []string{s}
	case raw[0] == '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			sf.malformed = "malformed ID list"
			break
		}
		for _, it := range items {
			var s string
			if json.Unmarshal(it, &s) != nil {
				sf.malformed = "malformed ID list"
				break
			}
			sf.ids = append(sf.ids, s)
		}
	default:
		sf.malformed = "malformed ID list"
	}
	return sf
}

// jsonErr adds the line of a syntax error.
func jsonErr(err error, data []byte) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset <= int64(len(data)) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

// readYAML reads a secdb YAML file through the node tree, so versions keep
// their spelling ("1.10" stays "1.10"). Aliases are refused: the secdb
// never uses them, and following them could multiply the work.
func readYAML(data []byte, name string, sk *feedinput.SkipLog) ([]pkgEntry, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("alpine: %s: empty file", name)
		}
		return nil, fmt.Errorf("alpine: %s: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("alpine: %s: not a secdb file: the document is not a mapping", name)
	}
	packages := lookup(doc.Content[0], "packages")
	if packages == nil || isNull(packages) {
		return nil, nil
	}
	if packages.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("alpine: %s: line %d: packages is not a list", name, packages.Line)
	}
	out := make([]pkgEntry, 0, len(packages.Content))
	for _, item := range packages.Content {
		where := fmt.Sprintf("line %d", item.Line)
		pkg := lookup(item, "pkg")
		if item.Kind != yaml.MappingNode || pkg == nil || pkg.Kind != yaml.MappingNode {
			sk.Add("malformed package entry", name+": "+where)
			continue
		}
		nameNode := lookup(pkg, "name")
		if nameNode == nil || nameNode.Kind != yaml.ScalarNode {
			sk.Add("malformed package entry", name+": "+where)
			continue
		}
		pe := pkgEntry{name: nameNode.Value, where: where}
		fixes := lookup(pkg, "secfixes")
		switch {
		case fixes == nil || isNull(fixes):
		case fixes.Kind != yaml.MappingNode:
			sk.Add("malformed secfixes", name+": "+where)
			continue
		default:
			for i := 0; i+1 < len(fixes.Content); i += 2 {
				k, v := fixes.Content[i], fixes.Content[i+1]
				if k.Kind != yaml.ScalarNode {
					sk.Add("malformed secfixes version", fmt.Sprintf("%s: line %d", name, k.Line))
					continue
				}
				pe.secfixes = append(pe.secfixes, yamlSecfix(k.Value, v))
			}
		}
		out = append(out, pe)
	}
	return out, nil
}

func yamlSecfix(ver string, v *yaml.Node) secfix {
	sf := secfix{version: ver}
	switch {
	case isNull(v):
	case v.Kind == yaml.ScalarNode:
		sf.ids = []string{v.Value}
	case v.Kind == yaml.SequenceNode:
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				sf.malformed = "malformed ID list"
				break
			}
			sf.ids = append(sf.ids, it.Value)
		}
	default:
		sf.malformed = "malformed ID list"
	}
	return sf
}

// lookup returns the value of key in mapping node m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// parseIDs reads one secfixes entry: "CVE-2019-1234", "CVE-2019-5060
// TALOS-2019-0844", "XSA-207", "CVE-2018-14468 (FrameRelay)". It returns
// the CVEs (or, when there is none, the first other known ID) as ids, the
// other known IDs as aliases, and whether there was text that is no ID.
// "CVE_2019-2426" and "CVE 2019-1234" are read as CVEs; "CVE-2017-17434-1"
// and "CVE-2019-1234.patch" give the CVE with extra text.
func parseIDs(text string) (ids, aliases []string, extra bool) {
	if len(text) > maxIDTextLen {
		text, extra = text[:maxIDTextLen], true
	}
	toks := strings.Fields(text)
	var others []string
	for i := 0; i < len(toks); i++ {
		tok := strings.Trim(toks[i], ",;()[]{}")
		if strings.EqualFold(tok, "CVE") && i+1 < len(toks) {
			if id, rest, ok := matchCVE("CVE-" + strings.Trim(toks[i+1], ",;()[]{}")); ok {
				ids = appendNew(ids, id)
				extra = extra || rest != ""
				i++
				continue
			}
		}
		if id, rest, ok := matchCVE(tok); ok {
			ids = appendNew(ids, id)
			extra = extra || rest != ""
			continue
		}
		if knownID(tok) {
			others = appendNew(others, tok)
			continue
		}
		extra = true
	}
	if len(ids) == 0 && len(others) > 0 {
		ids, others = others[:1], others[1:]
	}
	if len(others) == 0 {
		others = nil
	}
	return ids, others, extra
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// matchCVE matches "CVE-YYYY-NNNN…" (or "cve_…") at the start of tok,
// returning the ID spelled canonically and what follows it.
func matchCVE(tok string) (id, rest string, ok bool) {
	if len(tok) < 13 || !strings.EqualFold(tok[:3], "CVE") || (tok[3] != '-' && tok[3] != '_') {
		return "", "", false
	}
	year := tok[4:8]
	if !digits(year) || tok[8] != '-' {
		return "", "", false
	}
	n := 9
	for n < len(tok) && tok[n] >= '0' && tok[n] <= '9' && n-9 < 19 {
		n++
	}
	if n-9 < 4 {
		return "", "", false
	}
	return "CVE-" + year + "-" + tok[9:n], tok[n:], true
}

// knownID reports whether tok is an ID of a known scheme besides CVE.
func knownID(tok string) bool {
	for _, p := range []struct {
		prefix string
		check  func(string) bool
	}{
		{"XSA-", digits},
		{"ZBX-", digits},
		{"ALPINE-", digits},
		{"TALOS-", yearSeq},
		{"wnpa-sec-", yearSeq},
		{"GHSA-", ghsa},
		{"OSV-", yearSeq},
		{"PYSEC-", yearSeq},
		{"RUSTSEC-", yearSeq},
		{"GO-", yearSeq},
	} {
		if strings.HasPrefix(tok, p.prefix) && p.check(tok[len(p.prefix):]) {
			return true
		}
	}
	return false
}

// yearSeq matches "2019-0844".
func yearSeq(s string) bool {
	y, n, ok := strings.Cut(s, "-")
	return ok && len(y) == 4 && digits(y) && digits(n) && len(n) <= 19
}

// ghsa matches the "xxxx-xxxx-xxxx" of a GHSA ID.
func ghsa(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if len(p) != 4 {
			return false
		}
		for i := 0; i < 4; i++ {
			c := p[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
				return false
			}
		}
	}
	return true
}

// validName accepts what could be an Alpine origin package name, loosely:
// printable, no spaces or slashes, bounded.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' {
			return false
		}
	}
	return true
}

// validVersion reports whether v is a version apk-tools accepted: the
// comparer also orders versions with a tail no apk accepts (as OSV's does,
// ignoring the tail), but a feed's fixed version must be a real one.
func validVersion(v string) bool {
	parsed, err := apk.ParseLegacy(v)
	return err == nil && parsed.Remainder() == ""
}
