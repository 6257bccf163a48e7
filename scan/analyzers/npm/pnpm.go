package npm

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pnpmDep is a dependency of an importer or snapshot: a bare version
// string, or {specifier, version} (lock file 6 and later).
type pnpmDep struct{ Version string }

func (d *pnpmDep) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		d.Version = n.Value
		return nil
	}
	var x struct {
		Version string `yaml:"version"`
	}
	if err := n.Decode(&x); err != nil {
		return err
	}
	d.Version = x.Version
	return nil
}

type pnpmImporter struct {
	Dependencies         map[string]pnpmDep `yaml:"dependencies"`
	OptionalDependencies map[string]pnpmDep `yaml:"optionalDependencies"`
	DevDependencies      map[string]pnpmDep `yaml:"devDependencies"`
}

// parsePnpmLock reads a pnpm-lock.yaml of lockfileVersion 5 ("/name/1.0.0"
// keys), 6 ("/name@1.0.0") or 9 ("name@1.0.0", with dependency edges under
// "snapshots" and development dependencies known only from the importers).
func parsePnpmLock(b []byte) ([]lockPackage, error) {
	var lock struct {
		LockfileVersion string                  `yaml:"lockfileVersion"`
		Importers       map[string]pnpmImporter `yaml:"importers"`
		pnpmImporter    `yaml:",inline"`
		Packages        map[string]struct {
			Name    string `yaml:"name"`
			Version string `yaml:"version"`
			Dev     *bool  `yaml:"dev"`
		} `yaml:"packages"`
		Snapshots map[string]struct {
			Dependencies         map[string]pnpmDep `yaml:"dependencies"`
			OptionalDependencies map[string]pnpmDep `yaml:"optionalDependencies"`
		} `yaml:"snapshots"`
	}
	if err := yaml.Unmarshal(b, &lock); err != nil {
		return nil, fmt.Errorf("npm: pnpm-lock.yaml: %w", err)
	}
	major, _, _ := strings.Cut(strings.TrimSpace(lock.LockfileVersion), ".")
	v, err := strconv.Atoi(major)
	if err != nil {
		return nil, fmt.Errorf("npm: pnpm-lock.yaml: lockfileVersion %.20q is not a number", lock.LockfileVersion)
	}
	var (
		pkgs []lockPackage
		perr problems
	)
	for _, key := range sortedKeys(lock.Packages) {
		e := lock.Packages[key]
		name, version, ok := pnpmKey(key)
		if e.Name != "" && e.Version != "" {
			name, version, ok = e.Name, e.Version, true
		}
		if !ok {
			perr.add("packages[%.80q]: not name and version", key)
			continue
		}
		if !usableVersion(version) {
			continue
		}
		pkgs = append(pkgs, lockPackage{Name: name, Version: version, Dev: e.Dev != nil && *e.Dev})
	}
	if v >= 9 {
		// Dev: not reachable from a production dependency of any
		// importer, and reachable from a development one.
		edges := func(key string) []string {
			s := lock.Snapshots[key]
			var out []string
			for _, m := range []map[string]pnpmDep{s.Dependencies, s.OptionalDependencies} {
				for _, n := range sortedKeys(m) {
					out = append(out, snapshotKey(n, m[n].Version))
				}
			}
			return out
		}
		var prodRoots, devRoots []string
		importers := lock.Importers
		if importers == nil {
			importers = map[string]pnpmImporter{".": lock.pnpmImporter}
		}
		for _, id := range sortedKeys(importers) {
			imp := importers[id]
			for _, m := range []map[string]pnpmDep{imp.Dependencies, imp.OptionalDependencies} {
				for _, n := range sortedKeys(m) {
					prodRoots = append(prodRoots, snapshotKey(n, m[n].Version))
				}
			}
			for _, n := range sortedKeys(imp.DevDependencies) {
				devRoots = append(devRoots, snapshotKey(n, imp.DevDependencies[n].Version))
			}
		}
		prod := reachPackages(prodRoots, edges)
		dev := reachPackages(devRoots, edges)
		for i := range pkgs {
			k := pkgs[i].Name + "@" + pkgs[i].Version
			pkgs[i].Dev = dev[k] && !prod[k]
		}
	}
	return pkgs, perr.err("pnpm-lock.yaml")
}

// snapshotKey returns the snapshot a dependency resolves to: name@version,
// where the version may carry peer suffixes, or the "realname@version" an
// alias's version names.
func snapshotKey(name, version string) string {
	if version != "" && version[0] != '(' && strings.Contains(version, "@") && !strings.HasPrefix(version, "link:") {
		if n, _, ok := splitSpec(version); ok && n != "" && (version[0] < '0' || version[0] > '9') {
			return version
		}
	}
	return name + "@" + version
}

// reachPackages walks snapshot edges from roots and returns the packages
// (name@version without peer suffixes) reached.
func reachPackages(roots []string, edges func(string) []string) map[string]bool {
	seen := map[string]bool{}
	pkgs := map[string]bool{}
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[k] {
			continue
		}
		seen[k] = true
		if n, v, ok := pnpmKey(k); ok {
			pkgs[n+"@"+v] = true
		}
		stack = append(stack, edges(k)...)
	}
	return pkgs
}

// pnpmKey splits a packages or snapshots key into a name and a version,
// without peer suffixes: "/name/1.0.0_peer@2.0.0" (version 5),
// "/@scope/name@1.0.0(peer@2.0.0)" (6) and "name@1.0.0(peer@2.0.0)" (9).
func pnpmKey(key string) (name, version string, ok bool) {
	k := strings.TrimPrefix(key, "/")
	if i := strings.IndexByte(k, '('); i >= 0 {
		k = k[:i]
	}
	if n, v, ok := splitSpec(k); ok && validName(n) && v != "" && !strings.Contains(v, "/") {
		return n, v, true
	}
	// Version 5: the version is the last path segment.
	i := strings.LastIndexByte(k, '/')
	if i <= 0 || i == len(k)-1 {
		return "", "", false
	}
	name, version = k[:i], k[i+1:]
	if j := strings.IndexByte(version, '_'); j > 0 {
		version = version[:j]
	}
	if !validName(name) {
		return "", "", false
	}
	return name, version, true
}

// validName reports whether n has the shape of a package name: "name" or
// "@scope/name".
func validName(n string) bool {
	if strings.HasPrefix(n, "@") {
		scope, rest, ok := strings.Cut(n, "/")
		return ok && len(scope) > 1 && rest != "" && !strings.Contains(rest, "/")
	}
	return n != "" && !strings.Contains(n, "/")
}
