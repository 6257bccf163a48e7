// Package rules reads promotion rules: which tags of which source
// repository are promoted to which target repository, under which policy.
// The triggers of package promote/trigger (push events, polling) look the
// rules up with [Set.Match] and turn a matching tag into a
// [promote.Request] with [Rule.Request].
//
// A rules file is YAML (or JSON), read strictly: an unknown or duplicate
// field, a value of the wrong kind, a bad selector or tag template, a
// missing required field or a policy file that does not load is an error
// naming the file, line and column ([LoadError]).
//
//	rules:
//	  - name: dev-to-qa                        # required, unique
//	    source:
//	      repository: 127.0.0.1:5000/dev/app   # required: registry/repository
//	      tag: { glob: "*" }                   # optional tag selector; absent: every tag
//	    target:
//	      repository: 127.0.0.1:5000/qa/app    # required; same or another registry
//	      tag: "%n"                            # optional tag template (default "%n")
//	    policy: policy.yaml                    # required; relative to the rules file
//	    noClobber: true                        # optional (default false)
//	    evidence: true                         # optional (default false)
//	    referrers: true                        # optional (default true)
//
// A tag selector is a plain string (the tag must equal it) or a mapping of
// one or more of equals, startsWith, endsWith, contains, oneOf, notOneOf,
// regex (matching the whole tag) and glob, every one given having to pass,
// as in policies. A tag template is what [promote.ExpandTag] expands:
// Docker Trusted Registry's keywords (%n, %Y, …) or a Go template.
package rules

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/selector"
	"github.com/portcullis-oci/portcullis/internal/yamlx"
	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/promote"
)

// Limits on what [Load] reads.
const (
	// MaxRulesBytes bounds a rules document.
	MaxRulesBytes = 1 << 20
	// MaxRules bounds how many rules a document holds.
	MaxRules = 1000
	// MaxNameLen bounds a rule name.
	MaxNameLen = 128
)

// DefaultTagTemplate is the target tag template of a rule that gives none:
// the source tag.
const DefaultTagTemplate = "%n"

// Rule is one promotion rule.
type Rule struct {
	// Name identifies the rule; it is unique within its set and recorded
	// with every promotion the rule starts.
	Name string
	// Source is the source repository, "registry/repository".
	Source string
	// Target is the target repository, "registry/repository".
	Target string
	// TagTemplate is the target tag template (see [promote.ExpandTag]);
	// [DefaultTagTemplate] when the file gives none.
	TagTemplate string
	// NoClobber, Evidence and SkipReferrers are copied to the requests the
	// rule makes (see [promote.Request]).
	NoClobber, Evidence, SkipReferrers bool
	// Policy decides on every image the rule promotes.
	Policy policy.Policy
	// PolicyFile is the policy file as the rules file names it.
	PolicyFile string

	tags *selector.String // nil: every tag
}

// MatchTag reports whether the rule's tag selector takes tag. A rule
// without a selector takes every tag but the empty one.
func (r *Rule) MatchTag(tag string) bool {
	if tag == "" {
		return false
	}
	return r.tags == nil || r.tags.Match(tag)
}

// TagSelector describes the rule's tag selector in words ("" when the rule
// takes every tag).
func (r *Rule) TagSelector() string {
	if r.tags == nil {
		return ""
	}
	return r.tags.String()
}

// Request returns the promotion of sourceTag of the rule's source. With a
// digest the source is "repo:tag@digest": the promoter promotes that
// digest, whatever the tag names by then, and uses the tag for the policy
// and the tag template. trigger says what started it ("distribution",
// "harbor", "poll", "cli").
func (r *Rule) Request(sourceTag, digest, trigger string) promote.Request {
	src := r.Source + ":" + sourceTag
	if digest != "" {
		src += "@" + digest
	}
	return promote.Request{
		Source:        src,
		Target:        r.Target,
		Policy:        r.Policy,
		Tag:           r.TagTemplate,
		NoClobber:     r.NoClobber,
		Evidence:      r.Evidence,
		SkipReferrers: r.SkipReferrers,
		Trigger:       trigger,
		Rule:          r.Name,
	}
}

// Set is a set of promotion rules, in file order.
type Set struct {
	Rules []*Rule
}

// Rule returns the rule named name, or nil.
func (s *Set) Rule(name string) *Rule {
	for _, r := range s.Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Match returns the rules, in file order, whose source is repository on
// registry and whose tag selector takes tag. Registry hosts compare
// case-insensitively, with "docker.io", "index.docker.io" and
// "registry-1.docker.io" the same registry and "localhost", "127.0.0.1"
// and "[::1]" the same host (the port must still agree). On Docker Hub a
// one-part repository is in "library/".
func (s *Set) Match(registry, repository, tag string) []*Rule {
	if s == nil || tag == "" {
		return nil
	}
	host := NormalizeRegistry(registry)
	repo := normalizeRepository(host, repository)
	var out []*Rule
	for _, r := range s.Rules {
		h, p, ok := splitRepository(r.Source)
		if ok && h == host && p == repo && r.MatchTag(tag) {
			out = append(out, r)
		}
	}
	return out
}

// NormalizeRegistry returns the form of a registry host[:port] that
// [Set.Match] compares: lower case, Docker Hub's names as "docker.io", and
// this machine's names (localhost, 127.0.0.1, ::1) as "localhost" with the
// port kept.
func NormalizeRegistry(host string) string {
	h := strings.ToLower(strings.TrimSpace(host))
	switch h {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	name, port := h, ""
	if hh, pp, err := net.SplitHostPort(h); err == nil {
		name, port = hh, pp
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	switch name {
	case "localhost", "127.0.0.1", "::1":
		if port == "" {
			return "localhost"
		}
		return "localhost:" + port
	}
	return h
}

func normalizeRepository(host, repo string) string {
	repo = strings.Trim(repo, "/")
	if host == "docker.io" && !strings.Contains(repo, "/") {
		return "library/" + repo
	}
	return repo
}

// splitRepository splits "registry/repository" into its normalised host
// and its repository.
func splitRepository(s string) (host, repo string, ok bool) {
	h, p, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", false
	}
	host = NormalizeRegistry(h)
	return host, normalizeRepository(host, p), true
}

// LoadError is a problem in a rules document, at a line and column. [Load]
// returns every problem it found (up to a limit) joined with errors.Join;
// errors.As finds the first. A policy file that does not load is reported
// where the rules file names it, and Err holds the policy's own error.
type LoadError struct {
	File   string
	Line   int
	Column int
	Msg    string
	// Err is the underlying error, if any (a policy's *policy.LoadError).
	Err error
}

// Error returns "rules: file:line:column: message".
func (e *LoadError) Error() string {
	return "rules: " + (&yamlx.Error{File: e.File, Line: e.Line, Column: e.Column, Msg: e.Msg}).Error()
}

// Unwrap returns Err.
func (e *LoadError) Unwrap() error { return e.Err }

// LoadFile reads and loads a rules file; policy files are found relative to
// its directory. See [Load].
func LoadFile(path string, opts ...policy.Option) (*Set, error) {
	data, err := yamlx.ReadFile(path, MaxRulesBytes)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return Load(path, data, filepath.Dir(path), opts...)
}

// Load loads rules from YAML or JSON. name is the file name used in
// errors; dir is the directory relative policy paths are resolved against
// ("" for the current directory). Every policy file is loaded once with
// [policy.LoadFile] and opts, however many rules name it.
func Load(name string, data []byte, dir string, opts ...policy.Option) (*Set, error) {
	root, err := yamlx.Parse(name, data, MaxRulesBytes)
	if err != nil {
		return nil, convertErrors(err)
	}
	l := &loader{d: &yamlx.Decoder{File: name}}
	set := &Set{}
	decodeErr := l.d.Run(func() { l.document(root, set) })
	errs := yamlx.Split(convertErrors(decodeErr))

	// Policies: each file once, its error reported where it is first named.
	loaded := map[string]policy.Policy{}
	failed := map[string]bool{}
	for _, pr := range l.policies {
		full := pr.file
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, full)
		}
		full = filepath.Clean(full)
		if p, ok := loaded[full]; ok {
			pr.rule.Policy = p
			continue
		}
		if failed[full] || len(errs) >= yamlx.MaxErrors {
			continue
		}
		p, err := policy.LoadFile(full, opts...)
		if err != nil {
			failed[full] = true
			errs = append(errs, &LoadError{
				File: name, Line: pr.node.Line, Column: pr.node.Column,
				Msg: fmt.Sprintf("rule %q: policy %q: %s", pr.rule.Name, pr.file, strings.ReplaceAll(err.Error(), "\n", "; ")),
				Err: err,
			})
			continue
		}
		loaded[full] = p
		pr.rule.Policy = p
	}
	if len(errs) > 0 {
		if len(errs) == 1 {
			return nil, errs[0]
		}
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// convertErrors turns the decoder's errors into LoadErrors.
func convertErrors(err error) error {
	return yamlx.Convert(err, func(ye *yamlx.Error) error {
		return &LoadError{File: ye.File, Line: ye.Line, Column: ye.Column, Msg: ye.Msg}
	})
}

type policyRef struct {
	rule *Rule
	file string
	node *yaml.Node
}

type loader struct {
	d        *yamlx.Decoder
	policies []policyRef
}

func (l *loader) document(n *yaml.Node, set *Set) {
	keys := l.d.Mapping(n, "rules file", map[string]yamlx.Field{
		"rules": func(v *yaml.Node) {
			seen := map[string]int{}
			v = l.d.Resolve(v)
			if v.Kind == yaml.SequenceNode && len(v.Content) > MaxRules {
				l.d.Errorf(v, "rules: more than %d rules", MaxRules)
				return
			}
			l.d.Sequence(v, "rules", func(i int, item *yaml.Node) {
				r := l.rule(item, i)
				if r == nil {
					return
				}
				if first, dup := seen[r.Name]; dup {
					l.d.Errorf(yamlx.Deref(item), "rule %q: duplicate name (first at line %d)", r.Name, first)
					return
				}
				seen[r.Name] = yamlx.Deref(item).Line
				set.Rules = append(set.Rules, r)
			})
		},
	})
	switch {
	case keys == nil:
	case keys["rules"] == nil:
		l.d.Errorf(n, "rules file: no rules (want a list under \"rules\")")
	case len(set.Rules) == 0 && l.d.Count() == 0:
		l.d.Errorf(keys["rules"], "rules: list at least one rule")
	}
}

// sampleTime is the time tag templates are tried with at load.
var sampleTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const sampleDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

func (l *loader) rule(n *yaml.Node, i int) *Rule {
	rn := yamlx.Deref(n)
	r := &Rule{TagTemplate: DefaultTagTemplate}
	what := fmt.Sprintf("rules[%d]", i)
	n0 := l.d.Count()
	var policyNode, tmplNode *yaml.Node
	given := map[string]bool{}         // the fields given, and not null
	defer func() { l.d.Prefix = "" }() // also when decoding stops early
	keys := l.d.Mapping(n, what, map[string]yamlx.Field{
		"name": func(v *yaml.Node) {
			given["name"] = true
			s := l.d.Scalar(v, "name")
			if s == nil {
				return
			}
			switch {
			case s.Value == "":
				l.d.Errorf(s, "name: must not be empty")
			case len(s.Value) > MaxNameLen || strings.ContainsAny(s.Value, "\n\r\t"):
				l.d.Errorf(s, "name: at most %d characters on one line", MaxNameLen)
			default:
				r.Name = s.Value
				l.d.Prefix = fmt.Sprintf("rule %q: ", r.Name)
			}
		},
		"source": func(v *yaml.Node) {
			given["source"] = true
			r.Source, r.tags = l.endpoint(v, "source", func(t *yaml.Node) *selector.String {
				return selector.Decode(l.d, t, "source.tag")
			})
		},
		"target": func(v *yaml.Node) {
			given["target"] = true
			r.Target, _ = l.endpoint(v, "target", func(t *yaml.Node) *selector.String {
				tmplNode = l.d.Scalar(t, "target.tag")
				if tmplNode != nil {
					r.TagTemplate = tmplNode.Value
				}
				return nil
			})
		},
		"policy": func(v *yaml.Node) {
			given["policy"] = true
			s := l.d.Scalar(v, "policy")
			if s == nil {
				return
			}
			if s.Value == "" {
				l.d.Errorf(s, "policy: must not be empty")
				return
			}
			r.PolicyFile, policyNode = s.Value, s
		},
		"noClobber": func(v *yaml.Node) { r.NoClobber = l.d.Bool(v, "noClobber") },
		"evidence":  func(v *yaml.Node) { r.Evidence = l.d.Bool(v, "evidence") },
		"referrers": func(v *yaml.Node) { r.SkipReferrers = !l.d.Bool(v, "referrers") },
	})
	l.d.Prefix = ""
	if keys == nil {
		return nil
	}
	if r.Name != "" {
		l.d.Prefix = fmt.Sprintf("rule %q: ", r.Name)
	}
	var missing []string
	for _, k := range []string{"name", "source", "target", "policy"} {
		if !given[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		l.d.Errorf(rn, "%s: %s required", what, strings.Join(missing, ", "))
	}
	if tmplNode != nil && r.Source != "" {
		if _, err := promote.ExpandTag(r.TagTemplate, promote.TagData{Tag: "1.0", Digest: sampleDigest, Repository: r.Source, Time: sampleTime}); err != nil {
			l.d.Errorf(tmplNode, "target.tag: %s", strings.TrimPrefix(err.Error(), "promote: "))
		}
	}
	if r.Source != "" && r.Target != "" && l.d.Count() == n0 {
		l.checkLoop(r, rn)
	}
	l.d.Prefix = ""
	if l.d.Count() != n0 || r.Name == "" || policyNode == nil || r.Source == "" || r.Target == "" {
		return nil
	}
	l.policies = append(l.policies, policyRef{rule: r, file: r.PolicyFile, node: policyNode})
	return r
}

// endpoint decodes a source or target: a mapping of repository and tag.
func (l *loader) endpoint(n *yaml.Node, what string, tag func(*yaml.Node) *selector.String) (string, *selector.String) {
	var repo string
	var sel *selector.String
	given := false
	keys := l.d.Mapping(n, what, map[string]yamlx.Field{
		"repository": func(v *yaml.Node) {
			given = true
			s := l.d.Scalar(v, what+".repository")
			if s == nil {
				return
			}
			if err := checkRepository(s.Value); err != nil {
				l.d.Errorf(s, "%s.repository: %v", what, err)
				return
			}
			repo = s.Value
		},
		"tag": func(v *yaml.Node) { sel = tag(v) },
	})
	if keys != nil && !given {
		l.d.Errorf(n, "%s: repository required (registry/repository)", what)
	}
	return repo, sel
}

// checkRepository checks "registry/repository", the registry explicit and
// no tag or digest.
func checkRepository(s string) error {
	if strings.ContainsAny(s, "@") || s != strings.TrimSpace(s) {
		return fmt.Errorf("%q: want registry/repository, without tag or digest", s)
	}
	host, _, ok := strings.Cut(s, "/")
	if !ok || !strings.ContainsAny(host, ".:") && host != "localhost" {
		return fmt.Errorf("%q: want registry/repository, the registry named (such as registry.example.com/team/app)", s)
	}
	if _, err := name.NewRepository(s, name.StrictValidation); err != nil {
		return fmt.Errorf("%q: want registry/repository: %v", s, err)
	}
	return nil
}

// checkLoop refuses a rule that promotes into its own source repository
// onto tags its own selector takes again: each promotion would trigger
// another on push events.
func (l *loader) checkLoop(r *Rule, n *yaml.Node) {
	sh, sp, _ := splitRepository(r.Source)
	th, tp, _ := splitRepository(r.Target)
	if sh != th || sp != tp {
		return
	}
	samples := []string{"1.0", "v1.2.3", "latest", "main", "dev"}
	if r.tags != nil {
		if r.tags.Equals != nil {
			samples = append(samples, *r.tags.Equals)
		}
		samples = append(samples, r.tags.OneOf...)
	}
	for _, tag := range samples {
		if !r.MatchTag(tag) {
			continue
		}
		out, err := promote.ExpandTag(r.TagTemplate, promote.TagData{Tag: tag, Digest: sampleDigest, Repository: r.Source, Time: sampleTime})
		if err != nil {
			continue
		}
		if out == tag {
			l.d.Errorf(n, "target is the source repository and tag %q would be promoted onto itself", tag)
			return
		}
		if r.MatchTag(out) {
			l.d.Errorf(n, "target is the source repository and the promoted tag %q (from %q) is taken by the rule's own tag selector again: a promotion loop", out, tag)
			return
		}
	}
}
