package policytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/yamlx"
	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
)

// Limits on what suites read.
const (
	// MaxSuiteBytes bounds a case file.
	MaxSuiteBytes = 16 << 20
	// MaxReportBytes bounds a report file.
	MaxReportBytes = 256 << 20
)

// Suite is a parsed case file.
type Suite struct {
	// File is the case file's path.
	File string
	// Policy is the policy file's path (relative paths in the case file
	// are resolved against its directory).
	Policy string
	// VEX are given to every case as Input.VEX.
	VEX   []*policy.VEXDocument
	Cases []Case
}

// Case is one test case: an input and what the decision must be.
type Case struct {
	Name string
	// Line is where the case starts in its file.
	Line   int
	Input  policy.Input
	Expect Expectation
}

// Expectation is what a case's decision must be.
type Expectation struct {
	Verdict policy.Verdict
	// Rules are the rule names of the decision's reasons, in any order;
	// nil leaves them unchecked, an empty list wants none.
	Rules []string
	// Suppressed are the IDs of the findings that exceptions and VEX
	// statements took out; nil leaves them unchecked.
	Suppressed []string
}

// LoadSuite reads and parses a case file and the reports it names.
func LoadSuite(file string) (*Suite, error) {
	data, err := yamlx.ReadFile(file, MaxSuiteBytes)
	if err != nil {
		return nil, fmt.Errorf("policytest: %w", err)
	}
	return ParseSuite(file, data)
}

// ParseSuite parses a case file; file names it in errors, and the report,
// VEX and policy paths it holds are relative to its directory.
func ParseSuite(file string, data []byte) (*Suite, error) {
	root, err := yamlx.Parse(file, data, MaxSuiteBytes)
	if err != nil {
		return nil, fmt.Errorf("policytest: %w", err)
	}
	p := &parser{d: &yamlx.Decoder{File: file}, dir: filepath.Dir(file), reports: map[string]*scan.Report{}}
	s := &Suite{File: file}
	if err := p.d.Run(func() { p.suite(root, s) }); err != nil {
		return nil, fmt.Errorf("policytest: %w", err)
	}
	return s, nil
}

type parser struct {
	d       *yamlx.Decoder
	dir     string
	reports map[string]*scan.Report
}

// caseFields are what defaults and cases share.
type caseFields struct {
	tag, repository, digest *string
	labels                  map[string]string
	time                    *time.Time
	report                  *scan.Report
	unscanned               bool
	base                    *policy.BaseImage
}

func (p *parser) suite(n *yaml.Node, s *Suite) {
	var defaults caseFields
	var casesNode *yaml.Node
	keys := p.d.Mapping(n, "case file", map[string]yamlx.Field{
		"policy": func(v *yaml.Node) {
			s.Policy = p.d.String(v, "policy")
			if s.Policy != "" {
				s.Policy = p.path(s.Policy)
			}
		},
		"vex": func(v *yaml.Node) {
			p.d.Sequence(v, "vex", func(_ int, item *yaml.Node) {
				sc := p.d.Scalar(item, "vex")
				if sc == nil {
					return
				}
				doc, err := policy.LoadVEXFile(p.path(sc.Value))
				if err != nil {
					p.d.Errorf(sc, "vex: %s", strings.TrimPrefix(err.Error(), "policy: "))
					return
				}
				s.VEX = append(s.VEX, doc)
			})
		},
		"defaults": func(v *yaml.Node) { p.fields(v, "defaults", &defaults, nil) },
		"cases":    func(v *yaml.Node) { casesNode = v },
	})
	if keys == nil {
		return
	}
	if s.Policy == "" {
		p.d.Errorf(n, "case file: policy is required (the policy file the cases test)")
	}
	if casesNode == nil {
		p.d.Errorf(n, "case file: no cases")
		return
	}
	names := map[string]int{}
	p.d.Sequence(casesNode, "cases", func(i int, item *yaml.Node) {
		c := Case{Line: yamlx.Deref(item).Line}
		f := defaults
		var exp *yaml.Node
		var own caseFields
		keys := p.fields(item, fmt.Sprintf("cases[%d]", i), &own, map[string]yamlx.Field{
			"name":   func(v *yaml.Node) { c.Name = p.d.String(v, "name") },
			"expect": func(v *yaml.Node) { exp = v },
		})
		if keys == nil {
			return
		}
		f.merge(&own, keys)
		if c.Name == "" {
			p.d.Errorf(item, "cases[%d]: a case needs a name", i)
		} else if first, dup := names[c.Name]; dup {
			p.d.Errorf(item, "case %q: duplicate name (first at line %d)", c.Name, first)
		}
		names[c.Name] = c.Line
		if exp == nil {
			p.d.Errorf(item, "case %q: expect is required", c.Name)
		} else {
			c.Expect = p.expect(exp)
		}
		if f.time == nil {
			p.d.Errorf(item, "case %q: time is required (here or in defaults): cases are evaluated at a fixed time", c.Name)
		} else {
			c.Input.Now = *f.time
		}
		if f.tag != nil {
			c.Input.Image.Tag = *f.tag
		}
		if f.repository != nil {
			c.Input.Image.Repository = *f.repository
		}
		if f.digest != nil {
			c.Input.Image.Digest = *f.digest
		}
		c.Input.Image.Labels = f.labels
		c.Input.Base = f.base
		c.Input.VEX = s.VEX
		switch {
		case own.unscanned && keys["report"] != nil:
			p.d.Errorf(item, "case %q: unscanned and report exclude each other", c.Name)
		case f.unscanned:
		case f.report != nil:
			c.Input.Report = f.report
		case keys["report"] == nil:
			p.d.Errorf(item, "case %q: give a report (a file or inline) or unscanned: true", c.Name)
		}
		s.Cases = append(s.Cases, c)
	})
}

// merge overrides f with the fields a case sets.
func (f *caseFields) merge(own *caseFields, keys map[string]*yaml.Node) {
	if keys["tag"] != nil {
		f.tag = own.tag
	}
	if keys["repository"] != nil {
		f.repository = own.repository
	}
	if keys["digest"] != nil {
		f.digest = own.digest
	}
	if keys["labels"] != nil {
		f.labels = own.labels
	}
	if keys["time"] != nil {
		f.time = own.time
	}
	if keys["report"] != nil {
		f.report = own.report
		f.unscanned = false
	}
	if keys["unscanned"] != nil {
		f.unscanned = own.unscanned
	}
	if keys["base"] != nil {
		f.base = own.base
	}
}

// fields decodes the case fields of n, plus extra fields; it returns the
// keys present.
func (p *parser) fields(n *yaml.Node, what string, f *caseFields, extra map[string]yamlx.Field) map[string]*yaml.Node {
	str := func(dst **string, name string) yamlx.Field {
		return func(v *yaml.Node) { s := p.d.String(v, name); *dst = &s }
	}
	fields := map[string]yamlx.Field{
		"tag":        str(&f.tag, "tag"),
		"repository": str(&f.repository, "repository"),
		"digest":     str(&f.digest, "digest"),
		"labels":     func(v *yaml.Node) { f.labels = p.d.StringMap(v, "labels") },
		"time": func(v *yaml.Node) {
			s := p.d.Scalar(v, "time")
			if s == nil {
				return
			}
			t, err := parseTime(s.Value)
			if err != nil {
				p.d.Errorf(s, "time: %v", err)
				return
			}
			f.time = &t
		},
		"unscanned": func(v *yaml.Node) { f.unscanned = p.d.Bool(v, "unscanned") },
		"report":    func(v *yaml.Node) { f.report = p.report(v) },
		"base": func(v *yaml.Node) {
			b := &policy.BaseImage{}
			p.d.Mapping(v, "base", map[string]yamlx.Field{
				"layers":  func(v *yaml.Node) { b.Layers = p.d.Int(v, "base.layers", 10000) },
				"diffIDs": func(v *yaml.Node) { b.DiffIDs = p.d.Strings(v, "base.diffIDs") },
			})
			f.base = b
		},
	}
	for k, fn := range extra {
		fields[k] = fn
	}
	return p.d.Mapping(n, what, fields)
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time (2025-06-01T12:00:00Z) or a date", s)
}

func (p *parser) path(s string) string {
	if filepath.IsAbs(s) {
		return s
	}
	return filepath.Join(p.dir, s)
}

// report decodes a report: a file path, or a report written inline.
func (p *parser) report(n *yaml.Node) *scan.Report {
	n = p.d.Resolve(n)
	if n.Kind == yaml.ScalarNode {
		file := p.path(n.Value)
		if rep, ok := p.reports[file]; ok {
			return rep
		}
		rep, err := LoadReport(file)
		if err != nil {
			p.d.Errorf(n, "report: %s", strings.TrimPrefix(err.Error(), "policytest: "))
			return nil
		}
		p.reports[file] = rep
		return rep
	}
	if n.Kind != yaml.MappingNode {
		p.d.Errorf(n, "report: want a file name or an inline report")
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		p.d.Errorf(n, "report: %v", err)
		return nil
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		p.d.Errorf(n, "report: %v", err)
		return nil
	}
	rep := &scan.Report{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(rep); err != nil {
		p.d.Errorf(n, "report: not a report: %v", err)
		return nil
	}
	return rep
}

// jsonable turns YAML-decoded values into what encoding/json accepts.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	}
	return v
}

func (p *parser) expect(n *yaml.Node) Expectation {
	var e Expectation
	keys := p.d.Mapping(n, "expect", map[string]yamlx.Field{
		"verdict": func(v *yaml.Node) {
			s := p.d.Scalar(v, "expect.verdict")
			if s == nil {
				return
			}
			vd, err := policy.ParseVerdict(s.Value)
			if err != nil {
				p.d.Errorf(s, "expect.verdict: want allow, warn or deny, got %q", s.Value)
				return
			}
			e.Verdict = vd
		},
		"rules": func(v *yaml.Node) {
			e.Rules = p.d.Strings(v, "expect.rules")
			if e.Rules == nil {
				e.Rules = []string{}
			}
		},
		"suppressed": func(v *yaml.Node) {
			e.Suppressed = p.d.Strings(v, "expect.suppressed")
			if e.Suppressed == nil {
				e.Suppressed = []string{}
			}
		},
	})
	if keys != nil && keys["verdict"] == nil {
		p.d.Errorf(n, "expect: verdict is required")
	}
	return e
}

// LoadReport reads a native JSON report (`portcullis scan --format
// json`). A file holding a list of reports (--platform all) is an error:
// a decision is about one image.
func LoadReport(file string) (*scan.Report, error) {
	data, err := yamlx.ReadFile(file, MaxReportBytes)
	if err != nil {
		return nil, fmt.Errorf("policytest: %w", err)
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		return nil, fmt.Errorf("policytest: %s: a list of reports; give one image's report", file)
	}
	rep := &scan.Report{}
	if err := json.Unmarshal(data, rep); err != nil {
		return nil, fmt.Errorf("policytest: %s: not a report: %w", file, err)
	}
	if rep.SchemaVersion > scan.SchemaVersion {
		return nil, fmt.Errorf("policytest: %s: report schema version %d is newer than this program's (%d)", file, rep.SchemaVersion, scan.SchemaVersion)
	}
	return rep, nil
}

// Check compares a decision with an expectation and returns the
// differences, one line each; none means the case passes.
func Check(d policy.Decision, want Expectation) []string {
	var out []string
	if d.Verdict != want.Verdict {
		out = append(out, fmt.Sprintf("verdict: got %s, want %s", d.Verdict, want.Verdict))
	}
	if want.Rules != nil {
		got := uniqueSorted(ruleNames(d))
		if w := uniqueSorted(want.Rules); !slices.Equal(got, w) {
			out = append(out, fmt.Sprintf("rules: got [%s], want [%s]", strings.Join(got, " "), strings.Join(w, " ")))
		}
	}
	if want.Suppressed != nil {
		var ids []string
		for _, s := range d.Suppressed {
			if s.Expired {
				continue
			}
			for _, f := range s.Findings {
				ids = append(ids, f.ID)
			}
		}
		got := uniqueSorted(ids)
		if w := uniqueSorted(want.Suppressed); !slices.Equal(got, w) {
			out = append(out, fmt.Sprintf("suppressed: got [%s], want [%s]", strings.Join(got, " "), strings.Join(w, " ")))
		}
	}
	return out
}

func ruleNames(d policy.Decision) []string {
	out := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		out = append(out, r.Rule)
	}
	return out
}

func uniqueSorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
