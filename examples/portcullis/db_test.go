package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
)

// debianFeed is a Debian tracker excerpt about the packages of writeLayout.
const debianFeed = `{
 "glibc": {"CVE-2024-2961": {"description": "iconv overflow", "scope": "remote", "releases": {
   "bookworm": {"status": "resolved", "repositories": {"bookworm": "2.36-9+deb12u7"}, "fixed_version": "2.36-9+deb12u6", "urgency": "high"}}}},
 "tzdata": {"CVE-2099-0001": {"description": "not installed any more", "releases": {
   "bookworm": {"status": "open", "repositories": {"bookworm": "2024a-0+deb12u1"}, "urgency": "low"}}}}
}`

func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func importedDB(t *testing.T) string {
	t.Helper()
	db := t.TempDir()
	feed := filepath.Join(t.TempDir(), "debian.json")
	require.NoError(t, os.WriteFile(feed, []byte(debianFeed), 0o644))
	code, out, errOut := cli(t, "--db", db, "db", "import", "debian", feed)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "debian")
	assert.Contains(t, out, "2 records")
	return db
}

func TestDBImportStatusAndScan(t *testing.T) {
	db := importedDB(t)

	code, out, errOut := cli(t, "--db", db, "db", "status")
	require.Equal(t, exitOK, code, errOut)
	assert.Regexp(t, `(?m)^debian +2 +0 +\d{4}-`, out)

	// Re-importing the same file changes nothing.
	feed := filepath.Join(t.TempDir(), "debian.json")
	require.NoError(t, os.WriteFile(feed, []byte(debianFeed), 0o644))
	code, out, _ = cli(t, "db", "import", "--db", db, "debian", feed)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "unchanged")

	layout := writeLayout(t)
	code, out, errOut = cli(t, "--db", db, "scan", "--format", "json", "oci-dir:"+layout)
	require.Equal(t, exitOK, code, errOut)
	var rep scan.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Findings, 1, "tzdata was removed, so only libc6 is hit")
	f := rep.Findings[0]
	assert.Equal(t, "CVE-2024-2961", f.ID)
	assert.Equal(t, "libc6", f.Package)
	assert.Equal(t, "HIGH", f.Severity)
	assert.Equal(t, "debian", f.SeveritySource)
	assert.Equal(t, "2.36-9+deb12u6", f.FixedVersion)
	assert.Equal(t, 0, f.Layer.Index)
	assert.Equal(t, 1, rep.Summary["HIGH"])

	code, out, _ = cli(t, "--db", db, "scan", "oci-dir:"+layout)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "CVE-2024-2961")
	assert.Contains(t, out, "Summary: CRITICAL 0, HIGH 1")

	// The gate.
	code, _, errOut = cli(t, "--db", db, "scan", "--fail-on", "high", "oci-dir:"+layout)
	assert.Equal(t, exitGate, code)
	assert.Contains(t, errOut, "1 finding(s) at or above HIGH")
	code, _, _ = cli(t, "--db", db, "scan", "--fail-on", "CRITICAL", "oci-dir:"+layout)
	assert.Equal(t, exitOK, code)
	code, _, _ = cli(t, "--db", db, "scan", "--fail-on", "HIGH", "--ignore-unfixed", "oci-dir:"+layout)
	assert.Equal(t, exitGate, code, "the finding has a fix, so it stays")
	code, _, errOut = cli(t, "--db", db, "scan", "--fail-on", "SEVERE", "oci-dir:"+layout)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--fail-on")

	// Other formats carry the findings.
	for format, want := range map[string]string{"sarif": `"ruleId": "CVE-2024-2961"`, "cyclonedx": `"vulnerabilities"`, "spdx": `"spdxVersion": "SPDX-2.3"`} {
		code, out, errOut = cli(t, "--db", db, "scan", "--format", format, "oci-dir:"+layout)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, want, format)
		assert.True(t, json.Valid([]byte(out)), format)
	}
}

func TestScanWithoutDatabase(t *testing.T) {
	code, _, errOut := cli(t, "--db", t.TempDir(), "scan", "oci-dir:"+writeLayout(t))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "no vulnerability database")
	assert.Contains(t, errOut, "db update")
}

func TestDBUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"db"},
		{"db", "frobnicate"},
		{"db", "import", "osv"},
		{"db", "import", "yaml", "."},
		{"db", "import", "osv", "/does/not/exist"},
		{"--offline", "db", "update"},
		{"db", "update", "--offline"},
		{"db", "status", "extra"},
	} {
		code, _, errOut := cli(t, append([]string{"--db", t.TempDir()}, args...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, errOut)
		assert.NotEmpty(t, errOut, "%v", args)
	}
}

func TestDBImportBadFeed(t *testing.T) {
	db := importedDB(t)
	bad := filepath.Join(t.TempDir(), "debian.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"glibc": {"CVE-1": `), 0o644))
	code, _, errOut := cli(t, "--db", db, "db", "import", "debian", bad)
	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, errOut, "debian.json")
	// The earlier data is intact.
	code, out, _ := cli(t, "--db", db, "db", "status")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `(?m)^debian +2 `, out)
}
