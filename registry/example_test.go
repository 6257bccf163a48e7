package registry_test

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/portcullis-oci/portcullis/registry"
)

// Open reads an unpacked root filesystem as an image of one layer.
func ExampleOpen() {
	root, err := os.MkdirTemp("", "rootfs")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc", "os-release"), []byte("ID=example\n"), 0o644)
	os.Symlink("/usr/lib/os-release", filepath.Join(root, "etc", "lsb-release"))

	img, err := registry.Open(context.Background(), "dir:"+root,
		registry.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	layers, err := img.Layers()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Platform, len(layers), "layer")
	rc, err := layers[0].Uncompressed()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Linkname != "" {
			fmt.Println(h.Name, "->", h.Linkname)
			continue
		}
		fmt.Println(h.Name)
	}
	// Output:
	// linux/amd64 1 layer
	// etc/
	// etc/lsb-release -> /usr/lib/os-release
	// etc/os-release
}

// OpenAll returns each platform image of an index; Open picks one.
func ExampleOpenAll() {
	dir, err := os.MkdirTemp("", "layout")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	var idx v1.ImageIndex = empty.Index
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}} {
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant})
		if err != nil {
			fmt.Println(err)
			return
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
	if _, err := layout.Write(dir, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: idx})); err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	all, err := registry.OpenAll(ctx, "oci-dir:"+dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, img := range all {
		fmt.Println(img.Platform)
	}
	arm, err := registry.Open(ctx, "oci-dir:"+dir, registry.WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("picked", arm.Platform)
	_, err = registry.Open(ctx, "oci-dir:"+dir, registry.WithPlatform(v1.Platform{OS: "linux", Architecture: "riscv64"}))
	fmt.Println(errors.Is(err, registry.ErrPlatformNotFound))
	// Output:
	// linux/amd64
	// linux/arm64/v8
	// picked linux/arm64/v8
	// true
}
