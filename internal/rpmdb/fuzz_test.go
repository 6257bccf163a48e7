package rpmdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzOptions keep each fuzz input's work small.
var fuzzOptions = []Option{
	WithMaxTotalBytes(16 << 20),
	WithMaxFiles(10_000),
	WithMaxPathBytes(4 << 20),
	WithMaxPackages(10_000),
}

// realBlobs returns up to n of the smallest header blobs of each real
// database that are at most max bytes, or nothing when the shared data is
// absent. (Large seeds make the fuzzer spend its time minimizing.)
func realBlobs(tb testing.TB, n, max int) [][]byte {
	dir := sharedDataDir()
	if dir == "" {
		return nil
	}
	var out [][]byte
	for _, sample := range []string{"sle15-bci/Packages.db", "cbl-mariner-2.0/rpmdb.sqlite", "libuuid/Packages"} {
		db, err := Open(filepath.Join(dir, sample))
		if err != nil {
			tb.Fatal(err)
		}
		var blobs [][]byte
		c := newCollector(&db.opts)
		c.raw = func(b []byte) { blobs = append(blobs, bytes.Clone(b)) }
		if err := db.read(context.Background(), c); err != nil {
			tb.Fatal(err)
		}
		db.Close()
		slices.SortFunc(blobs, func(a, b []byte) int { return len(a) - len(b) })
		for _, b := range blobs[:min(n, len(blobs))] {
			if len(b) <= max {
				out = append(out, b)
			}
		}
	}
	return out
}

// realFile returns a real database's bytes, or nil when absent.
func realFile(tb testing.TB, sample string) []byte {
	dir := sharedDataDir()
	if dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, sample))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// checkErr fails on errors that are not one of the package's classes.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, errPanic) {
		t.Fatal(err)
	}
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("error of no known class: %v", err)
	}
}

// checkPackages checks the invariants of decoded packages.
func checkPackages(t *testing.T, o *options, pkgs []Package) {
	t.Helper()
	var paths int64
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" {
			t.Fatalf("package without name or version: %+v", p)
		}
		if len(p.Files) > o.maxFiles {
			t.Fatalf("%d files, limit %d", len(p.Files), o.maxFiles)
		}
		for _, f := range p.Files {
			paths += int64(len(f))
		}
	}
	if paths > o.maxPathBytes {
		t.Fatalf("%d path bytes, limit %d", paths, o.maxPathBytes)
	}
	if len(pkgs) > o.maxPackages {
		t.Fatalf("%d packages, limit %d", len(pkgs), o.maxPackages)
	}
}

func FuzzRPMHeader(f *testing.F) {
	for _, b := range realBlobs(f, 3, 16<<10) {
		f.Add(b)
	}
	f.Add(buildHeader(basic("a", "1", "1", "x86_64"), nil))
	f.Add(buildHeader(basic("a", "1", "1", "x86_64"), []tv{tStr(tagRelease, "2"), tI32(tagEpoch, 3)}))
	f.Add(buildHeader(append(basic("a", "1", "1", "x86_64"),
		tStrs(tagDirnames, "/a/", "/b/"), tStrs(tagBasenames, "x", "y", "z"), tI32(tagDirIndexes, 0, 1, 1),
		tI64(tagLongSize, 1<<40), tI18N(tagLicense, "MIT")), nil))
	f.Add(buildHeader(nil, append(basic("legacy", "1", "1", "i386"), tStrs(tagOldFilenames, "/bin/x"))))
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0})
	o := newOptions(fuzzOptions)
	f.Fuzz(func(t *testing.T, b []byte) {
		budget := o.maxPathBytes
		// parseHeader, not ParseHeader: no recover, so a panic fails the
		// target with its stack.
		p, err := parseHeader(b, &o, &budget)
		var fe *fatalError
		if errors.As(err, &fe) {
			err = fe.err
		}
		checkErr(t, err)
		if err == nil {
			checkPackages(t, &o, []Package{p})
		}
	})
}

// fuzzDB opens data as a bdb or ndb database and reads it, without the
// recover of Packages.
func fuzzDB(t *testing.T, data []byte) {
	db, err := open(bytes.NewReader(data), int64(len(data)), fuzzOptions)
	checkErr(t, err)
	if err != nil || db.format == FormatSQLite {
		return
	}
	c := newCollector(&db.opts)
	fatal := db.read(context.Background(), c)
	pkgs, err := c.result(fatal)
	checkErr(t, err)
	checkPackages(t, &db.opts, pkgs)
	if c.records > 0 && len(pkgs) == 0 && err == nil {
		t.Fatalf("%d records, no packages and no error", c.records)
	}
}

func FuzzRPMBdb(f *testing.F) {
	if b := realFile(f, "libuuid/Packages"); b != nil {
		f.Add(b)
	}
	blobs := [][]byte{buildHeader(basic("a", "1", "1", "x86_64"), nil), bigHeader("b")}
	if real := realBlobs(f, 1, 8<<10); len(real) > 0 {
		file, _ := bdbFile(4096, binary.LittleEndian, real[:1])
		f.Add(file)
	}
	for _, ps := range []int{512, 1024} {
		le, _ := bdbFile(ps, binary.LittleEndian, blobs)
		be, _ := bdbFile(ps, binary.BigEndian, blobs)
		f.Add(le)
		f.Add(be)
	}
	f.Fuzz(fuzzDB)
}

func FuzzRPMNdb(f *testing.F) {
	if b := realFile(f, "sle15-bci/Packages.db"); b != nil {
		f.Add(b)
	}
	f.Add(ndbFile(nil))
	f.Add(ndbFile(realBlobs(f, 1, 8<<10)))
	f.Add(ndbFile([][]byte{buildHeader(basic("a", "1", "1", "x86_64"), nil), bigHeader("b")}))
	f.Fuzz(fuzzDB)
}
