package policytest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/policy/policytest"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

func TestTestDirPasses(t *testing.T) {
	policytest.TestDir(t, filepath.Join("testdata", "pass"))
}

func TestRunDirCountsFailures(t *testing.T) {
	sum, err := policytest.RunDir(context.Background(), filepath.Join("testdata", "fail"))
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Passed)
	assert.Equal(t, 3, sum.Failed)
	require.Len(t, sum.Results, 4)

	byName := map[string]policytest.Result{}
	for _, r := range sum.Results {
		byName[r.Case] = r
	}
	assert.True(t, byName["right"].Passed())
	wrong := byName["wrong verdict and rules"]
	assert.False(t, wrong.Passed())
	assert.Equal(t, 6, wrong.Line)
	assert.Equal(t, []string{"verdict: got deny, want allow", "rules: got [no-criticals], want [tagged]"}, wrong.Problems)
	assert.Equal(t, []string{"suppressed: got [], want [CVE-1]"}, byName["wrong suppressed"].Problems)
	broken := byName[""]
	require.Error(t, broken.Err, "a policy that does not load is a failure")
	assert.Contains(t, broken.Err.Error(), "missing.yaml")
	assert.True(t, strings.HasSuffix(broken.File, "b_test.yaml"))
}

func TestRunDirWithoutCases(t *testing.T) {
	_, err := policytest.RunDir(context.Background(), t.TempDir())
	assert.ErrorIs(t, err, policytest.ErrNoCases)
}

func TestParseSuiteErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, doc, msg string }{
		{"unknown field", "policy: p.yaml\ncases:\n  - name: a\n    tagg: x\n    unscanned: true\n    time: 2025-01-01\n    expect: {verdict: deny}\n", `case.yaml:4:5: cases[0]: unknown field "tagg" (did you mean "tag"?)`},
		{"no policy", "cases: []\n", "policy is required"},
		{"no time", "policy: p.yaml\ncases:\n  - {name: a, unscanned: true, expect: {verdict: deny}}\n", "case.yaml:3:5: case \"a\": time is required"},
		{"no expect", "policy: p.yaml\ncases:\n  - {name: a, unscanned: true, time: 2025-01-01}\n", "expect is required"},
		{"bad verdict", "policy: p.yaml\ncases:\n  - {name: a, unscanned: true, time: 2025-01-01, expect: {verdict: ok}}\n", "case.yaml:3:68: expect.verdict: want allow, warn or deny"},
		{"no report", "policy: p.yaml\ncases:\n  - {name: a, time: 2025-01-01, expect: {verdict: deny}}\n", "give a report"},
		{"both", "policy: p.yaml\ncases:\n  - {name: a, unscanned: true, report: {}, time: 2025-01-01, expect: {verdict: deny}}\n", "exclude each other"},
		{"missing report file", "policy: p.yaml\ncases:\n  - {name: a, report: nope.json, time: 2025-01-01, expect: {verdict: deny}}\n", "case.yaml:3:23: report:"},
		{"inline report typo", "policy: p.yaml\ncases:\n  - name: a\n    time: 2025-01-01\n    expect: {verdict: deny}\n    report: {findigns: []}\n", `case.yaml:6:13: report: not a report: json: unknown field "findigns"`},
		{"bad time", "policy: p.yaml\ncases:\n  - {name: a, unscanned: true, time: noon, expect: {verdict: deny}}\n", "time:"},
		{"duplicate case", "policy: p.yaml\ndefaults: {unscanned: true, time: 2025-01-01}\ncases:\n  - {name: a, expect: {verdict: deny}}\n  - {name: a, expect: {verdict: deny}}\n", "duplicate name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policytest.ParseSuite(filepath.Join(dir, "case.yaml"), []byte(tt.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestParseSuiteDefaults(t *testing.T) {
	doc := `policy: gate.yaml
defaults:
  repository: r/a
  tag: prod
  labels: {team: shop}
  time: 2025-06-01T12:00:00Z
  unscanned: true
  base: {layers: 2}
cases:
  - name: inherits
    expect: {verdict: deny}
  - name: overrides
    tag: dev
    time: 2025-06-02
    report: {schemaVersion: 1}
    expect: {verdict: allow, rules: [], suppressed: []}
`
	s, err := policytest.ParseSuite(filepath.Join("x", "case.yaml"), []byte(doc))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("x", "gate.yaml"), s.Policy)
	require.Len(t, s.Cases, 2)
	a, b := s.Cases[0], s.Cases[1]
	assert.Equal(t, policy.Image{Repository: "r/a", Tag: "prod", Labels: map[string]string{"team": "shop"}}, a.Input.Image)
	assert.Nil(t, a.Input.Report)
	assert.Equal(t, &policy.BaseImage{Layers: 2}, a.Input.Base)
	assert.Equal(t, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), a.Input.Now)
	assert.Nil(t, a.Expect.Rules, "rules not given: not checked")
	assert.Equal(t, "dev", b.Input.Image.Tag)
	assert.Equal(t, "r/a", b.Input.Image.Repository)
	assert.NotNil(t, b.Input.Report, "a report in the case overrides unscanned in the defaults")
	assert.Equal(t, time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), b.Input.Now)
	assert.Equal(t, []string{}, b.Expect.Rules)
	assert.Equal(t, 12, b.Line)
}

func TestLoadReport(t *testing.T) {
	rep, err := policytest.LoadReport(filepath.Join("testdata", "fail", "reports", "one-critical.json"))
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "pkg:npm/a@1", rep.Findings[0].PURL.String())

	dir := t.TempDir()
	for name, body := range map[string]string{
		"list.json":   `[{"schemaVersion": 1}]`,
		"newer.json":  `{"schemaVersion": 99}`,
		"broken.json": `{"findings": [`,
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
		_, err := policytest.LoadReport(filepath.Join(dir, name))
		assert.Error(t, err, name)
	}
}

func TestEvaluateAndExpect(t *testing.T) {
	p, err := policy.Load("gate.yaml", []byte("rules:\n  - {name: crit, vulnerabilities: {critical: \"> 0\"}}\n"))
	require.NoError(t, err)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	rep := &scan.Report{
		ScannedAt: now,
		Database:  &scan.DatabaseInfo{Sources: []vulndb.SourceInfo{{Name: "osv", Updated: now}}},
		Findings:  []scan.Finding{{ID: "CVE-1", Severity: "CRITICAL"}},
	}
	d := policytest.Evaluate(t, p, policy.Input{Report: rep, Now: now})
	policytest.Expect(t, d, policy.Deny, "crit")

	// Expect reports a mismatch through the TB.
	ft := &fakeTB{TB: t}
	policytest.Expect(ft, d, policy.Allow)
	assert.Equal(t, []string{"verdict: got deny, want allow", "rules: got [crit], want []"}, ft.errors)

	ft = &fakeTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		policytest.Evaluate(ft, p, policy.Input{Report: rep})
	}()
	assert.True(t, ft.fatal, "a zero time is refused")
}

// fakeTB records errors instead of failing.
type fakeTB struct {
	testing.TB
	errors []string
	fatal  bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Error(args ...any) {
	for _, a := range args {
		f.errors = append(f.errors, a.(string))
	}
}
func (f *fakeTB) Failed() bool             { return len(f.errors) > 0 }
func (f *fakeTB) Logf(string, ...any)      {}
func (f *fakeTB) Fatal(...any)             { f.fatal = true; panic(errFatal) }
func (f *fakeTB) Fatalf(string, ...any)    { f.fatal = true; panic(errFatal) }
func (f *fakeTB) Context() context.Context { return context.Background() }

var errFatal = errors.New("fatal")

// FuzzParseSuite: any case file parses or fails; never a panic.
func FuzzParseSuite(f *testing.F) {
	for _, file := range []string{
		filepath.Join("testdata", "pass", "gate_test.yaml"),
		filepath.Join("testdata", "fail", "a_test.yaml"),
		filepath.Join("..", "..", "examples", "policies", "fixable-highs-block-prod_test.yaml"),
	} {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := policytest.ParseSuite(filepath.Join("testdata", "fail", "fuzz_test.yaml"), data)
		if err == nil && s.Policy == "" {
			t.Fatal("a suite without a policy parsed")
		}
	})
}
