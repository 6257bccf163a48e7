package python

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
)

func file(path, content string) *scan.File {
	return scan.NewFile(path, 0o644, int64(len(content)), strings.NewReader(content))
}

func analyze(tb testing.TB, a *Analyzer, files ...*scan.File) ([]scan.Package, error) {
	tb.Helper()
	return a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{Index: 1, DiffID: "sha256:test"}, tb.TempDir(), files...))
}

// samplePath places a shared sample where an installer would have put it.
func samplePath(sample string) string {
	const site = "usr/lib/python3/site-packages/"
	switch {
	case strings.HasSuffix(sample, ".METADATA"):
		return site + strings.TrimSuffix(sample, ".METADATA") + ".dist-info/METADATA"
	case strings.HasSuffix(sample, ".PKG-INFO"):
		return site + strings.TrimSuffix(strings.TrimSuffix(sample, ".PKG-INFO"), ".egg-info") + ".egg-info/PKG-INFO"
	case strings.HasSuffix(sample, ".egg-info"):
		return site + sample
	}
	return site + "broken.dist-info/METADATA" // invalid.json
}

// ourLicenses gives what this analyzer reports for a licence the peer
// (trivy) reports. The two deliberate differences: classifiers are mapped to
// SPDX identifiers where the classifier names one licence, and neither
// "UNKNOWN" nor a License-File reference ("file://…", which names a file,
// not a licence) is reported as a licence.
var ourLicenses = map[string][]string{
	"UNKNOWN":                            nil,
	"file://LICENSE.txt":                 nil,
	"MIT License":                        {"MIT"},
	"Python Software Foundation License": {"PSF-2.0"},
	"GNU General Public License v2 or later (GPLv2+)":         {"GPL-2.0-or-later"},
	"GNU Lesser General Public License v2 or later (LGPLv2+)": {"LGPL-2.0-or-later"},
	"Mozilla Public License 1.1 (MPL 1.1)":                    {"MPL-1.1"},
}

// TestTrivySamples runs every sample of ../shared/data/pkgdb/python-metadata-trivy
// through the analyzer and compares with the peer's expected results.
func TestTrivySamples(t *testing.T) {
	var want struct {
		Cases []struct {
			File        string `json:"file"`
			Case        string `json:"case"`
			ExpectError bool   `json:"expect_error"`
			Expected    struct {
				Name     string   `json:"name"`
				Version  string   `json:"version"`
				Licenses []string `json:"licenses"`
			} `json:"expected"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(shareddata.Read(t, "pkgdb", "python-metadata-trivy", "expected.json"), &want))
	dir := shareddata.Path(t, "pkgdb", "python-metadata-trivy")
	samples, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	covered := map[string]bool{}
	require.Len(t, want.Cases, 11)
	for _, c := range want.Cases {
		t.Run(c.File, func(t *testing.T) {
			covered[c.File] = true
			b, err := os.ReadFile(filepath.Join(dir, c.File))
			require.NoError(t, err)
			path := samplePath(c.File)
			a := New()
			require.True(t, a.Match(path, 0o644), path)
			pkgs, err := analyze(t, a, file(path, string(b)))
			if c.ExpectError {
				assert.Empty(t, pkgs)
				require.ErrorIs(t, err, ErrNoNameOrVersion)
				var fe *scan.FileError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, path, fe.Path)
				return
			}
			require.NoError(t, err)
			require.Len(t, pkgs, 1)
			p := pkgs[0]
			assert.Equal(t, c.Expected.Name, p.Name)
			assert.Equal(t, c.Expected.Version, p.Version)
			var lic []string
			for _, l := range c.Expected.Licenses {
				if m, ok := ourLicenses[l]; ok {
					lic = append(lic, m...)
				} else {
					lic = append(lic, l)
				}
			}
			assert.Equal(t, lic, p.Licenses)
			assert.Equal(t, scan.TypePyPI, p.Type)
			assert.Equal(t, []string{path}, p.Paths)
			assert.Equal(t, "pkg:pypi/"+strings.ToLower(c.Expected.Name)+"@"+c.Expected.Version, p.PURL.String())
		})
	}
	for _, s := range samples {
		if b := filepath.Base(s); b != "expected.json" && b != "PROVENANCE.md" {
			assert.True(t, covered[b], "sample %s has no expected result", b)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", 0o644, true},
		{"usr/local/lib/python3.12/site-packages/zope.interface-6.1.dist-info/METADATA", 0o644, true},
		{"usr/lib/python3/dist-packages/six-1.16.0.egg-info", 0o644, true},
		{"usr/lib/python3/dist-packages/setuptools-68.1.2.egg-info/PKG-INFO", 0o644, true},
		{"site-packages/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO", 0o644, true},
		{"usr/lib/python3/dist-packages/six-1.16.0.egg-info", fs.ModeDir | 0o755, false},
		{"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", fs.ModeSymlink | 0o777, false},
		{"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD", 0o644, false},
		{"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/LICENSE", 0o644, false},
		{"usr/lib/python3/dist-packages/foo/METADATA", 0o644, false},
		{"usr/lib/python3/dist-packages/foo/PKG-INFO", 0o644, false},
		{"usr/lib/python3/dist-packages/.egg-info", 0o644, false},
		{".dist-info/METADATA", 0o644, false},
		{"src/PKG-INFO", 0o644, false},
	}
	a := New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), "%s %v", tt.path, tt.mode)
	}
	assert.Equal(t, Name, a.Name())
	assert.Equal(t, 1, a.Version())
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"requests":           "requests",
		"Unidecode":          "unidecode",
		"zope.interface":     "zope-interface",
		"Foo__Bar-.-baz":     "foo-bar-baz",
		"typing_extensions":  "typing-extensions",
		" ruamel.yaml.clib ": "ruamel-yaml-clib",
	} {
		assert.Equal(t, want, NormalizeName(in), in)
	}
}

const meta = "Metadata-Version: 2.1\nName: Zope.Interface\nVersion: 6.1\n"

func TestLicenses(t *testing.T) {
	tests := []struct {
		name, headers string
		want          []string
	}{
		{"expression wins", "License-Expression: Apache-2.0 OR MIT\nLicense: BSD\nClassifier: License :: OSI Approved :: MIT License\n", []string{"Apache-2.0 OR MIT"}},
		{"classifiers before License", "License: BSD\nClassifier: License :: OSI Approved :: ISC License (ISCL)\nClassifier: License :: OSI Approved :: BSD License\n", []string{"ISC", "BSD License"}},
		{"grouping classifiers only", "License: ZPL 2.1\nClassifier: License :: OSI Approved\nClassifier: License :: DFSG approved\n", []string{"ZPL 2.1"}},
		{"duplicate classifiers", "Classifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: MIT License\n", []string{"MIT"}},
		{"non-licence classifiers", "Classifier: Programming Language :: Python :: 3\nClassifier: License :: Public Domain\n", []string{"Public Domain"}},
		{"first line of License", "License: MIT License\n        \n        Copyright (c) 2020 Someone\n", []string{"MIT License"}},
		{"License on the next line", "License: \n        BSD-3-Clause\n        more text\n", []string{"BSD-3-Clause"}},
		{"UNKNOWN", "License: UNKNOWN\n", nil},
		{"unknown, lower case", "License: unknown\n", nil},
		{"licence text in the field", "License: " + strings.Repeat("All rights reserved. ", 40) + "\n", nil},
		{"none", "Summary: nothing\n", nil},
		{"classifier after the headers is body text", "\nClassifier: License :: OSI Approved :: MIT License\n", nil},
		{"continued expression", "License-Expression: MIT OR\n  Apache-2.0\n", []string{"MIT OR Apache-2.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, err := ParseMetadata(strings.NewReader(meta+tt.headers), DefaultMaxHeaderBytes)
			require.NoError(t, err)
			assert.Equal(t, "Zope.Interface", md.Name)
			assert.Equal(t, "6.1", md.Version)
			assert.Equal(t, tt.want, md.Licenses)
		})
	}
}

func TestBadInput(t *testing.T) {
	const path = "usr/lib/python3/site-packages/x-1.dist-info/METADATA"
	tests := []struct {
		name    string
		content string
		wantPkg bool
		errIs   error
		errHas  string
	}{
		{name: "CRLF", content: strings.ReplaceAll(meta+"License: MIT\n\nbody", "\n", "\r\n"), wantPkg: true},
		{name: "no final newline", content: "Name: a\nVersion: 1", wantPkg: true},
		{name: "empty", content: "", errIs: ErrNoNameOrVersion},
		{name: "no Version", content: "Name: a\nSummary: b\n", errIs: ErrNoNameOrVersion},
		{name: "Version in the body only", content: "Name: a\n\nVersion: 1\n", errIs: ErrNoNameOrVersion},
		{name: "empty Name", content: "Name:   \nVersion: 1\n", errIs: ErrNoNameOrVersion},
		{name: "JSON", content: `{"name": "a", "version": "1"}`, errIs: ErrNoNameOrVersion},
		{name: "binary", content: "\x00\x01\x02\xff\xfe\n\x00", errIs: ErrNoNameOrVersion},
		{name: "malformed lines are skipped", content: "garbage line\nName: a\nVersion: 1\n", wantPkg: true},
		{name: "headers over the limit after Name and Version", content: meta + "Description: " + strings.Repeat("x", 2000) + "\n", wantPkg: true, errIs: scan.ErrTooLarge, errHas: "header section longer than 1024 bytes"},
		{name: "one long line over the limit", content: "Name: " + strings.Repeat("x", 5000), errIs: scan.ErrTooLarge},
		{name: "many continuation lines over the limit", content: meta + "Description: x\n" + strings.Repeat("        more\n", 200), wantPkg: true, errIs: scan.ErrTooLarge},
	}
	a := New(WithMaxHeaderBytes(1024))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, a, file(path, tt.content))
			assert.Equal(t, tt.wantPkg, len(pkgs) == 1)
			if tt.errIs == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.errIs)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, path, fe.Path)
			assert.Contains(t, err.Error(), path+": python: ")
			if tt.errHas != "" {
				assert.Contains(t, err.Error(), tt.errHas)
			}
		})
	}

	t.Run("the body is never read", func(t *testing.T) {
		boom := errors.New("read past the headers")
		r := io.MultiReader(strings.NewReader(meta+"\n"), iotest.ErrReader(boom))
		pkgs, err := analyze(t, New(), scan.NewFile(path, 0o644, 1<<30, r))
		require.NoError(t, err)
		require.Len(t, pkgs, 1)
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		r := io.MultiReader(strings.NewReader("Name: a\nVer"), iotest.ErrReader(boom))
		pkgs, err := analyze(t, New(), scan.NewFile(path, 0o644, 100, r))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), path)
	})
	t.Run("one bad file among good ones", func(t *testing.T) {
		pkgs, err := analyze(t, New(),
			file("a/a-1.dist-info/METADATA", "Name: a\nVersion: 1\n"),
			file("a/b-1.dist-info/METADATA", "Name: b\n"),
			file("a/c-1.egg-info", "Name: c\nVersion: 3\n"))
		require.Len(t, pkgs, 2)
		assert.Equal(t, "a", pkgs[0].Name)
		assert.Equal(t, "c", pkgs[1].Name)
		require.Error(t, err)
		assert.Equal(t, "a/b-1.dist-info/METADATA: python: metadata without Name or Version header", err.Error())
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pkgs, err := New().Analyze(ctx, scan.NewInput(scan.LayerRef{}, t.TempDir(), file(path, meta)))
		assert.Empty(t, pkgs)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestPackage(t *testing.T) {
	pkgs, err := analyze(t, New(), file("usr/lib/python3/dist-packages/zope.interface-6.1.dist-info/METADATA",
		meta+"Classifier: License :: OSI Approved :: Zope Public License\n\nlong description\n"))
	require.NoError(t, err)
	assert.Equal(t, []scan.Package{{
		Name: "Zope.Interface", Version: "6.1", Type: scan.TypePyPI,
		PURL:     scan.NewPURL(scan.TypePyPI, "", "zope-interface", "6.1"),
		Licenses: []string{"Zope Public License"},
		Paths:    []string{"usr/lib/python3/dist-packages/zope.interface-6.1.dist-info/METADATA"},
	}}, pkgs)
	assert.Equal(t, "pkg:pypi/zope-interface@6.1", pkgs[0].PURL.String())
}

// TestScan runs the analyzer through a real scan: packages are attributed
// to the layer that installed them, an upgrade to the layer that upgraded.
func TestScan(t *testing.T) {
	const site = "usr/local/lib/python3.12/site-packages/"
	md := func(name, version string) string {
		return "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n\nbody\n"
	}
	img := testimage.Image(
		[]testimage.Entry{
			testimage.File(site+"requests-2.31.0.dist-info/METADATA", md("requests", "2.31.0")),
			testimage.File(site+"urllib3-2.0.0.dist-info/METADATA", md("urllib3", "2.0.0")),
			testimage.File(site+"site-readme.txt", "not metadata"),
		},
		[]testimage.Entry{
			testimage.File("usr/lib/python3/dist-packages/six-1.16.0.egg-info", md("six", "1.16.0")),
			testimage.File(site+"broken-1.dist-info/METADATA", "Name: broken\n"),
		},
		[]testimage.Entry{
			testimage.Whiteout(site + "urllib3-2.0.0.dist-info"),
			testimage.File(site+"urllib3-2.2.1.dist-info/METADATA", md("urllib3", "2.2.1")),
		},
	)
	sc, err := scan.New(scan.WithAnalyzers(New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	got := map[string]int{}
	for _, p := range rep.Packages {
		got[p.Name+"@"+p.Version] = p.Layer.Index
		assert.Equal(t, Name, p.FoundBy)
	}
	assert.Equal(t, map[string]int{"requests@2.31.0": 0, "six@1.16.0": 1, "urllib3@2.2.1": 2}, got)
	require.Len(t, rep.Incomplete, 1)
	assert.Equal(t, site+"broken-1.dist-info/METADATA", rep.Incomplete[0].Path)
	assert.Equal(t, 1, rep.Incomplete[0].Layer.Index)
}
