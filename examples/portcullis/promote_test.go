package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/testregistry"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/promote"
)

// promoterTestdata holds a feed with one critical glibc advisory (fixed in
// 2.36-9+deb12u6) and a policy denying criticals; the promoter's tests use
// them too.
var promoterTestdata = filepath.Join("..", "promoter", "testdata")

// promoteSetup starts a registry with dev/app:clean and dev/app:vuln, and
// a database holding the critical advisory.
func promoteSetup(t *testing.T) (host, db, clean, vuln string) {
	t.Helper()
	host = testregistry.New(t, nil)
	push := func(tag, libc string) string {
		img := testimage.Image(testimage.Debian12(testimage.DebPackage{Name: "libc6", Source: "glibc", Version: libc}))
		return testregistry.Push(t, host+"/dev/app:"+tag, img).String()
	}
	clean, vuln = push("clean", "2.36-9+deb12u7"), push("vuln", "2.36-9+deb12u4")
	db = t.TempDir()
	code, _, errOut := cli(t, "--db", db, "db", "import", "osv", filepath.Join(promoterTestdata, "osv"))
	require.Equal(t, exitOK, code, errOut)
	return host, db, clean, vuln
}

func TestPromoteCommand(t *testing.T) {
	host, db, clean, vuln := promoteSetup(t)
	pol := filepath.Join(promoterTestdata, "policy.yaml")

	// A dry run decides and writes nothing.
	code, out, errOut := cli(t, "--db", db, "promote", "--policy", pol, "--dry-run", host+"/dev/app:clean", host+"/qa/app")
	require.Equal(t, exitOK, code, out+errOut)
	assert.Contains(t, out, "Decision:  ALLOW")
	assert.Regexp(t, `Would promote: \d+ blobs copied`, out)
	assert.Empty(t, testregistry.Digest(host+"/qa/app:clean"))

	// Allowed: copied by digest, under a templated tag.
	code, out, errOut = cli(t, "--db", db, "promote", "--policy", pol, "--tag", "%n-qa", host+"/dev/app:clean", host+"/qa/app")
	require.Equal(t, exitOK, code, out+errOut)
	assert.Regexp(t, `Promoted: \d+ blobs copied`, out)
	assert.Equal(t, clean, testregistry.Digest(host+"/qa/app:clean-qa"))
	code, out, _ = cli(t, "--db", db, "promote", "--policy", pol, "--tag", "%n-qa", host+"/dev/app:clean", host+"/qa/app")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "Unchanged: ")

	// Denied: exit 1, the rule and the finding named, nothing written.
	code, out, errOut = cli(t, "--db", db, "promote", "--policy", pol, host+"/dev/app:vuln", host+"/qa/app")
	require.Equal(t, exitGate, code, out+errOut)
	assert.Contains(t, out, "Decision:  DENY")
	assert.Contains(t, out, "PORTCULLIS-TEST-0001 in libc6 2.36-9+deb12u4")
	assert.Contains(t, out, "Denied: nothing was written")
	assert.Contains(t, errOut, "no-criticals")
	assert.Empty(t, testregistry.Digest(host+"/qa/app:vuln"))

	// No clobber: the tag names another image.
	code, _, errOut = cli(t, "--db", db, "promote", "--policy", pol, "--no-clobber", host+"/dev/app:clean", host+"/qa/app:vuln-slot")
	require.Equal(t, exitOK, code, errOut)
	_ = vuln

	// JSON output is the Result.
	code, out, _ = cli(t, "--db", db, "promote", "--policy", pol, "--format", "json", host+"/dev/app:vuln", host+"/qa/app")
	require.Equal(t, exitGate, code)
	var res promote.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, vuln, res.SourceDigest)
	assert.False(t, res.Promoted)

	// The history, newest first, from the same database.
	code, out, errOut = cli(t, "--db", db, "promote", "history")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 7, out) // header + 6 promotions
	assert.Regexp(t, `cli +- +denied +\S+/dev/app:vuln +sha256:[0-9a-f]{12} +\S+/qa/app:vuln +no-criticals`, lines[1])
	assert.Regexp(t, `cli +- +dry-run +\S+/dev/app:clean`, lines[6])
	code, out, _ = cli(t, "--db", db, "promote", "history", "--outcome", "promoted", "--format", "json")
	require.Equal(t, exitOK, code)
	var recs []promote.Record
	require.NoError(t, json.Unmarshal([]byte(out), &recs))
	require.Len(t, recs, 2)
	assert.Equal(t, host+"/qa/app:vuln-slot", recs[0].TargetRef)
	assert.Equal(t, host+"/qa/app:clean-qa", recs[1].TargetRef)
}

func TestPromoteRulesCommand(t *testing.T) {
	host, db, clean, vuln := promoteSetup(t)
	dir := t.TempDir()
	pol, err := os.ReadFile(filepath.Join(promoterTestdata, "policy.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.yaml"), pol, 0o644))
	rulesFile := filepath.Join(dir, "rules.yaml")
	require.NoError(t, os.WriteFile(rulesFile, fmt.Appendf(nil, `rules:
  - name: dev-to-qa
    source: {repository: %[1]s/dev/app, tag: {oneOf: [clean, vuln]}}
    target: {repository: %[1]s/qa/app, tag: "rc-%%n"}
    policy: policy.yaml
`, host), 0o644))

	code, out, errOut := cli(t, "--db", db, "promote", "--rules", rulesFile, "--dry-run")
	require.Equal(t, exitGate, code, out+errOut)
	assert.Regexp(t, `(?m)^dev-to-qa +clean +sha256:[0-9a-f]{12} +dry-run +\S+/qa/app:rc-clean`, out)
	assert.Regexp(t, `(?m)^dev-to-qa +vuln +sha256:[0-9a-f]{12} +denied +\S+/qa/app:rc-vuln +no-criticals`, out)
	assert.Empty(t, testregistry.Digest(host+"/qa/app:rc-clean"), "dry run")

	code, out, errOut = cli(t, "--db", db, "promote", "--rules", rulesFile)
	require.Equal(t, exitGate, code, out+errOut, "one of the two is denied")
	assert.Regexp(t, `(?m)^dev-to-qa +clean +sha256:[0-9a-f]{12} +promoted `, out)
	assert.Equal(t, clean, testregistry.Digest(host+"/qa/app:rc-clean"))
	assert.Empty(t, testregistry.Digest(host+"/qa/app:rc-vuln"))
	_ = vuln
}

func TestPromoteUsage(t *testing.T) {
	for _, args := range [][]string{
		{"promote"},
		{"promote", "--policy", "p.yaml", "only-source"},
		{"promote", "--policy", "p.yaml", "--rules", "r.yaml"},
		{"promote", "--rules", "r.yaml", "a", "b"},
		{"promote", "--rules", "r.yaml", "--tag", "x"},
		{"promote", "--policy", "p.yaml", "--format", "xml", "a", "b"},
		{"promote", "history", "--outcome", "maybe"},
		{"promote", "history", "extra"},
	} {
		code, _, errOut := cli(t, append([]string{"--db", t.TempDir()}, args...)...)
		assert.Equal(t, exitUsage, code, "%q: %s", args, errOut)
		assert.NotEmpty(t, errOut, "%q", args)
	}
	code, _, errOut := cli(t, "--db", t.TempDir(), "promote", "--policy", filepath.Join(t.TempDir(), "missing.yaml"), "localhost:1/a:b", "localhost:1/c")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "missing.yaml")
}
