package npm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "npm"

// The file names the analyzer reads: the lock files of npm, yarn and pnpm,
// and package.json (an installed package's, or a project's).
const (
	PackageLockFile = "package-lock.json"
	YarnLockFile    = "yarn.lock"
	PnpmLockFile    = "pnpm-lock.yaml"
	ManifestFile    = "package.json"
)

// DefaultMaxFileBytes is the default bound on one package.json or lock file
// (see [WithMaxFileBytes]).
const DefaultMaxFileBytes = 64 << 20

// Option configures an [Analyzer].
type Option func(*options)

type options struct {
	maxFileBytes int64
}

// WithMaxFileBytes bounds the size of one package.json or lock file; a
// larger file is not read, and an error matching [scan.ErrTooLarge]
// records it. Values below 1 are ignored. The default is
// [DefaultMaxFileBytes].
func WithMaxFileBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxFileBytes = n
		}
	}
}

// Analyzer reports npm packages: installed ones, and those of lock files
// without an installed tree. Create it with [New]; it is safe for
// concurrent use.
type Analyzer struct {
	o options
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns an npm analyzer.
func New(opts ...Option) *Analyzer {
	o := options{maxFileBytes: DefaultMaxFileBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return &Analyzer{o: o}
}

// Name returns "npm".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// Match selects regular files that are installed packages' package.json,
// lock files outside node_modules, and the package.json of projects
// (outside node_modules), which tells a yarn.lock's development
// dependencies apart.
func (*Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	dir, base := splitPath(path)
	switch base {
	case ManifestFile:
		return installedRoot(dir) >= 0 || (!inNodeModules(path) && !underDebianRoot(dir))
	case PackageLockFile, YarnLockFile, PnpmLockFile:
		return !inNodeModules(path)
	}
	return false
}

// splitPath splits a path into its directory, with a trailing slash or
// empty, and its base name.
func splitPath(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	return p[:i+1], p[i+1:]
}

// nodeModules is the directory name of installed trees, with its slash.
const nodeModules = "node_modules/"

// indexSegment returns the index of the first (the last when last is set)
// occurrence of seg in p that starts a path segment, or -1.
func indexSegment(p, seg string, last bool) int {
	if last {
		for end := len(p); ; {
			i := strings.LastIndex(p[:end], seg)
			if i <= 0 || p[i-1] == '/' {
				return i
			}
			end = i + len(seg) - 1 // occurrences starting before i
		}
	}
	for off := 0; ; {
		i := strings.Index(p[off:], seg)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || p[i-1] == '/' {
			return i
		}
		off = i + 1
	}
}

func inNodeModules(p string) bool { return indexSegment(p, nodeModules, false) >= 0 }

// debianRoots are where Debian installs node modules outside node_modules.
var debianRoots = [...]string{"usr/share/nodejs/", "usr/lib/nodejs/"}

// debianRoot returns the length of the Debian module root dir is under, or
// -1.
func debianRoot(dir string) int {
	for _, r := range debianRoots {
		if strings.HasPrefix(dir, r) {
			return len(r)
		}
	}
	// usr/lib/<triplet>/nodejs/
	if rest, ok := strings.CutPrefix(dir, "usr/lib/"); ok {
		if i := strings.IndexByte(rest, '/'); i > 0 && strings.HasPrefix(rest[i+1:], "nodejs/") {
			return len("usr/lib/") + i + 1 + len("nodejs/")
		}
	}
	return -1
}

func underDebianRoot(dir string) bool { return debianRoot(dir) >= 0 }

// installedRoot reports whether dir (with a trailing slash) is the
// directory of an installed package, returning the index where the package
// directory starts, or -1.
func installedRoot(dir string) int {
	start := -1
	if i := indexSegment(dir, nodeModules, true); i >= 0 {
		start = i + len(nodeModules)
	} else if start = debianRoot(dir); start < 0 {
		return -1
	}
	if !isPackageDir(dir[start:]) {
		return -1
	}
	return start
}

// isPackageDir reports whether rel, with a trailing slash, is "name/" or
// "@scope/name/".
func isPackageDir(rel string) bool {
	rel = strings.TrimSuffix(rel, "/")
	if strings.HasPrefix(rel, "@") {
		scope, name, ok := strings.Cut(rel, "/")
		return ok && len(scope) > 1 && validSegment(name)
	}
	return validSegment(rel)
}

// validSegment reports whether s could be a package name's last part:
// non-empty, one segment, not starting with "." or "_" (npm forbids those,
// and node_modules/.bin, .cache and .pnpm are not packages).
func validSegment(s string) bool {
	return s != "" && s[0] != '.' && s[0] != '_' && !strings.Contains(s, "/")
}

// projectDir returns the directory holding the node_modules tree an
// installed package.json belongs to (with a trailing slash, or "" for the
// root), or false for the Debian roots.
func projectDir(path string) (string, bool) {
	i := indexSegment(path, nodeModules, false)
	if i < 0 {
		return "", false
	}
	return path[:i], true
}

// Analyze reads the layer's installed packages, collects its lock files and
// project manifests, and at the end reports the lock files' packages for
// the projects without installed ones.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs      []scan.Package
		errs      []error
		locks     []pendingLock
		projects  = map[string]*projectManifest{}
		projErrs  = map[string]error{}
		installed = map[string]bool{} // project dirs with installed packages
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dir, base := splitPath(f.Path)
		if base == ManifestFile {
			if installedRoot(dir) >= 0 {
				if pd, ok := projectDir(f.Path); ok {
					installed[pd] = true
				}
				p, err := a.readInstalled(f)
				if err != nil {
					errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
					continue
				}
				pkgs = append(pkgs, p)
				continue
			}
			b, err := a.read(f)
			if err == nil {
				var m *projectManifest
				m, err = parseProjectManifest(b)
				projects[dir] = m
			}
			if err != nil {
				projErrs[dir] = &scan.FileError{Path: f.Path, Err: err}
			}
			continue
		}
		b, err := a.read(f)
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
			continue
		}
		locks = append(locks, pendingLock{path: f.Path, dir: dir, kind: base, data: b})
	}
	for _, l := range locks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if installed[l.dir] {
			continue
		}
		lps, err := l.parse(projects[l.dir], projErrs[l.dir])
		if err != nil {
			errs = append(errs, &scan.FileError{Path: l.path, Err: err})
		}
		for _, lp := range lps {
			p := newPackage(lp.Name, lp.Version, nil, l.path)
			p.Dev = lp.Dev
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, errors.Join(errs...)
}

// read reads a whole file within the size bound.
func (a *Analyzer) read(f *scan.File) ([]byte, error) {
	if f.Size > a.o.maxFileBytes {
		return nil, fmt.Errorf("npm: %d bytes: %w of %d bytes (WithMaxFileBytes)", f.Size, scan.ErrTooLarge, a.o.maxFileBytes)
	}
	b, err := f.ReadAll(a.o.maxFileBytes)
	if err != nil {
		var fe *scan.FileError
		if errors.As(err, &fe) {
			err = fe.Err
		}
		return nil, fmt.Errorf("npm: %w", err)
	}
	return b, nil
}

func (a *Analyzer) readInstalled(f *scan.File) (scan.Package, error) {
	b, err := a.read(f)
	if err != nil {
		return scan.Package{}, err
	}
	m, err := parseManifest(b)
	if err != nil {
		return scan.Package{}, err
	}
	if m.Name == "" {
		// npm names a package after its folder when package.json does not.
		dir, _ := splitPath(f.Path)
		dir = strings.TrimSuffix(dir, "/")
		m.Name = dir[installedRoot(dir+"/"):]
	}
	if m.Version == "" {
		return scan.Package{}, fmt.Errorf("npm: package %.100q has no version", m.Name)
	}
	return newPackage(m.Name, m.Version, m.Licenses, f.Path), nil
}

// newPackage returns the package name@version found in path.
func newPackage(name, version string, licenses []string, path string) scan.Package {
	ns, short := "", name
	if strings.HasPrefix(name, "@") {
		if s, n, ok := strings.Cut(name, "/"); ok {
			ns, short = s, n
		}
	}
	return scan.Package{
		Name:     name,
		Version:  version,
		Type:     scan.TypeNPM,
		PURL:     scan.NewPURL(scan.TypeNPM, ns, short, version),
		Licenses: licenses,
		Paths:    []string{path},
	}
}

// pendingLock is a lock file held until the end of the layer.
type pendingLock struct {
	path, dir, kind string
	data            []byte
}

func (l pendingLock) parse(m *projectManifest, merr error) ([]lockPackage, error) {
	var (
		pkgs []lockPackage
		err  error
	)
	switch l.kind {
	case PackageLockFile:
		pkgs, err = parsePackageLock(l.data)
	case PnpmLockFile:
		pkgs, err = parsePnpmLock(l.data)
	case YarnLockFile:
		var g *yarnGraph
		g, err = parseYarnLock(l.data)
		if g != nil {
			if m == nil && merr != nil {
				// The package.json beside the lock was unreadable: the
				// development dependencies cannot be told apart.
				err = errors.Join(err, fmt.Errorf("npm: development dependencies not marked: %w", merr))
			}
			pkgs = g.packages(m)
		}
	}
	return dedupe(pkgs), err
}

// lockPackage is one package of a lock file.
type lockPackage struct {
	Name, Version string
	Dev           bool
}

// dedupe keeps one entry per name@version, in first-seen order; it is a
// development dependency only if every entry was.
func dedupe(pkgs []lockPackage) []lockPackage {
	seen := make(map[[2]string]int, len(pkgs))
	out := pkgs[:0:0]
	for _, p := range pkgs {
		k := [2]string{p.Name, p.Version}
		if i, ok := seen[k]; ok {
			out[i].Dev = out[i].Dev && p.Dev
			continue
		}
		seen[k] = len(out)
		out = append(out, p)
	}
	return slices.Clip(out)
}

// usableVersion reports whether a lock file's version names something
// installed from a registry, git or a URL, rather than a local directory.
func usableVersion(v string) bool {
	return v != "" && !strings.HasPrefix(v, "file:") && !strings.HasPrefix(v, "link:") &&
		!strings.HasPrefix(v, "workspace:") && !strings.HasPrefix(v, "portal:")
}

// splitSpec splits "name@range" at the first "@" after the name's first
// character (scoped names start with "@"), so that "a@npm:b@1" gives "a" and
// "npm:b@1".
func splitSpec(s string) (name, rng string, ok bool) {
	if len(s) < 2 {
		return "", "", false
	}
	i := strings.IndexByte(s[1:], '@')
	if i < 0 {
		return s, "", false
	}
	return s[:i+1], s[i+2:], true
}

// Finish drops the packages of a lock file when the final image has
// packages installed in the node_modules tree beside it: a Dockerfile that
// copies package-lock.json in one layer and runs `npm ci` in the next
// would otherwise report each package twice. It implements
// [scan.Finisher].
func (*Analyzer) Finish(pkgs []scan.Package) []scan.Package {
	installed := map[string]bool{} // project directories with node_modules
	for _, p := range pkgs {
		if len(p.Paths) > 0 && !isLockFile(p.Paths[0]) {
			if dir, ok := projectDir(p.Paths[0]); ok {
				installed[dir] = true
			}
		}
	}
	if len(installed) == 0 {
		return pkgs
	}
	out := pkgs[:0]
	for _, p := range pkgs {
		if len(p.Paths) > 0 && isLockFile(p.Paths[0]) {
			dir := p.Paths[0][:strings.LastIndexByte(p.Paths[0], '/')+1]
			if installed[dir] {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// isLockFile reports whether path names a lock file.
func isLockFile(path string) bool {
	switch path[strings.LastIndexByte(path, '/')+1:] {
	case PackageLockFile, YarnLockFile, PnpmLockFile:
		return true
	}
	return false
}
