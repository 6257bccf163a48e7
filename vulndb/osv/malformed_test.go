package osv

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// goodAffected is an affected entry every test record can carry.
const goodAffected = `{"package":{"ecosystem":"Go","name":"example.com/good"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}`

func record(id, affected string) string {
	return fmt.Sprintf(`{"id":%q,"modified":"2024-01-02T03:04:05Z","affected":[%s,%s]}`, id, goodAffected, affected)
}

// TestDecodeEntries: a bad affected entry is left out and counted, the good
// one of the same record kept.
func TestDecodeEntries(t *testing.T) {
	for _, tc := range []struct {
		name, affected, why string
	}{
		{"unknown ecosystem", `{"package":{"ecosystem":"NoSuchEco","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}`, `unknown ecosystem "NoSuchEco"`},
		{"non-semver in SEMVER", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"one.two"}]}]}`, "unparsable SEMVER version"},
		{"bad Debian version", `{"package":{"ecosystem":"Debian:12","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"abc:1.0"}]}]}`, "unparsable ECOSYSTEM version"},
		{"bad PyPI version", `{"package":{"ecosystem":"PyPI","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0 beta"}]}]}`, "unparsable ECOSYSTEM version"},
		{"SEMVER valid but not for the ecosystem", `{"package":{"ecosystem":"NuGet","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0.0.0"}]}]}`, "unparsable SEMVER version"},
		{"inverted pair", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"2.0.0"},{"fixed":"1.0.0"}]}]}`, "events out of order"},
		{"no introduced", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}`, "range without introduced event"},
		{"no events", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[]}]}`, "range without events"},
		{"two fields in one event", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}`, "event with no or several fields"},
		{"empty event", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{}]}]}`, "event with no or several fields"},
		{"fixed and last_affected", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"introduced":"2.0.0"},{"last_affected":"2.1.0"}]}]}`, "range with both fixed and last_affected"},
		{"unknown range type", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}`, "unknown range type"},
		{"no ranges no versions", `{"package":{"ecosystem":"Go","name":"x"}}`, "affected entry with no ranges or versions"},
		{"only GIT", `{"package":{"ecosystem":"Go","name":"x"},"ranges":[{"type":"GIT","repo":"https://x","events":[{"introduced":"abc"}]}]}`, "affected entry with only GIT ranges and no versions"},
		{"no package name", `{"package":{"ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}`, "affected entry without package ecosystem or name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, skipped, err := Decode([]byte(record("X-1", tc.affected)))
			require.NoError(t, err)
			require.Len(t, v.Affected, 1, "the good entry is kept")
			assert.Equal(t, "example.com/good", v.Affected[0].Package.Name)
			require.Len(t, skipped, 1)
			assert.True(t, strings.HasPrefix(skipped[0], tc.why+": X-1 affected[1]"), "got %q", skipped[0])

			// Alone, the bad entry makes the record unusable.
			_, _, err = Decode([]byte(fmt.Sprintf(`{"id":"X-2","affected":[%s]}`, tc.affected)))
			assert.ErrorIs(t, err, ErrUnusable)
		})
	}
}

func TestDecodeRecord(t *testing.T) {
	t.Run("GIT ranges dropped silently", func(t *testing.T) {
		v, skipped, err := Decode([]byte(`{"id":"PYSEC-1","affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},
			"ranges":[{"type":"GIT","repo":"https://x","events":[{"introduced":"0"},{"fixed":"abcdef"}]},
			          {"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"1.0"}]}],
			"versions":["0.9","1.0"]}]}`))
		require.NoError(t, err)
		assert.Empty(t, skipped)
		require.Len(t, v.Affected, 1)
		a := v.Affected[0]
		assert.Equal(t, "Foo_Bar", a.Package.Name, "name kept as spelled")
		require.Len(t, a.Ranges, 1)
		assert.Equal(t, "ECOSYSTEM", a.Ranges[0].Type)
		assert.Equal(t, []string{"0.9", "1.0"}, a.Versions)
		assert.Equal(t, vulndb.StatusNotFixed, a.Status, "last_affected is not a fix")
	})
	t.Run("versions only", func(t *testing.T) {
		v, _, err := Decode([]byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"versions":["1.0","not a version!"]}]}`))
		require.NoError(t, err)
		require.Len(t, v.Affected, 1)
		assert.Equal(t, []string{"1.0"}, v.Affected[0].Versions)
		assert.Equal(t, vulndb.StatusNotFixed, v.Affected[0].Status)
	})
	t.Run("severity and ratings", func(t *testing.T) {
		v, skipped, err := Decode([]byte(`{"id":"GHSA-aaaa-bbbb-cccc","aliases":["CVE-1",null,"CVE-1",""],
			"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
			            {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
			            {"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"},
			            {"type":"CVSS_V3","score":"CVSS:3.1/AV:X/garbage"},
			            {"type":"CVSS_V3","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],
			"database_specific":{"severity":"MODERATE","cwe_ids":["CWE-79",7,"CWE-79"]},
			"affected":[` + goodAffected + `]}`))
		require.NoError(t, err)
		assert.Equal(t, []string{"CVE-1"}, v.Aliases)
		require.Len(t, v.Severity, 3)
		assert.Equal(t, vulndb.CVSS{Type: vulndb.CVSSV3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Source: "ghsa"}, v.Severity[0])
		assert.Equal(t, vulndb.CVSSV4, v.Severity[1].Type)
		assert.InDelta(t, 9.3, v.Severity[1].Score, 0.001)
		assert.Equal(t, vulndb.CVSS{Type: vulndb.CVSSV2, Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", Score: 7.5, Source: "ghsa"}, v.Severity[2])
		assert.Equal(t, &vulndb.Rating{Severity: vulndb.Medium, Source: "ghsa"}, v.Rating)
		assert.Equal(t, []string{"CWE-79"}, v.CWEs)
		require.Len(t, skipped, 2, "%v", skipped)
		assert.Contains(t, skipped[0], "malformed CVSS vector dropped")
		assert.Contains(t, skipped[1], "malformed CVSS vector dropped", "a v4 vector claimed as CVSS_V3")
	})
	t.Run("Ubuntu priority", func(t *testing.T) {
		v, skipped, err := Decode([]byte(`{"id":"UBUNTU-CVE-2024-1","severity":[{"type":"Ubuntu","score":"medium"},{"type":"SSVC","score":"x"}],
			"affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"openssl"},"severity":[{"type":"Ubuntu","score":"high"}],
			"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.2-0ubuntu1.15"}]}]}]}`))
		require.NoError(t, err)
		assert.Equal(t, &vulndb.Rating{Severity: vulndb.Medium, Source: "ubuntu"}, v.Rating)
		require.Len(t, v.Affected, 1)
		assert.Equal(t, &vulndb.Rating{Severity: vulndb.High, Source: "ubuntu"}, v.Affected[0].Rating)
		assert.Equal(t, vulndb.StatusFixed, v.Affected[0].Status)
		require.Len(t, skipped, 1)
		assert.Contains(t, skipped[0], "unknown severity type dropped")
	})
	t.Run("withdrawn kept", func(t *testing.T) {
		v, _, err := Decode([]byte(`{"id":"X-1","withdrawn":"2024-05-06T07:08:09Z","affected":[` + goodAffected + `]}`))
		require.NoError(t, err)
		assert.True(t, v.IsWithdrawn())
		v, skipped, err := Decode([]byte(`{"id":"X-1","withdrawn":"yesterday","affected":[` + goodAffected + `]}`))
		require.NoError(t, err)
		assert.True(t, v.IsWithdrawn(), "a bad date never revives a withdrawn record")
		assert.Len(t, skipped, 1)
	})
	t.Run("missing id", func(t *testing.T) {
		_, skipped, err := Decode([]byte(`{"affected":[` + goodAffected + `]}`))
		assert.ErrorIs(t, err, ErrUnusable)
		assert.Equal(t, []string{"missing id: "}, skipped)
	})
	t.Run("wrong types", func(t *testing.T) {
		_, _, err := Decode([]byte(`{"id":"X-1","affected":"everything"}`))
		assert.ErrorIs(t, err, ErrUnusable)
		_, _, err = Decode([]byte("id: X-1\naffected: everything\n"))
		assert.ErrorIs(t, err, ErrUnusable)
	})
	t.Run("free-form database_specific", func(t *testing.T) {
		v, _, err := Decode([]byte(`{"id":"X-1","database_specific":{"severity":{"odd":1},"cwe_ids":"CWE-1"},"affected":[{"package":{"ecosystem":"Go","name":"x"},"database_specific":"text","ecosystem_specific":[1],"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`))
		require.NoError(t, err)
		assert.Nil(t, v.Rating)
		assert.Empty(t, v.CWEs)
	})
	t.Run("not JSON", func(t *testing.T) {
		_, _, err := Decode([]byte(`{"id":`))
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrUnusable)
	})
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	}
	return dir
}

func fetchDir(t *testing.T, path string, opts ...Option) (map[string]vulndb.Vulnerability, *Source, error) {
	t.Helper()
	src, err := New(append([]Option{WithPath(path)}, opts...)...)
	require.NoError(t, err)
	got := map[string]vulndb.Vulnerability{}
	_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
		got[v.ID] = v
		return nil
	})
	return got, src, err
}

func TestLocalFiles(t *testing.T) {
	t.Run("bad JSON names the file", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"a/GOOD-1.json": record("GOOD-1", goodAffected), "b/BAD-1.json": `{"id":"BAD-1",`})
		_, _, err := fetchDir(t, dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), filepath.Join("b", "BAD-1.json"))
	})
	t.Run("bad YAML names the file", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"x/PYSEC-1.yaml": "id: [unclosed\n"})
		_, _, err := fetchDir(t, dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "PYSEC-1.yaml")
	})
	t.Run("array names the index", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"all.json": `[` + record("A-1", goodAffected) + `,{"id": tru}]`})
		_, _, err := fetchDir(t, dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "all.json")
		assert.Contains(t, err.Error(), "[1]")
	})
	t.Run("array of records", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"all.json": `[` + record("A-1", goodAffected) + `,` + record("A-2", goodAffected) + `,{"id":5}]`})
		got, src, err := fetchDir(t, filepath.Join(dir, "all.json"))
		require.NoError(t, err)
		assert.Len(t, got, 2)
		n, reasons := src.Skipped()
		assert.Equal(t, 1, n)
		assert.Contains(t, reasons[0], "malformed record")
		assert.Contains(t, reasons[0], "all.json[2]")
	})
	t.Run("skips counted, import goes on", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"GOOD-1.json":  record("GOOD-1", goodAffected),
			"ECO-1.json":   `{"id":"ECO-1","affected":[{"package":{"ecosystem":"NoSuchEco","name":"x"},"versions":["1"]}]}`,
			"RANGE-1.json": `{"id":"RANGE-1","affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.x"}]}]}]}`,
			"NOID.json":    `{"summary":"no id"}`,
			".hidden.json": `{"id":`,
			"README.md":    "not a record",
		})
		got, src, err := fetchDir(t, dir)
		require.NoError(t, err)
		assert.Equal(t, []string{"GOOD-1"}, keys(got))
		n, reasons := src.Skipped()
		assert.Equal(t, 5, n, "%v", reasons) // 2 entries, the 2 records they leave empty, 1 missing id
		joined := strings.Join(reasons, "\n")
		assert.Contains(t, joined, `unknown ecosystem "NoSuchEco": 1`)
		assert.Contains(t, joined, "unparsable SEMVER version: 1")
		assert.Contains(t, joined, "record skipped: no usable affected entry: 2")
		assert.Contains(t, joined, "missing id: 1")
	})
	t.Run("duplicate ids: later modified wins", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"1.json": `{"id":"D-1","modified":"2024-01-01T00:00:00Z","summary":"old"}`,
			"2.json": `{"id":"D-1","modified":"2024-06-01T00:00:00Z","summary":"new"}`,
			"3.json": `{"id":"D-1","modified":"2024-03-01T00:00:00Z","summary":"middle"}`,
		})
		src, err := New(WithPath(dir))
		require.NoError(t, err)
		var seen []string
		_, err = src.Fetch(context.Background(), "", func(v vulndb.Vulnerability) error {
			seen = append(seen, v.Summary)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"old", "new"}, seen, "the older third copy is not emitted")
		n, _ := src.Skipped()
		assert.Equal(t, 1, n)
	})
	t.Run("file too large", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"BIG-1.json": record("BIG-1", goodAffected)})
		_, _, err := fetchDir(t, dir, WithMaxFileSize(16))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "BIG-1.json")
		assert.Contains(t, err.Error(), "WithMaxFileSize")
	})
	t.Run("too many records", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"all.json": `[` + record("A-1", goodAffected) + `,` + record("A-2", goodAffected) + `]`})
		_, _, err := fetchDir(t, dir, WithMaxRecords(1))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithMaxRecords")
	})
	t.Run("emit error returned as is", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"A-1.json": record("A-1", goodAffected)})
		src, err := New(WithPath(dir))
		require.NoError(t, err)
		stop := errors.New("store full")
		_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return stop })
		assert.Same(t, stop, err)
	})
	t.Run("cancelled", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"A-1.json": record("A-1", goodAffected)})
		src, err := New(WithPath(dir))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = src.Fetch(ctx, "", func(vulndb.Vulnerability) error { return nil })
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func keys(m map[string]vulndb.Vulnerability) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// rawZip builds a zip whose entries are stored (not compressed) with the
// sizes each entry declares, true or not.
func rawZip(t *testing.T, entries []zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(e.body),
			CompressedSize64: uint64(len(e.body)), UncompressedSize64: uint64(len(e.body))}
		if e.declare != 0 {
			h.UncompressedSize64 = e.declare
		}
		w, err := zw.CreateRaw(h)
		require.NoError(t, err)
		_, err = w.Write(e.body)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	p := filepath.Join(t.TempDir(), "all.zip")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o600))
	return p
}

type zipEntry struct {
	name    string
	body    []byte
	declare uint64
}

// deflated returns n zero bytes compressed with deflate.
func deflateZip(t *testing.T, name string, n int, declare uint64) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	require.NoError(t, err)
	zero := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(zero) {
		_, err := fw.Write(zero[:min(left, len(zero))])
		require.NoError(t, err)
	}
	require.NoError(t, fw.Close())
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: 0,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declare})
	require.NoError(t, err)
	_, err = w.Write(comp.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	p := filepath.Join(t.TempDir(), "bomb.zip")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o600))
	return p
}

func TestZipLimits(t *testing.T) {
	good := []byte(record("Z-1", goodAffected))
	t.Run("entry declaring a huge size", func(t *testing.T) {
		p := rawZip(t, []zipEntry{{name: "Z-1.json", body: good, declare: 1 << 40}})
		_, _, err := fetchDir(t, p)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Z-1.json")
		assert.Contains(t, err.Error(), "WithMaxFileSize")
	})
	t.Run("too many entries", func(t *testing.T) {
		var es []zipEntry
		for i := range 11 {
			es = append(es, zipEntry{name: fmt.Sprintf("Z-%d.json", i), body: good})
		}
		p := rawZip(t, es)
		got, _, err := fetchDir(t, p, WithMaxZipEntries(10))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithMaxZipEntries")
		assert.Empty(t, got, "nothing read before the check")
	})
	t.Run("declared total too large", func(t *testing.T) {
		var es []zipEntry
		for i := range 4 {
			es = append(es, zipEntry{name: fmt.Sprintf("Z-%d.json", i), body: good})
		}
		p := rawZip(t, es)
		_, _, err := fetchDir(t, p, WithMaxTotalSize(int64(3*len(good))))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithMaxTotalSize")
	})
	t.Run("entry lying about its size", func(t *testing.T) {
		// 64 MiB of zeros declared as 100 bytes.
		p := deflateZip(t, "LIE-1.json", 64<<20, 100)
		_, _, err := fetchDir(t, p, WithMaxFileSize(1<<20))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "LIE-1.json")
	})
	t.Run("traversal names are only names", func(t *testing.T) {
		p := rawZip(t, []zipEntry{{name: "../../escape/Z-1.json", body: good}, {name: "/abs/Z-2.json", body: []byte(record("Z-2", goodAffected))}})
		before, err := os.ReadDir(filepath.Dir(filepath.Dir(p)))
		require.NoError(t, err)
		got, _, err := fetchDir(t, p)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"Z-1", "Z-2"}, keys(got))
		after, err := os.ReadDir(filepath.Dir(filepath.Dir(p)))
		require.NoError(t, err)
		assert.Equal(t, len(before), len(after), "nothing written")
	})
	t.Run("not a zip", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "all.zip")
		require.NoError(t, os.WriteFile(p, []byte("PK not really"), 0o600))
		_, _, err := fetchDir(t, p)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "all.zip")
	})
}
