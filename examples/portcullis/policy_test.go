package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// examplePolicies is the directory of ready policies and their cases.
var examplePolicies = filepath.Join("..", "policies")

func TestPolicyTestExamples(t *testing.T) {
	code, out, errOut := cli(t, "policy", "test", examplePolicies)
	require.Equal(t, exitOK, code, out+errOut)
	assert.Regexp(t, `(?m)^ok   no-criticals-on-latest_test.yaml: \d+ passed, 0 failed$`, out)
	assert.Regexp(t, `(?m)^ok   fixable-highs-block-prod_test.yaml: \d+ passed, 0 failed$`, out)
	assert.Regexp(t, `(?m)^ok   licence-allow-list_test.yaml: \d+ passed, 0 failed$`, out)
	assert.Regexp(t, `(?m)^ok   cel-rebuild-stale-images_test.yaml: \d+ passed, 0 failed$`, out)
	assert.Regexp(t, `(?m)^PASS: \d+ cases$`, out)
	assert.NotContains(t, out, "--- PASS", "passing cases are listed only with -v")

	code, out, _ = cli(t, "policy", "test", "-v", examplePolicies)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "--- PASS: no-criticals-on-latest_test.yaml:6: a critical on latest is denied")
}

// writeCases writes a policy and a case file with one passing and one
// failing case.
func writeCases(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gate.yaml"), []byte("rules:\n  - {name: crit, vulnerabilities: {critical: \"> 0\"}}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gate_test.yaml"), []byte(`policy: gate.yaml
defaults:
  time: 2025-06-01T12:00:00Z
  report:
    findings: [{id: CVE-1, severity: CRITICAL, purl: "pkg:npm/a@1", layer: {index: 0}}]
    scannedAt: 2025-06-01T11:00:00Z
    database: {sources: [{name: osv, updated: 2025-06-01T10:00:00Z}]}
cases:
  - name: denied
    expect: {verdict: deny, rules: [crit]}
  - name: wrongly expected to pass
    expect: {verdict: allow}
`), 0o644))
	return dir
}

func TestPolicyTestFailure(t *testing.T) {
	dir := writeCases(t)
	code, out, errOut := cli(t, "policy", "test", dir)
	assert.Equal(t, exitGate, code)
	assert.Contains(t, out, "--- FAIL: gate_test.yaml:11: wrongly expected to pass\n    verdict: got deny, want allow\n    reason crit (deny): vulnerabilities: critical 1 (> 0)\n")
	assert.Contains(t, out, "FAIL gate_test.yaml: 1 passed, 1 failed")
	assert.Contains(t, errOut, "policy test: 1 of 2 cases failed")

	// A case file that does not load is a failure too.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken_test.yaml"), []byte("policy: gate.yaml\ncases:\n  - {name: x, tagg: v1}\n"), 0o644))
	code, out, _ = cli(t, "policy", "test", dir)
	assert.Equal(t, exitGate, code)
	assert.Contains(t, out, "--- FAIL: broken_test.yaml\n")
	assert.Contains(t, out, `broken_test.yaml:3:15: cases[0]: unknown field "tagg"`)
}

func TestPolicyTestUsage(t *testing.T) {
	code, _, errOut := cli(t, "policy", "test", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "no case files")
	code, _, _ = cli(t, "policy", "test")
	assert.Equal(t, exitUsage, code)
	code, _, _ = cli(t, "policy", "test", filepath.Join(t.TempDir(), "missing"))
	assert.Equal(t, exitUsage, code)
}

func TestPolicyCheckReport(t *testing.T) {
	pol := filepath.Join(examplePolicies, "no-criticals-on-latest.yaml")
	critical := filepath.Join(examplePolicies, "reports", "critical.json")
	at := "2025-06-01T12:00:00Z"

	code, out, errOut := cli(t, "policy", "check", "--policy", pol, "--report", critical, "--time", at)
	assert.Equal(t, exitGate, code, errOut)
	assert.Contains(t, out, "Policy:   no-criticals-on-latest ("+pol+")\n")
	assert.Contains(t, out, "Image:    registry.example.com/shop/web:latest @ sha256:2222222222222222222222222222222222222222222222222222222222222222\n")
	assert.Contains(t, out, "Verdict:  DENY\n")
	assert.Contains(t, out, "DENY  no-criticals-on-latest\n      Images tagged latest must have no critical vulnerabilities: vulnerabilities: critical 1 (> 0)\n")
	assert.Regexp(t, `CVE-2025-90001 +CRITICAL +openssl 3.0.11-1~deb12u2 +fixed in 3.0.15-1~deb12u1 +layer 1 +pkg:deb/debian/openssl@`, out)
	assert.Contains(t, errOut, "policy no-criticals-on-latest denied the image: no-criticals-on-latest")

	// The tag comes from the report's reference unless --tag says.
	code, out, _ = cli(t, "policy", "check", "--policy", pol, "--report", critical, "--time", at, "--tag", "v1.0.0")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Verdict:  ALLOW\n")

	// JSON, with the flags after the arguments they follow.
	code, out, _ = cli(t, "policy", "check", "--format", "json", "--report", critical, "--policy", pol, "--time", at, "--repository", "registry.example.com/other/web")
	assert.Equal(t, exitGate, code)
	var got struct {
		Policy  string `json:"policy"`
		Image   struct{ Repository, Tag, Digest string }
		Verdict string `json:"verdict"`
		Reasons []struct {
			Rule     string
			Verdict  string
			Findings []struct{ ID string }
		} `json:"reasons"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, "no-criticals-on-latest", got.Policy)
	assert.Equal(t, "registry.example.com/other/web", got.Image.Repository)
	assert.Equal(t, "latest", got.Image.Tag)
	assert.Equal(t, "deny", got.Verdict)
	require.Len(t, got.Reasons, 1)
	assert.Equal(t, "CVE-2025-90001", got.Reasons[0].Findings[0].ID)
}

func TestPolicyCheckWarnAndVEX(t *testing.T) {
	pol := filepath.Join(examplePolicies, "fixable-highs-block-prod.yaml")
	highs := filepath.Join(examplePolicies, "reports", "highs.json")
	code, out, errOut := cli(t, "policy", "check", "--policy", pol, "--report", highs, "--tag", "prod", "--time", "2025-06-01T12:00:00Z")
	assert.Equal(t, exitOK, code, "a warning is not a denial: "+errOut)
	assert.Contains(t, out, "Verdict:  WARN\n")
	assert.Contains(t, out, "Suppressed:\n")
	assert.Regexp(t, `(?m)^  vex  .*web.openvex.json#statement 1  GHSA-9001-aaaa-bbbb  not_affected`, out)
	assert.Regexp(t, `(?m)^  exception  .*fixable-highs-block-prod.yaml:15  CVE-2025-90011  pkg:deb/debian/openssl  owner shop-team@example.com  expires 2025-06-05T00:00:00Z$`, out)

	// A VEX document handed to the command suppresses too.
	vex := filepath.Join(t.TempDir(), "libc.json")
	require.NoError(t, os.WriteFile(vex, []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "base team", "timestamp": "2025-05-30T00:00:00Z",
	  "statements": [{"vulnerability": {"name": "CVE-2025-90016"}, "products": [{"@id": "pkg:deb/debian/libc6"}], "status": "not_affected", "justification": "vulnerable_code_not_present"}]}`), 0o644))
	code, out, _ = cli(t, "policy", "check", "--policy", pol, "--report", highs, "--tag", "prod", "--time", "2025-06-01T12:00:00Z", "--vex", vex)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Verdict:  ALLOW\n")
	assert.Contains(t, out, "libc.json#statement 1  CVE-2025-90016  not_affected  owner base team")
}

func TestPolicyCheckImage(t *testing.T) {
	db := importedDB(t)
	layout := writeLayout(t)
	pol := filepath.Join(t.TempDir(), "gate.yaml")
	require.NoError(t, os.WriteFile(pol, []byte(`
rules:
  - name: fixable-highs
    vulnerabilities: {fixable: true, minSeverity: high}
  - name: provenance
    verdict: warn
    labels: {required: [org.opencontainers.image.source]}
`), 0o644))
	code, out, errOut := cli(t, "--db", db, "policy", "check", "oci-dir:"+layout, "--policy", pol, "--format", "json")
	assert.Equal(t, exitGate, code, errOut)
	var got struct {
		Image   struct{ Digest, Repository, Tag string }
		Verdict string
		Reasons []struct {
			Rule     string
			Findings []struct {
				ID, Package string
				Layer       struct{ Index int }
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, "deny", got.Verdict)
	assert.True(t, strings.HasPrefix(got.Image.Digest, "sha256:"))
	assert.Empty(t, got.Image.Repository, "an OCI layout names no repository")
	require.Len(t, got.Reasons, 2)
	assert.Equal(t, "fixable-highs", got.Reasons[0].Rule)
	require.Len(t, got.Reasons[0].Findings, 1)
	assert.Equal(t, "CVE-2024-2961", got.Reasons[0].Findings[0].ID)
	assert.Equal(t, "libc6", got.Reasons[0].Findings[0].Package)
	assert.Equal(t, "provenance", got.Reasons[1].Rule)

	// Without a database the image cannot be matched: an input error.
	code, _, errOut = cli(t, "--db", t.TempDir(), "policy", "check", "--policy", pol, "oci-dir:"+layout)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "no vulnerability database")
}

func TestPolicyCheckUsage(t *testing.T) {
	pol := filepath.Join(examplePolicies, "no-criticals-on-latest.yaml")
	rep := filepath.Join(examplePolicies, "reports", "clean.json")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("rules:\n  - name: a\n    vulnerabilities: {critical: \"=> 1\"}\n"), 0o644))
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"policy"}, "needs a subcommand"},
		{[]string{"policy", "lint"}, `unknown policy subcommand "lint"`},
		{[]string{"policy", "check", "--report", rep}, "--policy FILE is required"},
		{[]string{"policy", "check", "--policy", pol}, "one IMAGE, or --report"},
		{[]string{"policy", "check", "--policy", pol, "--report", rep, "img"}, "not both"},
		{[]string{"policy", "check", "--policy", pol, "--report", rep, "--format", "sarif"}, "must be table or json"},
		{[]string{"policy", "check", "--policy", pol, "--report", rep, "--time", "yesterday"}, "--time"},
		{[]string{"policy", "check", "--policy", bad, "--report", rep}, `bad.yaml:3:33: rule "a": critical: "=> 1": want an operator`},
		{[]string{"policy", "check", "--policy", pol, "--report", filepath.Join(t.TempDir(), "none.json")}, "none.json"},
		{[]string{"policy", "check", "--policy", pol, "--report", rep, "--vex", pol}, "not an OpenVEX document"},
		{[]string{"policy", "check", "--policy", pol, "--report", rep, "--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errOut := cli(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut, tt.msg)
		})
	}
}

func TestRefParts(t *testing.T) {
	tests := []struct{ ref, repo, tag string }{
		{"registry.example.com/shop/web:prod", "registry.example.com/shop/web", "prod"},
		{"registry:registry.example.com/shop/web:v1", "registry.example.com/shop/web", "v1"},
		{"alpine", "index.docker.io/library/alpine", "latest"},
		{"localhost:5000/app@sha256:" + strings.Repeat("a", 64), "localhost:5000/app", ""},
		{"oci-dir:/tmp/layout:v1", "", ""},
		{"docker-archive:img.tar", "", ""},
		{"dir:/rootfs", "", ""},
		{"", "", ""},
		{"Not A Ref", "", ""},
	}
	for _, tt := range tests {
		repo, tag := refParts(tt.ref)
		assert.Equal(t, tt.repo, repo, tt.ref)
		assert.Equal(t, tt.tag, tag, tt.ref)
	}
}
