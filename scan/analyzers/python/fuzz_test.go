package python

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
	"github.com/portcullis-oci/portcullis/scan"
)

// FuzzParseMetadata runs the parser and the analyzer over arbitrary bytes:
// no panic, never more than the header bound read, a package only with a
// name and a version, and valid UTF-8 out.
func FuzzParseMetadata(f *testing.F) {
	if dir := shareddata.Find("pkgdb", "python-metadata-trivy"); dir != "" {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range paths {
			if strings.HasSuffix(p, ".md") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "\n", meta, meta + "\r\n", "Name: a\nVersion: 1", "Name:\nVersion:\n", "License: \n  x\n",
		"Classifier: License :: OSI Approved :: MIT License\n", "Name: a\n\tVersion: 1\n", "Name: \xff\nVersion: \x00\n",
	} {
		f.Add([]byte(s))
	}
	const max = 4096
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &countingReader{r: bytes.NewReader(data)}
		md, err := ParseMetadata(r, max)
		if r.n > max+4096 { // the bufio buffer may read ahead one block
			t.Fatalf("read %d bytes with a %d-byte bound", r.n, max)
		}
		if err == nil && (md.Name == "" || md.Version == "") {
			t.Fatalf("no error without name or version: %+v", md)
		}
		if err != nil && !errors.Is(err, ErrNoNameOrVersion) && !errors.Is(err, scan.ErrTooLarge) {
			t.Fatalf("unexpected error %v", err)
		}
		for _, s := range append([]string{md.Name, md.Version}, md.Licenses...) {
			if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
				t.Fatalf("unclean string %q", s)
			}
		}
		pkgs, aerr := New(WithMaxHeaderBytes(max)).Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "",
			scan.NewFile("x.dist-info/METADATA", 0o644, int64(len(data)), bytes.NewReader(data))))
		if (aerr == nil) != (err == nil) || len(pkgs) > 1 || (len(pkgs) == 1) != (md.Name != "" && md.Version != "") {
			t.Fatalf("analyzer and parser disagree: %d packages, %v / %v", len(pkgs), aerr, err)
		}
	})
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
