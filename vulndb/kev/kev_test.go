package kev

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// catalogue is a catalogue in the shape of CISA's feed, with three real
// entries (their text shortened).
const catalogue = `{
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2025.03.14",
    "dateReleased": "2025-03-14T17:01:21.4471Z",
    "count": 3,
    "vulnerabilities": [
        {
            "cveID": "CVE-2021-44228",
            "vendorProject": "Apache",
            "product": "Log4j2",
            "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
            "dateAdded": "2021-12-10",
            "shortDescription": "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.",
            "requiredAction": "For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks.",
            "dueDate": "2021-12-24",
            "knownRansomwareCampaignUse": "Known",
            "notes": "https:\/\/logging.apache.org\/log4j\/2.x\/security.html ; https:\/\/nvd.nist.gov\/vuln\/detail\/CVE-2021-44228",
            "cwes": [
                "CWE-20",
                "CWE-400",
                "CWE-502"
            ]
        },
        {
            "cveID": "CVE-2023-4863",
            "vendorProject": "Google",
            "product": "Chromium WebP",
            "vulnerabilityName": "Google Chromium WebP Heap-Based Buffer Overflow Vulnerability",
            "dateAdded": "2023-09-13",
            "shortDescription": "Google Chromium WebP contains a heap-based buffer overflow vulnerability that allows a remote attacker to perform an out-of-bounds memory write via a crafted HTML page.",
            "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
            "dueDate": "2023-10-04",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "https:\/\/chromereleases.googleblog.com\/2023\/09\/stable-channel-update-for-desktop_11.html; https:\/\/nvd.nist.gov\/vuln\/detail\/CVE-2023-4863",
            "cwes": [
                "CWE-787"
            ]
        },
        {
            "cveID": "CVE-2024-3094",
            "vendorProject": "XZ Utils",
            "product": "XZ Utils",
            "vulnerabilityName": "XZ Utils Embedded Malicious Code Vulnerability",
            "dateAdded": "2024-03-29",
            "shortDescription": "XZ Utils contains embedded malicious code.",
            "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
            "dueDate": "2024-04-19",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "",
            "cwes": []
        }
    ]
}`

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_exploited_vulnerabilities.json")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func fetchAll(t *testing.T, src *Source, since vulndb.Cursor) ([]vulndb.Vulnerability, vulndb.Cursor, error) {
	t.Helper()
	var got []vulndb.Vulnerability
	cur, err := src.Fetch(context.Background(), since, func(v vulndb.Vulnerability) error {
		got = append(got, v)
		return nil
	})
	return got, cur, err
}

func fromString(t *testing.T, content string, opts ...Option) ([]vulndb.Vulnerability, *Source, error) {
	t.Helper()
	src, err := New(append([]Option{WithPath(writeFile(t, content))}, opts...)...)
	require.NoError(t, err)
	got, _, err := fetchAll(t, src, "")
	return got, src, err
}

func TestCatalogue(t *testing.T) {
	got, src, err := fromString(t, catalogue)
	require.NoError(t, err)
	require.Len(t, got, 3)
	n, reasons := src.Skipped()
	assert.Zero(t, n, reasons)
	assert.Equal(t, vulndb.Vulnerability{
		ID:      "CVE-2021-44228",
		Summary: "Apache Log4j2 Remote Code Execution Vulnerability",
		Details: "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.\n\n" +
			"Required action: For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks.",
		KEV:  &vulndb.KEV{DateAdded: "2021-12-10", DueDate: "2021-12-24", KnownRansomware: "Known"},
		CWEs: []string{"CWE-20", "CWE-400", "CWE-502"},
		References: []vulndb.Reference{
			{Type: "WEB", URL: "https://logging.apache.org/log4j/2.x/security.html"},
			{Type: "WEB", URL: "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"},
		},
	}, got[0])
	assert.Equal(t, []string{"CVE-2021-44228", "CVE-2023-4863", "CVE-2024-3094"}, []string{got[0].ID, got[1].ID, got[2].ID}, "catalogue order")
	assert.Equal(t, "Unknown", got[1].KEV.KnownRansomware)
	assert.Len(t, got[1].References, 2, `notes separated by ";" without a space`)
	assert.Empty(t, got[2].References)
	assert.Empty(t, got[2].CWEs)
	for _, v := range got {
		assert.Empty(t, v.Affected, "KEV records never match a package")
	}
}

func TestSkips(t *testing.T) {
	doc := `{"catalogVersion":"x","count":9,"vulnerabilities":[
	  {"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","dueDate":"2021-12-24"},
	  {"cveID":"CVE-2021-44228","dateAdded":"2021-12-11"},
	  {"cveID":"cve-2021-1","dateAdded":"2021-12-10"},
	  {"cveID":"CVE-2021-1234","dateAdded":"12/10/2021"},
	  {"cveID":"CVE-2021-1235","dateAdded":"2021-12-10","dueDate":"soon","cwes":["CWE-79","NVD-CWE-noinfo"]},
	  {"cveID":"CVE-2021-1236","dateAdded":"2021-12-10","cwes":"CWE-79"},
	  {"cveID":12,"dateAdded":"2021-12-10"},
	  "text",
	  {"dateAdded":"2021-12-10"}
	]}`
	got, src, err := fromString(t, doc)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "2021-12-10", got[0].KEV.DateAdded, "the first listing wins")
	assert.Equal(t, "CVE-2021-1235", got[1].ID)
	assert.Empty(t, got[1].KEV.DueDate)
	assert.Equal(t, []string{"CWE-79"}, got[1].CWEs)
	n, reasons := src.Skipped()
	joined := strings.Join(reasons, "\n")
	for _, r := range []string{
		"CVE listed again: 1 (first: vulnerabilities[1] CVE-2021-44228)",
		`invalid cveID: 2 (first: vulnerabilities[2] "cve-2021-1")`,
		"invalid dateAdded: 1 (first: vulnerabilities[3] CVE-2021-1234)",
		"invalid dueDate (field dropped): 1",
		"invalid CWE (dropped): 1 (first: vulnerabilities[4] CVE-2021-1235 NVD-CWE-noinfo)",
		"malformed entry: 3",
	} {
		assert.Contains(t, joined, r)
	}
	assert.Equal(t, 9, n)
}

func TestBadFiles(t *testing.T) {
	tests := []struct{ name, doc, err string }{
		{"empty", ``, "EOF"},
		{"array", `[]`, "not a KEV catalogue"},
		{"no list", `{"catalogVersion":"1"}`, "no vulnerabilities"},
		{"list is object", `{"vulnerabilities":{}}`, "not a list"},
		{"empty list", `{"vulnerabilities":[]}`, "no usable entry"},
		{"null list", `{"vulnerabilities":null}`, "no usable entry"},
		{"truncated", catalogue[:len(catalogue)/2], "vulnerabilities[1]"},
		{"trailing", catalogue + "x", "data after"},
		{"twice", `{"vulnerabilities":[],"vulnerabilities":[]}`, "given twice"},
		{"count not a number", `{"count":"3","vulnerabilities":[]}`, "count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := fromString(t, tt.doc)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.Contains(t, err.Error(), "known_exploited_vulnerabilities.json")
			assert.True(t, strings.HasPrefix(err.Error(), "kev: "), err.Error())
		})
	}
}

func TestGzipAndLimits(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(catalogue))
	require.NoError(t, zw.Close())
	got, _, err := fromString(t, buf.String())
	require.NoError(t, err)
	assert.Len(t, got, 3)
	_, _, err = fromString(t, catalogue, WithMaxBytes(100))
	assert.ErrorIs(t, err, feedinput.ErrTooLarge)
	_, err = New(WithMaxBytes(0))
	assert.Error(t, err)
}

func TestHTTP(t *testing.T) {
	const lastMod = "Fri, 14 Mar 2025 17:01:21 GMT"
	var calls, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("If-Modified-Since") == lastMod {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(catalogue))
	}))
	defer srv.Close()
	src, err := New(WithURL(srv.URL+"/sites/default/files/feeds/known_exploited_vulnerabilities.json"), WithClient(fetch.New(fetch.WithRetries(0))))
	require.NoError(t, err)
	got, cur, err := fetchAll(t, src, "")
	require.NoError(t, err)
	assert.Len(t, got, 3)
	assert.JSONEq(t, `{"lastModified":"`+lastMod+`"}`, string(cur))

	got, cur2, err := fetchAll(t, src, cur)
	require.ErrorIs(t, err, vulndb.ErrUnchanged)
	assert.Empty(t, got)
	assert.Empty(t, cur2)
	assert.EqualValues(t, 2, calls.Load())
	assert.EqualValues(t, 1, notModified.Load())

	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	_, _, err = fetchAll(t, src, "")
	var se *fetch.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusGone, se.Status)
}

func TestLocalCursorAndEmitError(t *testing.T) {
	src, err := New(WithPath(writeFile(t, catalogue)))
	require.NoError(t, err)
	_, cur, err := fetchAll(t, src, "")
	require.NoError(t, err)
	_, _, err = fetchAll(t, src, cur)
	assert.ErrorIs(t, err, vulndb.ErrUnchanged)

	stop := errors.New("stop")
	_, err = src.Fetch(context.Background(), "", func(vulndb.Vulnerability) error { return stop })
	assert.Equal(t, stop, err)

	d, err := New()
	require.NoError(t, err)
	assert.Equal(t, "kev", d.Name())
	assert.True(t, d.Snapshot())
	assert.Equal(t, "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json", d.opts.URL)
}

func TestValidators(t *testing.T) {
	for s, want := range map[string]bool{
		"CVE-2021-44228": true, "CVE-2021-1234": true, "CVE-2021-1234567890123456789": true,
		"CVE-2021-123": false, "CVE-21-12345": false, "cve-2021-1234": false, "CVE-2021-1234 ": false,
		"CVE-2021-12345678901234567890": false, "": false, "CVE-2021-12a4": false,
	} {
		assert.Equal(t, want, validCVE(s), s)
	}
	for s, want := range map[string]bool{"2021-12-10": true, "2021-02-30": false, "2021-1-10": false, "": false} {
		assert.Equal(t, want, validDate(s), s)
	}
}
