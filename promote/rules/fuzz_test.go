package rules

import (
	"testing"
	"time"
)

func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		valid,
		valid2dup,
		rule(""),
		rule("    noClobber: yes\n"),
		`{"rules": [{"name": "a", "source": {"repository": "localhost:5000/a", "tag": {"regex": "v.*"}}, "target": {"repository": "localhost:5000/b", "tag": "{{.Tag}}-{{short .Digest}}"}, "policy": "policy.yaml"}]}`,
		"rules:\n  - &r {name: a, source: {repository: localhost:5000/a}, target: {repository: localhost:5000/b}, policy: policy.yaml}\n  - <<: *r\n    name: b\n",
		"rules:\n  - name: a\n    source: {repository: localhost:5000/dev/app, tag: {glob: '*'}}\n    target: {repository: localhost:5000/dev/app, tag: '%n-qa'}\n    policy: policy.yaml\n",
		"rules:\n  - name: a\n    source: {repository: localhost:5000/a}\n    target: {repository: localhost:5000/b}\n    policy: ../../../../etc/passwd\n",
		"",
		"rules: [\n",
	} {
		f.Add([]byte(seed))
	}
	dir := policyDir(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		s, err := Load("fuzz.yaml", data, dir)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Load took %v", d)
		}
		if err != nil {
			if s != nil {
				t.Fatal("a set with an error")
			}
			return
		}
		if len(s.Rules) == 0 {
			t.Fatal("no rules and no error")
		}
		seen := map[string]bool{}
		for _, r := range s.Rules {
			if r.Name == "" || r.Source == "" || r.Target == "" || r.Policy == nil || r.TagTemplate == "" {
				t.Fatalf("incomplete rule %+v", r)
			}
			if seen[r.Name] {
				t.Fatalf("duplicate rule %q", r.Name)
			}
			seen[r.Name] = true
			_ = r.MatchTag("1.0")
			_ = r.Request("1.0", "", "fuzz")
			h, p, ok := splitRepository(r.Source)
			if !ok {
				t.Fatalf("source %q does not split", r.Source)
			}
			_ = s.Match(h, p, "1.0")
		}
	})
}
