package python

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/scan"
)

// BenchmarkAnalyze reads 1,000 wheel METADATA files of a realistic size
// (headers and a 6 KiB description body that is never read), as a large
// site-packages holds.
func BenchmarkAnalyze(b *testing.B) {
	const n = 1000
	type doc struct{ path, body string }
	var docs []doc
	var classifiers strings.Builder
	for _, c := range []string{"Development Status :: 5 - Production/Stable", "Intended Audience :: Developers",
		"License :: OSI Approved :: Apache Software License", "Operating System :: OS Independent",
		"Programming Language :: Python :: 3", "Programming Language :: Python :: 3.12", "Topic :: Software Development :: Libraries"} {
		classifiers.WriteString("Classifier: " + c + "\n")
	}
	body := strings.Repeat("A long description of the project, as README files are.\n", 100)
	for i := range n {
		name := fmt.Sprintf("package_%04d", i)
		m := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: 1.%d.0\nSummary: a package\nHome-page: https://example.com/%s\nAuthor: someone\nAuthor-email: someone@example.com\nLicense: Apache 2.0\n%sRequires-Python: >=3.8\nRequires-Dist: requests (>=2.0)\nDescription-Content-Type: text/markdown\n\n%s",
			name, i, name, classifiers.String(), body)
		docs = append(docs, doc{"usr/local/lib/python3.12/site-packages/" + name + "-1.0.dist-info/METADATA", m})
	}
	a := New()
	b.ReportAllocs()
	for b.Loop() {
		files := make([]*scan.File, len(docs))
		for i, d := range docs {
			files[i] = scan.NewFile(d.path, 0o644, int64(len(d.body)), strings.NewReader(d.body))
		}
		pkgs, err := a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, b.TempDir(), files...))
		if err != nil || len(pkgs) != n {
			b.Fatalf("%d packages, %v", len(pkgs), err)
		}
	}
}
