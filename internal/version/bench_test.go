package version

import "testing"

// BenchmarkCompare measures a typical comparison of each family through
// ForEcosystem, as the matcher calls it.
func BenchmarkCompare(b *testing.B) {
	for _, bc := range []struct{ ecosystem, a, b string }{
		{"Debian", "1:2.36-9+deb12u4", "1:2.36-9+deb12u10"},
		{"Alpine", "3.1.4-r5", "3.1.4_rc1-r6"},
		{"Red Hat", "1:3.0.7-25.el9_3", "1:3.0.7-27.el9"},
		{"PyPI", "2.31.0", "2.32.0rc1"},
		{"npm", "4.17.21", "4.17.20-beta.1"},
		{"Go", "v0.17.0", "v0.0.0-20230101120000-abcdefabcdef"},
		{"Maven", "2.13.4.2", "2.13.4-SNAPSHOT"},
		{"RubyGems", "7.0.8.1", "7.0.8.rc1"},
		{"NuGet", "6.0.21", "6.0.0-preview.7.21377.19"},
		{"Packagist", "v5.4.21", "5.4.22-RC1"},
		{"CRAN", "1.4-2.1", "1.4-10"},
		{"Pub", "3.1.0+2", "3.1.0-dev.4"},
		{"Hackage", "2.10.0.1", "2.9.1.0"},
	} {
		c, ok := ForEcosystem(bc.ecosystem)
		if !ok {
			b.Fatalf("no comparer for %s", bc.ecosystem)
		}
		b.Run(bc.ecosystem, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Compare(bc.a, bc.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
