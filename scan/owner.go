package scan

import (
	"strings"
)

// assignOwners names, for each package that is not an OS package, the OS
// package whose file list holds its evidence file (Debian's python3-*
// modules, the jars of lib*-java, the node modules Debian bundles). A
// package of TypeBinary found in a file an OS package owns is dropped: the
// OS package already reports it, with the distribution's fixes. File lists
// are matched after resolving directory symlinks inside the image (dpkg
// lists /lib/x86_64-linux-gnu/… where a merged-/usr image stores
// usr/lib/x86_64-linux-gnu/…). The file lists themselves are then dropped
// from the packages: they are not part of the report.
func assignOwners(pkgs []Package, removed []RemovedPackage, v *view) []Package {
	needed := false
	for i := range pkgs {
		if !IsOSType(pkgs[i].Type) {
			needed = true
			break
		}
	}
	if needed {
		dirs := map[string]string{}
		canonical := func(p string) string {
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				return p
			}
			d := p[:i]
			r, ok := dirs[d]
			if !ok {
				var err error
				if r, err = v.resolve(d); err != nil {
					r = d
				}
				dirs[d] = r
			}
			if r == "" {
				return p[i+1:]
			}
			return r + p[i:]
		}
		owner := map[string]*Package{}
		for i := range pkgs {
			p := &pkgs[i]
			if !IsOSType(p.Type) {
				continue
			}
			for _, f := range p.OwnedFiles {
				k := canonical(f)
				if _, ok := owner[k]; !ok {
					owner[k] = p
				}
			}
		}
		if len(owner) > 0 {
			out := pkgs[:0]
			for _, p := range pkgs {
				if !IsOSType(p.Type) && len(p.Paths) > 0 {
					ev, _, _ := strings.Cut(p.Paths[0], "!/") // a file inside an archive
					if o := owner[canonical(ev)]; o != nil {
						if p.Type == TypeBinary {
							continue
						}
						p.Owner = &Owner{Type: o.Type, Name: o.Name, Version: o.Version}
					}
				}
				out = append(out, p)
			}
			pkgs = out
		}
	}
	for i := range pkgs {
		pkgs[i].OwnedFiles = nil
	}
	for i := range removed {
		removed[i].OwnedFiles = nil
	}
	return pkgs
}
