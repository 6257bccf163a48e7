package ruby

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func seeds(f *testing.F, names ...string) {
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzGemspec(f *testing.F) {
	seeds(f, "rake-13.1.0.gemspec", "nokogiri-1.15.4-x86_64-linux.gemspec", "json-2.6.3.gemspec", "handwritten.gemspec")
	for _, s := range []string{"s.name = %q(a(b)c)\ns.version = \"1\"", "s.name = \"\\u{1F600 41}\"", "s.licenses = [\"a\",", "s.version = \"\\x4", "s.name=%Q<a<b>>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGemspec(data)
		if (g.Name == "") != (g.Version == "") {
			t.Fatalf("half a gem: %+v", g)
		}
		if g.Name == "" && err == nil {
			t.Fatal("no gem and no error")
		}
		if g.Name != "" && (!validName(g.Name) || !validVersion(g.Version)) {
			t.Fatalf("invalid gem %+v", g)
		}
		if g.Platform != "" && !validName(g.Platform) {
			t.Fatalf("invalid platform %q", g.Platform)
		}
		if len(g.Licenses) > MaxLicenses {
			t.Fatalf("%d licences", len(g.Licenses))
		}
		for _, l := range g.Licenses {
			if l == "" || !validText(l) {
				t.Fatalf("bad licence %q", l)
			}
		}
	})
}

func FuzzGemfileLock(f *testing.F) {
	seeds(f, "Gemfile.lock")
	f.Add([]byte("GEM\n  specs:\n    a (1-b)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		gems, err := ParseGemfileLock(data)
		if len(gems) > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d gems from %d lines", len(gems), bytes.Count(data, []byte("\n"))+1)
		}
		seen := map[[2]string]bool{}
		for _, g := range gems {
			if !validName(g.Name) || !validVersion(g.Version) || seen[[2]string{g.Name, g.Version}] {
				t.Fatalf("bad gem %+v (err %v)", g, err)
			}
			seen[[2]string{g.Name, g.Version}] = true
		}
	})
}
