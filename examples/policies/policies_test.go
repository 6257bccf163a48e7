package policies_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/policy/policytest"
)

var update = flag.Bool("update", false, "rewrite the golden decisions in testdata/")

// TestPolicies runs every case file of the example policies.
func TestPolicies(t *testing.T) {
	policytest.TestDir(t, ".")
}

// TestGoldenDecisions evaluates each example policy against every report
// and compares the whole decisions (messages, evidence, suppressions) with
// testdata/NAME.golden.json.
func TestGoldenDecisions(t *testing.T) {
	reports, err := filepath.Glob(filepath.Join("reports", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, reports)
	tags := map[string]string{
		"no-criticals-on-latest":   "latest",
		"fixable-highs-block-prod": "prod",
		"licence-allow-list":       "v2.0.0",
		"cel-rebuild-stale-images": "prod",
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for name, tag := range tags {
		t.Run(name, func(t *testing.T) {
			p, err := policy.LoadFile(name + ".yaml")
			require.NoError(t, err)
			got := map[string]policy.Decision{}
			for _, file := range reports {
				rep, err := policytest.LoadReport(file)
				require.NoError(t, err)
				in := policy.Input{Image: policy.Image{Repository: "registry.example.com/shop/web", Tag: tag}, Report: rep, Now: now}
				got[strings.TrimSuffix(filepath.Base(file), ".json")] = policytest.Evaluate(t, p, in)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			require.NoError(t, enc.Encode(got))
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			require.JSONEq(t, string(want), buf.String())
		})
	}
}
