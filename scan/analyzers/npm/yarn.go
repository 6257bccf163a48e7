package npm

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yarnGraph is a yarn.lock read: its entries and how dependency ranges
// resolve to them.
type yarnGraph struct {
	entries []yarnEntry
	// lookup maps each "name@range" a key lists to its entry.
	lookup map[string]int
	// extraProd are the dependencies of workspaces other than the root
	// (berry lists them): production roots of their own.
	extraProd [][2]string
	berry     bool
}

type yarnEntry struct {
	name, version string
	deps          [][2]string // name, range
	// hidden entries (workspaces, links) are in the graph but not listed.
	hidden bool
}

// parseYarnLock reads a yarn.lock in the classic (yarn 1) or berry
// (yarn 2 and later, YAML) format.
func parseYarnLock(b []byte) (*yarnGraph, error) {
	if isBerry(b) {
		return parseBerry(b)
	}
	return parseYarnClassic(b)
}

func isBerry(b []byte) bool {
	return bytes.HasPrefix(b, []byte("__metadata:")) || bytes.Contains(b, []byte("\n__metadata:"))
}

// parseYarnClassic reads the yarn 1 format:
//
//	"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
//	  version "7.12.13"
//	  dependencies:
//	    "@babel/highlight" "^7.12.13"
func parseYarnClassic(b []byte) (*yarnGraph, error) {
	g := &yarnGraph{lookup: map[string]int{}}
	var (
		perr   problems
		cur    = -1 // index of the entry being read
		inDeps bool
	)
	finish := func() {
		if cur >= 0 && g.entries[cur].version == "" && !g.entries[cur].hidden {
			perr.add("%s: no version", g.entries[cur].name)
			g.entries[cur].hidden = true
		}
		cur = -1
	}
	lineNo := 0
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		lineNo++
		s := strings.TrimRight(string(line), "\r \t")
		t := strings.TrimLeft(s, " ")
		if t == "" || t[0] == '#' {
			continue
		}
		indent := len(s) - len(t)
		switch {
		case indent == 0:
			finish()
			keys, ok := strings.CutSuffix(s, ":")
			if !ok {
				perr.add("line %d: not an entry: %.60q", lineNo, s)
				continue
			}
			var e yarnEntry
			for _, spec := range strings.Split(keys, ",") {
				spec = unquote(strings.TrimSpace(spec))
				name, rng, ok := splitSpec(spec)
				if !ok {
					continue
				}
				if e.name == "" {
					e.name = name
				}
				// An alias: "lodash@npm:lodash-es@^4.17.21" installs lodash-es.
				if rest, ok := strings.CutPrefix(rng, "npm:"); ok {
					if real, _, ok := splitSpec(rest); ok {
						e.name = real
					}
				}
				if !usableVersion(rng) {
					e.hidden = true // a local directory: file:, link:
				}
				g.lookup[spec] = len(g.entries)
			}
			if !validName(e.name) {
				perr.add("line %d: no package name in %.60q", lineNo, s)
				continue
			}
			cur = len(g.entries)
			g.entries = append(g.entries, e)
			inDeps = false
		case cur < 0:
			// inside an entry that was skipped
		case indent < 4:
			key, val, _ := strings.Cut(t, " ")
			key = strings.TrimSuffix(key, ":")
			inDeps = key == "dependencies" || key == "optionalDependencies"
			if key == "version" {
				g.entries[cur].version = unquote(strings.TrimSpace(val))
			}
		case inDeps:
			name, rng := splitField(t)
			if name != "" {
				g.entries[cur].deps = append(g.entries[cur].deps, [2]string{name, rng})
			}
		}
	}
	finish()
	return g, perr.err("yarn.lock")
}

// splitField splits `"@scope/name" "^1.0.0"` or `name ^1.0.0` into its two
// (unquoted) parts.
func splitField(t string) (string, string) {
	var first string
	if strings.HasPrefix(t, `"`) {
		end := strings.IndexByte(t[1:], '"')
		if end < 0 {
			return "", ""
		}
		first, t = t[1:end+1], t[end+2:]
	} else {
		var ok bool
		first, t, ok = strings.Cut(t, " ")
		if !ok {
			return "", ""
		}
	}
	return first, unquote(strings.TrimSpace(t))
}

// unquote removes the double quotes around s, if any.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s[1 : len(s)-1]
	}
	return s
}

// parseBerry reads the yarn 2+ format, a YAML map from comma-separated
// "name@protocol:range" keys to entries with version, resolution,
// dependencies and linkType.
func parseBerry(b []byte) (*yarnGraph, error) {
	var doc map[string]struct {
		Version      string            `yaml:"version"`
		Resolution   string            `yaml:"resolution"`
		Dependencies map[string]string `yaml:"dependencies"`
		LinkType     string            `yaml:"linkType"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("npm: yarn.lock: %w", err)
	}
	g := &yarnGraph{lookup: map[string]int{}, berry: true}
	var perr problems
	for _, key := range sortedKeys(doc) {
		if key == "__metadata" {
			continue
		}
		d := doc[key]
		var e yarnEntry
		res := d.Resolution
		if res == "" {
			res = strings.TrimSpace(strings.Split(key, ",")[0])
		}
		name, rng, ok := splitSpec(res)
		if !ok || !validName(name) {
			perr.add("%.80q: no package name", key)
			continue
		}
		e.name, e.version = name, d.Version
		switch {
		case strings.HasPrefix(rng, "workspace:"):
			e.hidden = true
			if rng != "workspace:." {
				for _, dep := range sortedKeys(d.Dependencies) {
					g.extraProd = append(g.extraProd, [2]string{dep, d.Dependencies[dep]})
				}
			}
		case d.LinkType == "soft" || !usableVersion(rng):
			e.hidden = true // link:, portal:, file:
		case e.version == "":
			perr.add("%.80q: no version", key)
			e.hidden = true
		}
		for _, dep := range sortedKeys(d.Dependencies) {
			e.deps = append(e.deps, [2]string{dep, d.Dependencies[dep]})
		}
		for _, spec := range strings.Split(key, ",") {
			g.lookup[strings.TrimSpace(spec)] = len(g.entries)
		}
		g.entries = append(g.entries, e)
	}
	return g, perr.err("yarn.lock")
}

// resolve returns the entry a dependency range resolves to, or -1.
func (g *yarnGraph) resolve(name, rng string) int {
	if i, ok := g.lookup[name+"@"+rng]; ok {
		return i
	}
	if g.berry && !strings.Contains(rng, ":") {
		if i, ok := g.lookup[name+"@npm:"+rng]; ok {
			return i
		}
	}
	return -1
}

// reach marks the entries reachable from roots.
func (g *yarnGraph) reach(roots [][2]string) []bool {
	seen := make([]bool, len(g.entries))
	var stack []int
	for _, r := range roots {
		if i := g.resolve(r[0], r[1]); i >= 0 && !seen[i] {
			seen[i] = true
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range g.entries[i].deps {
			if j := g.resolve(d[0], d[1]); j >= 0 && !seen[j] {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	return seen
}

// packages lists the entries, marking as development dependencies those
// reachable from the project's devDependencies and not from its
// dependencies; m may be nil.
func (g *yarnGraph) packages(m *projectManifest) []lockPackage {
	var prod, dev []bool
	if m != nil && (g.berry || !m.Workspaces) {
		prod = g.reach(append(append(deps(m.Dependencies), deps(m.OptionalDependencies)...), g.extraProd...))
		dev = g.reach(deps(m.DevDependencies))
	}
	var out []lockPackage
	for i, e := range g.entries {
		if e.hidden {
			continue
		}
		out = append(out, lockPackage{Name: e.name, Version: e.version, Dev: dev != nil && dev[i] && !prod[i]})
	}
	return out
}

func deps(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, [2]string{k, m[k]})
	}
	return out
}
