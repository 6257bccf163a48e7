package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/yamlx"
	"github.com/portcullis-oci/portcullis/policy"
)

// policyDir returns a directory holding a valid policy.yaml.
func policyDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("name: gate\nrules: []\n"), 0o600))
	return dir
}

const valid = `rules:
  - name: dev-to-qa
    source:
      repository: 127.0.0.1:5000/dev/app
      tag: { glob: "1.*" }
    target:
      repository: 127.0.0.1:5001/qa/app
      tag: "%n-qa"
    policy: policy.yaml
    noClobber: true
    evidence: true
    referrers: false
  - name: all-tags
    source:
      repository: registry.example.com/team/web
    target:
      repository: registry.example.com/prod/web
    policy: policy.yaml
`

func TestLoadValid(t *testing.T) {
	dir := policyDir(t)
	s, err := Load("rules.yaml", []byte(valid), dir)
	require.NoError(t, err)
	require.Len(t, s.Rules, 2)

	r := s.Rules[0]
	assert.Equal(t, "dev-to-qa", r.Name)
	assert.Equal(t, "127.0.0.1:5000/dev/app", r.Source)
	assert.Equal(t, "127.0.0.1:5001/qa/app", r.Target)
	assert.Equal(t, "%n-qa", r.TagTemplate)
	assert.True(t, r.NoClobber)
	assert.True(t, r.Evidence)
	assert.True(t, r.SkipReferrers)
	assert.Equal(t, "policy.yaml", r.PolicyFile)
	require.NotNil(t, r.Policy)
	assert.Equal(t, `matches "1.*"`, r.TagSelector())

	r2 := s.Rules[1]
	assert.Equal(t, DefaultTagTemplate, r2.TagTemplate, "the default template is the source tag")
	assert.False(t, r2.NoClobber)
	assert.False(t, r2.Evidence)
	assert.False(t, r2.SkipReferrers, "referrers are copied by default")
	assert.Empty(t, r2.TagSelector())
	assert.Same(t, s.Rules[0].Policy.(*policy.Rules), s.Rules[1].Policy.(*policy.Rules), "a policy named twice is loaded once")
	assert.Same(t, r2, s.Rule("all-tags"))
	assert.Nil(t, s.Rule("nope"))
}

func TestLoadJSON(t *testing.T) {
	dir := policyDir(t)
	doc := `{"rules": [{"name": "a", "source": {"repository": "localhost:5000/a", "tag": "v1"}, "target": {"repository": "localhost:5000/b"}, "policy": "policy.yaml"}]}`
	s, err := Load("rules.json", []byte(doc), dir)
	require.NoError(t, err)
	require.Len(t, s.Rules, 1)
	assert.True(t, s.Rules[0].MatchTag("v1"))
	assert.False(t, s.Rules[0].MatchTag("v2"))
}

func rule(extra string) string {
	return "rules:\n  - name: a\n    source:\n      repository: localhost:5000/dev/app\n    target:\n      repository: localhost:5000/qa/app\n    policy: policy.yaml\n" + extra
}

func TestLoadErrors(t *testing.T) {
	dir := policyDir(t)
	tests := []struct {
		name      string
		doc       string
		line, col int
		msg       string
	}{
		{"unknown top-level field", "rulez: []\n", 1, 1, `unknown field "rulez" (did you mean "rules"?)`},
		{"no rules key", "{}\n", 1, 1, "no rules"},
		{"rules not a list", "rules: {a: b}\n", 1, 8, "rules: want a list"},
		{"empty rules", "rules: []\n", 1, 1, "list at least one rule"},
		{"null rules", "rules:\n", 1, 1, "list at least one rule"},
		{"rule not a mapping", "rules:\n  - x\n", 2, 5, "want a mapping"},
		{"unknown rule field", rule("    noclobber: true\n"), 8, 5, `unknown field "noclobber" (did you mean "noClobber"?)`},
		{"duplicate key", rule("    policy: other.yaml\n"), 8, 5, `duplicate key "policy"`},
		{"bool not bool", rule("    noClobber: yes\n"), 8, 16, "noClobber: want true or false"},
		{"referrers not bool", rule("    referrers: 1\n"), 8, 16, "referrers: want true or false"},
		{"source not a mapping", "rules:\n  - name: a\n    source: localhost:5000/dev/app\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 3, 13, "source: want a mapping"},
		{"name not a string", "rules:\n  - name: [a]\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 2, 11, "name: want a single value"},
		{"empty name", "rules:\n  - name: ''\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 2, 11, "name: must not be empty"},
		{"missing name", "rules:\n  - source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 2, 5, "rules[0]: name required"},
		{"missing everything", "rules:\n  - noClobber: true\n", 2, 5, "name, source, target, policy required"},
		{"missing policy", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app}\n", 2, 5, `rule "a": rules[0]: policy required`},
		{"null fields", "rules:\n  - name: a\n    source:\n    target: {repository: }\n    policy:\n", 4, 13, `rule "a": rules[0]: source, policy required`},
		{"missing source repository", "rules:\n  - name: a\n    source: {tag: x}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 3, 13, "source: repository required"},
		{"missing target repository", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {tag: x}\n    policy: policy.yaml\n", 4, 13, "target: repository required"},
		{"unknown source field", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app, tags: x}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 3, 50, `unknown field "tags" (did you mean "tag"?)`},
		{"repository without registry", "rules:\n  - name: a\n    source: {repository: dev/app}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 3, 26, "the registry named"},
		{"repository with tag", "rules:\n  - name: a\n    source: {repository: 'localhost:5000/dev/app:1.0'}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 3, 26, "source.repository"},
		{"repository with digest", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: 'localhost:5000/qa/app@sha256:0000000000000000000000000000000000000000000000000000000000000000'}\n    policy: policy.yaml\n", 4, 26, "without tag or digest"},
		{"repository upper case", "rules:\n  - name: a\n    source: {repository: localhost:5000/Dev/App}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 3, 26, "source.repository"},
		{"docker hub short name", "rules:\n  - name: a\n    source: {repository: docker.io/nginx}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 3, 26, "library"},
		{"bad regex", "rules:\n  - name: a\n    source:\n      repository: localhost:5000/dev/app\n      tag: {regex: 'v('}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 5, 20, "source.tag.regex"},
		{"bad glob", "rules:\n  - name: a\n    source:\n      repository: localhost:5000/dev/app\n      tag: {glob: '[abc'}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 5, 19, "unclosed"},
		{"empty selector", "rules:\n  - name: a\n    source:\n      repository: localhost:5000/dev/app\n      tag: {}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 5, 12, "give at least one of"},
		{"unknown selector", "rules:\n  - name: a\n    source:\n      repository: localhost:5000/dev/app\n      tag: {matches: x}\n    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n", 5, 13, `unknown field "matches"`},
		{"unknown template keyword", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app, tag: '%q'}\n    policy: policy.yaml\n", 4, 54, "unknown keyword %q"},
		{"template not a tag", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app, tag: '%n/x'}\n    policy: policy.yaml\n", 4, 54, "not a valid tag"},
		{"go template syntax", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app, tag: '{{.Tag'}\n    policy: policy.yaml\n", 4, 54, "target.tag"},
		{"go template field", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app, tag: '{{.Nope}}'}\n    policy: policy.yaml\n", 4, 54, "Nope"},
		{"template not a string", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app, tag: [x]}\n    policy: policy.yaml\n", 4, 54, "target.tag: want a single value"},
		{"duplicate rule name", valid2dup, 6, 5, `rule "a": duplicate name (first at line 2)`},
		{"promotes onto itself", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: 127.0.0.1:5000/dev/app}\n    policy: policy.yaml\n", 2, 5, "onto itself"},
		{"promotion loop", "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app, tag: {glob: '*'}}\n    target: {repository: localhost:5000/dev/app, tag: '%n-qa'}\n    policy: policy.yaml\n", 2, 5, "promotion loop"},
		{"missing policy file", strings.Replace(rule(""), "policy.yaml", "nope.yaml", 1), 7, 13, `rule "a": policy "nope.yaml"`},
		{"policy empty", strings.Replace(rule(""), "policy: policy.yaml", "policy: ''", 1), 7, 13, "policy: must not be empty"},
		{"invalid YAML", "rules: [\n", 1, 0, "invalid YAML"},
		{"two documents", "rules: []\n---\nrules: []\n", 2, 1, "more than one YAML document"},
		{"empty document", "", 0, 0, "empty document"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load("rules.yaml", []byte(tc.doc), dir)
			require.Error(t, err)
			assert.Nil(t, s)
			var le *LoadError
			require.True(t, errors.As(err, &le), "%T %v", err, err)
			assert.Equal(t, "rules.yaml", le.File)
			assert.Equal(t, tc.line, le.Line, "%v", err)
			if tc.col != 0 {
				assert.Equal(t, tc.col, le.Column, "%v", err)
			}
			assert.Contains(t, err.Error(), tc.msg)
			if tc.line > 0 {
				assert.Contains(t, err.Error(), fmt.Sprintf("rules.yaml:%d:", tc.line))
			}
		})
	}
}

const valid2dup = `rules:
  - name: a
    source: {repository: localhost:5000/dev/app}
    target: {repository: localhost:5000/qa/app}
    policy: policy.yaml
  - name: a
    source: {repository: localhost:5000/dev/app}
    target: {repository: localhost:5000/qa/app}
    policy: policy.yaml
`

func TestLoadErrorsCollected(t *testing.T) {
	// Every problem is reported, each with its place.
	doc := "rules:\n  - name: a\n    noclobber: true\n  - name: b\n    source: {repository: x}\n"
	_, err := Load("rules.yaml", []byte(doc), policyDir(t))
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "rules.yaml:3:5:")
	assert.Contains(t, msg, "rules.yaml:5:26:")
	assert.Contains(t, msg, "rules.yaml:4:5:")
}

func TestLoadErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range 50 {
		fmt.Fprintf(&b, "  - name: r%d\n    bogus: 1\n", i)
	}
	_, err := Load("rules.yaml", []byte(b.String()), policyDir(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "too many problems")
	assert.LessOrEqual(t, strings.Count(err.Error(), "\n")+1, yamlx.MaxErrors+1)
}

func TestLoadSizeLimit(t *testing.T) {
	_, err := Load("rules.yaml", []byte(strings.Repeat("#", MaxRulesBytes+1)), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than")

	path := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("#", MaxRulesBytes+1)), 0o600))
	_, err = LoadFile(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than")
}

func TestLoadAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x0: &m0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "x%d: &m%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 10), ", "))
	}
	b.WriteString("rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app, tag: {oneOf: *m8}}\n")
	_, err := Load("bomb.yaml", []byte(b.String()), "")
	require.Error(t, err)
}

func TestLoadBadPolicyNamesBothFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("name: gate\nrulez: []\n"), 0o600))
	doc := "rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app}\n    policy: bad.yaml\n" +
		"  - name: b\n    source: {repository: localhost:5000/dev/app}\n    target: {repository: localhost:5000/qa/app}\n    policy: bad.yaml\n"
	_, err := Load("rules.yaml", []byte(doc), dir)
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "rules.yaml:5:13:")
	assert.Contains(t, msg, filepath.Join(dir, "bad.yaml")+":2:1:")
	assert.Contains(t, msg, `unknown field "rulez"`)
	assert.Equal(t, 1, strings.Count(msg, "rulez"), "a policy named by two rules is loaded, and reported, once")
	var pe *policy.LoadError
	require.True(t, errors.As(err, &pe), "the policy's own error is kept")
	assert.Equal(t, 2, pe.Line)
}

func TestLoadFileRelativePolicies(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "conf", "policies"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(root, "conf", "policies", "qa.yaml"), []byte("name: qa\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "shared.yaml"), []byte("name: shared\n"), 0o600))
	abs := filepath.Join(root, "conf", "policies", "qa.yaml")
	doc := fmt.Sprintf(`rules:
  - name: a
    source: {repository: localhost:5000/dev/app}
    target: {repository: localhost:5000/qa/app}
    policy: policies/qa.yaml
  - name: b
    source: {repository: localhost:5000/dev/web}
    target: {repository: localhost:5000/qa/web}
    policy: ../shared.yaml
  - name: c
    source: {repository: localhost:5000/dev/db}
    target: {repository: localhost:5000/qa/db}
    policy: %q
`, abs)
	path := filepath.Join(root, "conf", "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	s, err := LoadFile(path)
	require.NoError(t, err)
	require.Len(t, s.Rules, 3)
	assert.Equal(t, "qa", s.Rules[0].Policy.(*policy.Rules).Name())
	assert.Equal(t, "shared", s.Rules[1].Policy.(*policy.Rules).Name())
	assert.Same(t, s.Rules[0].Policy.(*policy.Rules), s.Rules[2].Policy.(*policy.Rules), "the same file by a relative and an absolute path is loaded once")

	// Load resolves against the dir it is given, not the working directory.
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = Load("rules.yaml", data, t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "policies/qa.yaml")

	_, err = LoadFile(filepath.Join(root, "missing.yaml"))
	require.Error(t, err)
}

func TestLoadPolicyVEXMissing(t *testing.T) {
	// A policy naming a VEX file that is not there fails the rules too.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("vex: [missing.json]\n"), 0o600))
	doc := rule("")
	_, err := Load("rules.yaml", []byte(doc), dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.json")
}

func TestTagSelectors(t *testing.T) {
	dir := policyDir(t)
	tests := []struct {
		sel      string
		yes, not []string
	}{
		{"", []string{"1.0", "latest", "x"}, []string{""}},
		{"tag: '1.0'", []string{"1.0"}, []string{"1.0.1", "latest"}},
		{"tag: {equals: latest}", []string{"latest"}, []string{"Latest"}},
		{"tag: {glob: 'v1.*'}", []string{"v1.0", "v1.2.3"}, []string{"v2.0", "xv1.0"}},
		{"tag: {regex: 'v[0-9]+'}", []string{"v1", "v22"}, []string{"v1.0", "xv1"}},
		{"tag: {startsWith: rc-}", []string{"rc-1"}, []string{"1-rc-"}},
		{"tag: {endsWith: -prod}", []string{"1.0-prod"}, []string{"1.0-prod-x"}},
		{"tag: {contains: beta}", []string{"1-beta-2"}, []string{"1.0"}},
		{"tag: {oneOf: [a, b]}", []string{"a", "b"}, []string{"c"}},
		{"tag: {notOneOf: [latest]}", []string{"1.0"}, []string{"latest"}},
		{"tag: {glob: 'v*', notOneOf: [v0]}", []string{"v1"}, []string{"v0", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.sel, func(t *testing.T) {
			doc := "rules:\n  - name: a\n    source:\n      repository: localhost:5000/dev/app\n"
			if tc.sel != "" {
				doc += "      " + tc.sel + "\n"
			}
			doc += "    target: {repository: localhost:5000/qa/app}\n    policy: policy.yaml\n"
			s, err := Load("rules.yaml", []byte(doc), dir)
			require.NoError(t, err)
			for _, tag := range tc.yes {
				assert.True(t, s.Rules[0].MatchTag(tag), tag)
				assert.Len(t, s.Match("localhost:5000", "dev/app", tag), 1, tag)
			}
			for _, tag := range tc.not {
				assert.False(t, s.Rules[0].MatchTag(tag), tag)
				assert.Empty(t, s.Match("localhost:5000", "dev/app", tag), tag)
			}
		})
	}
}

func TestMatchHosts(t *testing.T) {
	dir := policyDir(t)
	doc := `rules:
  - name: local
    source: {repository: 127.0.0.1:5000/dev/app}
    target: {repository: 127.0.0.1:5000/qa/app}
    policy: policy.yaml
  - name: hub
    source: {repository: docker.io/library/nginx}
    target: {repository: registry.example.com/mirror/nginx}
    policy: policy.yaml
  - name: example
    source: {repository: Registry.Example.com/team/web}
    target: {repository: registry.example.com/prod/web}
    policy: policy.yaml
  - name: local-too
    source: {repository: localhost:5000/dev/app}
    target: {repository: localhost:5000/staging/app}
    policy: policy.yaml
`
	s, err := Load("rules.yaml", []byte(doc), dir)
	require.NoError(t, err)
	names := func(rs []*Rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	tests := []struct {
		registry, repo string
		want           []string
	}{
		{"127.0.0.1:5000", "dev/app", []string{"local", "local-too"}},
		{"localhost:5000", "dev/app", []string{"local", "local-too"}},
		{"LOCALHOST:5000", "dev/app", []string{"local", "local-too"}},
		{"[::1]:5000", "dev/app", []string{"local", "local-too"}},
		{"127.0.0.1:5001", "dev/app", nil},
		{"127.0.0.1", "dev/app", nil},
		{"10.0.0.1:5000", "dev/app", nil},
		{"127.0.0.1:5000", "dev/ap", nil},
		{"127.0.0.1:5000", "dev/app/x", nil},
		{"127.0.0.1:5000", "Dev/App", nil},
		{"docker.io", "library/nginx", []string{"hub"}},
		{"index.docker.io", "library/nginx", []string{"hub"}},
		{"registry-1.docker.io", "nginx", []string{"hub"}},
		{"Docker.IO", "library/nginx", []string{"hub"}},
		{"docker.com", "library/nginx", nil},
		{"registry.example.com", "team/web", []string{"example"}},
		{"REGISTRY.EXAMPLE.COM", "team/web", []string{"example"}},
		{"registry.example.com:443", "team/web", nil},
		{"example.com", "team/web", nil},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, names(s.Match(tc.registry, tc.repo, "1.0")), "%s %s", tc.registry, tc.repo)
	}
	assert.Empty(t, s.Match("127.0.0.1:5000", "dev/app", ""), "no tag, no match")
	var nilSet *Set
	assert.Empty(t, nilSet.Match("127.0.0.1:5000", "dev/app", "1.0"))
}

func TestNormalizeRegistry(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:5000":       "localhost:5000",
		"[::1]:5000":           "localhost:5000",
		"localhost":            "localhost",
		"LocalHost:80":         "localhost:80",
		"::1":                  "localhost",
		"127.0.0.2:5000":       "127.0.0.2:5000",
		"index.docker.io":      "docker.io",
		"registry-1.docker.io": "docker.io",
		"Quay.IO":              "quay.io",
	} {
		assert.Equal(t, want, NormalizeRegistry(in), in)
	}
}

func TestRequest(t *testing.T) {
	s, err := Load("rules.yaml", []byte(valid), policyDir(t))
	require.NoError(t, err)
	r := s.Rules[0]
	d := "sha256:" + strings.Repeat("ab", 32)
	req := r.Request("1.0", d, "distribution")
	assert.Equal(t, "127.0.0.1:5000/dev/app:1.0@"+d, req.Source)
	assert.Equal(t, "127.0.0.1:5001/qa/app", req.Target)
	assert.Equal(t, "%n-qa", req.Tag)
	assert.Same(t, r.Policy.(*policy.Rules), req.Policy.(*policy.Rules))
	assert.True(t, req.NoClobber)
	assert.True(t, req.Evidence)
	assert.True(t, req.SkipReferrers)
	assert.Equal(t, "distribution", req.Trigger)
	assert.Equal(t, "dev-to-qa", req.Rule)
	assert.False(t, req.DryRun)

	req = s.Rules[1].Request("latest", "", "poll")
	assert.Equal(t, "registry.example.com/team/web:latest", req.Source)
	assert.Equal(t, "%n", req.Tag)
	assert.False(t, req.SkipReferrers)
	assert.Equal(t, "poll", req.Trigger)
}
