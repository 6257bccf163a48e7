package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Regexp(t, `registry +listening on 127\.0\.0\.1:\d+`, s)
	assert.Contains(t, s, "Distro:   Debian GNU/Linux 12 (bookworm)", "os-release is found through its symlink")
	// Each package is listed with the layer that brought it.
	for _, want := range []struct{ layer, name, version string }{
		{"0", "libc6", "2.36-9+deb12u4"},
		{"1", "curl", "7.88.1-10+deb12u5"},
		{"1", "libssl3", "3.0.13-1~deb12u1"}, // upgraded by layer 1
		{"0", "zlib1g", "1:1.2.13.dfsg-1"},
	} {
		re := regexp.MustCompile(`(?m)^` + want.layer + ` +deb +` + regexp.QuoteMeta(want.name) + ` +` + regexp.QuoteMeta(want.version) + ` `)
		assert.Regexp(t, re, s, want.name)
	}
	// tzdata was removed by layer 2.
	assert.Regexp(t, `(?m)^0 +2 +deb +tzdata +2024a-0\+deb12u1`, s)
	assert.NotRegexp(t, `(?m)^\d +deb +tzdata `, s)
	assert.Contains(t, s, "RUN apt-get purge -y tzdata")

	// Findings, with the layer that brought each package.
	assert.Regexp(t, `imported +8 records from debian`, s)
	for _, want := range []struct{ sev, id, pkg, fixed, status string }{
		{"HIGH", "CVE-2024-2961", "libc6", "2.36-9+deb12u6", "fixed"},
		{"LOW", "CVE-2023-45853", "zlib1g", "-", "wont-fix"},
		{"MEDIUM", "CVE-2024-2398", "libcurl4", "7.88.1-10+deb12u6", "fixed"},
		{"LOW", "CVE-2024-0727", "openssl", "3.0.13-1~deb12u1", "fixed"},
	} {
		re := regexp.MustCompile(`(?m)^` + want.sev + ` +` + want.id + ` +` + regexp.QuoteMeta(want.pkg) + ` +\S+ +` + regexp.QuoteMeta(want.fixed) + ` +` + want.status + ` +debian`)
		assert.Regexp(t, re, s, want.id)
	}
	// Fixed by backports already installed: not reported.
	for _, id := range []string{"CVE-2023-4911", "CVE-2023-38545", "CVE-2023-31484"} {
		assert.NotContains(t, s, id)
	}
	// libssl3 was upgraded to the fixed openssl: only the openssl package is hit.
	assert.NotRegexp(t, `CVE-2024-0727 +libssl3`, s)
	layer1 := s[strings.Index(s, "Layer 1  RUN apt-get install"):]
	assert.Contains(t, layer1, "CVE-2024-2398")
	assert.Contains(t, s, "Summary: CRITICAL 0, HIGH 1, MEDIUM 3, LOW 2, UNKNOWN 0")

	// The policy denies, naming the rule, the finding and its layer.
	assert.Contains(t, s, "Policy decision (policy.yaml): DENY")
	assert.Regexp(t, `deny +no-fixable-highs: `, s)
	assert.Regexp(t, `HIGH CVE-2024-2961 in libc6 2\.36-9\+deb12u4 \(fixed in 2\.36-9\+deb12u6\), layer 0`, s)
	assert.Regexp(t, `warn +unfixed-known: `, s)
	assert.NotContains(t, s, "no-criticals:")

	// Promotion: 1.0 is refused and qa/ stays empty; the rebuilt 1.1 goes
	// through with the same digest; both are in the history.
	assert.Regexp(t, `DENIED +sha256:[0-9a-f]{12} stays in dev/ \(stored report reused\): no-fixable-highs`, s)
	assert.Contains(t, s, "qa/demo:1.0 exists: false")
	assert.Regexp(t, `PROMOTED +sha256:[0-9a-f]{12} to qa/demo:1\.1 \(WARN; .* 0 uploaded\)`, s)
	assert.Contains(t, s, "qa/demo:1.1 names the same digest: true")
	assert.Regexp(t, `(?m)^denied +dev/demo:1\.0 +sha256:[0-9a-f]{12} +qa/demo:1\.0 +deny no-fixable-highs`, s)
	assert.Regexp(t, `(?m)^promoted +dev/demo:1\.1 +sha256:[0-9a-f]{12} +qa/demo:1\.1 +warn unfixed-known`, s)
}

func TestDemoImageIsReproducible(t *testing.T) {
	a, err := buildDemoImage()
	require.NoError(t, err)
	b, err := buildDemoImage()
	require.NoError(t, err)
	da, err := a.Digest()
	require.NoError(t, err)
	db, err := b.Digest()
	require.NoError(t, err)
	assert.Equal(t, da, db)
	layers, err := a.Layers()
	require.NoError(t, err)
	assert.Len(t, layers, demoImageLayers)
	c, err := buildRebuiltImage()
	require.NoError(t, err)
	more, err := c.Layers()
	require.NoError(t, err)
	require.Len(t, more, len(demoLayers))
	for i := range layers {
		d1, err := layers[i].Digest()
		require.NoError(t, err)
		d2, err := more[i].Digest()
		require.NoError(t, err)
		assert.Equal(t, d1, d2, "the rebuilt image shares layer %d", i)
	}
}

func TestTarDirKeepsSymlinkAndWhiteout(t *testing.T) {
	blob, err := tarDir(demoFiles, "image/0-base", demoLayers[0].symlinks)
	require.NoError(t, err)
	assert.True(t, bytes.Contains(blob, []byte("../usr/lib/os-release")))
	blob, err = tarDir(demoFiles, "image/2-remove-tzdata", nil)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(blob), "usr/share/doc/.wh.tzdata"))
}
