package apk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/scan"
)

// readData reads a shared data file, skipping the test when it is absent.
func readData(tb testing.TB, name string) []byte {
	tb.Helper()
	return shareddata.Read(tb, "pkgdb", name)
}

func file(path, content string) *scan.File {
	return scan.NewFile(path, 0o644, int64(len(content)), strings.NewReader(content))
}

func analyze(tb testing.TB, files ...*scan.File) ([]scan.Package, error) {
	tb.Helper()
	return New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{Index: 1, DiffID: "sha256:test"}, tb.TempDir(), files...))
}

func names(pkgs []scan.Package) []string {
	var n []string
	for _, p := range pkgs {
		n = append(n, p.Name)
	}
	return n
}

func TestTrivy(t *testing.T) {
	var want struct {
		Count    int `json:"expected_package_count"`
		Packages []struct {
			Name, Version, SrcName, SrcVersion, Arch string
		} `json:"expected_packages"`
	}
	require.NoError(t, json.Unmarshal(readData(t, "apk-trivy/expected.json"), &want))
	require.Equal(t, 15, want.Count)

	pkgs, err := analyze(t, file(InstalledPath, string(readData(t, "apk-trivy/installed"))))
	require.Len(t, pkgs, want.Count)
	for i, w := range want.Packages {
		p := pkgs[i]
		assert.Equal(t, w.Name, p.Name)
		assert.Equal(t, w.Version, p.Version, w.Name)
		assert.Equal(t, w.Arch, p.Arch, w.Name)
		require.NotNil(t, p.Source, w.Name)
		assert.Equal(t, scan.Source{Name: w.SrcName, Version: w.SrcVersion}, *p.Source, w.Name)
		assert.Equal(t, scan.TypeAPK, p.Type)
		assert.Equal(t, []string{InstalledPath}, p.Paths)
		assert.Equal(t, scan.NewPURL("apk", "", w.Name, w.Version, "arch", w.Arch), p.PURL)
	}

	// The record without V: is skipped, and the error says so.
	require.Error(t, err)
	var fe *scan.FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, InstalledPath, fe.Path)
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 16, pe.Records)
	assert.Equal(t, 1, pe.Skipped)
	assert.Contains(t, err.Error(), `line 23: package "invalidPackageWithoutAVersion" has no V:`)

	lic := map[string][]string{}
	for _, p := range pkgs {
		lic[p.Name] = p.Licenses
	}
	assert.Equal(t, []string{"MIT BSD GPL2+"}, lic["musl-utils"])
	assert.Equal(t, []string{"( Apache-2.0 OR MIT ) AND MPL-2.0"}, lic["ada-libs"])
	assert.Equal(t, "pkg:apk/test@2.9.11_pre20061021-r2?arch=x86_64", pkgs[13].PURL.String())
}

func TestTrivyFiles(t *testing.T) {
	entries, err := ParseInstalled(context.Background(), strings.NewReader(string(readData(t, "apk-trivy/installed"))))
	require.Error(t, err)
	require.Len(t, entries, 15)
	assert.Equal(t, []string{"lib/libc.musl-x86_64.so.1", "lib/ld-musl-x86_64.so.1"}, entries[0].Files)
	assert.Equal(t, "busybox", entries[1].Name)
	assert.Equal(t, []string{"bin/busybox", "bin/sh", "etc/securetty", "etc/udhcpd.conf", "etc/logrotate.d/acpid"}, entries[1].Files)
	assert.Equal(t, 25, entries[1].Line, "the entry starts at its C: line")
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"lib/apk/db/installed", 0o644, true},
		{"usr/lib/apk/db/installed", 0o644, true},
		{"lib/apk/db/installed", fs.ModeSymlink | 0o777, false},
		{"lib/apk/db/installed", fs.ModeDir | 0o755, false},
		{"lib/apk/db/triggers", 0o644, false},
		{"lib/apk/db/installed.new", 0o644, false},
		{"/lib/apk/db/installed", 0o644, false},
		{"var/lib/dpkg/status", 0o644, false},
	}
	a := New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), "%s %v", tt.path, tt.mode)
	}
	assert.Equal(t, "apk", a.Name())
	assert.Equal(t, 2, a.Version())
}

const (
	entryA = "C:Q1abc=\nP:a\nV:1.0-r0\nA:x86_64\nL:MIT\no:asrc\nF:usr/bin\nR:a\nZ:Q1xyz=\nR:a2\n"
	entryB = "P:b\nV:2.3_rc1-r5\nA:aarch64\nT:a description\n"
)

// TestBadInput covers the apk rows of the bad-input catalogue (D2).
func TestBadInput(t *testing.T) {
	big := strings.Repeat("x", 100<<10)
	tests := []struct {
		name       string
		content    string
		want       []string
		skipped    int // -1: no ParseError expected
		duplicates int
		errIs      error
		errHas     []string
	}{
		{name: "good", content: entryA + "\n" + entryB, want: []string{"a", "b"}, skipped: -1},
		{name: "blank lines", content: "\n\n" + entryA + "\n\n \n" + entryB + "\n\n", want: []string{"a", "b"}, skipped: -1},
		{name: "CRLF", content: strings.ReplaceAll(entryA+"\n"+entryB, "\n", "\r\n"), want: []string{"a", "b"}, skipped: -1},
		{name: "unknown keys", content: "P:a\nV:1\nX:whatever\nk:1\n~:odd\nq:\n\n" + entryB, want: []string{"a", "b"}, skipped: -1},
		{name: "line over 64 KiB", content: "P:a\nV:1\nT:" + big + "\n\n" + entryB, want: []string{"a", "b"}, skipped: -1},
		{name: "entry over 64 KiB", content: "P:a\nV:1\nF:d\n" + strings.Repeat("R:"+strings.Repeat("f", 100)+"\n", 2000) + "\n" + entryB, want: []string{"a", "b"}, skipped: -1},
		{
			name:    "entry over the limit",
			content: entryA + "T:" + strings.Repeat(big, MaxEntryBytes/len(big)+1) + "\n\n" + entryB,
			want:    []string{"b"}, skipped: 1, errHas: []string{"entry longer than"},
		},
		{
			name:    "entry over the limit then no blank line",
			content: "P:a\nV:1\n" + strings.Repeat("T:"+big+"\n", MaxEntryBytes/len(big)+1) + entryB,
			want:    []string{"b"}, skipped: 1,
		},
		{name: "missing P", content: "V:1\nA:x86_64\n\n" + entryB, want: []string{"b"}, skipped: 1, errHas: []string{"line 1: no P:"}},
		{name: "missing V", content: "P:a\n\n" + entryB, want: []string{"b"}, skipped: 1, errHas: []string{`package "a" has no V:`}},
		{name: "empty V", content: "P:a\nV:\n\n" + entryB, want: []string{"b"}, skipped: 1},
		{name: "version not starting with a digit", content: "P:a\nV:abc\n\n" + entryB, want: []string{"b"}, skipped: 1, errHas: []string{"does not start with a digit"}},
		{name: "version with a blank", content: "P:a\nV:1 2\n\n" + entryB, want: []string{"b"}, skipped: 1},
		{name: "no blank line between entries", content: entryA + entryB + "\nP:c\nV:3\n", want: []string{"a", "b", "c"}, errHas: []string{"line 11: no blank line"}},
		{name: "duplicate V", content: "P:a\nV:1\nV:2\n\n" + entryB, want: []string{"b"}, skipped: 1, errHas: []string{"duplicate V:"}},
		{name: "duplicate package", content: entryA + "\n" + strings.Replace(entryA, "1.0-r0", "1.1-r0", 1) + "\n" + entryB, want: []string{"a", "b"}, duplicates: 1,
			errHas: []string{"duplicate package a 1.1-r0, first at line 1"}},
		{name: "NUL bytes", content: "P:a\nV:1\nT:x\x00y\n\n" + entryB, want: []string{"b"}, skipped: 1, errHas: []string{"NUL byte"}},
		{name: "all NUL", content: strings.Repeat("\x00", 1000), skipped: 1},
		{name: "malformed line", content: "P:a\nV:1\nhello\n\n" + entryB, want: []string{"b"}, skipped: 1, errHas: []string{`not a K:value line: "hello"`}},
		{name: "malformed line then P", content: "P:a\nV:1\nhello\nP:c\nV:3\n\n" + entryB, want: []string{"c", "b"}, skipped: 1, errHas: []string{"line 4: no blank line"}},
		{name: "non-ASCII key", content: "P:a\nV:1\né:x\n\n" + entryB, want: []string{"b"}, skipped: 1},
		{name: "empty", content: "", skipped: -1, errIs: ErrEmpty},
		{name: "blank lines only", content: "\n\r\n \n", skipped: -1, errIs: ErrEmpty},
		{name: "binary", content: "\x7fELF\x02\x01\x01\x00", skipped: 1},
		{
			name:    "many bad entries",
			content: strings.Repeat("P:x\n\n", 9) + entryB,
			want:    []string{"b"}, skipped: 9, errHas: []string{"9 of 10 entries skipped", "and 4 more"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, file(InstalledPath, tt.content))
			assert.Equal(t, tt.want, names(pkgs))
			if tt.skipped < 0 && tt.duplicates == 0 && tt.errHas == nil && tt.errIs == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, InstalledPath, fe.Path)
			assert.True(t, strings.HasPrefix(err.Error(), InstalledPath+": apk: "), err.Error())
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			if tt.skipped >= 0 || tt.duplicates > 0 {
				var pe *ParseError
				require.ErrorAs(t, err, &pe)
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
	pkgs, err := analyze(t, file(UsrInstalledPath, strings.ReplaceAll(entryA+"\n"+entryB, "\n", "\r\n")))
	require.NoError(t, err)
	want := []scan.Package{
		{
			Name: "a", Version: "1.0-r0", Type: "apk", Arch: "x86_64",
			Source:     &scan.Source{Name: "asrc", Version: "1.0-r0"},
			Licenses:   []string{"MIT"},
			PURL:       scan.NewPURL("apk", "", "a", "1.0-r0", "arch", "x86_64"),
			Paths:      []string{UsrInstalledPath},
			OwnedFiles: []string{"usr/bin/a", "usr/bin/a2"},
		},
		{
			Name: "b", Version: "2.3_rc1-r5", Type: "apk", Arch: "aarch64",
			Source: &scan.Source{Name: "b", Version: "2.3_rc1-r5"},
			PURL:   scan.NewPURL("apk", "", "b", "2.3_rc1-r5", "arch", "aarch64"),
			Paths:  []string{UsrInstalledPath},
		},
	}
	assert.Equal(t, want, pkgs)

	entries, err := ParseInstalled(context.Background(), strings.NewReader(entryA+"\n"+entryB+"\nP:c\nV:1\nR:top\nF:etc\nR:x\nF:\nR:y\n"))
	require.NoError(t, err)
	require.Len(t, entries, 3)
	assert.Equal(t, Entry{Name: "a", Version: "1.0-r0", Arch: "x86_64", Origin: "asrc", License: "MIT",
		Files: []string{"usr/bin/a", "usr/bin/a2"}, Line: 1}, entries[0])
	assert.Nil(t, entries[1].Files)
	assert.Equal(t, []string{"top", "etc/x", "y"}, entries[2].Files)
}

func TestBothPaths(t *testing.T) {
	pkgs, err := analyze(t, file(InstalledPath, entryA), file(UsrInstalledPath, entryB+"\nP:c\nV:1\n\nP:d\n"))
	assert.Equal(t, []string{"a", "b", "c"}, names(pkgs))
	assert.Equal(t, []string{InstalledPath}, pkgs[0].Paths)
	assert.Equal(t, []string{UsrInstalledPath}, pkgs[1].Paths)
	require.Error(t, err)
	assert.Contains(t, err.Error(), UsrInstalledPath+": apk: 1 of 3 entries skipped")
	assert.NotContains(t, err.Error(), "\n", "one error: the other file is fine")
}

func TestLimitsAndErrors(t *testing.T) {
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		r := io.MultiReader(strings.NewReader(entryA+"\n"+entryB+"\nP:c\n"), iotest.ErrReader(boom))
		pkgs, err := analyze(t, scan.NewFile(InstalledPath, 0o644, 1000, r))
		assert.Equal(t, []string{"a", "b"}, names(pkgs))
		require.ErrorIs(t, err, boom)
		var fe *scan.FileError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, InstalledPath, fe.Path)
	})
	t.Run("database larger than MaxDatabaseBytes", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads 128 MiB")
		}
		r := io.MultiReader(strings.NewReader(entryA+"\n"), &repeatReader{s: "R:" + strings.Repeat("f", 4000) + "\n", n: MaxDatabaseBytes})
		pkgs, err := analyze(t, scan.NewFile(InstalledPath, 0o644, MaxDatabaseBytes+100, r))
		assert.Equal(t, []string{"a"}, names(pkgs))
		require.ErrorIs(t, err, scan.ErrTooLarge)
		assert.Contains(t, err.Error(), InstalledPath+": apk: input longer than 134217728 bytes")
	})
	t.Run("more than MaxEntries", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads 1 M entries")
		}
		r := io.MultiReader(strings.NewReader(entryA+"\n"), &repeatReader{s: "P:x\n\n", n: 5 * MaxEntries})
		pkgs, err := analyze(t, scan.NewFile(InstalledPath, 0o644, 1<<30, r))
		assert.Equal(t, []string{"a"}, names(pkgs))
		require.ErrorIs(t, err, scan.ErrTooLarge)
		assert.Contains(t, err.Error(), "more than 1048576 entries")
		var pe *ParseError
		require.ErrorAs(t, err, &pe, "the skipped entries before the limit are reported too")
		assert.Equal(t, MaxEntries-1, pe.Skipped)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pkgs, err := New().Analyze(ctx, scan.NewInput(scan.LayerRef{}, t.TempDir(), file(InstalledPath, entryA)))
		assert.Empty(t, pkgs)
		assert.ErrorIs(t, err, context.Canceled)
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
