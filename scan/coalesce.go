package scan

import (
	"cmp"
	"slices"
	"sort"
	"strings"
)

// evidence is one file an analyzer read packages from.
type evidence struct{ analyzer, path string }

// pkgKey identifies a package instance; removalKey leaves out the version,
// so that an upgrade is not a removal.
// The PURL namespace tells apart packages that share a name in one file
// (two jars with one artifact ID in different groups).
type pkgKey struct{ analyzer, typ, namespace, name, version, arch, path string }
type removalKey struct{ analyzer, typ, namespace, name, arch, path string }

func keyOf(p *Package) pkgKey {
	return pkgKey{p.FoundBy, p.Type, p.PURL.Namespace, p.Name, p.Version, p.Arch, firstPath(p)}
}

func (k pkgKey) removal() removalKey {
	return removalKey{k.analyzer, k.typ, k.namespace, k.name, k.arch, k.path}
}

func firstPath(p *Package) string {
	if len(p.Paths) == 0 {
		return ""
	}
	return p.Paths[0]
}

// layerResults is what all analyzers found in one layer, by analyzer name.
type layerResults map[string]*LayerResult

// coalesced is the merged inventory.
type coalesced struct {
	packages   []Package
	removed    []RemovedPackage
	incomplete []AnalyzerError
}

// coalesce merges per-layer results in layer order. A package is in the
// final inventory when the file it was read from is visible at the top of
// the image with it; it belongs to the lowest layer from which it is present
// without a break up to the top.
func coalesce(layers []Layer, v *view, results []layerResults, analyzerOrder []string) coalesced {
	// held is a package in the inventory and the layer it has been there
	// since, without a break.
	type held struct {
		p     *Package
		since int
	}
	visible := make(map[evidence]int)
	extras := make(map[pkgKey]*Package) // the latest instance with licences
	owning := make(map[pkgKey]*Package) // the latest instance with a file list
	// heldSet is what the inventory holds under one removal key: usually
	// one package, more when a file lists several versions of it.
	type heldSet struct {
		h    held
		more []held
	}
	// pkgRef is a package and the number of its removal key: keys are
	// hashed once here, and the inventories below are slices indexed by
	// that number.
	type pkgRef struct {
		p  *Package
		id int32
	}
	ids := make(map[removalKey]int32)

	// byPath indexes each layer's packages by analyzer and evidence path.
	byPath := make([]map[evidence][]pkgRef, len(layers))
	for k, lr := range results {
		byPath[k] = make(map[evidence][]pkgRef)
		for _, name := range analyzerOrder {
			res := lr[name]
			if res == nil {
				continue
			}
			for i := range res.Packages {
				p := &res.Packages[i]
				e := evidence{name, firstPath(p)}
				pk := keyOf(p)
				rk := pk.removal()
				id, ok := ids[rk]
				if !ok {
					id = int32(len(ids))
					ids[rk] = id
				}
				byPath[k][e] = append(byPath[k][e], pkgRef{p, id})
				if len(p.Licenses) > 0 || len(p.Paths) > 1 {
					extras[pk] = p
				}
				if len(p.OwnedFiles) > 0 {
					owning[pk] = p
				}
			}
		}
	}
	removed := make(map[int32]RemovedPackage)

	// Only files that gave packages or errors in some layer matter: a file
	// that never did (an executable without Go build information) changes
	// nothing when it comes or goes.
	relevant := make(map[evidence]bool)
	for k, lr := range results {
		for e := range byPath[k] {
			relevant[e] = true
		}
		for name, res := range lr {
			for _, er := range res.Errors {
				if er.Path != "" {
					relevant[evidence{name, er.Path}] = true
				}
			}
		}
	}

	// The inventory, keyed without the version (so that it tells removals,
	// no entry any more, from upgrades, an entry with another version):
	// prev[id] is what removal key id holds below this layer (h.p nil:
	// nothing), prevIDs the keys it holds. cur is built in the other
	// buffer.
	prev, cur := make([]heldSet, len(ids)), make([]heldSet, len(ids))
	var prevIDs, curIDs []int32
	for k := range layers {
		changed := false
		for e := range visible {
			if v.deletes(k, e.path) {
				delete(visible, e)
				changed = true
			}
		}
		for _, name := range analyzerOrder {
			if res := results[k][name]; res != nil {
				for _, f := range res.Files {
					if e := (evidence{name, f}); relevant[e] {
						visible[e] = k
						changed = true
					}
				}
			}
		}
		if !changed {
			continue // the inventory is the one below
		}
		clear(cur)
		curIDs = curIDs[:0]
		for e, j := range visible {
			for _, r := range byPath[j][e] {
				p := r.p
				h := held{p: p, since: k}
				if ps := &prev[r.id]; ps.h.p != nil {
					if ps.h.p.Version == p.Version {
						h.since = ps.h.since
					} else {
						for _, o := range ps.more {
							if o.p.Version == p.Version {
								h.since = o.since
								break
							}
						}
					}
				}
				cs := &cur[r.id]
				switch {
				case cs.h.p == nil:
					cs.h = h
					curIDs = append(curIDs, r.id)
				case cs.h.p.Version == p.Version:
					cs.h = h // the same package again: the last one wins
				default:
					replaced := false
					for i := range cs.more {
						if cs.more[i].p.Version == p.Version {
							cs.more[i], replaced = h, true
						}
					}
					if !replaced {
						cs.more = append(cs.more, h)
					}
				}
			}
		}
		for _, id := range prevIDs {
			if cur[id].h.p == nil {
				ps := prev[id]
				last := ps.h
				if len(ps.more) > 0 {
					last = ps.more[len(ps.more)-1]
				}
				rp := RemovedPackage{Package: *last.p, RemovedBy: layers[k].Ref()}
				rp.Layer = layers[last.since].Ref()
				removed[id] = rp
			}
		}
		// Packages back in this layer are not removed after all.
		for id := range removed {
			if cur[id].h.p != nil {
				delete(removed, id)
			}
		}
		prev, cur = cur, prev
		prevIDs, curIDs = curIDs, prevIDs
	}

	var out coalesced
	out.packages = make([]Package, 0, len(prevIDs))
	for _, id := range prevIDs {
		ps := prev[id]
		out.packages = append(out.packages, finalPackage(ps.h.p, layers[ps.h.since].Ref(), extras, owning))
		for _, h := range ps.more {
			out.packages = append(out.packages, finalPackage(h.p, layers[h.since].Ref(), extras, owning))
		}
	}
	sortPackages(out.packages)
	for _, rp := range removed {
		out.removed = append(out.removed, rp)
	}
	slices.SortFunc(out.removed, func(a, b RemovedPackage) int {
		return cmp.Or(cmp.Compare(a.RemovedBy.Index, b.RemovedBy.Index), comparePackages(&a.Package, &b.Package))
	})

	// Errors about a file a later layer replaced or deleted no longer
	// describe the image; every other error stays.
	for k, lr := range results {
		ref := layers[k].Ref()
		for _, name := range analyzerOrder {
			res := lr[name]
			if res == nil {
				continue
			}
			for _, e := range res.Errors {
				if e.Path != "" && slices.Contains(res.Files, e.Path) {
					if j, ok := visible[evidence{name, e.Path}]; !ok || j != k {
						continue
					}
				}
				out.incomplete = append(out.incomplete, AnalyzerError{Analyzer: name, Layer: &ref, Path: e.Path, Error: e.Error})
			}
		}
	}
	return out
}

func sortPackages(ps []Package) {
	sort.Sort(byPackage(ps))
}

// byPackage sorts packages in place without copying them to compare.
type byPackage []Package

func (s byPackage) Len() int           { return len(s) }
func (s byPackage) Less(i, j int) bool { return comparePackages(&s[i], &s[j]) < 0 }
func (s byPackage) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }

// comparePackages orders by type, name, version, arch, first path and
// analyzer, stopping at the first difference (cmp.Or would compare every
// field every time; this runs for every comparison of a sort).
func comparePackages(a, b *Package) int {
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Version, b.Version); c != 0 {
		return c
	}
	if c := strings.Compare(a.Arch, b.Arch); c != 0 {
		return c
	}
	if c := strings.Compare(firstPath(a), firstPath(b)); c != 0 {
		return c
	}
	return strings.Compare(a.FoundBy, b.FoundBy)
}

// finish gives each [Finisher] among the analyzers its packages of the
// merged image and keeps what it returns, in the report's order.
func finish(analyzers []Analyzer, pkgs []Package) []Package {
	changed := false
	for _, a := range analyzers {
		f, ok := a.(Finisher)
		if !ok {
			continue
		}
		name := a.Name()
		if !slices.ContainsFunc(pkgs, func(p Package) bool { return p.FoundBy == name }) {
			continue
		}
		var mine, rest []Package
		for _, p := range pkgs {
			if p.FoundBy == name {
				mine = append(mine, p)
			} else {
				rest = append(rest, p)
			}
		}
		if len(mine) == 0 {
			continue
		}
		kept := f.Finish(mine)
		if len(kept) > len(mine) {
			kept = kept[:len(mine)] // Finish must not add packages
		}
		pkgs = append(rest, kept...)
		changed = true
	}
	if changed {
		sortPackages(pkgs)
	}
	return pkgs
}

// finalPackage is p as the merged image holds it: in layer, with the
// licences, paths and file list that an earlier instance of the same
// package carried and this one lacks.
func finalPackage(p *Package, layer LayerRef, extras, owning map[pkgKey]*Package) Package {
	pkg := *p
	pkg.Layer = layer
	if len(extras) == 0 && len(owning) == 0 {
		return pkg
	}
	key := keyOf(p)
	if x := extras[key]; x != nil && x != p {
		if len(pkg.Licenses) == 0 {
			pkg.Licenses = x.Licenses
		}
		if len(pkg.Paths) < len(x.Paths) {
			pkg.Paths = x.Paths
		}
	}
	if x := owning[key]; x != nil && len(pkg.OwnedFiles) == 0 {
		pkg.OwnedFiles = x.OwnedFiles
	}
	return pkg
}
