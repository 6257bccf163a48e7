package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadStrictErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		line int
		msg  string
	}{
		{"unknown top-level field", "name: p\nrulez: []\n", 2, `unknown field "rulez" (did you mean "rules"?)`},
		{"unknown rule field", "rules:\n  - name: a\n    sevrity: high\n", 3, `unknown field "sevrity"`},
		{"unknown vulnerabilities field", "rules:\n  - name: a\n    vulnerabilities:\n      critcal: \"> 0\"\n", 4, `did you mean "critical"?`},
		{"duplicate key", "rules:\n  - name: a\n    name: b\n    tag: x\n", 3, `duplicate key "name"`},
		{"duplicate rule name", "rules:\n  - {name: a, tag: x}\n  - {name: a, tag: y}\n", 3, `rule "a": duplicate name`},
		{"reserved rule name", "rules:\n  - {name: unscanned, tag: x}\n", 2, "reserved"},
		{"bad operator", "rules:\n  - name: a\n    vulnerabilities:\n      high: \"=> 1\"\n", 4, "want an operator"},
		{"bare number", "rules:\n  - name: a\n    vulnerabilities:\n      high: 1\n", 4, "bare number"},
		{"count not whole", "rules:\n  - name: a\n    vulnerabilities:\n      all: \">= 1.5\"\n", 4, "whole number"},
		{"cvss out of range", "rules:\n  - name: a\n    vulnerabilities:\n      cvss: \">= 11\"\n", 4, "from 0 to 10"},
		{"epss out of range", "rules:\n  - name: a\n    vulnerabilities:\n      epss: \">= 2\"\n", 4, "from 0 to 1"},
		{"bad duration", "rules:\n  - name: a\n    vulnerabilities:\n      age: \"> 3y\"\n", 4, "units"},
		{"bad severity", "rules:\n  - name: a\n    vulnerabilities:\n      minSeverity: severe\n", 4, "minSeverity"},
		{"bad layers", "rules:\n  - name: a\n    vulnerabilities:\n      layers: top\n", 4, "want all, aboveBase or base"},
		{"bad regex", "rules:\n  - name: a\n    tag:\n      regex: \"v(\"\n", 4, "tag.regex"},
		{"bad glob", "rules:\n  - name: a\n    repository:\n      glob: \"reg/[abc\"\n", 4, "unclosed"},
		{"empty selector", "rules:\n  - name: a\n    tag: {}\n", 3, "give at least one of"},
		{"unknown selector op", "rules:\n  - name: a\n    tag: {matches: x}\n", 3, `unknown field "matches"`},
		{"bad verdict", "rules:\n  - name: a\n    verdict: block\n    tag: x\n", 3, "want deny or warn"},
		{"allow verdict", "rules:\n  - name: a\n    verdict: allow\n    tag: x\n", 3, "want deny or warn"},
		{"rule without name", "rules:\n  - tag: x\n", 2, "needs a name"},
		{"rule without criteria", "rules:\n  - name: a\n", 2, "no criteria"},
		{"bad CEL syntax", "rules:\n  - name: a\n    cel: 'summary.critical >'\n", 3, "cel:"},
		{"CEL unknown field", "rules:\n  - name: a\n    cel: 'image.tgs == \"x\"'\n", 3, "undefined field 'tgs'"},
		{"CEL unknown variable", "rules:\n  - name: a\n    cel: 'img.tag == \"x\"'\n", 3, "undeclared reference"},
		{"CEL not bool", "rules:\n  - name: a\n    cel: 'summary.critical + 1'\n", 3, "must give a bool"},
		{"bad licence", "rules:\n  - name: a\n    packages:\n      license:\n        notOneOf: [MIT, Not-A-Licence]\n", 5, "Not-A-Licence"},
		{"licence expression in list", "rules:\n  - name: a\n    packages:\n      license: {oneOf: [\"MIT OR GPL-3.0-only\"]}\n", 4, "not an SPDX licence identifier"},
		{"licence without list", "rules:\n  - name: a\n    packages:\n      license: {unknown: match}\n", 4, "give oneOf or notOneOf"},
		{"bad purl prefix", "rules:\n  - name: a\n    packages:\n      purl: {oneOf: [\"npm/left-pad\"]}\n", 4, "must start with \"pkg:\""},
		{"empty name list", "rules:\n  - name: a\n    packages:\n      name: {oneOf: []}\n", 4, "list at least one name"},
		{"labels not a list", "rules:\n  - name: a\n    labels: {required: x}\n", 3, "want a list"},
		{"exception without expiry", "rules: []\nexceptions:\n  - vulnerability: CVE-1\n    reason: r\n    owner: o\n", 3, "expires required"},
		{"exception without reason and owner", "exceptions:\n  - {vulnerability: CVE-1, expires: 2030-01-01}\n", 2, "reason, owner required"},
		{"exception without scope", "exceptions:\n  - {reason: r, owner: o, expires: 2030-01-01}\n", 2, "give its scope"},
		{"exception bad date", "exceptions:\n  - {vulnerability: CVE-1, reason: r, owner: o, expires: next week}\n", 2, "want a date"},
		{"exception unknown rule", "rules:\n  - {name: a, tag: x}\nexceptions:\n  - vulnerability: CVE-1\n    rules: [b]\n    reason: r\n    owner: o\n    expires: 2030-01-01\n", 5, `no rule is named "b"`},
		{"exception bad digest", "exceptions:\n  - {digest: sha256:abc, reason: r, owner: o, expires: 2030-01-01}\n", 2, "not a digest"},
		{"exception bad purl", "exceptions:\n  - {purl: openssl, reason: r, owner: o, expires: 2030-01-01}\n", 2, "must start with \"pkg:\""},
		{"settings bool", "settings:\n  allowIncomplete: yes\n", 2, "want true or false"},
		{"settings duration", "settings:\n  maxDatabaseAge: soon\n", 2, "maxDatabaseAge"},
		{"settings unknown", "settings:\n  allowEverything: true\n", 2, `unknown field "allowEverything"`},
		{"base image without layers", "baseImages:\n  - name: debian:12\n", 2, "give layers"},
		{"base image layers mismatch", "baseImages:\n  - diffIDs: [\"sha256:" + strings.Repeat("a", 64) + "\"]\n    layers: 2\n", 3, "layers is 2 but 1 diffIDs"},
		{"vex file missing", "vex: [missing.json]\n", 1, "vex:"},
		{"version", "version: 2\n", 1, "version 1"},
		{"not a mapping", "- a\n- b\n", 1, "want a mapping"},
		{"rules not a list", "rules: {name: a}\n", 1, "want a list"},
		{"invalid YAML", "rules:\n  - name: a\n    tag: \"x\n", 3, "invalid YAML"},
		{"invalid YAML structure", "rules:\n  - name: a\n   tag: x\n", -1, "invalid YAML"},
		{"JSON unknown field", "{\n  \"name\": \"p\",\n  \"rules\": [\n    {\"name\": \"a\", \"tagg\": \"x\"}\n  ]\n}\n", 4, `unknown field "tagg"`},
		{"two documents", "name: a\n---\nname: b\n", 2, "more than one YAML document"},
		{"empty", "", 0, "empty document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("policy.yaml", []byte(tt.doc), WithFS(fstest.MapFS{}))
			require.Error(t, err)
			var le *LoadError
			require.True(t, errors.As(err, &le), "want a *LoadError, got %T: %v", err, err)
			assert.Equal(t, "policy.yaml", le.File)
			if tt.line < 0 { // go-yaml names the line where the enclosing block began
				assert.Positive(t, le.Line, "error: %v", err)
			} else {
				assert.Equal(t, tt.line, le.Line, "error: %v", err)
			}
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "policy: policy.yaml:"), err.Error())
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	doc := "rules:\n  - name: a\n    tagg: x\n  - name: b\n    verdict: nope\n    tag: y\n"
	_, err := Load("p.yaml", []byte(doc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:3:5:")
	assert.Contains(t, err.Error(), "p.yaml:5:14:")
}

func TestLoadJSON(t *testing.T) {
	doc := `{"name": "json", "rules": [{"name": "no-crit", "tag": {"oneOf": ["latest"]}, "vulnerabilities": {"critical": "> 0"}}],
	"exceptions": [{"vulnerability": "CVE-1", "reason": "r", "owner": "o", "expires": "2030-01-01T00:00:00Z"}]}`
	p, err := Load("p.json", []byte(doc))
	require.NoError(t, err)
	assert.Equal(t, "json", p.Name())
	assert.Equal(t, []string{"no-crit"}, p.RuleNames())
}

func TestLoadAnchorsAndMerge(t *testing.T) {
	doc := `
x-owner: &owner {reason: upstream has no fix, owner: team@example.com, expires: 2030-01-01}
rules:
  - name: a
    tag: &prod {oneOf: [prod, production]}
    vulnerabilities: {critical: "> 0"}
  - name: b
    tag: *prod
    vulnerabilities: {high: "> 0"}
exceptions:
  - <<: *owner
    vulnerability: CVE-1
`
	_, err := Load("p.yaml", []byte(doc))
	require.Error(t, err, "x-owner is not a field")
	doc = strings.Replace(doc, "x-owner: &owner {reason: upstream has no fix, owner: team@example.com, expires: 2030-01-01}\n", "", 1)
	doc = strings.Replace(doc, "  - <<: *owner\n", "  - <<: &owner {reason: upstream has no fix, owner: team@example.com, expires: 2030-01-01}\n", 1)
	p, err := Load("p.yaml", []byte(doc))
	require.NoError(t, err)
	require.Len(t, p.exceptions, 1)
	assert.Equal(t, "team@example.com", p.exceptions[0].owner)
	assert.Equal(t, "CVE-1", p.exceptions[0].vulnerability)
}

func TestLoadAliasBomb(t *testing.T) {
	// Merge keys that fan out ten ways, nine deep: 10^9 visits unless the
	// node budget stops them.
	var b strings.Builder
	b.WriteString("x0: &m0 {reason: r}\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x%d: &m%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 10), ", "))
	}
	b.WriteString("exceptions:\n  - <<: *m9\n    vulnerability: CVE-1\n")
	_, err := Load("bomb.yaml", []byte(b.String()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "document too large")
}

func TestLoadSizeLimit(t *testing.T) {
	_, err := Load("big.yaml", []byte(strings.Repeat("#", MaxPolicyBytes+1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than")
}

func TestLoadFullExample(t *testing.T) {
	p, err := LoadFile(filepath.Join("testdata", "full.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "production", p.Name())
	assert.Len(t, p.rules, 10)
	assert.Len(t, p.exceptions, 1)
	assert.Len(t, p.bases, 2)
	assert.True(t, p.needBase)
	assert.Len(t, p.vex.rules, 2, "the VEX document named by the policy is loaded")
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
	require.Error(t, err)
}

func TestLoadVEXFromFS(t *testing.T) {
	vex, err := os.ReadFile(filepath.Join("testdata", "vex", "web.openvex.json"))
	require.NoError(t, err)
	fsys := fstest.MapFS{"docs/web.json": {Data: vex}}
	p, err := Load("inline", []byte("vex: [docs/web.json]\n"), WithFS(fsys))
	require.NoError(t, err)
	assert.Len(t, p.vex.rules, 2)
	_, err = Load("inline", []byte("vex: [../web.json]\n"), WithFS(fsys))
	require.Error(t, err)
}

func TestLoadNameDefaultsToFile(t *testing.T) {
	p, err := Load("dir/gate.yaml", []byte("rules: [{name: a, tag: x}]\n"))
	require.NoError(t, err)
	assert.Equal(t, "gate", p.Name())
}

// FuzzLoad: any document loads or fails with an error; never a panic or a
// hang, and a policy that loads evaluates.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata", filepath.Join("..", "examples", "policies")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(benchPolicy))
	f.Add([]byte(`{"rules": [{"name": "a", "cel": "findings.exists(f, f.cvss > 9.0)"}]}`))
	f.Add([]byte("rules:\n  - name: a\n    tag: {glob: \"[a-\"}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	rep := bigReport(20, 50)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load("fuzz.yaml", data, WithFS(fstest.MapFS{}), WithCELTimeout(100*time.Millisecond))
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error is not a LoadError: %T %v", err, err)
			}
			return
		}
		d, err := p.Evaluate(t.Context(), Input{Report: rep, Now: benchNow, Image: Image{Tag: "latest"}})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Verdict.Valid() {
			t.Fatalf("invalid verdict %v", d.Verdict)
		}
	})
}
