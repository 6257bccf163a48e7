package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
)

const status = `Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone data
`

// writeLayout writes a two-layer Debian-like image as an OCI layout.
func writeLayout(t *testing.T) string {
	t.Helper()
	img := testimage.Image(
		[]testimage.Entry{
			testimage.File("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
			testimage.Symlink("etc/os-release", "../usr/lib/os-release"),
			testimage.File("var/lib/dpkg/status", status),
		},
		[]testimage.Entry{testimage.File("var/lib/dpkg/status", strings.Replace(status, "Package: tzdata\nStatus: install ok installed", "Package: tzdata\nStatus: deinstall ok config-files", 1))},
	)
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, p.AppendImage(img))
	return dir
}

func TestScanJSON(t *testing.T) {
	dir := writeLayout(t)
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"scan", "--no-vulns", "--format", "json", "--output", out, "oci-dir:" + dir}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var rep scan.Report
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Equal(t, 1, rep.SchemaVersion)
	require.Len(t, rep.Packages, 1)
	assert.Equal(t, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", rep.Packages[0].PURL.String())
	assert.Equal(t, "glibc", rep.Packages[0].Source.Name)
	assert.Equal(t, 0, rep.Packages[0].Layer.Index)
	require.Len(t, rep.Removed, 1)
	assert.Equal(t, "tzdata", rep.Removed[0].Name)
	assert.Equal(t, 1, rep.Removed[0].RemovedBy.Index)

	// The top-level fields of the contract are all there.
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &raw))
	for _, k := range []string{"schemaVersion", "image", "distro", "layers", "packages", "findings", "summary", "incomplete"} {
		assert.Contains(t, raw, k)
	}
}

func TestScanTable(t *testing.T) {
	dir := writeLayout(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"scan", "--no-vulns", "oci-dir:" + dir}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	s := stdout.String()
	assert.Contains(t, s, "Debian GNU/Linux 12 (bookworm)")
	assert.Contains(t, s, "layer 0")
	assert.Contains(t, s, "libc6")
	assert.Contains(t, s, "Removed by a later layer (1)")
}

func TestScanIncompleteWarns(t *testing.T) {
	img := testimage.Image([]testimage.Entry{testimage.File("var/lib/dpkg/status", "Package: broken\nStatus: install ok installed\n")})
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, p.AppendImage(img))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"scan", "--no-vulns", "oci-dir:" + dir}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stderr.String(), "incomplete")
	assert.Contains(t, stdout.String(), "INCOMPLETE")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nosuchcommand"},
		{"scan"},
		{"scan", "--format", "xml", "oci-dir:/nonexistent"},
		{"scan", "--platform", "not a platform", "oci-dir:/x"},
		{"scan", "--no-vulns", "oci-dir:/definitely/not/here"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr.String(), "%v", args)
	}
}

func TestScanAllPlatforms(t *testing.T) {
	amd := v1.Platform{OS: "linux", Architecture: "amd64"}
	arm := v1.Platform{OS: "linux", Architecture: "arm64"}
	imgFor := func(p v1.Platform) v1.Image {
		img := testimage.Image([]testimage.Entry{testimage.File("var/lib/dpkg/status", status)})
		cfg, err := img.ConfigFile()
		require.NoError(t, err)
		cfg = cfg.DeepCopy()
		cfg.OS, cfg.Architecture = p.OS, p.Architecture
		img, err = mutate.ConfigFile(img, cfg)
		require.NoError(t, err)
		return img
	}
	dir := t.TempDir()
	_, err := layout.Write(dir, mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: imgFor(amd), Descriptor: v1.Descriptor{Platform: &amd}},
		mutate.IndexAddendum{Add: imgFor(arm), Descriptor: v1.Descriptor{Platform: &arm}},
	))
	require.NoError(t, err)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"scan", "--no-vulns", "--format", "json", "--platform", "all", "oci-dir:" + dir}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	var reps []scan.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &reps))
	require.Len(t, reps, 2)
	var platforms []string
	for _, r := range reps {
		platforms = append(platforms, r.Image.Platform)
		assert.Len(t, r.Packages, 2)
	}
	assert.ElementsMatch(t, []string{"linux/amd64", "linux/arm64"}, platforms)

	stdout.Reset()
	code = run(context.Background(), []string{"scan", "--no-vulns", "--platform", "linux/arm64", "oci-dir:" + dir}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "Platform: linux/arm64")
}
