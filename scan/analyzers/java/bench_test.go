package java

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

// fatJar builds a Spring Boot fat jar of about 50 MB: 150 libraries stored
// under BOOT-INF/lib, each with its pom.properties, a pom.xml and 200
// classes of incompressible content, plus the application's classes.
func fatJar(b *testing.B) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	class := func() []byte {
		c := make([]byte, 1600)
		for i := range c {
			c[i] = byte(rng.Uint32())
		}
		return c
	}
	entries := []entry{
		e("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: org.springframework.boot.loader.JarLauncher\nStart-Class: com.example.App\n"),
		pomProps("com.example", "service", "2.0.0"),
	}
	for i := range 300 {
		entries = append(entries, entry{name: fmt.Sprintf("BOOT-INF/classes/com/example/C%d.class", i), body: class()})
	}
	for l := range 150 {
		artifact := fmt.Sprintf("lib-%03d", l)
		lib := []entry{
			e("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"),
			pomProps("com.example.libs", artifact, "1.0."+fmt.Sprint(l)),
			pomXML("com.example.libs", artifact, "Apache License, Version 2.0"),
		}
		for i := range 200 {
			lib = append(lib, entry{name: fmt.Sprintf("com/example/%s/C%d.class", artifact, i), body: class()})
		}
		entries = append(entries, stored("BOOT-INF/lib/"+artifact+"-1.0.jar", zipOf(b, lib...)))
	}
	return zipOf(b, entries...)
}

// BenchmarkAnalyzeFatJar reads a 50 MB fat jar: copied to a temporary
// file (the default, above 32 MiB) and held in memory.
func BenchmarkAnalyzeFatJar(b *testing.B) {
	jar := fatJar(b)
	for _, tt := range []struct {
		name string
		opts []Option
	}{
		{"spooled", nil},
		{"in-memory", []Option{WithMaxInMemoryBytes(64 << 20)}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			a := New(tt.opts...)
			dir := b.TempDir()
			b.SetBytes(int64(len(jar)))
			b.ReportAllocs()
			for b.Loop() {
				pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, dir,
					scan.NewFile("app/service.jar", 0o644, int64(len(jar)), bytes.NewReader(jar))))
				if err != nil || len(pkgs) != 151 {
					b.Fatalf("%d packages, %v", len(pkgs), err)
				}
			}
		})
	}
}
