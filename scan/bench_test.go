package scan_test

// Benchmarks of the scanner against the floor: the time it takes just to
// decompress and read the tar streams of the same layers.
//
//	go test ./scan -run '^$' -bench . -benchtime 5x
//	go test ./scan -run '^$' -bench LargeLayerMemory -benchtime 1x   # alone, for its peak RSS

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/analyzers"
)

const (
	benchLayers      = 6
	benchLayerBytes  = 50 << 20 // uncompressed, per layer
	benchPackages    = 3000
	benchFileMaxSize = 256 << 10
)

var (
	benchOnce sync.Once
	benchImg  v1.Image
	benchErr  error
)

// benchImage is a six-layer image of about 300 MB uncompressed: many files
// of compressible text (as binaries and libraries compress), a dpkg status
// of 3,000 packages in layer 0, rewritten in layer 3, and an apk database
// in layer 5.
func benchImage(b *testing.B) v1.Image {
	b.Helper()
	benchOnce.Do(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		words := strings.Fields("the quick brown fox jumps over lazy dog lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua libc malloc free printf")
		img := empty.Image
		for l := 0; l < benchLayers; l++ {
			var entries []testimage.Entry
			switch l {
			case 0:
				entries = append(entries, testimage.File("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
					testimage.File("var/lib/dpkg/status", benchStatus(benchPackages, "1.0")))
			case 3:
				entries = append(entries, testimage.File("var/lib/dpkg/status", benchStatus(benchPackages, "2.0")))
			case 5:
				entries = append(entries, testimage.File("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\n\n"))
			}
			total := 0
			for i := 0; total < benchLayerBytes; i++ {
				n := 1024 + rng.IntN(benchFileMaxSize)
				var sb strings.Builder
				for sb.Len() < n {
					sb.WriteString(words[rng.IntN(len(words))])
					sb.WriteByte(' ')
					if rng.IntN(8) == 0 {
						fmt.Fprintf(&sb, "%x", rng.Uint64())
					}
				}
				entries = append(entries, testimage.File(fmt.Sprintf("usr/lib/l%d/d%d/f%d.so", l, i%50, i), sb.String()))
				total += sb.Len()
			}
			img, benchErr = mutate.AppendLayers(img, testimage.Layer(testimage.Gzip, entries...))
			if benchErr != nil {
				return
			}
		}
		benchImg = img
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchImg
}

func benchStatus(n int, version string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Package: pkg%d\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 123\nMaintainer: Someone <someone@example.org>\nArchitecture: amd64\nSource: src%d (%s)\nVersion: %s\nDepends: libc6 (>= 2.36)\nDescription: package %d\n a long description line\n\n", i, i/3, version, version, i)
	}
	return b.String()
}

func benchCompressedSize(b *testing.B, img v1.Image) int64 {
	layers, err := img.Layers()
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, l := range layers {
		s, err := l.Size()
		if err != nil {
			b.Fatal(err)
		}
		n += s
	}
	return n
}

// BenchmarkScanImage is a cold scan (empty cache) with the default
// analyzers.
func BenchmarkScanImage(b *testing.B) {
	img := benchImage(b)
	b.SetBytes(benchCompressedSize(b, img))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithCache(scan.NewMemoryCache()))
		if err != nil {
			b.Fatal(err)
		}
		rep, err := sc.Scan(ctx, img)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Packages) != benchPackages+1 {
			b.Fatalf("got %d packages", len(rep.Packages))
		}
	}
}

// BenchmarkReadLayersFloor only decompresses and reads every layer's tar
// stream, in parallel as the scanner does: the floor a scan is held to.
func BenchmarkReadLayersFloor(b *testing.B) {
	img := benchImage(b)
	b.SetBytes(benchCompressedSize(b, img))
	layers, err := img.Layers()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		var g errgroup.Group
		g.SetLimit(scan.DefaultConcurrency())
		for _, l := range layers {
			g.Go(func() error {
				rc, err := l.Compressed()
				if err != nil {
					return err
				}
				defer rc.Close()
				zr, err := gzip.NewReader(rc)
				if err != nil {
					return err
				}
				tr := tar.NewReader(zr)
				for {
					_, err := tr.Next()
					if errors.Is(err, io.EOF) {
						return nil
					}
					if err != nil {
						return err
					}
					if _, err := io.Copy(io.Discard, tr); err != nil {
						return err
					}
				}
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRescanCached is a rescan of an image whose layers are all in
// the cache.
func BenchmarkRescanCached(b *testing.B) {
	img := benchImage(b)
	ctx := context.Background()
	sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sc.Scan(ctx, img); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := sc.Scan(ctx, img)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Packages) != benchPackages+1 {
			b.Fatalf("got %d packages", len(rep.Packages))
		}
	}
}

// BenchmarkScanLargeLayerMemory scans one uncompressed 1 GiB layer that is
// generated as it is read (never held in memory) and reports the process's
// peak resident set. Run it alone for a meaningful number.
func BenchmarkScanLargeLayerMemory(b *testing.B) {
	const size = 1 << 30
	opener := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeLargeTar(pw, size)) }()
		return pr, nil
	}
	layer, err := tarball.LayerFromOpener(opener, tarball.WithMediaType(types.OCIUncompressedLayer))
	if err != nil {
		b.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithCache(scan.NewMemoryCache()))
		if err != nil {
			b.Fatal(err)
		}
		rep, err := sc.Scan(ctx, img)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Packages) != benchPackages {
			b.Fatalf("got %d packages", len(rep.Packages))
		}
	}
	b.StopTimer()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}

// writeLargeTar writes a tar of about size bytes: a dpkg status, then 1 MiB
// files of repeated text.
func writeLargeTar(w io.Writer, size int64) error {
	tw := tar.NewWriter(w)
	status := benchStatus(benchPackages, "1.0")
	if err := tw.WriteHeader(&tar.Header{Name: "var/lib/dpkg/status", Mode: 0o644, Size: int64(len(status))}); err != nil {
		return err
	}
	if _, err := io.WriteString(tw, status); err != nil {
		return err
	}
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for i := int64(0); i*int64(len(chunk)) < size; i++ {
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("data/f%d", i), Mode: 0o644, Size: int64(len(chunk))}); err != nil {
			return err
		}
		if _, err := tw.Write(chunk); err != nil {
			return err
		}
	}
	return tw.Close()
}

var (
	langOnce sync.Once
	langImg  v1.Image
)

// languageImage is a generated image with 5,000 installed npm packages,
// 300 jars and 50 Go binaries (1 MiB each, build information at the end of
// their data), plus 20 MB of files no analyzer wants.
func languageImage(b *testing.B) v1.Image {
	b.Helper()
	langOnce.Do(func() {
		var npmLayer, jarLayer, binLayer, otherLayer []testimage.Entry
		for i := 0; i < 5000; i++ {
			dir := fmt.Sprintf("app/node_modules/pkg%d", i)
			if i%10 == 0 {
				dir = fmt.Sprintf("app/node_modules/@scope%d/pkg%d", i%7, i)
			}
			npmLayer = append(npmLayer, testimage.File(dir+"/package.json", fmt.Sprintf(`{"name":"pkg%d","version":"1.%d.0","license":"MIT","description":"generated package %d"}`, i, i%50, i)),
				testimage.File(dir+"/index.js", strings.Repeat("module.exports = 1;\n", 20)))
		}
		for i := 0; i < 300; i++ {
			jarLayer = append(jarLayer, testimage.File(fmt.Sprintf("opt/app/lib/lib%d-2.%d.jar", i, i%9), string(benchJar(i))))
		}
		filler := bytes.Repeat([]byte{0x90}, 1<<20)
		for i := 0; i < 50; i++ {
			body := append([]byte("\x7fELF"), filler[:1<<20-4]...)
			body = append(body, benchBuildInfo(fmt.Sprintf("example.com/tool%d", i))...)
			binLayer = append(binLayer, testimage.Entry{Name: fmt.Sprintf("usr/local/bin/tool%d", i), Body: body, Mode: 0o755})
		}
		for i := 0; i < 200; i++ {
			otherLayer = append(otherLayer, testimage.File(fmt.Sprintf("usr/share/data/blob%d.bin", i), strings.Repeat(fmt.Sprintf("data %d ", i), 12000)))
		}
		langImg = testimage.Image(npmLayer, jarLayer, binLayer, otherLayer)
	})
	return langImg
}

// benchJar is a small jar with a pom.properties.
func benchJar(i int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(fmt.Sprintf("META-INF/maven/org.example/lib%d/pom.properties", i))
	fmt.Fprintf(w, "groupId=org.example\nartifactId=lib%d\nversion=2.%d\n", i, i%9)
	w, _ = zw.Create("META-INF/MANIFEST.MF")
	io.WriteString(w, "Manifest-Version: 1.0\n")
	for j := 0; j < 20; j++ {
		w, _ = zw.Create(fmt.Sprintf("org/example/lib%d/C%d.class", i, j))
		w.Write(bytes.Repeat([]byte{0xca, 0xfe, 0xba, 0xbe}, 256))
	}
	zw.Close()
	return buf.Bytes()
}

// benchBuildInfo is a Go 1.18+ inline build information blob, 16-byte
// aligned in the file by the 1 MiB of filler before it.
func benchBuildInfo(mainPath string) []byte {
	mod := "path\t" + mainPath + "\nmod\t" + mainPath + "\tv1.0.0\th1:x=\n"
	for j := 0; j < 40; j++ {
		mod += fmt.Sprintf("dep\tgithub.com/dep/m%d\tv0.%d.0\th1:y=\n", j, j)
	}
	h := make([]byte, 32)
	copy(h, "\xff Go buildinf:")
	h[14], h[15] = 8, 2
	h = binary.AppendUvarint(h, uint64(len("go1.22.5")))
	h = append(h, "go1.22.5"...)
	wrapped := strings.Repeat("S", 16) + mod + strings.Repeat("E", 16)
	h = binary.AppendUvarint(h, uint64(len(wrapped)))
	return append(h, wrapped...)
}

// BenchmarkScanLanguageImage scans the language image cold with the
// default analyzers.
func BenchmarkScanLanguageImage(b *testing.B) {
	img := languageImage(b)
	b.SetBytes(benchCompressedSize(b, img))
	ctx := context.Background()
	b.ResetTimer()
	var n int
	for b.Loop() {
		sc, err := scan.New(scan.WithAnalyzers(analyzers.Default()...), scan.WithCache(scan.NewMemoryCache()))
		if err != nil {
			b.Fatal(err)
		}
		rep, err := sc.Scan(ctx, img)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Incomplete) > 0 {
			b.Fatal(rep.Incomplete[0])
		}
		n = len(rep.Packages)
	}
	b.ReportMetric(float64(n), "packages")
}
