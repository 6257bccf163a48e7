package dpkg

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/scan"
)

func readData(tb testing.TB, sub, name string) []byte {
	tb.Helper()
	return shareddata.Read(tb, "pkgdb", sub, name)
}

func file(path, content string) *scan.File {
	return scan.NewFile(path, 0o644, int64(len(content)), strings.NewReader(content))
}

func analyze(tb testing.TB, files ...*scan.File) ([]scan.Package, error) {
	tb.Helper()
	return New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{Index: 1, DiffID: "sha256:test"}, tb.TempDir(), files...))
}

func byName(pkgs []scan.Package) map[string]scan.Package {
	m := make(map[string]scan.Package, len(pkgs))
	for _, p := range pkgs {
		m[p.Name] = p
	}
	return m
}

func names(pkgs []scan.Package) []string {
	var n []string
	for _, p := range pkgs {
		n = append(n, p.Name)
	}
	return n
}

func parseErr(tb testing.TB, err error) *ParseError {
	tb.Helper()
	var pe *ParseError
	require.ErrorAs(tb, err, &pe)
	return pe
}

// trivyVersion rebuilds a Debian version from trivy's split fields.
func trivyVersion(epoch int, version, release string) string {
	v := version
	if epoch > 0 {
		v = strconv.Itoa(epoch) + ":" + v
	}
	if release != "" {
		v += "-" + release
	}
	return v
}

func TestTrivyUbuntu1804(t *testing.T) {
	var want struct {
		Count    int `json:"expected_package_count"`
		Packages []struct {
			Name, Version, Release, Arch    string
			SrcName, SrcVersion, SrcRelease string
			Epoch, SrcEpoch                 int
		} `json:"expected_packages"`
	}
	require.NoError(t, json.Unmarshal(readData(t, "dpkg-trivy-ubuntu1804", "expected.json"), &want))
	require.Equal(t, 90, want.Count)

	pkgs, err := analyze(t, file(StatusPath, string(readData(t, "dpkg-trivy-ubuntu1804", "status"))))
	require.NoError(t, err)
	require.Len(t, pkgs, want.Count)
	got := byName(pkgs)
	require.Len(t, got, want.Count, "package names are unique")
	assert.NotContains(t, got, "git", "git is deinstall ok config-files")
	for _, w := range want.Packages {
		p, ok := got[w.Name]
		if !assert.True(t, ok, w.Name) {
			continue
		}
		assert.Equal(t, trivyVersion(w.Epoch, w.Version, w.Release), p.Version, w.Name)
		assert.Equal(t, w.Arch, p.Arch, w.Name)
		require.NotNil(t, p.Source, w.Name)
		assert.Equal(t, w.SrcName, p.Source.Name, w.Name)
		assert.Equal(t, trivyVersion(w.SrcEpoch, w.SrcVersion, w.SrcRelease), p.Source.Version, w.Name)
		assert.Equal(t, scan.TypeDeb, p.Type)
		assert.Equal(t, []string{StatusPath}, p.Paths)
		esc := strings.NewReplacer("+", "%2B").Replace
		assert.Equal(t, "pkg:deb/"+esc(w.Name)+"@"+esc(p.Version)+"?arch="+w.Arch, p.PURL.String())
		assert.Empty(t, p.FoundBy)
		assert.Zero(t, p.Layer)
	}
	assert.Equal(t, "1:2.31.1-0.4ubuntu3.1", got["bsdutils"].Version)
	assert.Equal(t, scan.Source{Name: "util-linux", Version: "2.31.1-0.4ubuntu3.1"}, *got["bsdutils"].Source)
}

func TestClaircore(t *testing.T) {
	const dir = "dpkg-claircore"
	t.Run("texlive", func(t *testing.T) {
		pkgs, err := analyze(t, file(StatusPath, string(readData(t, dir, "texlive.status"))))
		require.NoError(t, err)
		assert.Len(t, pkgs, 357)
	})
	t.Run("debian-only", func(t *testing.T) {
		pkgs, err := analyze(t, file(StatusPath, string(readData(t, dir, "debian-only.status"))))
		require.NoError(t, err)
		require.NotEmpty(t, pkgs)
		assert.Equal(t, "debian-archive-keyring", pkgs[0].Name)
		assert.Equal(t, "2019.1", pkgs[0].Version)
		assert.Equal(t, "all", pkgs[0].Arch)
	})
	t.Run("postgresql", func(t *testing.T) {
		pkgs, err := analyze(t, file(StatusPath, string(readData(t, dir, "postgresql.status"))))
		require.NoError(t, err)
		got := byName(pkgs)
		require.Contains(t, got, "postgresql-client")
		p := got["postgresql-client"]
		assert.Equal(t, "11+200+deb10u5", p.Version)
		assert.Equal(t, scan.Source{Name: "postgresql-common", Version: "200+deb10u5"}, *p.Source)
		assert.Equal(t, scan.Source{Name: "postgresql-11", Version: "11.22-0+deb10u2"}, *got["postgresql-client-11"].Source)
	})
	t.Run("vcpkg", func(t *testing.T) {
		pkgs, err := analyze(t, file(StatusPath, string(readData(t, dir, "vcpkg.status"))))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, ErrNotDatabase)
		var fe *scan.FileError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, StatusPath, fe.Path)
	})
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"var/lib/dpkg/status", 0o644, true},
		{"var/lib/dpkg/status", fs.ModeSymlink | 0o777, false},
		{"var/lib/dpkg/status", fs.ModeDir | 0o755, false},
		{"var/lib/dpkg/status-old", 0o644, false},
		{"var/lib/dpkg/available", 0o644, false},
		{"var/lib/dpkg/status.d/base", 0o644, true},
		{"var/lib/dpkg/status.d/libssl3", 0o644, true},
		{"var/lib/dpkg/status.d/libssl3.md5sums", 0o644, true},
		{"var/lib/dpkg/info/libc6:amd64.list", 0o644, true},
		{"var/lib/dpkg/info/curl.list", 0o644, true},
		{"var/lib/dpkg/info/curl.md5sums", 0o644, false},
		{"var/lib/dpkg/info/sub/curl.list", 0o644, false},
		{"var/lib/dpkg/status.d/sub/x", 0o644, false},
		{"var/lib/dpkg/status.d/", 0o644, false},
		{"usr/share/doc/libc6/copyright", 0o644, true},
		{"usr/share/doc/libc6:amd64/copyright", 0o644, true},
		{"usr/share/doc/libc6/copyright.gz", 0o644, false},
		{"usr/share/doc/libc6/x/copyright", 0o644, false},
		{"usr/share/doc//copyright", 0o644, false},
		{"usr/share/doc/copyright", 0o644, false},
		{"usr/local/share/doc/x/copyright", 0o644, false},
		{"/var/lib/dpkg/status", 0o644, false},
		{"lib/apk/db/installed", 0o644, false},
	}
	a := New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), "%s %v", tt.path, tt.mode)
	}
	assert.Equal(t, "dpkg", a.Name())
	assert.Equal(t, 2, a.Version())
}

const (
	stanzaA = "Package: a\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n"
	stanzaB = "Package: b\nStatus: install ok installed\nArchitecture: all\nVersion: 2:3.4~rc1+dfsg-2ubuntu1\nSource: bsrc (3.4~rc1+dfsg-2)\n"
	stanzaC = "Package: c\nStatus: hold ok installed\nArchitecture: arm64\nSource: csrc\nVersion: 5\n"
)

// TestBadInput covers the dpkg rows of the bad-input catalogue (D1): what is
// kept, what is skipped and counted, and what the error says.
func TestBadInput(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name       string
		content    string
		want       []string // package names, in order
		skipped    int      // ParseError.Skipped; -1: no ParseError expected
		duplicates int
		errIs      error
		errHas     []string
	}{
		{name: "good", content: stanzaA + "\n" + stanzaB + "\n" + stanzaC, want: []string{"a", "b", "c"}, skipped: -1},
		{name: "extra blank lines", content: "\n\n" + stanzaA + "\n\n \n\t\n" + stanzaB + "\n\n\n", want: []string{"a", "b"}, skipped: -1},
		{name: "no trailing newline", content: stanzaA + "\n" + strings.TrimSuffix(stanzaB, "\n"), want: []string{"a", "b"}, skipped: -1},
		{
			name: "no blank line between stanzas", content: stanzaA + stanzaB + "\n" + stanzaC,
			want: []string{"a", "b", "c"}, errHas: []string{"line 5: no blank line"},
		},
		{name: "CRLF", content: strings.ReplaceAll(stanzaA+"\n"+stanzaB, "\n", "\r\n"), want: []string{"a", "b"}, skipped: -1},
		{
			name:    "continuation lines",
			content: stanzaA + "Description: short\n long line one\n .\n\tline three\nConffiles:\n /etc/a 0123\n /etc/b 4567\n\n" + stanzaB,
			want:    []string{"a", "b"}, skipped: -1,
		},
		{name: "1 MiB Description", content: stanzaA + "Description: " + big + "\n " + big + "\n\n" + stanzaB, want: []string{"a", "b"}, skipped: -1},
		{name: "1 MiB line in a field", content: "Package: a\nStatus: install ok installed\nDepends: " + big + "\nVersion: 1\n", want: []string{"a"}, skipped: -1},
		{
			name:    "stanza over the limit",
			content: stanzaA + "Description: x\n" + strings.Repeat(" "+big+"\n", MaxStanzaBytes>>20+1) + "\n" + stanzaB,
			want:    []string{"b"}, skipped: 1, errHas: []string{"longer than"},
		},
		{
			name:    "stanza over the limit then no blank line",
			content: "Package: a\nStatus: install ok installed\nVersion: 1\nDescription: " + strings.Repeat(big, MaxStanzaBytes>>20+1) + "\n" + stanzaB,
			want:    []string{"b"}, skipped: 1,
		},
		{name: "missing Version", content: "Package: a\nStatus: install ok installed\n\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"line 1:", "no Version"}},
		{name: "missing Package", content: "Status: install ok installed\nVersion: 1\n\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"no Package"}},
		{name: "missing Status", content: "Package: a\nVersion: 1\n\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"no Status"}},
		{name: "malformed Status", content: "Package: a\nStatus: installed\nVersion: 1\n\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"malformed Status"}},
		{name: "version 1:", content: strings.Replace(stanzaA, "1.0-1", "1:", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"nothing after the epoch"}},
		{name: "version abc", content: strings.Replace(stanzaA, "1.0-1", "abc", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"does not start with a digit"}},
		{name: "version :1", content: strings.Replace(stanzaA, "1.0-1", ":1", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"empty epoch"}},
		{name: "version x:1", content: strings.Replace(stanzaA, "1.0-1", "x:1", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"not a number"}},
		{name: "version 1.0-", content: strings.Replace(stanzaA, "1.0-1", "1.0-", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"empty revision"}},
		{name: "version with space", content: strings.Replace(stanzaA, "1.0-1", "1.0 1", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1},
		{name: "version bad char", content: strings.Replace(stanzaA, "1.0-1", "1.0_1", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"invalid character"}},
		{name: "huge epoch", content: strings.Replace(stanzaA, "1.0-1", "99999999999:1", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"too big"}},
		{name: "bad package name", content: strings.Replace(stanzaA, "Package: a", "Package: -a", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1},
		{
			name: "duplicate package", content: stanzaA + "\n" + strings.Replace(stanzaA, "1.0-1", "1.0-2", 1) + "\n" + stanzaB,
			want: []string{"a", "b"}, duplicates: 1, errHas: []string{"duplicate package a (amd64) 1.0-2, first at line 1"},
		},
		{
			name:    "multiarch is not a duplicate",
			content: stanzaA + "\n" + strings.Replace(stanzaA, "amd64", "i386", 1),
			want:    []string{"a", "a"}, skipped: -1,
		},
		{name: "duplicate field", content: stanzaA + "Version: 2\n\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{`duplicate field "Version"`}},
		{name: "deinstall ok config-files", content: "Package: git\nStatus: deinstall ok config-files\nVersion: 1:2.17.1-1ubuntu0.1\n\n" + stanzaB, want: []string{"b"}, skipped: -1},
		{name: "not-installed without version", content: "Package: x\nStatus: purge ok not-installed\n\n" + stanzaB, want: []string{"b"}, skipped: -1},
		{name: "half-installed", content: "Package: x\nStatus: install reinstreq half-installed\nVersion: 1\n\n" + stanzaB, want: []string{"b"}, skipped: -1},
		{name: "deinstall ok installed is installed", content: strings.Replace(stanzaA, "install ok", "deinstall ok", 1), want: []string{"a"}, skipped: -1},
		{name: "NUL bytes", content: stanzaA + "Description: a\x00b\n\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"NUL byte"}},
		{name: "all NUL", content: strings.Repeat("\x00", 4096), skipped: 1},
		{name: "trailing NULs", content: stanzaA + "\n" + strings.Repeat("\x00", 512), want: []string{"a"}, skipped: 1},
		{name: "empty file", content: "", skipped: -1, errIs: ErrEmpty},
		{name: "blank lines only", content: "\n\n  \r\n", skipped: -1, errIs: ErrEmpty},
		{name: "no colon", content: "hello world\n\n" + stanzaB, want: []string{"b"}, skipped: 1, errHas: []string{"no colon"}},
		{name: "continuation first", content: " indented\n" + stanzaA + "\n" + stanzaB, want: []string{"a", "b"}, skipped: 1, errHas: []string{"continuation line", "line 2: no blank line"}},
		{name: "binary garbage", content: "\x7fELF\x02\x01\x01\x00\x00\x00", skipped: 1},
		{
			name: "malformed Source keeps the package", content: strings.Replace(stanzaB, "bsrc (3.4~rc1+dfsg-2)", "bsrc (3.4", 1),
			want: []string{"b"}, skipped: 0, errHas: []string{"malformed Source"},
		},
		{name: "malformed Architecture", content: strings.Replace(stanzaA, "amd64", "amd 64", 1) + "\n" + stanzaB, want: []string{"b"}, skipped: 1},
		{
			name:    "many bad stanzas are counted, the first few listed",
			content: strings.Repeat("Package: x\nStatus: install ok installed\n\n", 12) + stanzaB,
			want:    []string{"b"}, skipped: 12, errHas: []string{"12 of 13 stanzas skipped", "and 7 more"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, file(StatusPath, tt.content))
			assert.Equal(t, tt.want, names(pkgs))
			if tt.skipped < 0 && tt.duplicates == 0 && tt.errHas == nil && tt.errIs == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, StatusPath, fe.Path)
			assert.True(t, strings.HasPrefix(err.Error(), StatusPath+": "), err.Error())
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			if tt.skipped >= 0 || tt.duplicates > 0 {
				pe := parseErr(t, err)
				assert.Equal(t, max(tt.skipped, 0), pe.Skipped)
				assert.Equal(t, tt.duplicates, pe.Duplicates)
				assert.LessOrEqual(t, len(pe.Problems), MaxProblems)
			}
			for _, s := range tt.errHas {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestFields(t *testing.T) {
	pkgs, err := analyze(t, file(StatusPath, strings.ReplaceAll(stanzaA+"\n"+stanzaB+"\n"+stanzaC, "\n", "\r\n")))
	require.NoError(t, err)
	require.Len(t, pkgs, 3)
	want := []scan.Package{
		{
			Name: "a", Version: "1.0-1", Type: "deb", Arch: "amd64",
			Source: &scan.Source{Name: "a", Version: "1.0-1"},
			PURL:   scan.NewPURL("deb", "", "a", "1.0-1", "arch", "amd64"),
			Paths:  []string{StatusPath},
		},
		{
			Name: "b", Version: "2:3.4~rc1+dfsg-2ubuntu1", Type: "deb", Arch: "all",
			Source: &scan.Source{Name: "bsrc", Version: "3.4~rc1+dfsg-2"},
			PURL:   scan.NewPURL("deb", "", "b", "2:3.4~rc1+dfsg-2ubuntu1", "arch", "all"),
			Paths:  []string{StatusPath},
		},
		{
			Name: "c", Version: "5", Type: "deb", Arch: "arm64",
			Source: &scan.Source{Name: "csrc", Version: "5"},
			PURL:   scan.NewPURL("deb", "", "c", "5", "arch", "arm64"),
			Paths:  []string{StatusPath},
		},
	}
	assert.Equal(t, want, pkgs)
	assert.Equal(t, "pkg:deb/b@2:3.4~rc1%2Bdfsg-2ubuntu1?arch=all", pkgs[1].PURL.String())
}

func TestDistroless(t *testing.T) {
	base := "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nSource: base-files\n"
	libc := "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\nDescription: GNU C Library\n shared libraries\n"
	removed := "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n"
	pkgs, err := analyze(t,
		file(StatusDir+"base", base),
		file(StatusDir+"libc6", libc),
		file(StatusDir+"libc6.md5sums", "0123456789abcdef  lib/x86_64-linux-gnu/libc.so.6\n"),
		file(StatusDir+"gone", removed),
	)
	require.NoError(t, err)
	got := byName(pkgs)
	require.Len(t, got, 2)
	assert.Equal(t, []string{StatusDir + "base"}, got["base-files"].Paths)
	assert.Equal(t, []string{StatusDir + "libc6"}, got["libc6"].Paths)
	assert.Equal(t, scan.Source{Name: "glibc", Version: "2.36-9+deb12u4"}, *got["libc6"].Source)

	t.Run("status.d and status both list a package", func(t *testing.T) {
		pkgs, err := analyze(t, file(StatusPath, "Status: install ok installed\n"+base), file(StatusDir+"base", base))
		assert.Len(t, pkgs, 1)
		pe := parseErr(t, err)
		assert.Equal(t, 1, pe.Duplicates)
		assert.Contains(t, err.Error(), StatusDir+"base: ")
		assert.Contains(t, err.Error(), "first at "+StatusPath+" line 1")
	})
	t.Run("empty status.d file", func(t *testing.T) {
		pkgs, err := analyze(t, file(StatusDir+"base", base), file(StatusDir+"empty", ""))
		assert.Len(t, pkgs, 1)
		assert.ErrorIs(t, err, ErrEmpty)
		assert.Contains(t, err.Error(), StatusDir+"empty: ")
	})
}

const dep5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: thing
Source: https://example.org/thing
License: GPL-2+ or Artistic

Files: *
Copyright: 2001-2020 Someone
License: GPL-2+ or Artistic

Files: lib/*
Copyright: 2005 Someone Else
License: BSD-3-clause

Files: contrib/x.c
Copyright: 2010 A. N. Other
License: MIT, and Apache-2.0 with LLVM exception
Comment: a multi-line
 comment.

Files: contrib/y.c
Copyright: 2011 Them
License: (MIT OR Apache-2.0) AND bsd-3-clause

License: GPL-2+
 This program is free software; you can redistribute it
 .
 On Debian systems, see /usr/share/common-licenses/GPL-2.

License: Only-In-A-Standalone-Paragraph
 Text.
`

func TestLicenses(t *testing.T) {
	status := stanzaA + "\n" + stanzaB + "\n" + strings.Replace(stanzaA, "amd64", "i386", 1)
	tests := []struct {
		name      string
		path      string
		content   string
		pkg       string
		want      []string
		errSubstr string
	}{
		{name: "DEP-5", path: "usr/share/doc/a/copyright", content: dep5, pkg: "a",
			want: []string{"GPL-2+", "Artistic", "BSD-3-clause", "MIT", "Apache-2.0 with LLVM exception", "Apache-2.0"}},
		{name: "multiarch doc dir", path: "usr/share/doc/b:amd64/copyright", content: dep5, pkg: "b",
			want: []string{"GPL-2+", "Artistic", "BSD-3-clause", "MIT", "Apache-2.0 with LLVM exception", "Apache-2.0"}},
		{name: "CRLF DEP-5", path: "usr/share/doc/a/copyright", content: strings.ReplaceAll(dep5, "\n", "\r\n"), pkg: "a",
			want: []string{"GPL-2+", "Artistic", "BSD-3-clause", "MIT", "Apache-2.0 with LLVM exception", "Apache-2.0"}},
		{name: "old DEP-5 draft header", path: "usr/share/doc/a/copyright",
			content: "Format-Specification: http://svn.debian.org/wsvn/dep/web/deps/dep5.mdwn?op=file&rev=135\n\nFiles: *\nLicense: LGPL-2.1\n", pkg: "a",
			want: []string{"LGPL-2.1"}},
		{name: "not DEP-5", path: "usr/share/doc/a/copyright",
			content: "This package was debianized by Someone <s@example.org> on\nMon, 1 Jan 2001.\n\nLicense: GPL\n", pkg: "a"},
		{name: "DEP-5 without licences", path: "usr/share/doc/a/copyright",
			content: "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: x\n", pkg: "a"},
		{name: "damaged paragraph skipped", path: "usr/share/doc/a/copyright",
			content: "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: ISC\nnot a field\n\nFiles: x\nLicense: Zlib\n", pkg: "a",
			want: []string{"Zlib"}},
		{name: "binary", path: "usr/share/doc/a/copyright", content: "\x00\x01\x02", pkg: "a"},
		{name: "empty", path: "usr/share/doc/a/copyright", content: "", pkg: "a"},
		{name: "other package", path: "usr/share/doc/zzz/copyright", content: dep5, pkg: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The copyright file comes first in archive order (usr < var).
			pkgs, err := analyze(t, file(tt.path, tt.content), file(StatusPath, status))
			require.NoError(t, err)
			require.Len(t, pkgs, 3)
			for _, p := range pkgs {
				if p.Name != tt.pkg || tt.want == nil {
					assert.Empty(t, p.Licenses, "%s %s", p.Name, p.Arch)
					assert.Equal(t, []string{StatusPath}, p.Paths, "%s %s", p.Name, p.Arch)
					continue
				}
				assert.Equal(t, tt.want, p.Licenses, "%s %s", p.Name, p.Arch)
				assert.Equal(t, []string{StatusPath, tt.path}, p.Paths, "%s %s", p.Name, p.Arch)
			}
		})
	}
}

func TestSplitLicense(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"GPL-2+", []string{"GPL-2+"}},
		{"GPL-2+ or Artistic", []string{"GPL-2+", "Artistic"}},
		{"GPL-2+ OR Artistic-2.0", []string{"GPL-2+", "Artistic-2.0"}},
		{"GPL-2+ and BSD-3-clause, or MIT", []string{"GPL-2+", "BSD-3-clause", "MIT"}},
		{"GPL-2+ with OpenSSL exception", []string{"GPL-2+ with OpenSSL exception"}},
		{"(MIT OR Apache-2.0) AND Zlib", []string{"MIT", "Apache-2.0", "Zlib"}},
		{"public-domain", []string{"public-domain"}},
		{"  ", nil},
		{"or and ,", nil},
		{strings.Repeat("x", maxLicenseLen+1), nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, splitLicense(tt.in), tt.in)
	}
}

func TestCopyrightLimits(t *testing.T) {
	t.Run("too many licences", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
		for i := range MaxLicenses + 10 {
			b.WriteString("\nFiles: f" + strconv.Itoa(i) + "\nLicense: L-" + strconv.Itoa(i) + "\n")
		}
		lics, err := parseCopyright(strings.NewReader(b.String()))
		require.NoError(t, err)
		assert.Len(t, lics, MaxLicenses)
	})
	t.Run("larger than MaxCopyrightBytes", func(t *testing.T) {
		head := "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: MIT\n\n"
		r := io.MultiReader(strings.NewReader(head), &repeatReader{s: "Files: x\nLicense: MIT\n\n", n: MaxCopyrightBytes})
		pkgs, err := analyze(t, scan.NewFile("usr/share/doc/a/copyright", 0o644, MaxCopyrightBytes+int64(len(head)), r), file(StatusPath, stanzaA))
		require.Len(t, pkgs, 1)
		assert.Equal(t, []string{"MIT"}, pkgs[0].Licenses, "what was read before the limit is kept")
		assert.ErrorIs(t, err, scan.ErrTooLarge)
		assert.Contains(t, err.Error(), "usr/share/doc/a/copyright: ")
	})
}

// repeatReader yields s repeatedly, n bytes in all.
type repeatReader struct {
	s   string
	n   int64
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.n > 0 {
		c := copy(p[n:], r.s[r.off:])
		if int64(c) > r.n {
			c = int(r.n)
		}
		n += c
		r.n -= int64(c)
		r.off = (r.off + c) % len(r.s)
	}
	return n, nil
}

func TestLimits(t *testing.T) {
	t.Run("database larger than MaxDatabaseBytes", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads 256 MiB")
		}
		filler := "Package: x\nStatus: deinstall ok config-files\nVersion: 1\nDescription: " + strings.Repeat("x", 2000) + "\n\n"
		r := io.MultiReader(strings.NewReader(stanzaA+"\n"), &repeatReader{s: filler, n: MaxDatabaseBytes})
		pkgs, err := analyze(t, scan.NewFile(StatusPath, 0o644, MaxDatabaseBytes+100, r))
		assert.Equal(t, []string{"a"}, names(pkgs), "packages before the limit are kept")
		require.ErrorIs(t, err, scan.ErrTooLarge)
		assert.Contains(t, err.Error(), StatusPath+": dpkg: input longer than 268435456 bytes")
	})
	t.Run("more than MaxStanzas", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads 1 M stanzas")
		}
		filler := "Package: x\nStatus: deinstall ok config-files\nVersion: 1\n\n"
		r := io.MultiReader(strings.NewReader(stanzaA+"\n"), &repeatReader{s: filler, n: int64(len(filler)) * (MaxStanzas + 1)})
		pkgs, err := analyze(t, scan.NewFile(StatusPath, 0o644, 1<<30, r))
		assert.Equal(t, []string{"a"}, names(pkgs), "packages before the limit are kept")
		require.ErrorIs(t, err, scan.ErrTooLarge)
		assert.Contains(t, err.Error(), StatusPath+": dpkg: more than 1048576 paragraphs")
	})
	t.Run("MaxStanzas exactly", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads 1 M stanzas")
		}
		filler := "Package: x\nStatus: deinstall ok config-files\nVersion: 1\n\n"
		r := io.MultiReader(strings.NewReader(stanzaA+"\n"), &repeatReader{s: filler, n: int64(len(filler)) * (MaxStanzas - 1)})
		pkgs, err := analyze(t, scan.NewFile(StatusPath, 0o644, 1<<30, r))
		require.NoError(t, err)
		assert.Equal(t, []string{"a"}, names(pkgs))
	})
	t.Run("read error", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader(stanzaA+"\n"+stanzaB+"\nPackage: c\n"), iotestErr{})
		pkgs, err := analyze(t, scan.NewFile(StatusPath, 0o644, 1000, r))
		assert.Equal(t, []string{"a", "b"}, names(pkgs))
		require.ErrorIs(t, err, errBroken)
		var fe *scan.FileError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, StatusPath, fe.Path)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pkgs, err := New().Analyze(ctx, scan.NewInput(scan.LayerRef{}, t.TempDir(), file(StatusPath, stanzaA)))
		assert.Empty(t, pkgs)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

var errBroken = errors.New("broken layer")

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errBroken }

func TestCheckVersion(t *testing.T) {
	valid := []string{"1", "0", "1.0", "1:1.0-1", "2:6.1.2+dfsg-2", "1.0~rc1-1ubuntu0.18.04.1", "8-20180414-1ubuntu2",
		"0.0~r131-2ubuntu3", "1.2.3-4+b1", "1:2.31.1-0.4ubuntu3.1", "10:1", "011+200+deb10u5", "1.0-1~bpo10+1"}
	invalid := []string{"", "1:", ":1", "a:1", "abc", "1.0-", "-1", "1 0", "1\t0", "1.0_1", "1.0-1_2", "1.0-1:2", "1.0:2-3", "1:a", "1:-1", "99999999999:1", "1.0\n2", "é1"}
	for _, v := range valid {
		assert.Empty(t, checkVersion(v), v)
	}
	for _, v := range invalid {
		assert.NotEmpty(t, checkVersion(v), v)
	}
}

func BenchmarkAnalyzeTexlive(b *testing.B) {
	data := string(readData(b, "dpkg-claircore", "texlive.status"))
	a := New()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", file(StatusPath, data)))
		if err != nil || len(pkgs) != 357 {
			b.Fatal(len(pkgs), err)
		}
	}
}

func TestFileLists(t *testing.T) {
	pkgs, err := analyze(t,
		file("var/lib/dpkg/status", stanzaA+"\n"+stanzaB),
		file("var/lib/dpkg/info/a:amd64.list", "/.\n/usr\n/usr/bin/a\n/usr/share/doc/a/copyright\n"),
		file("var/lib/dpkg/info/b.list", "/usr/lib/python3/dist-packages/b-3.4.dist-info/METADATA\r\n"),
	)
	require.NoError(t, err)
	got := byName(pkgs)
	assert.Equal(t, []string{"usr", "usr/bin/a", "usr/share/doc/a/copyright"}, got["a"].OwnedFiles)
	assert.Equal(t, []string{"usr/lib/python3/dist-packages/b-3.4.dist-info/METADATA"}, got["b"].OwnedFiles)
}

func TestDistrolessMD5sums(t *testing.T) {
	pkgs, err := analyze(t,
		file("var/lib/dpkg/status.d/libssl3", strings.Replace(stanzaA, "Package: a", "Package: libssl3", 1)),
		file("var/lib/dpkg/status.d/libssl3.md5sums", "0123456789abcdef0123456789abcdef  usr/lib/x86_64-linux-gnu/libssl.so.3\nmalformed\n"),
	)
	require.NoError(t, err)
	require.Len(t, pkgs, 1)
	assert.Equal(t, []string{"usr/lib/x86_64-linux-gnu/libssl.so.3"}, pkgs[0].OwnedFiles)
}
