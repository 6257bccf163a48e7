package export

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/portcullis-oci/portcullis/scan"
)

func TestClassifyLicense(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want license
	}{
		{"MIT", license{licenseID, "MIT"}},
		{"  mit  ", license{licenseID, "MIT"}},
		{"openssl", license{licenseID, "OpenSSL"}},
		{"GPL-2.0-only", license{licenseID, "GPL-2.0-only"}},
		{"GPL-2.0", license{licenseExpression, "GPL-2.0"}}, // deprecated: valid, not an active id
		{"MIT OR Apache-2.0", license{licenseExpression, "MIT OR Apache-2.0"}},
		{"( Apache-2.0 OR MIT ) AND MPL-2.0", license{licenseExpression, "(Apache-2.0 OR MIT) AND MPL-2.0"}},
		{"Apache-2.0 WITH LLVM-exception", license{licenseExpression, "Apache-2.0 WITH LLVM-exception"}},
		{"LicenseRef-mine", license{licenseExpression, "LicenseRef-mine"}},
		{"GPL2", license{licenseName, "GPL2"}},
		{"MIT BSD GPL2+", license{licenseName, "MIT BSD GPL2+"}},
		{"MIT AND", license{licenseName, "MIT AND"}},
		{"(", license{licenseName, "("}},
		{strings.Repeat("MIT AND ", 200) + "MIT", license{licenseName, strings.Repeat("MIT AND ", 200) + "MIT"}}, // too long to parse
	} {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, classifyLicense(tc.in))
		})
	}
}

func TestSanitizeID(t *testing.T) {
	for in, want := range map[string]string{
		"deb-openssl-3.0.11-1~deb12u2": "deb-openssl-3.0.11-1-deb12u2",
		"npm-@scope/pkg-1.0.0":         "npm-scope-pkg-1.0.0",
		"--a---b--":                    "a-b",
		"ünï":                          "n",
		"":                             "",
		"!!!":                          "",
		strings.Repeat("a", 200):       strings.Repeat("a", 64),
	} {
		assert.Equal(t, want, sanitizeID(in, 64), "%q", in)
	}
}

func TestUniqueNames(t *testing.T) {
	used := map[string]bool{}
	assert.Equal(t, "a", uniqueName(used, "a"))
	assert.Equal(t, "a-2", uniqueName(used, "a"))
	assert.Equal(t, "a-3", uniqueName(used, "a"))
	assert.Equal(t, "p", uniqueRef(used, "p"))
	assert.Equal(t, "p|2", uniqueRef(used, "p"))
}

func TestAdvisoryFor(t *testing.T) {
	for _, tc := range []struct {
		id      string
		sources []string
		want    string
	}{
		{"CVE-2024-0727", nil, "https://nvd.nist.gov/vuln/detail/CVE-2024-0727"},
		{"GHSA-35jh-r3h4-6jhm", nil, "https://github.com/advisories/GHSA-35jh-r3h4-6jhm"},
		{"GO-2024-2687", nil, "https://pkg.go.dev/vuln/GO-2024-2687"},
		{"DSA-5678-1", nil, "https://security-tracker.debian.org/tracker/DSA-5678-1"},
		{"RUSTSEC-2021-0001", nil, "https://rustsec.org/advisories/RUSTSEC-2021-0001"},
		{"PYSEC-2021-1", []string{"osv:PyPI"}, "https://osv.dev/vulnerability/PYSEC-2021-1"},
		{"PYSEC-2021-1", []string{"custom"}, ""},
		{"X/../../y", []string{"osv"}, "https://osv.dev/vulnerability/X%2F..%2F..%2Fy"},
	} {
		adv, ok := advisoryFor(tc.id, tc.sources)
		assert.Equal(t, tc.want != "", ok, tc.id)
		assert.Equal(t, tc.want, adv.url, tc.id)
	}
}

func TestPackagesOf(t *testing.T) {
	l1, l2 := scan.LayerRef{Index: 1, DiffID: "a"}, scan.LayerRef{Index: 2, DiffID: "b"}
	p := func(path string, l scan.LayerRef) scan.Package {
		return scan.Package{Name: "x", Version: "1", Type: "npm", Layer: l, Paths: []string{path}}
	}
	inv := newInventory([]scan.Package{p("c", l2), p("a", l1), p("b", l1)})
	f := scan.Finding{Package: "x", InstalledVersion: "1", Type: "npm", Layer: l1}
	assert.Equal(t, []int{0, 1}, inv.packagesOf(&f), "the packages in the finding's layer")
	f.Layer = scan.LayerRef{Index: 9}
	assert.Equal(t, []int{0, 1, 2}, inv.packagesOf(&f), "every package with the identity when none is in the layer")
	f.Package = "y"
	assert.Nil(t, inv.packagesOf(&f))
}

func TestMarkdownCells(t *testing.T) {
	assert.Equal(t, "plain", mdEscape("plain"))
	assert.Equal(t, `a\|b c d`, mdEscape("a|b\nc\rd"))
}

func TestSecuritySeverityBands(t *testing.T) {
	// GitHub: critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9.
	for sev, band := range map[string][2]float64{"CRITICAL": {9, 10}, "HIGH": {7, 8.9}, "MEDIUM": {4, 6.9}, "LOW": {0.1, 3.9}} {
		s := securitySeverityOf(sev)
		f, err := strconv.ParseFloat(s, 64)
		if assert.NoError(t, err, sev) {
			assert.True(t, f >= band[0] && f <= band[1], "%s: %s outside %v", sev, s, band)
		}
	}
	assert.Empty(t, securitySeverityOf("UNKNOWN"))
}
