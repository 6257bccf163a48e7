package feedinput

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/internal/shareddata"
)

// FuzzInput feeds any bytes, under any limit, through the reader of a
// feed file: gzip sniffing, decompression and both limits.
func FuzzInput(f *testing.F) {
	var seeds [][]byte
	if dir := shareddata.Find("feeds", "alpine-secdb-2020"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "v3.1*", "*.yaml"))
		for i, p := range files {
			if i >= 2 {
				break
			}
			if b, err := os.ReadFile(p); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	seeds = append(seeds, []byte(`{"packages":[]}`), nil, []byte{0x1f}, []byte{0x1f, 0x8b}, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	for _, s := range seeds {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(s)
		zw.Close()
		f.Add(s, uint32(len(s)))
		f.Add(buf.Bytes(), uint32(len(s)))
		f.Add(buf.Bytes(), uint32(buf.Len()/2))
		f.Add(append(buf.Bytes(), buf.Bytes()...), uint32(2*len(s)+1))
	}
	f.Fuzz(func(t *testing.T, data []byte, max uint32) {
		feed := Feed{Name: "kev", MaxBytes: int64(max%(1<<20)) + 1}
		in, err := feed.input(io.NopCloser(bytes.NewReader(data)), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "kev: ") {
				t.Fatalf("error without the feed's name: %v", err)
			}
			return
		}
		defer in.Close()
		got, err := io.ReadAll(in)
		if int64(len(got)) > feed.MaxBytes {
			t.Fatalf("read %d bytes past the limit of %d", len(got), feed.MaxBytes)
		}
		if errors.Is(err, ErrTooLarge) && !strings.HasPrefix(err.Error(), "kev: fuzz") {
			t.Fatalf("limit error does not name the input: %v", err)
		}
		gzipped := len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
		switch {
		case !gzipped && int64(len(data)) <= feed.MaxBytes:
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("plain input within the limit changed: %v", err)
			}
		case !gzipped:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("plain input over the limit: %v", err)
			}
		}
	})
}
