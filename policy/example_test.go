package policy_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

const gate = `
name: gate
rules:
  - name: no-criticals-on-latest
    tag: latest
    vulnerabilities:
      critical: "> 0"
  - name: fixable-highs
    verdict: warn
    vulnerabilities:
      fixable: true
      high: ">= 1"
exceptions:
  - vulnerability: CVE-2024-0002
    reason: the vulnerable feature is compiled out
    owner: platform@example.com
    expires: 2025-12-31
`

func Example() {
	p, err := policy.Load("gate.yaml", []byte(gate))
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	openssl := scan.NewPURL("deb", "debian", "openssl", "3.0.11-1~deb12u2")
	layer := scan.LayerRef{Index: 1, DiffID: "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}
	rep := &scan.Report{
		ScannedAt: now.Add(-time.Hour),
		Database:  &scan.DatabaseInfo{Sources: []vulndb.SourceInfo{{Name: "debian", Updated: now.Add(-3 * time.Hour)}}},
		Findings: []scan.Finding{
			{ID: "CVE-2024-0001", Severity: "CRITICAL", Package: "openssl", InstalledVersion: "3.0.11-1~deb12u2", PURL: openssl, Layer: layer},
			{ID: "CVE-2024-0002", Severity: "HIGH", Package: "openssl", InstalledVersion: "3.0.11-1~deb12u2", FixedVersion: "3.0.13-1~deb12u1", PURL: openssl, Layer: layer},
		},
	}
	d, err := p.Evaluate(context.Background(), policy.Input{
		Image:  policy.Image{Repository: "registry.example.com/shop/web", Tag: "latest"},
		Report: rep,
		Now:    now,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verdict:", d.Verdict)
	for _, r := range d.Reasons {
		fmt.Printf("%s (%s): %s\n", r.Rule, r.Verdict, r.Message)
		for _, f := range r.Findings {
			fmt.Printf("  %s %s %s@%s, layer %d\n", f.ID, f.Severity, f.Package, f.Version, f.Layer.Index)
		}
	}
	for _, s := range d.Suppressed {
		fmt.Printf("suppressed by %s %s (%s, owner %s): %d finding(s)\n", s.Kind, s.Source, s.Reason, s.Owner, len(s.Findings))
	}
	// Output:
	// verdict: deny
	// no-criticals-on-latest (deny): vulnerabilities: critical 1 (> 0)
	//   CVE-2024-0001 CRITICAL openssl@3.0.11-1~deb12u2, layer 1
	// suppressed by exception gate.yaml:14 (the vulnerable feature is compiled out, owner platform@example.com): 1 finding(s)
}

// All combines a loaded policy with one written in Go.
func ExampleAll() {
	requireSigned := policy.Func(func(ctx context.Context, in policy.Input) (policy.Decision, error) {
		if in.Image.Labels["signed"] == "true" {
			return policy.Decision{Verdict: policy.Allow}, nil
		}
		return policy.Decision{Verdict: policy.Deny, Reasons: []policy.Reason{
			{Rule: "signed", Verdict: policy.Deny, Message: "the image is not signed"},
		}}, nil
	})
	rules, err := policy.Load("inline", []byte("settings: {allowUnscanned: true}\n"))
	if err != nil {
		log.Fatal(err)
	}
	d, err := policy.All(rules, requireSigned).Evaluate(context.Background(), policy.Input{Now: time.Unix(0, 0)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Verdict, d.Fired(policy.Deny))
	// Output:
	// deny [signed]
}
