package scan

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// view answers questions about the merged filesystem of an image from the
// per-layer facts, without reading any layer.
type view struct {
	facts     []*LayerFacts
	whiteouts []map[string]bool
	opaques   []map[string]bool
}

func newView(facts []*LayerFacts) *view {
	v := &view{facts: facts, whiteouts: make([]map[string]bool, len(facts)), opaques: make([]map[string]bool, len(facts))}
	for i, f := range facts {
		if len(f.Whiteouts) > 0 {
			v.whiteouts[i] = make(map[string]bool, len(f.Whiteouts))
			for _, p := range f.Whiteouts {
				v.whiteouts[i][p] = true
			}
		}
		if len(f.Opaques) > 0 {
			v.opaques[i] = make(map[string]bool, len(f.Opaques))
			for _, p := range f.Opaques {
				v.opaques[i][p] = true
			}
		}
	}
	return v
}

// deletes reports whether layer k hides p as written by a lower layer: a
// whiteout of p or of a directory above it, or an opaque directory above it.
func (v *view) deletes(k int, p string) bool {
	wh, op := v.whiteouts[k], v.opaques[k]
	if wh == nil && op == nil {
		return false
	}
	if wh[p] {
		return true
	}
	for d := p; ; {
		i := strings.LastIndexByte(d, '/')
		if i < 0 {
			return op[""]
		}
		d = d[:i]
		if wh[d] || op[d] {
			return true
		}
	}
}

// entry finds what the merged filesystem has at p, from the top layer down:
// a symlink, a kept release file, or nothing known.
func (v *view) entry(p string) (link string, isLink bool, content []byte, isFile bool) {
	for k := len(v.facts) - 1; k >= 0; k-- {
		f := v.facts[k]
		if t, ok := f.Symlinks[p]; ok {
			return t, true, nil, false
		}
		if b, ok := f.Releases[p]; ok {
			return "", false, b, true
		}
		if v.deletes(k, p) {
			return "", false, nil, false
		}
	}
	return "", false, nil, false
}

var errLoop = errors.New("too many levels of symbolic links")

// resolve follows symlinks in p, with ".." and absolute targets resolved
// against the image root the way chroot would: nothing escapes the root.
func (v *view) resolve(p string) (string, error) {
	parts := strings.Split(p, "/")
	resolved := ""
	hops := 0
	for i := 0; i < len(parts); i++ {
		c := parts[i]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = parentDir(resolved)
			continue
		}
		next := c
		if resolved != "" {
			next = resolved + "/" + c
		}
		target, isLink, _, _ := v.entry(next)
		if !isLink {
			resolved = next
			continue
		}
		hops++
		if hops > MaxSymlinkHops {
			return "", fmt.Errorf("%s: %w (%d)", p, errLoop, MaxSymlinkHops)
		}
		if strings.HasPrefix(target, "/") {
			resolved = ""
		}
		parts = append(strings.Split(target, "/"), parts[i+1:]...)
		i = -1
	}
	return resolved, nil
}

func parentDir(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}

// readFile returns the content of a kept release file at logical path p.
func (v *view) readFile(p string) ([]byte, string, error) {
	real, err := v.resolve(p)
	if err != nil {
		return nil, "", err
	}
	_, _, b, ok := v.entry(real)
	if !ok {
		return nil, real, nil
	}
	return b, real, nil
}
