package export_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/scan/export"
)

// formats are the three writers with the schema each output must meet.
var formats = []struct {
	name   string
	write  func(io.Writer, *scan.Report) error
	schema string
	golden string
}{
	{"cyclonedx", export.CycloneDX, cycloneDXSchemaURL, "cyclonedx.json"},
	{"spdx", export.SPDX, spdxSchemaURL, "spdx.json"},
	{"sarif", export.SARIF, sarifSchemaURL, "sarif.json"},
}

func write(t testing.TB, f func(io.Writer, *scan.Report) error, rep *scan.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, f(&buf, rep))
	return buf.Bytes()
}

// TestSchemaValidity checks every output against the format's published
// JSON schema: the rich report, the empty ones, and the rich report's
// golden bytes.
func TestSchemaValidity(t *testing.T) {
	reports := emptyReports()
	reports["rich"] = richReport()
	for _, f := range formats {
		for name, rep := range reports {
			t.Run(f.name+"/"+name, func(t *testing.T) {
				validate(t, f.schema, write(t, f.write, rep))
			})
		}
	}
}

// TestGolden pins the rich report's output; run with -update to rewrite.
func TestGolden(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			golden(t, f.golden, write(t, f.write, richReport()))
		})
	}
}

// TestDeterministic checks that the order a report lists its packages and
// findings in does not change the output.
func TestDeterministic(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			want := write(t, f.write, richReport())
			r := rand.New(rand.NewPCG(1, 2))
			for range 5 {
				rep := richReport()
				r.Shuffle(len(rep.Packages), func(i, j int) { rep.Packages[i], rep.Packages[j] = rep.Packages[j], rep.Packages[i] })
				if f.name != "sarif" { // SARIF keeps the report's finding order for results
					r.Shuffle(len(rep.Findings), func(i, j int) { rep.Findings[i], rep.Findings[j] = rep.Findings[j], rep.Findings[i] })
				}
				assert.Equal(t, string(want), string(write(t, f.write, rep)))
			}
		})
	}
}

func TestNilReport(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := f.write(&buf, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "export: "+f.name)
		})
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrors(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			err := f.write(failingWriter{}, richReport())
			require.ErrorIs(t, err, errDiskFull)
			assert.Contains(t, err.Error(), digest, "the error names the image")
		})
	}
}

// TestSchemasRejectBadOutput shows the validation has teeth: the rich
// report's output, broken in one place, no longer validates.
func TestSchemasRejectBadOutput(t *testing.T) {
	type doc = map[string]any
	at := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				v = v.(doc)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		format int
		break_ func(d doc)
	}{
		{"cyclonedx component type", 0, func(d doc) { at(d, "components", 1).(doc)["type"] = "libary" }},
		{"cyclonedx no bomFormat", 0, func(d doc) { delete(d, "bomFormat") }},
		{"cyclonedx rating severity", 0, func(d doc) { at(d, "vulnerabilities", 0, "ratings", 0).(doc)["severity"] = "catastrophic" }},
		{"cyclonedx licence id", 0, func(d doc) { at(d, "components", 3, "licenses", 0, "license").(doc)["id"] = "Not-A-Licence" }},
		{"cyclonedx expression and licence together", 0, func(d doc) {
			c := at(d, "components", 3).(doc)
			c["licenses"] = append(c["licenses"].([]any), doc{"expression": "MIT OR ISC"})
		}},
		{"spdx relationship type", 1, func(d doc) { at(d, "relationships", 0).(doc)["relationshipType"] = "OWNS" }},
		{"spdx no downloadLocation", 1, func(d doc) { delete(at(d, "packages", 0).(doc), "downloadLocation") }},
		{"spdx external ref category", 1, func(d doc) { at(d, "packages", 0, "externalRefs", 0).(doc)["referenceCategory"] = "PACKAGE_MANAGER" }},
		{"sarif level", 2, func(d doc) { at(d, "runs", 0, "results", 0).(doc)["level"] = "fatal" }},
		{"sarif no message", 2, func(d doc) { delete(at(d, "runs", 0, "results", 0).(doc), "message") }},
		{"sarif version", 2, func(d doc) { d["version"] = "2.2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := formats[tc.format]
			out := write(t, f.write, richReport())
			require.NoError(t, validateErr(t, f.schema, out), "the unbroken output validates")
			d := decode(t, out)
			tc.break_(d)
			broken, err := json.Marshal(d)
			require.NoError(t, err)
			assert.Error(t, validateErr(t, f.schema, broken))
		})
	}
}
