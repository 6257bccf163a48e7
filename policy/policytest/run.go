package policytest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portcullis-oci/portcullis/policy"
)

// ErrNoCases is returned by [RunDir] for a directory holding no case file.
var ErrNoCases = errors.New("policytest: no case files (*_test.yaml)")

// Result is the outcome of one case, or of a case file that could not be
// run (Err set, Case empty).
type Result struct {
	File string
	Case string
	Line int
	// Decision is the policy's decision; Problems how it differs from the
	// expectation.
	Decision policy.Decision
	Problems []string
	// Err is a failure to load the case file or its policy, or to
	// evaluate.
	Err error
}

// Passed reports whether the case ran and met its expectation.
func (r Result) Passed() bool { return r.Err == nil && len(r.Problems) == 0 }

// Summary counts results.
type Summary struct {
	Results        []Result
	Passed, Failed int
}

// RunSuite loads the suite's policy (with opts) and runs its cases.
func RunSuite(ctx context.Context, s *Suite, opts ...policy.Option) []Result {
	p, err := policy.LoadFile(s.Policy, opts...)
	if err != nil {
		return []Result{{File: s.File, Err: err}}
	}
	out := make([]Result, 0, len(s.Cases))
	for _, c := range s.Cases {
		r := Result{File: s.File, Case: c.Name, Line: c.Line}
		r.Decision, r.Err = p.Evaluate(ctx, c.Input)
		if r.Err == nil {
			r.Problems = Check(r.Decision, c.Expect)
		}
		out = append(out, r)
	}
	return out
}

// FindSuites lists the case files (*_test.yaml, *_test.yml) under dir,
// in lexical order, skipping directories whose names start with "." or
// "_".
func FindSuites(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.yaml") || strings.HasSuffix(name, "_test.yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("policytest: %w", err)
	}
	return files, nil
}

// RunDir runs every case file under dir. A case file or policy that does
// not load is a failed result; a directory without case files is
// ErrNoCases.
func RunDir(ctx context.Context, dir string, opts ...policy.Option) (*Summary, error) {
	files, err := FindSuites(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoCases, dir)
	}
	sum := &Summary{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var rs []Result
		if s, err := LoadSuite(f); err != nil {
			rs = []Result{{File: f, Err: err}}
		} else {
			rs = RunSuite(ctx, s, opts...)
		}
		for _, r := range rs {
			if r.Passed() {
				sum.Passed++
			} else {
				sum.Failed++
			}
		}
		sum.Results = append(sum.Results, rs...)
	}
	return sum, nil
}

// TestDir runs every case file under dir as subtests of t, named by file
// and case.
func TestDir(t *testing.T, dir string, opts ...policy.Option) {
	t.Helper()
	sum, err := RunDir(t.Context(), dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sum.Results {
		name := filepath.Base(r.File)
		if r.Case != "" {
			name += "/" + r.Case
		}
		t.Run(name, func(t *testing.T) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			for _, p := range r.Problems {
				t.Errorf("%s:%d: %s", r.File, r.Line, p)
			}
			if len(r.Problems) > 0 {
				for _, reason := range r.Decision.Reasons {
					t.Logf("reason %s (%s): %s", reason.Rule, reason.Verdict, reason.Message)
				}
			}
		})
	}
}

// Evaluate runs p on in at in.Now and fails t if it returns an error. A
// zero in.Now is an error here: tests evaluate at a fixed time.
func Evaluate(t testing.TB, p policy.Policy, in policy.Input) policy.Decision {
	t.Helper()
	if in.Now.IsZero() {
		t.Fatal("policytest: Input.Now is zero; give the time the decision is made at")
	}
	d, err := p.Evaluate(t.Context(), in)
	if err != nil {
		t.Fatalf("policytest: evaluate: %v", err)
	}
	return d
}

// Expect fails t unless d has the verdict and its reasons name exactly
// the given rules (in any order, notes included).
func Expect(t testing.TB, d policy.Decision, verdict policy.Verdict, rules ...string) {
	t.Helper()
	if rules == nil {
		rules = []string{}
	}
	for _, p := range Check(d, Expectation{Verdict: verdict, Rules: rules}) {
		t.Error(p)
	}
	if t.Failed() {
		for _, r := range d.Reasons {
			t.Logf("reason %s (%s): %s", r.Rule, r.Verdict, r.Message)
		}
	}
}
