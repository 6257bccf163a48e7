package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVEX(t *testing.T) {
	doc, err := LoadVEXFile(filepath.Join("testdata", "vex", "web.openvex.json"))
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/vex/web-2025-05", doc.ID)
	require.Len(t, doc.Statements, 2)
	st := doc.Statements[0]
	assert.Equal(t, "CVE-2023-44487", st.Vulnerability)
	assert.Equal(t, []string{"GHSA-qppj-fm5r-hxr3"}, st.Aliases)
	assert.Equal(t, VEXNotAffected, st.Status)
	assert.Equal(t, time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC), st.Timestamp, "inherited from the document")
	require.Len(t, st.Products, 1)
	assert.Equal(t, "pkg:oci/web@sha256%3A1111111111111111111111111111111111111111111111111111111111111111", st.Products[0].PURL)
	require.Len(t, st.Products[0].Subcomponents, 1)
	assert.Equal(t, "pkg:golang/golang.org/x/net", st.Products[0].Subcomponents[0].PURL)
}

func TestParseVEXOldFormat(t *testing.T) {
	// OpenVEX 0.0.1: the vulnerability and products as strings,
	// subcomponents on the statement.
	doc, err := ParseVEX("old.json", []byte(`{
	  "@context": "https://openvex.dev/ns",
	  "@id": "https://example.com/vex/1",
	  "author": "Wolfi J Inkinson",
	  "timestamp": "2023-01-08T18:02:03.647787998-06:00",
	  "version": "1",
	  "statements": [{
	    "vulnerability": "CVE-2023-12345",
	    "products": ["pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64"],
	    "subcomponents": ["pkg:apk/wolfi/openssl"],
	    "status": "fixed",
	    "timestamp": "2023-02-01T00:00:00Z"
	  }]
	}`))
	require.NoError(t, err)
	st := doc.Statements[0]
	assert.Equal(t, "CVE-2023-12345", st.Vulnerability)
	assert.Equal(t, time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC), st.Timestamp)
	require.Len(t, st.Products, 1)
	assert.Equal(t, "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64", st.Products[0].PURL)
	assert.Equal(t, "pkg:apk/wolfi/openssl", st.Products[0].Subcomponents[0].PURL)
}

func TestParseVEXErrors(t *testing.T) {
	head := `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a", "timestamp": "2025-01-01T00:00:00Z", "statements": [`
	tests := []struct{ name, doc, msg string }{
		{"not JSON", "{", "not an OpenVEX document"},
		{"wrong context", `{"@context": "https://cyclonedx.org", "timestamp": "2025-01-01T00:00:00Z"}`, "is not OpenVEX"},
		{"no timestamp", `{"@context": "https://openvex.dev/ns"}`, "no timestamp"},
		{"no vulnerability", head + `{"products": ["pkg:npm/a"], "status": "fixed"}]}`, "statement 1: no vulnerability"},
		{"unnamed vulnerability", head + `{"vulnerability": {}, "products": ["pkg:npm/a"], "status": "fixed"}]}`, "no name"},
		{"bad vulnerability", head + `{"vulnerability": 5, "products": ["pkg:npm/a"], "status": "fixed"}]}`, "want a string or an object"},
		{"bad status", head + `{"vulnerability": "CVE-1", "products": ["pkg:npm/a"], "status": "fine"}]}`, `unknown status "fine"`},
		{"not_affected without justification", head + `{"vulnerability": "CVE-1", "products": ["pkg:npm/a"], "status": "not_affected"}]}`, "needs a justification"},
		{"bad justification", head + `{"vulnerability": "CVE-1", "products": ["pkg:npm/a"], "status": "not_affected", "justification": "trust_me"}]}`, "unknown justification"},
		{"no products", head + `{"vulnerability": "CVE-1", "status": "fixed"}]}`, "no products"},
		{"empty product", head + `{"vulnerability": "CVE-1", "products": [{}], "status": "fixed"}]}`, "no @id, purl or hashes"},
		{"second statement", head + `{"vulnerability": "CVE-1", "products": ["pkg:npm/a"], "status": "fixed"}, {"vulnerability": "CVE-2", "status": "fixed"}]}`, "statement 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseVEX("doc.json", []byte(tt.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "policy: doc.json: "), err.Error())
		})
	}
	_, err := ParseVEX("big.json", make([]byte, MaxVEXBytes+1))
	assert.ErrorContains(t, err, "larger than")
}

// FuzzParseVEX: any bytes parse or fail; a parsed document indexes and
// matches without panicking.
func FuzzParseVEX(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "vex", "web.openvex.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"@context": "https://openvex.dev/ns", "timestamp": "2023-01-08T18:02:03Z", "statements": [{"vulnerability": "CVE-1", "products": ["pkg:oci/x"], "status": "fixed"}]}`))
	f.Add([]byte(`{"@context": "https://openvex.dev/ns", "timestamp": "2023-01-08T18:02:03Z", "statements": [{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "x@sha256:ab", "hashes": {"sha-512": "AB"}, "subcomponents": [{"@id": "pkg:npm/%40a/b"}]}], "status": "not_affected", "impact_statement": "x"}]}`))
	rep := testReport(cat(n(2, "HIGH"), n(1, "CRITICAL", alias("CVE-1"))))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseVEX("fuzz.json", data)
		if err != nil {
			return
		}
		ix := newVEXIndex([]*VEXDocument{doc}, 0)
		for i := range rep.Findings {
			ix.lookup(&rep.Findings[i], testDigest, "registry.example.com/x", nil)
		}
	})
}
