package java

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// maxProblems is how many problems the error about one archive names; it
// counts the others.
const maxProblems = 8

// walker reads one scanned archive and the archives nested in it, within
// the limits, and collects their packages and problems.
type walker struct {
	o       *options
	ctx     context.Context
	outer   string // the archive's path in the layer
	tempDir string

	read    int64 // bytes decompressed so far
	entries int   // directory entries seen so far
	stopped bool  // a total limit was hit: read nothing more

	pkgs []scan.Package
	seen map[[3]string]bool // group, artifact, version reported

	problems []error
	more     int
	limitHit bool
}

// fail records a problem about the archive at location (an inner path, or
// "" for the scanned archive itself).
func (w *walker) fail(location string, err error) {
	if location != "" {
		err = fmt.Errorf("java: %s: %w", location, err)
	} else {
		err = fmt.Errorf("java: %w", err)
	}
	limit := errors.Is(err, scan.ErrTooLarge)
	if len(w.problems) < maxProblems || (limit && !w.limitHit) {
		w.problems = append(w.problems, err)
	} else {
		w.more++
	}
	w.limitHit = w.limitHit || limit
}

// err returns the problems recorded, or nil.
func (w *walker) err() error {
	if len(w.problems) == 0 {
		return nil
	}
	errs := w.problems
	if w.more > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("java: and %d more problems", w.more))
	}
	return errors.Join(errs...)
}

// tooLarge returns an error matching scan.ErrTooLarge.
func tooLarge(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), scan.ErrTooLarge)
}

// errTotal is returned by reads past the total byte budget.
var errTotal = errors.New("total limit")

// counter counts the bytes decompressed against the total budget.
type counter struct {
	r io.Reader
	w *walker
}

func (c *counter) Read(p []byte) (int, error) {
	if c.w.read >= c.w.o.maxTotalBytes {
		return 0, errTotal
	}
	if rest := c.w.o.maxTotalBytes - c.w.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.w.read += int64(n)
	return n, err
}

// archive reads the zip archive in ra: its packages, then its nested
// archives. inner is its location inside the scanned archive ("" for the
// scanned archive), base its file name, depth its nesting depth.
func (w *walker) archive(ra io.ReaderAt, size int64, inner, base string, depth int) {
	if w.stopped {
		return
	}
	if n, ok := declaredEntries(ra, size); ok && uint64(w.entries)+n > uint64(w.o.maxEntries) {
		w.fail(inner, tooLarge("%d entries declared, more than the %d left of WithMaxEntries (%d)", n, w.o.maxEntries-w.entries, w.o.maxEntries))
		w.stopped = true
		return
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		w.fail(inner, fmt.Errorf("not a valid zip archive: %w", err))
		return
	}
	w.entries += len(zr.File)
	if w.entries > w.o.maxEntries {
		w.fail(inner, tooLarge("more than %d entries (WithMaxEntries)", w.o.maxEntries))
		w.stopped = true
		return
	}

	var (
		props    []*zip.File
		poms     = map[string]*zip.File{} // by directory
		manifest *zip.File
		nested   []*zip.File
	)
	for i, f := range zr.File {
		if i%1024 == 0 && w.ctx.Err() != nil {
			w.stopped = true
			return
		}
		name := f.Name
		switch {
		case strings.HasSuffix(name, "/"):
			// a directory
		case strings.HasPrefix(name, "META-INF/maven/"):
			if strings.HasSuffix(name, "/pom.properties") {
				props = append(props, f)
			} else if dir, ok := strings.CutSuffix(name, "/pom.xml"); ok {
				if _, dup := poms[dir]; !dup {
					poms[dir] = f
				}
			}
		case strings.EqualFold(name, "META-INF/MANIFEST.MF"):
			if manifest == nil {
				manifest = f
			}
		case isArchiveName(name):
			nested = append(nested, f)
		}
	}

	found := false
	for _, f := range props {
		b, ok := w.readMeta(f, inner, MaxPomPropertiesBytes)
		if !ok {
			continue
		}
		p := parsePomProperties(b)
		if p.artifactID == "" || p.version == "" {
			continue
		}
		found = true
		var licenses []string
		if pom := poms[strings.TrimSuffix(f.Name, "/pom.properties")]; pom != nil {
			if b, ok := w.readMeta(pom, inner, MaxPomXMLBytes); ok {
				licenses = pomLicenses(b)
			}
		}
		w.add(p.groupID, p.artifactID, p.version, licenses, inner)
	}
	if !found && !w.stopped {
		var m map[string]string
		if manifest != nil {
			if b, ok := w.readMeta(manifest, inner, MaxManifestBytes); ok {
				m = parseManifest(b)
			}
		}
		g, a, v := fromManifest(m, base)
		if a != "" {
			w.add(g, a, v, nil, inner)
		}
	}

	// Entries whose data starts where an earlier one's does are the
	// overlapping records of a zip bomb: each is read once.
	offsets := map[int64]bool{}
	overlaps := 0
	for _, f := range nested {
		if w.stopped || w.ctx.Err() != nil {
			return
		}
		loc := joinInner(inner, f.Name)
		if depth+1 > w.o.maxDepth {
			w.fail(loc, tooLarge("nested %d archives deep, deeper than WithMaxDepth (%d): not read", depth+1, w.o.maxDepth))
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			w.fail(loc, err)
			continue
		}
		if offsets[off] {
			overlaps++
			continue
		}
		offsets[off] = true
		w.nested(ra, size, f, off, loc, depth+1)
	}
	if overlaps > 0 {
		w.fail(inner, fmt.Errorf("%d entries share their data with an earlier entry (overlapping entries): read once", overlaps))
	}
}

// nested opens the nested archive f, whose data starts at off, of the
// archive in ra and reads it.
func (w *walker) nested(ra io.ReaderAt, size int64, f *zip.File, off int64, loc string, depth int) {
	base := baseName(f.Name)
	// Stored (uncompressed) entries are read in place.
	if f.Method == zip.Store && f.CompressedSize64 == f.UncompressedSize64 && off >= 0 && f.CompressedSize64 <= uint64(size-off) {
		w.archive(io.NewSectionReader(ra, off, int64(f.CompressedSize64)), int64(f.CompressedSize64), loc, base, depth)
		return
	}
	if f.UncompressedSize64 > uint64(w.o.maxEntryBytes) {
		w.fail(loc, tooLarge("%d bytes declared, more than WithMaxEntryBytes (%d): not read", f.UncompressedSize64, w.o.maxEntryBytes))
		return
	}
	if left := w.o.maxTotalBytes - w.read; f.UncompressedSize64 > uint64(left) {
		w.fail(loc, tooLarge("%d bytes declared, more than the %d left of WithMaxTotalBytes (%d): not read", f.UncompressedSize64, left, w.o.maxTotalBytes))
		w.stopped = true
		return
	}
	rc, err := f.Open()
	if err != nil {
		w.fail(loc, err)
		return
	}
	defer rc.Close()
	r := io.LimitReader(&counter{r: rc, w: w}, w.o.maxEntryBytes+1)
	var (
		sub  io.ReaderAt
		n    int64
		rerr error
	)
	if int64(f.UncompressedSize64) <= w.o.maxInMemoryBytes {
		var b []byte
		b, rerr = io.ReadAll(io.LimitReader(r, w.o.maxInMemoryBytes+1))
		sub, n = bytes.NewReader(b), int64(len(b))
		if rerr == nil && n > w.o.maxInMemoryBytes {
			rerr = errors.New("longer than declared")
		}
	} else {
		tmp, err := os.CreateTemp(w.tempDir, "nested-*")
		if err != nil {
			w.fail(loc, err)
			w.stopped = true
			return
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		n, rerr = io.Copy(tmp, r)
		sub = tmp
	}
	switch {
	case errors.Is(rerr, errTotal):
		w.fail(loc, tooLarge("more than WithMaxTotalBytes (%d) decompressed: reading stopped", w.o.maxTotalBytes))
		w.stopped = true
		return
	case rerr != nil:
		w.fail(loc, rerr)
		return
	case n > w.o.maxEntryBytes:
		w.fail(loc, tooLarge("more than WithMaxEntryBytes (%d) decompressed: not read", w.o.maxEntryBytes))
		return
	}
	w.archive(sub, n, loc, base, depth)
}

// readMeta reads a small metadata entry, bounded by max.
func (w *walker) readMeta(f *zip.File, inner string, max int64) ([]byte, bool) {
	loc := joinInner(inner, f.Name)
	if f.UncompressedSize64 > uint64(max) {
		w.fail(loc, tooLarge("%d bytes declared, more than %d: not read", f.UncompressedSize64, max))
		return nil, false
	}
	rc, err := f.Open()
	if err != nil {
		w.fail(loc, err)
		return nil, false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(&counter{r: rc, w: w}, max+1))
	switch {
	case errors.Is(err, errTotal):
		w.fail(loc, tooLarge("more than WithMaxTotalBytes (%d) decompressed: reading stopped", w.o.maxTotalBytes))
		w.stopped = true
		return nil, false
	case err != nil:
		w.fail(loc, err)
		return nil, false
	case int64(len(b)) > max:
		w.fail(loc, tooLarge("more than %d bytes: not read", max))
		return nil, false
	}
	return b, true
}

// add records a package, once per group, artifact and version.
func (w *walker) add(group, artifact, version string, licenses []string, inner string) {
	k := [3]string{group, artifact, version}
	if w.seen[k] {
		return
	}
	w.seen[k] = true
	paths := []string{w.outer}
	if inner != "" {
		paths = append(paths, w.outer+"!/"+inner)
	}
	w.pkgs = append(w.pkgs, scan.Package{
		Name:     artifact,
		Version:  version,
		Type:     scan.TypeMaven,
		PURL:     scan.NewPURL(scan.TypeMaven, group, artifact, version),
		Licenses: licenses,
		Paths:    paths,
	})
}

func joinInner(inner, name string) string {
	if inner == "" {
		return name
	}
	return inner + "!/" + name
}

func baseName(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// declaredEntries reads the number of entries a zip archive's end of
// central directory record (or its zip64 form) declares, so that an
// archive claiming millions of entries is refused before archive/zip
// allocates its directory. ok is false when no record is found; the zip
// reader then reports the archive as invalid.
func declaredEntries(ra io.ReaderAt, size int64) (n uint64, ok bool) {
	const (
		eocdLen    = 22
		maxComment = 1<<16 - 1
		locatorLen = 20
	)
	if size < eocdLen {
		return 0, false
	}
	tail := min(size, eocdLen+maxComment)
	buf := make([]byte, tail)
	if _, err := ra.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	rec := buf[i:]
	n = uint64(binary.LittleEndian.Uint16(rec[10:12]))
	if n != 0xffff && binary.LittleEndian.Uint32(rec[16:20]) != 0xffffffff {
		return n, true
	}
	// zip64: the locator sits just before the record.
	if i < locatorLen || !bytes.HasPrefix(buf[i-locatorLen:], []byte("PK\x06\x07")) {
		return n, true
	}
	off := int64(binary.LittleEndian.Uint64(buf[i-locatorLen+8:]))
	var rec64 [56]byte
	if off < 0 || off > size-int64(len(rec64)) {
		return n, true
	}
	if _, err := ra.ReadAt(rec64[:], off); err != nil || !bytes.HasPrefix(rec64[:], []byte("PK\x06\x06")) {
		return n, true
	}
	return binary.LittleEndian.Uint64(rec64[32:40]), true
}
