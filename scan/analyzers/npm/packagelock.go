package npm

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrNoPackages is matched by the error for a lock file that holds neither
// packages nor dependencies sections.
var ErrNoPackages = errors.New("npm: no packages or dependencies in the lock file")

// parsePackageLock reads a package-lock.json (or npm-shrinkwrap.json) of
// any lockfileVersion: the "packages" map of versions 2 and 3 when present,
// else the "dependencies" tree of version 1.
func parsePackageLock(b []byte) ([]lockPackage, error) {
	var lock struct {
		LockfileVersion json.RawMessage            `json:"lockfileVersion"`
		Packages        map[string]json.RawMessage `json:"packages"`
		Dependencies    json.RawMessage            `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return nil, fmt.Errorf("npm: package-lock.json: %w", err)
	}
	var (
		pkgs []lockPackage
		perr problems
	)
	switch {
	case lock.Packages != nil:
		keys := sortedKeys(lock.Packages)
		for _, k := range keys {
			i := indexSegment(k, nodeModules, true)
			if i < 0 {
				continue // the project ("") or a workspace folder
			}
			var e struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Dev     bool   `json:"dev"`
				Link    bool   `json:"link"`
			}
			if err := json.Unmarshal(lock.Packages[k], &e); err != nil {
				perr.add("packages[%q]: %v", k, err)
				continue
			}
			if e.Link {
				continue // a symlink to a workspace folder
			}
			name := e.Name
			if name == "" {
				name = k[i+len(nodeModules):]
			}
			if !validName(name) {
				perr.add("packages[%q]: not a package name: %.60q", k, name)
				continue
			}
			if !usableVersion(e.Version) {
				if e.Version == "" {
					perr.add("packages[%q]: no version", k)
				}
				continue
			}
			pkgs = append(pkgs, lockPackage{Name: name, Version: e.Version, Dev: e.Dev})
		}
	case len(lock.Dependencies) > 0 && string(lock.Dependencies) != "null":
		var deps map[string]*v1Dep
		if err := json.Unmarshal(lock.Dependencies, &deps); err != nil {
			return nil, fmt.Errorf("npm: package-lock.json: dependencies: %w", err)
		}
		pkgs = v1Dependencies(deps, "dependencies", pkgs, &perr)
	default:
		return nil, ErrNoPackages
	}
	return pkgs, perr.err("package-lock.json")
}

// v1Dep is an entry of a lockfileVersion 1 "dependencies" tree; the tree
// is decoded in one pass (encoding/json bounds its nesting).
type v1Dep struct {
	Version      string            `json:"version"`
	Dev          bool              `json:"dev"`
	Dependencies map[string]*v1Dep `json:"dependencies"`
}

// v1Dependencies walks a lockfileVersion 1 "dependencies" tree.
func v1Dependencies(deps map[string]*v1Dep, where string, pkgs []lockPackage, perr *problems) []lockPackage {
	for _, name := range sortedKeys(deps) {
		e := deps[name]
		at := where + "[" + strconv.Quote(name) + "]"
		if e == nil {
			perr.add("%s: null", at)
			continue
		}
		n, v := name, e.Version
		// An alias: "string-width-cjs": {"version": "npm:string-width@4.2.3"}.
		if rest, ok := strings.CutPrefix(v, "npm:"); ok {
			if an, av, ok := splitSpec(rest); ok {
				n, v = an, av
			}
		}
		switch {
		case !validName(n):
			perr.add("%s: not a package name: %.60q", at, n)
		case v == "":
			perr.add("%s: no version", at)
		case usableVersion(v):
			pkgs = append(pkgs, lockPackage{Name: n, Version: v, Dev: e.Dev})
		}
		if len(e.Dependencies) > 0 {
			pkgs = v1Dependencies(e.Dependencies, at+".dependencies", pkgs, perr)
		}
	}
	return pkgs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// maxProblems is how many problems an error about one lock file names.
const maxProblems = 5

// problems collects the entries of a lock file that were skipped.
type problems struct {
	list []string
	n    int
}

func (p *problems) add(format string, args ...any) {
	p.n++
	if len(p.list) < maxProblems {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	}
}

// err returns nil or an error naming the skipped entries.
func (p *problems) err(file string) error {
	if p.n == 0 {
		return nil
	}
	msg := fmt.Sprintf("npm: %s: %d entries skipped (%s", file, p.n, strings.Join(p.list, "; "))
	if more := p.n - len(p.list); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return errors.New(msg + ")")
}
