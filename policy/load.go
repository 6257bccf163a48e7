package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/selector"
	"github.com/portcullis-oci/portcullis/internal/yamlx"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// LoadError is a problem in a policy document, at a line and column.
// [Load] returns every problem it found (up to a limit) joined with
// errors.Join; errors.As finds the first.
type LoadError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error returns "policy: file:line:column: message".
func (e *LoadError) Error() string {
	return "policy: " + (&yamlx.Error{File: e.File, Line: e.Line, Column: e.Column, Msg: e.Msg}).Error()
}

// convertErrors turns the decoder's errors into LoadErrors.
func convertErrors(err error) error {
	return yamlx.Convert(err, func(ye *yamlx.Error) error {
		return &LoadError{File: ye.File, Line: ye.Line, Column: ye.Column, Msg: ye.Msg}
	})
}

// LoadFile reads and loads a policy file; see [Load].
func LoadFile(file string, opts ...Option) (*Rules, error) {
	data, err := yamlx.ReadFile(file, MaxPolicyBytes)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return Load(file, data, opts...)
}

// Load loads a policy from YAML or JSON. name is the file name used in
// errors and reasons, and the directory the policy's vex files are read
// relative to (see [WithFS]). Loading is strict: an unknown or duplicate
// field, a bad operator, value, regular expression, glob or CEL
// expression, an exception without reason, owner or expiry, or an
// unreadable VEX document is an error naming the file and line.
func Load(name string, data []byte, opts ...Option) (*Rules, error) {
	o := options{maxEvidence: DefaultMaxEvidence, celTimeout: DefaultCELTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	root, err := yamlx.Parse(name, data, MaxPolicyBytes)
	if err != nil {
		return nil, convertErrors(err)
	}
	l := &loader{d: &yamlx.Decoder{File: name}, file: name, opts: &o}
	p := &Rules{
		file:        name,
		name:        strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)),
		settings:    settings{maxDatabaseAge: DefaultMaxDatabaseAge},
		maxEvidence: o.maxEvidence,
		excByID:     map[string][]*exception{},
	}
	if err := l.d.Run(func() { l.policy(root, p) }); err != nil {
		return nil, convertErrors(err)
	}
	docs := append([]*VEXDocument(nil), l.vexDocs...)
	docs = append(docs, o.vex...)
	p.vex = newVEXIndex(docs, 0)
	p.vexCount = len(p.vex.rules)
	return p, nil
}

type loader struct {
	d       *yamlx.Decoder
	file    string
	opts    *options
	vexDocs []*VEXDocument
	cel     *celEnv
}

func (l *loader) policy(n *yaml.Node, p *Rules) {
	var excNodes, vexNode *yaml.Node
	keys := l.d.Mapping(n, "policy", map[string]yamlx.Field{
		"version": func(v *yaml.Node) {
			if s := l.d.Scalar(v, "version"); s != nil && s.Value != "1" {
				l.d.Errorf(s, "version: this is version 1 of the policy format; got %q", s.Value)
			}
		},
		"name":        func(v *yaml.Node) { p.name = l.nonEmpty(v, "name") },
		"description": func(v *yaml.Node) { p.description = l.d.String(v, "description") },
		"settings":    func(v *yaml.Node) { l.settings(v, &p.settings) },
		"baseImages": func(v *yaml.Node) {
			l.d.Sequence(v, "baseImages", func(_ int, item *yaml.Node) { p.bases = append(p.bases, l.baseEntry(item)) })
		},
		"vex":        func(v *yaml.Node) { vexNode = v },
		"exceptions": func(v *yaml.Node) { excNodes = v },
		"rules": func(v *yaml.Node) {
			seen := map[string]int{}
			l.d.Sequence(v, "rules", func(i int, item *yaml.Node) {
				r := l.rule(item, i)
				if r == nil {
					return
				}
				if first, dup := seen[r.name]; dup {
					l.d.Errorf(item, "rule %q: duplicate name (first at line %d)", r.name, first)
					return
				}
				seen[r.name] = r.line
				p.rules = append(p.rules, r)
			})
		},
	})
	if keys == nil {
		return
	}
	names := map[string]bool{}
	for _, r := range p.rules {
		names[r.name] = true
		if r.vulns != nil && r.vulns.layers != scopeAll || r.pkgs != nil && r.pkgs.layers != scopeAll {
			p.needBase = true
		}
		if r.cel != nil {
			p.hasCEL = true
		}
	}
	if excNodes != nil && !yamlx.IsNull(excNodes) {
		l.d.Sequence(excNodes, "exceptions", func(i int, item *yaml.Node) {
			e := l.exception(item, names)
			if e == nil {
				return
			}
			e.index = len(p.exceptions)
			p.exceptions = append(p.exceptions, e)
			if e.vulnerability != "" {
				p.excByID[e.vulnerability] = append(p.excByID[e.vulnerability], e)
				p.excIDs.add(e.vulnerability)
			} else {
				p.excOther = append(p.excOther, e)
			}
		})
	}
	if vexNode != nil && !yamlx.IsNull(vexNode) {
		l.d.Sequence(vexNode, "vex", func(_ int, item *yaml.Node) {
			s := l.d.Scalar(item, "vex")
			if s == nil {
				return
			}
			doc, err := l.readVEX(s.Value)
			if err != nil {
				l.d.Errorf(s, "vex: %v", err)
				return
			}
			l.vexDocs = append(l.vexDocs, doc)
		})
	}
}

func (l *loader) readVEX(file string) (*VEXDocument, error) {
	if l.opts.fsys != nil {
		p := path.Clean(file)
		if !fs.ValidPath(p) {
			return nil, fmt.Errorf("%q is not a path within the policy's file system", file)
		}
		data, err := fs.ReadFile(l.opts.fsys, p)
		if err != nil {
			return nil, err
		}
		doc, err := ParseVEX(file, data)
		if err != nil {
			return nil, errors.New(strings.TrimPrefix(err.Error(), "policy: "))
		}
		return doc, nil
	}
	full := file
	if !filepath.IsAbs(full) {
		full = filepath.Join(filepath.Dir(l.file), file)
	}
	data, err := yamlx.ReadFile(full, MaxVEXBytes)
	if err != nil {
		return nil, err
	}
	doc, err := ParseVEX(full, data)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "policy: "))
	}
	return doc, nil
}

func (l *loader) nonEmpty(v *yaml.Node, what string) string {
	n0 := l.d.Count()
	s := l.d.String(v, what)
	if s == "" && l.d.Count() == n0 {
		l.d.Errorf(v, "%s: must not be empty", what)
	}
	return s
}

func (l *loader) settings(n *yaml.Node, s *settings) {
	l.d.Mapping(n, "settings", map[string]yamlx.Field{
		"allowUnscanned":     func(v *yaml.Node) { s.allowUnscanned = l.d.Bool(v, "allowUnscanned") },
		"allowIncomplete":    func(v *yaml.Node) { s.allowIncomplete = l.d.Bool(v, "allowIncomplete") },
		"allowUnmatched":     func(v *yaml.Node) { s.allowUnmatched = l.d.Bool(v, "allowUnmatched") },
		"allowStaleDatabase": func(v *yaml.Node) { s.allowStaleDatabase = l.d.Bool(v, "allowStaleDatabase") },
		"maxDatabaseAge":     func(v *yaml.Node) { s.maxDatabaseAge = l.duration(v, "maxDatabaseAge") },
		"maxScanAge":         func(v *yaml.Node) { s.maxScanAge = l.duration(v, "maxScanAge") },
	})
}

func (l *loader) duration(v *yaml.Node, what string) time.Duration {
	s := l.d.Scalar(v, what)
	if s == nil {
		return 0
	}
	d, err := parseDuration(s.Value)
	if err != nil {
		l.d.Errorf(s, "%s: %v", what, err)
		return 0
	}
	if d <= 0 {
		l.d.Errorf(s, "%s: must be longer than 0", what)
	}
	return d
}

func (l *loader) baseEntry(n *yaml.Node) baseEntry {
	b := baseEntry{line: yamlx.Deref(n).Line}
	keys := l.d.Mapping(n, "baseImages item", map[string]yamlx.Field{
		"name":    func(v *yaml.Node) { b.name = l.nonEmpty(v, "name") },
		"digest":  func(v *yaml.Node) { b.digest = l.digest(v, "digest") },
		"layers":  func(v *yaml.Node) { b.layers = l.d.Int(v, "layers", 10000) },
		"diffIDs": func(v *yaml.Node) { b.diffIDs = l.digests(v, "diffIDs") },
	})
	if keys == nil {
		return b
	}
	if keys["layers"] == nil && len(b.diffIDs) == 0 {
		l.d.Errorf(n, "baseImages item: give layers (how many bottom layers are the base) or diffIDs")
	}
	if keys["layers"] != nil && len(b.diffIDs) > 0 && b.layers != len(b.diffIDs) {
		l.d.Errorf(keys["layers"], "baseImages item: layers is %d but %d diffIDs are listed", b.layers, len(b.diffIDs))
	}
	if len(b.diffIDs) > 0 && b.layers == 0 {
		b.layers = len(b.diffIDs)
	}
	if b.name == "" && b.digest == "" && len(b.diffIDs) == 0 {
		l.d.Errorf(n, "baseImages item: give a name or digest (matched against the %s and %s annotations) or diffIDs (matched against the image's bottom layers)", LabelBaseName, LabelBaseDigest)
	}
	return b
}

func (l *loader) digest(v *yaml.Node, what string) string {
	s := l.d.Scalar(v, what)
	if s == nil {
		return ""
	}
	if !validDigest(s.Value) {
		l.d.Errorf(s, "%s: %q is not a digest (sha256:<64 hex> or sha512:<128 hex>)", what, s.Value)
	}
	return s.Value
}

func (l *loader) digests(v *yaml.Node, what string) []string {
	var out []string
	l.d.Sequence(v, what, func(_ int, item *yaml.Node) { out = append(out, l.digest(item, what)) })
	return out
}

// validDigest accepts sha256:<64 hex> and sha512:<128 hex>, lower case.
func validDigest(s string) bool {
	d, err := digest.Parse(s)
	return err == nil && (d.Algorithm() == digest.SHA256 || d.Algorithm() == digest.SHA512)
}

// maxNameLen bounds rule names.
const maxNameLen = 128

func (l *loader) rule(n *yaml.Node, i int) *rule {
	rn := yamlx.Deref(n)
	r := &rule{line: rn.Line, verdict: Deny}
	n0 := l.d.Count()
	what := fmt.Sprintf("rules[%d]", i)
	defer func() { l.d.Prefix = "" }() // also when decoding stops early
	keys := l.d.Mapping(n, what, map[string]yamlx.Field{
		"name": func(v *yaml.Node) {
			r.name = l.nonEmpty(v, "name")
			if r.name != "" {
				l.d.Prefix = fmt.Sprintf("rule %q: ", r.name)
			}
		},
		"description": func(v *yaml.Node) { r.description = l.d.String(v, "description") },
		"verdict": func(v *yaml.Node) {
			s := l.d.Scalar(v, "verdict")
			if s == nil {
				return
			}
			vd, err := ParseVerdict(s.Value)
			if err != nil || vd == Allow {
				l.d.Errorf(s, "verdict: want deny or warn (what the rule says when it fires), got %q", s.Value)
				return
			}
			r.verdict = vd
		},
		"tag":             func(v *yaml.Node) { r.tag = selector.Decode(l.d, v, "tag") },
		"repository":      func(v *yaml.Node) { r.repository = selector.Decode(l.d, v, "repository") },
		"vulnerabilities": func(v *yaml.Node) { r.vulns = l.vulns(v) },
		"packages":        func(v *yaml.Node) { r.pkgs = l.packages(v) },
		"labels": func(v *yaml.Node) {
			l.d.Mapping(v, "labels", map[string]yamlx.Field{
				"required": func(v *yaml.Node) {
					r.requiredLabels = l.d.Strings(v, "labels.required")
					if len(r.requiredLabels) == 0 {
						l.d.Errorf(v, "labels.required: list at least one label")
					}
				},
			})
		},
		"scanAge":     func(v *yaml.Node) { r.scanAge = l.comparison(v, "scanAge", kindDuration, 0, 0) },
		"databaseAge": func(v *yaml.Node) { r.databaseAge = l.comparison(v, "databaseAge", kindDuration, 0, 0) },
		"cel":         func(v *yaml.Node) { r.cel = l.celRule(v) },
	})
	l.d.Prefix = ""
	if keys == nil {
		return nil
	}
	if keys["name"] == nil {
		l.d.Errorf(rn, "%s: a rule needs a name", what)
		return nil
	}
	if reservedRule(r.name) {
		l.d.Errorf(keys["name"], "rule %q: the name is reserved for the policy's own checks", r.name)
	}
	if len(r.name) > maxNameLen || strings.ContainsAny(r.name, "\n\r\t") {
		l.d.Errorf(keys["name"], "rule name: at most %d characters on one line", maxNameLen)
	}
	if r.vulns == nil && r.pkgs == nil && r.requiredLabels == nil && r.scanAge == nil && r.databaseAge == nil && r.cel == nil &&
		r.tag == nil && r.repository == nil && l.d.Count() == n0 {
		l.d.Errorf(rn, "rule %q: no criteria (give vulnerabilities, packages, labels, scanAge, databaseAge, cel, or at least a tag or repository selector)", r.name)
	}
	return r
}

func (l *loader) comparison(n *yaml.Node, what string, kind valueKind, lo, hi float64) *comparison {
	s := l.d.Scalar(n, what)
	if s == nil {
		return nil
	}
	if s.Style == 0 && (s.Tag == "!!int" || s.Tag == "!!float") {
		l.d.Errorf(s, "%s: %s is a bare number; write an operator and quote it, such as %s: \">= %s\"", what, s.Value, what, s.Value)
		return nil
	}
	c, err := parseComparison(s.Value, kind, lo, hi)
	if err != nil {
		l.d.Errorf(s, "%s: %v", what, err)
		return nil
	}
	return &c
}

func (l *loader) boolPtr(v *yaml.Node, what string) *bool {
	b := l.d.Bool(v, what)
	return &b
}

func (l *loader) layerScope(v *yaml.Node, what string) layerScope {
	s := l.d.Scalar(v, what)
	if s == nil {
		return scopeAll
	}
	switch s.Value {
	case "all":
		return scopeAll
	case "aboveBase":
		return scopeAboveBase
	case "base":
		return scopeBase
	}
	l.d.Errorf(s, "%s: want all, aboveBase or base, got %q", what, s.Value)
	return scopeAll
}

func (l *loader) vulns(n *yaml.Node) *vulnCriterion {
	c := &vulnCriterion{maxSev: sevUnknown}
	fields := map[string]yamlx.Field{
		"fixable": func(v *yaml.Node) { c.fixable = l.boolPtr(v, "vulnerabilities.fixable") },
		"kev":     func(v *yaml.Node) { c.kev = l.boolPtr(v, "vulnerabilities.kev") },
		"minSeverity": func(v *yaml.Node) {
			s := l.d.Scalar(v, "vulnerabilities.minSeverity")
			if s == nil {
				return
			}
			sev := vulndb.Severity(strings.ToUpper(s.Value))
			if sev.Rank() == 0 && sev != vulndb.Unknown {
				l.d.Errorf(s, "vulnerabilities.minSeverity: want critical, high, medium, low or unknown, got %q", s.Value)
				return
			}
			c.maxSev = int(sevIndex(string(sev)))
		},
		"cvss":           func(v *yaml.Node) { c.cvss = l.comparison(v, "cvss", kindScore, 0, 10) },
		"epss":           func(v *yaml.Node) { c.epss = l.comparison(v, "epss", kindScore, 0, 1) },
		"epssPercentile": func(v *yaml.Node) { c.epssPercentile = l.comparison(v, "epssPercentile", kindScore, 0, 1) },
		"age":            func(v *yaml.Node) { c.age = l.comparison(v, "age", kindDuration, 0, 0) },
		"layers":         func(v *yaml.Node) { c.layers = l.layerScope(v, "vulnerabilities.layers") },
		"ids": func(v *yaml.Node) {
			c.ids = map[string]bool{}
			for _, id := range l.d.Strings(v, "vulnerabilities.ids") {
				c.ids[id] = true
			}
			if len(c.ids) == 0 {
				l.d.Errorf(v, "vulnerabilities.ids: list at least one vulnerability")
			}
		},
		"package": func(v *yaml.Node) { c.pkg = l.component(v, "vulnerabilities.package", nil) },
	}
	for i, name := range sevNames {
		fields[name] = func(v *yaml.Node) {
			c.counts[i] = l.comparison(v, name, kindCount, 0, 0)
		}
	}
	if l.d.Mapping(n, "vulnerabilities", fields) == nil {
		return nil
	}
	hasCount := false
	for _, cmp := range c.counts {
		hasCount = hasCount || cmp != nil
	}
	if !hasCount {
		c.counts[sevAll] = &comparison{op: opGE, num: 1, src: ">= 1"}
		c.implicit = true
	}
	c.plain = c.fixable == nil && c.kev == nil && c.maxSev == sevUnknown && c.cvss == nil && c.epss == nil &&
		c.epssPercentile == nil && c.age == nil && c.ids == nil && c.pkg == nil && c.layers == scopeAll
	c.filter = c.describe()
	return c
}

// describe puts a vulnerability filter in words.
func (c *vulnCriterion) describe() string {
	var parts []string
	if c.fixable != nil {
		if *c.fixable {
			parts = append(parts, "fixable")
		} else {
			parts = append(parts, "without a fix")
		}
	}
	if c.maxSev != sevUnknown {
		parts = append(parts, sevNames[c.maxSev]+" or worse")
	}
	if c.kev != nil {
		if *c.kev {
			parts = append(parts, "known exploited (KEV)")
		} else {
			parts = append(parts, "not in KEV")
		}
	}
	if c.cvss != nil {
		parts = append(parts, "CVSS "+c.cvss.src)
	}
	if c.epss != nil {
		parts = append(parts, "EPSS "+c.epss.src)
	}
	if c.epssPercentile != nil {
		parts = append(parts, "EPSS percentile "+c.epssPercentile.src)
	}
	if c.age != nil {
		parts = append(parts, "published "+c.age.src+" ago")
	}
	if c.ids != nil {
		var ids []string
		for id := range c.ids {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		parts = append(parts, "one of "+strings.Join(ids, ", "))
	}
	if c.pkg != nil {
		parts = append(parts, "in packages "+c.pkg.String())
	}
	if c.layers != scopeAll {
		parts = append(parts, c.layers.String())
	}
	return strings.Join(parts, ", ")
}

func (l *loader) packages(n *yaml.Node) *pkgCriterion {
	c := &pkgCriterion{}
	n0 := l.d.Count()
	c.comp = l.component(n, "packages", c)
	if c.comp == nil && c.license == nil && c.layers == scopeAll {
		if l.d.Count() == n0 {
			l.d.Errorf(n, "packages: give name, purl or license")
		}
		return nil
	}
	var parts []string
	if c.comp != nil {
		parts = append(parts, c.comp.String())
	}
	if c.license != nil {
		if c.license.oneOf != nil {
			parts = append(parts, "licensed under one of "+strings.Join(c.license.oneOf, ", "))
		}
		if c.license.notOneOf != nil {
			parts = append(parts, "not licensed under "+strings.Join(c.license.notOneOf, ", "))
		}
		if c.license.unknown {
			parts = append(parts, "or with no recognised licence")
		}
	}
	if c.layers != scopeAll {
		parts = append(parts, c.layers.String())
	}
	c.filter = strings.Join(parts, ", ")
	return c
}

// component decodes name and purl selectors; with pc, also license and
// layers (the packages criterion).
func (l *loader) component(n *yaml.Node, what string, pc *pkgCriterion) *componentMatch {
	c := &componentMatch{}
	set := false
	nameSet := func(v *yaml.Node, key string) map[string]bool {
		m := map[string]bool{}
		for _, s := range l.d.Strings(v, what+".name."+key) {
			m[s] = true
		}
		if len(m) == 0 {
			l.d.Errorf(v, "%s.name.%s: list at least one name", what, key)
		}
		return m
	}
	purls := func(v *yaml.Node, key string) []purlPattern {
		var out []purlPattern
		n0 := l.d.Count()
		l.d.Sequence(v, what+".purl."+key, func(_ int, item *yaml.Node) {
			s := l.d.Scalar(item, what+".purl."+key)
			if s == nil {
				return
			}
			p, err := parsePURLPattern(s.Value)
			if err != nil {
				l.d.Errorf(s, "%s.purl.%s: %v", what, key, err)
				return
			}
			out = append(out, p)
		})
		if len(out) == 0 && l.d.Count() == n0 {
			l.d.Errorf(v, "%s.purl.%s: list at least one package URL", what, key)
		}
		return out
	}
	fields := map[string]yamlx.Field{
		"name": func(v *yaml.Node) {
			set = true
			keys := l.d.Mapping(v, what+".name", map[string]yamlx.Field{
				"oneOf":    func(v *yaml.Node) { c.nameOneOf = nameSet(v, "oneOf") },
				"notOneOf": func(v *yaml.Node) { c.nameNotOneOf = nameSet(v, "notOneOf") },
			})
			if keys != nil && len(keys) == 0 {
				l.d.Errorf(v, "%s.name: give oneOf or notOneOf", what)
			}
		},
		"purl": func(v *yaml.Node) {
			set = true
			keys := l.d.Mapping(v, what+".purl", map[string]yamlx.Field{
				"oneOf":    func(v *yaml.Node) { c.purlOneOf = purls(v, "oneOf") },
				"notOneOf": func(v *yaml.Node) { c.purlNotOneOf = purls(v, "notOneOf") },
			})
			if keys != nil && len(keys) == 0 {
				l.d.Errorf(v, "%s.purl: give oneOf or notOneOf", what)
			}
		},
	}
	if pc != nil {
		fields["license"] = func(v *yaml.Node) { pc.license = l.license(v) }
		fields["layers"] = func(v *yaml.Node) { pc.layers = l.layerScope(v, what+".layers") }
	}
	keys := l.d.Mapping(n, what, fields)
	if keys != nil && len(keys) == 0 {
		l.d.Errorf(n, "%s: give name or purl", what)
	}
	if !set {
		return nil
	}
	return c
}

func (l *loader) license(n *yaml.Node) *licenseMatch {
	m := &licenseMatch{}
	list := func(v *yaml.Node, key string) []string {
		var out []string
		n0 := l.d.Count()
		l.d.Sequence(v, "packages.license."+key, func(_ int, item *yaml.Node) {
			s := l.d.Scalar(item, "packages.license."+key)
			if s == nil {
				return
			}
			norm, err := normalizeLicenseList([]string{s.Value})
			if err != nil {
				l.d.Errorf(s, "packages.license.%s: %v", key, err)
				return
			}
			out = append(out, norm...)
		})
		if len(out) == 0 && l.d.Count() == n0 {
			l.d.Errorf(v, "packages.license.%s: list at least one licence", key)
		}
		return out
	}
	keys := l.d.Mapping(n, "packages.license", map[string]yamlx.Field{
		"oneOf":    func(v *yaml.Node) { m.oneOf = list(v, "oneOf") },
		"notOneOf": func(v *yaml.Node) { m.notOneOf = list(v, "notOneOf") },
		"unknown": func(v *yaml.Node) {
			s := l.d.Scalar(v, "packages.license.unknown")
			if s == nil {
				return
			}
			switch s.Value {
			case "match":
				m.unknown = true
			case "ignore":
			default:
				l.d.Errorf(s, "packages.license.unknown: want match or ignore, got %q", s.Value)
			}
		},
	})
	if keys != nil && keys["oneOf"] == nil && keys["notOneOf"] == nil {
		l.d.Errorf(n, "packages.license: give oneOf or notOneOf")
	}
	return m
}

func (l *loader) exception(n *yaml.Node, ruleNames map[string]bool) *exception {
	rn := yamlx.Deref(n)
	e := &exception{line: rn.Line, source: fmt.Sprintf("%s:%d", l.file, rn.Line)}
	keys := l.d.Mapping(n, "exception", map[string]yamlx.Field{
		"vulnerability": func(v *yaml.Node) { e.vulnerability = l.nonEmpty(v, "vulnerability") },
		"purl": func(v *yaml.Node) {
			s := l.d.Scalar(v, "purl")
			if s == nil {
				return
			}
			p, err := parsePURLPattern(s.Value)
			if err != nil {
				l.d.Errorf(s, "purl: %v", err)
				return
			}
			e.purl = &p
		},
		"repository": func(v *yaml.Node) {
			s := l.d.Scalar(v, "repository")
			if s == nil {
				return
			}
			re, err := selector.Glob(s.Value)
			if err != nil {
				l.d.Errorf(s, "repository: %q: %v", s.Value, err)
				return
			}
			e.repository = &selector.String{Glob: re, GlobSrc: s.Value}
		},
		"digest": func(v *yaml.Node) { e.digest = l.digest(v, "digest") },
		"rules": func(v *yaml.Node) {
			e.rules = map[string]bool{}
			l.d.Sequence(v, "rules", func(_ int, item *yaml.Node) {
				s := l.d.Scalar(item, "rules")
				if s == nil {
					return
				}
				if !ruleNames[s.Value] {
					l.d.Errorf(s, "exception: rules: no rule is named %q", s.Value)
				}
				e.rules[s.Value] = true
				e.ruleList = append(e.ruleList, s.Value)
			})
			if len(e.ruleList) == 0 {
				l.d.Errorf(v, "exception: rules: list at least one rule, or leave rules out to cover every rule")
			}
		},
		"reason": func(v *yaml.Node) { e.reason = strings.TrimSpace(l.d.String(v, "reason")) },
		"owner":  func(v *yaml.Node) { e.owner = strings.TrimSpace(l.d.String(v, "owner")) },
		"expires": func(v *yaml.Node) {
			s := l.d.Scalar(v, "expires")
			if s == nil {
				return
			}
			t, err := parseExpiry(s.Value)
			if err != nil {
				l.d.Errorf(s, "expires: %v", err)
				return
			}
			e.expires = t
		},
	})
	if keys == nil {
		return nil
	}
	var missing []string
	if e.reason == "" {
		missing = append(missing, "reason")
	}
	if e.owner == "" {
		missing = append(missing, "owner")
	}
	if keys["expires"] == nil {
		missing = append(missing, "expires")
	}
	if len(missing) > 0 {
		l.d.Errorf(rn, "exception: %s required (every exception says why, who answers for it, and when it ends)", strings.Join(missing, ", "))
	}
	if e.vulnerability == "" && e.purl == nil && e.repository == nil && e.digest == "" {
		l.d.Errorf(rn, "exception: give its scope: vulnerability, purl, repository or digest")
	}
	return e
}

// parseExpiry parses a date (the exception ends at the start of that day,
// UTC) or an RFC 3339 time.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q: want a date (2025-12-31) or an RFC 3339 time (2025-12-31T18:00:00Z)", s)
}

func (l *loader) celRule(n *yaml.Node) *celExpr {
	s := l.d.Scalar(n, "cel")
	if s == nil {
		return nil
	}
	if len(s.Value) > MaxCELBytes {
		l.d.Errorf(s, "cel: longer than %d bytes", MaxCELBytes)
		return nil
	}
	if l.cel == nil {
		env, err := newCELEnv()
		if err != nil {
			l.d.Errorf(s, "cel: %v", err)
			return nil
		}
		l.cel = env
	}
	x, err := l.cel.compile(s.Value, l.opts.celCostLimit, l.opts.celTimeout)
	if err != nil {
		l.d.Errorf(s, "cel: %v", err)
		return nil
	}
	return x
}
