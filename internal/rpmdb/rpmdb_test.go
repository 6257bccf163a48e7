package rpmdb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expectedPackage is one package of the peer's expected.json.
type expectedPackage struct {
	Epoch     *int   `json:"epoch"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Release   string `json:"release"`
	Arch      string `json:"arch"`
	SourceRPM string `json:"sourceRpm"`
	Size      int64  `json:"size"`
	License   string `json:"license"`
	Vendor    string `json:"vendor"`
}

type expectedSample struct {
	Count    int               `json:"expected_package_count"`
	Packages []expectedPackage `json:"expected_packages"`
	Package  *expectedPackage  `json:"expected_package"`
}

func loadExpected(t *testing.T, dir string) map[string]expectedSample {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	var e struct {
		Samples map[string]expectedSample `json:"samples"`
	}
	require.NoError(t, json.Unmarshal(b, &e))
	return e.Samples
}

func TestRealDatabases(t *testing.T) {
	dir := sharedData(t)
	expected := loadExpected(t, dir)
	tests := []struct {
		sample string
		format Format
		count  int
	}{
		// The peer asserts the SLE 15 count; the CBL-Mariner count is what
		// "SELECT count(*) FROM Packages" gives (expected.json notes it).
		{"sle15-bci/Packages.db", FormatNDB, 35},
		{"cbl-mariner-2.0/rpmdb.sqlite", FormatSQLite, 129},
		{"libuuid/Packages", FormatBDB, 1},
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			exp, ok := expected[tt.sample]
			require.True(t, ok, "sample missing from expected.json")
			want := exp.Packages
			if exp.Package != nil {
				want = append(want, *exp.Package)
			}
			require.NotEmpty(t, want)
			if exp.Count != 0 {
				assert.Equal(t, exp.Count, tt.count)
			}

			db, err := Open(filepath.Join(dir, tt.sample))
			require.NoError(t, err)
			defer db.Close()
			assert.Equal(t, tt.format, db.Format())
			pkgs, err := db.Packages(context.Background())
			require.NoError(t, err)
			assert.Len(t, pkgs, tt.count)

			byName := map[string]Package{}
			for _, p := range pkgs {
				byName[p.Name] = p
			}
			for _, w := range want {
				p, ok := byName[w.Name]
				if !assert.True(t, ok, "package %s missing", w.Name) {
					continue
				}
				assert.Equal(t, w.Epoch != nil, p.HasEpoch, w.Name)
				if w.Epoch != nil {
					assert.Equal(t, *w.Epoch, p.Epoch, w.Name)
				}
				assert.Equal(t, w.Version, p.Version, w.Name)
				assert.Equal(t, w.Release, p.Release, w.Name)
				assert.Equal(t, w.Arch, p.Arch, w.Name)
				assert.Equal(t, w.SourceRPM, p.SourceRPM, w.Name)
				assert.Equal(t, w.License, p.License, w.Name)
				assert.Equal(t, w.Vendor, p.Vendor, w.Name)
				assert.Equal(t, w.Size, p.Size, w.Name)
			}
			if exp.Count != 0 {
				assert.Len(t, want, exp.Count, "every package is listed")
			}
		})
	}
}

func TestRealFileLists(t *testing.T) {
	dir := sharedData(t)
	// The peer's expectations (go-rpmdb pkg/rpmdb_testcase_test.go).
	tests := []struct {
		sample, name string
		want         []string
	}{
		{"libuuid/Packages", "libuuid", []string{
			"/usr/lib/.build-id",
			"/usr/lib/.build-id/df/ef6a880adac817216ab9866779a0725e017647",
			"/usr/lib64/libuuid.so.1",
			"/usr/lib64/libuuid.so.1.3.0",
			"/usr/share/licenses/libuuid",
			"/usr/share/licenses/libuuid/COPYING",
			"/usr/share/licenses/libuuid/COPYING.BSD-3",
		}},
		{"cbl-mariner-2.0/rpmdb.sqlite", "curl", []string{
			"/usr/bin/curl",
			"/usr/bin/curl-config",
			"/usr/share/licenses/curl",
			"/usr/share/licenses/curl/COPYING",
			"/usr/share/man/man1/curl-config.1.gz",
			"/usr/share/man/man1/curl.1.gz",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			for _, files := range []bool{true, false} {
				db, err := Open(filepath.Join(dir, tt.sample), WithFiles(files))
				require.NoError(t, err)
				pkgs, err := db.Packages(context.Background())
				require.NoError(t, err)
				require.NoError(t, db.Close())
				var got *Package
				for i := range pkgs {
					if pkgs[i].Name == tt.name {
						got = &pkgs[i]
					}
				}
				require.NotNil(t, got)
				if files {
					assert.Equal(t, tt.want, got.Files)
				} else {
					assert.Nil(t, got.Files)
				}
			}
		})
	}
}

// TestTruncatedRealDatabases cuts each real database short at several
// points: each gives an error from Open or Packages, never a clean result.
func TestTruncatedRealDatabases(t *testing.T) {
	dir := sharedData(t)
	for _, sample := range []string{"sle15-bci/Packages.db", "cbl-mariner-2.0/rpmdb.sqlite", "libuuid/Packages"} {
		full, err := os.ReadFile(filepath.Join(dir, sample))
		require.NoError(t, err)
		for _, n := range []int{0, 1, 15, 16, 100, 512, 4096, 4096 + 16, len(full) / 3, len(full) / 2, len(full) - 4096, len(full) - 16, len(full) - 1} {
			path := writeFile(t, filepath.Base(sample), full[:n])
			db, err := Open(path)
			if err != nil {
				assert.True(t, errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownFormat), "%s cut to %d: %v", sample, n, err)
				continue
			}
			pkgs, err := db.Packages(context.Background())
			db.Close()
			assert.Error(t, err, "%s cut to %d bytes gave %d packages and no error", sample, n, len(pkgs))
			assert.False(t, errors.Is(err, errPanic))
		}
	}
}

func TestOpenUnknown(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("Package: bash\nVersion: 5.2\n")},
		{"zeros", make([]byte, 8192)},
		{"btree magic", func() []byte {
			b := make([]byte, 4096)
			copy(b[12:], []byte{0x62, 0x31, 0x05, 0x00})
			return b
		}()},
		{"sqlite magic alone", []byte("SQLite format 3\x00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(writeFile(t, "Packages", tt.data))
			require.Error(t, err)
			assert.Nil(t, db)
			assert.Contains(t, err.Error(), "rpmdb: ")
			assert.True(t, errors.Is(err, ErrUnknownFormat) || errors.Is(err, ErrMalformed), err.Error())
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := Open(filepath.Join(t.TempDir(), "nope"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("directory", func(t *testing.T) {
		_, err := Open(t.TempDir())
		assert.ErrorIs(t, err, ErrUnknownFormat)
	})
}

func TestFormatString(t *testing.T) {
	assert.Equal(t, "bdb", FormatBDB.String())
	assert.Equal(t, "ndb", FormatNDB.String())
	assert.Equal(t, "sqlite", FormatSQLite.String())
	assert.Equal(t, "unknown", Format(0).String())
}

func TestLimits(t *testing.T) {
	blobs := [][]byte{
		buildHeader(append(basic("a", "1", "1", "x86_64"), tStrs(tagDirnames, "/usr/"), tStrs(tagBasenames, "a1", "a2"), tI32(tagDirIndexes, 0, 0)), nil),
		buildHeader(basic("b", "1", "1", "x86_64"), nil),
		buildHeader(append(basic("c", "1", "1", "x86_64"), tStrs(tagDirnames, "/usr/"), tStrs(tagBasenames, "c1"), tI32(tagDirIndexes, 0)), nil),
	}
	ndb := writeFile(t, "Packages.db", ndbFile(blobs))
	tests := []struct {
		name  string
		opts  []Option
		names []string
		is    error
		msg   string
	}{
		{"no limit reached", nil, []string{"a", "b", "c"}, nil, ""},
		{"max packages", []Option{WithMaxPackages(2)}, []string{"a", "b"}, ErrLimit, "more than 2 package records"},
		{"max blob bytes", []Option{WithMaxBlobBytes(int64(len(blobs[1])))}, []string{"b"}, ErrLimit, "the limit is"},
		{"max total bytes", []Option{WithMaxTotalBytes(int64(len(blobs[0]) + len(blobs[1])))}, []string{"a", "b"}, ErrLimit, "header blobs total more than"},
		{"max files", []Option{WithMaxFiles(1)}, []string{"b", "c"}, ErrLimit, "2 files"},
		{"max path bytes", []Option{WithMaxPathBytes(len64("/usr/a1/usr/a2"))}, []string{"a", "b"}, ErrLimit, "file paths total more than 14 bytes"},
		{"files off skips the path limit", []Option{WithFiles(false), WithMaxPathBytes(1)}, []string{"a", "b", "c"}, nil, ""},
		{"ignored zero values", []Option{WithMaxPackages(0), WithMaxBlobBytes(0), WithMaxTotalBytes(-1), WithMaxFiles(0), WithMaxPathBytes(0)}, []string{"a", "b", "c"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(ndb, tt.opts...)
			require.NoError(t, err)
			defer db.Close()
			pkgs, err := db.Packages(context.Background())
			assert.Equal(t, tt.names, names(pkgs))
			if tt.is == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func len64(s string) int64 { return int64(len(s)) }

func names(pkgs []Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name)
	}
	return out
}

func TestManyBadRecordsAreCounted(t *testing.T) {
	var blobs [][]byte
	for range 40 {
		blobs = append(blobs, []byte("not a header at all, just text"))
	}
	blobs = append(blobs, buildHeader(basic("ok", "1", "1", "noarch"), nil))
	db, err := Open(writeFile(t, "Packages.db", ndbFile(blobs)))
	require.NoError(t, err)
	defer db.Close()
	pkgs, err := db.Packages(context.Background())
	assert.Equal(t, []string{"ok"}, names(pkgs))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Contains(t, err.Error(), "ndb slot 2 (package 1, blob at offset 4096)")
	assert.Contains(t, err.Error(), "24 more bad records")
}

func TestCanceledContext(t *testing.T) {
	var blobs [][]byte
	for i := range 100 {
		blobs = append(blobs, buildHeader(basic("p"+string(rune('a'+i%26)), "1", "1", "noarch"), nil))
	}
	bdb, _ := bdbFile(512, binary.LittleEndian, blobs[:10])
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, f := range []struct{ name, file string }{
		{"Packages.db", writeFile(t, "Packages.db", ndbFile(blobs))},
		{"Packages", writeFile(t, "Packages", bdb)},
	} {
		t.Run(f.name, func(t *testing.T) {
			db, err := Open(f.file)
			require.NoError(t, err)
			defer db.Close()
			_, err = db.Packages(ctx)
			assert.ErrorIs(t, err, context.Canceled)
		})
	}
}

func TestClosed(t *testing.T) {
	db, err := Open(writeFile(t, "Packages.db", ndbFile([][]byte{buildHeader(basic("a", "1", "1", "x86_64"), nil)})))
	require.NoError(t, err)
	require.NoError(t, db.Close())
	require.NoError(t, db.Close())
	_, err = db.Packages(context.Background())
	assert.ErrorIs(t, err, fs.ErrClosed)
}

func BenchmarkOpenSLE15(b *testing.B) {
	path := filepath.Join(sharedData(b), "sle15-bci", "Packages.db")
	for _, files := range []bool{true, false} {
		name := "files"
		if !files {
			name = "nofiles"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				db, err := Open(path, WithFiles(files))
				if err != nil {
					b.Fatal(err)
				}
				pkgs, err := db.Packages(context.Background())
				if err != nil || len(pkgs) != 35 {
					b.Fatal(len(pkgs), err)
				}
				db.Close()
			}
		})
	}
}
