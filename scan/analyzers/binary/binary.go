package binary

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// Name is the analyzer's name, [Analyzer.Name].
const Name = "binary"

// Defaults of the options.
const (
	// DefaultMaxFileBytes is the default bound on how much of one file is
	// searched (see [WithMaxFileBytes]).
	DefaultMaxFileBytes = 1 << 30
	// DefaultChunkBytes is how much is read at a time.
	DefaultChunkBytes = 1 << 20
)

// Option configures an [Analyzer].
type Option func(*options)

type options struct {
	maxFileBytes int64
	chunkBytes   int
	classifiers  []*Classifier
}

// WithClassifiers sets the classifiers, replacing the built-in ones;
// append to [Classifiers]() to add your own. Each must have a Name and
// Files, and its patterns a Literal and an expression with one capture
// group; Before and After at most 256. The default is [Classifiers]().
func WithClassifiers(cs ...*Classifier) Option {
	return func(o *options) { o.classifiers = append([]*Classifier(nil), cs...) }
}

// WithMaxFileBytes bounds how much of one file is searched for a version;
// the search stops there, and a file that matched by name but showed no
// version within the bound is recorded with an error matching
// [scan.ErrTooLarge]. Values below 1 are ignored. The default is
// [DefaultMaxFileBytes].
func WithMaxFileBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxFileBytes = n
		}
	}
}

// WithChunkBytes sets how much is read at a time, which is also the
// memory one file's search holds (plus a small overlap). Values below 4096
// are ignored. The default is [DefaultChunkBytes].
func WithChunkBytes(n int) Option {
	return func(o *options) {
		if n >= 4096 {
			o.chunkBytes = n
		}
	}
}

// Analyzer reports programs found by the built-in [Classifiers] and Java
// runtimes found by their release file. Create it with [New]; it is safe
// for concurrent use.
type Analyzer struct {
	o           options
	classifiers []*Classifier
}

var _ scan.Analyzer = (*Analyzer)(nil)

// New returns a binary classifier analyzer.
func New(opts ...Option) *Analyzer {
	o := options{maxFileBytes: DefaultMaxFileBytes, chunkBytes: DefaultChunkBytes}
	for _, opt := range opts {
		opt(&o)
	}
	if o.classifiers == nil {
		o.classifiers = Classifiers()
	}
	var cs []*Classifier
	for _, c := range o.classifiers {
		if c != nil && c.Name != "" && c.Files != nil {
			cs = append(cs, c)
		}
	}
	return &Analyzer{o: o, classifiers: cs}
}

// Name returns "binary".
func (*Analyzer) Name() string { return Name }

// Version returns the analyzer's version, part of the cache key.
func (*Analyzer) Version() int { return 1 }

// JavaReleaseFile is the base name of a Java runtime's release file.
const JavaReleaseFile = "release"

// Match selects regular files whose base name a classifier knows, and
// files named "release".
func (a *Analyzer) Match(path string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	base := path[strings.LastIndexByte(path, '/')+1:]
	if base == JavaReleaseFile {
		return true
	}
	for _, c := range a.classifiers {
		if _, ok := c.Files(base); ok {
			return true
		}
	}
	return false
}

// Analyze classifies each file. Problems come back as [*scan.FileError]s
// naming the file, joined, next to the packages found.
func (a *Analyzer) Analyze(ctx context.Context, in scan.Input) ([]scan.Package, error) {
	var (
		pkgs []scan.Package
		errs []error
	)
	for f := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		base := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
		var (
			got []scan.Package
			err error
		)
		if base == JavaReleaseFile {
			got, err = javaRelease(f)
		} else {
			got, err = a.classify(ctx, f, base)
		}
		pkgs = append(pkgs, got...)
		if err != nil {
			errs = append(errs, &scan.FileError{Path: f.Path, Err: err})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return pkgs, errors.Join(errs...)
}

// active is one pattern being looked for in a file.
type active struct {
	cls  int // index in the file's classifiers
	prio int // 0 is the classifier's preferred evidence
	p    Pattern
	lit  []byte
	// key is what bytes.Index looks for: the literal, or the literal
	// without its leading NUL (keyOff 1) when the rest is long enough to be
	// rare; NUL is the commonest byte of a binary, and searching for it
	// first halves the search speed.
	key    []byte
	keyOff int
}

func newActive(cls, prio int, p Pattern) active {
	p.Before = min(max(p.Before, 0), maxContext)
	p.After = min(max(p.After, 0), maxContext)
	a := active{cls: cls, prio: prio, p: p, lit: []byte(p.Literal)}
	a.key = a.lit
	if len(a.lit) >= 4 && a.lit[0] == 0 {
		a.key, a.keyOff = a.lit[1:], 1
	}
	return a
}

// classify streams f and returns a package for each classifier of its
// name that found a version.
func (a *Analyzer) classify(ctx context.Context, f *scan.File, base string) ([]scan.Package, error) {
	var cls []*Classifier
	var pats []active
	for _, c := range a.classifiers {
		ps, ok := c.Files(base)
		if !ok {
			continue
		}
		for i, p := range ps {
			if p.Literal == "" || p.Re == nil || len(p.Literal) > maxContext {
				continue
			}
			pats = append(pats, newActive(len(cls), i, p))
		}
		cls = append(cls, c)
	}
	if len(cls) == 0 {
		return nil, nil
	}
	found, err := searchStream(ctx, f, pats, len(cls), a.o.chunkBytes, a.o.maxFileBytes)
	var out []scan.Package
	for i, v := range found {
		if v != "" {
			out = append(out, Package(cls[i], v, f.Path))
		}
	}
	return out, err
}

// Package returns the package for a classifier's finding in the file at
// path.
func Package(c *Classifier, version, path string) scan.Package {
	p := scan.Package{
		Name:    c.Name,
		Version: version,
		Type:    scan.TypeBinary,
		PURL:    scan.NewPURL("generic", c.Namespace, c.Name, version),
		Paths:   []string{path},
	}
	for _, n := range c.CPEs {
		p.CPEs = append(p.CPEs, CPE(n.Vendor, n.Product, version, ""))
	}
	return p
}

// searchStream streams r through a sliding window and returns, for each
// of n classifiers, the version its most preferred matching pattern gave
// ("" for none). It reads no more than needed: it stops once every
// classifier has its preferred evidence, and after limit bytes.
func searchStream(ctx context.Context, r io.Reader, pats []active, n, chunk int, limit int64) ([]string, error) {
	found := make([]string, n)
	best := make([]int, n) // priority of the evidence found; len(pats) for none
	for i := range best {
		best[i] = len(pats) + 1
	}
	maxBefore, maxTail := 0, 0
	for _, p := range pats {
		maxBefore = max(maxBefore, p.p.Before)
		maxTail = max(maxTail, len(p.lit)+p.p.After)
	}
	buf := make([]byte, 0, chunk+maxBefore+maxTail)
	var (
		from int // buffer index where literal starts are still to be examined
		read int64
		eof  bool
	)
	done := func() bool {
		for _, b := range best {
			if b != 0 {
				return false
			}
		}
		return true
	}
	for !eof && !done() {
		if err := ctx.Err(); err != nil {
			return found, err
		}
		want := min(int64(chunk), limit-read)
		if want <= 0 {
			break
		}
		old := len(buf)
		got, err := io.ReadFull(r, buf[old:old+int(want)])
		buf = buf[:old+got]
		read += int64(got)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return found, fmt.Errorf("binary: reading: %w", err)
			}
			eof = true
		}
		if read >= limit {
			eof = true // search what we have to the end
		}
		end := len(buf)
		if !eof {
			end -= maxTail
		}
		if end > from {
			for i := range pats {
				ap := &pats[i]
				if ap.prio >= best[ap.cls] {
					continue
				}
				findPattern(buf, from, end, ap, found, best)
			}
			from = end
		}
		// Keep the tail still to be searched and the context before it.
		keep := max(from-maxBefore, 0)
		if keep > 0 {
			rest := copy(buf, buf[keep:])
			buf = buf[:rest]
			from -= keep
		}
	}
	if read >= limit && !done() {
		var more [1]byte
		if k, _ := r.Read(more[:]); k > 0 {
			for _, b := range best {
				if b > len(pats) {
					return found, fmt.Errorf("binary: no version in the first %d bytes: %w (WithMaxFileBytes)", limit, scan.ErrTooLarge)
				}
			}
		}
	}
	return found, nil
}

// findPattern looks for ap's literal starting in buf[from:end] and
// applies its expression around each occurrence until one matches.
func findPattern(buf []byte, from, end int, ap *active, found []string, best []int) {
	lit, key, off := ap.lit, ap.key, ap.keyOff
	for i := from + off; i < end+off; {
		j := bytes.Index(buf[i:min(len(buf), end+off+len(key)-1)], key)
		if j < 0 {
			return
		}
		s := i + j - off // where the literal starts
		i += j + 1
		if off == 1 && buf[s] != 0 {
			continue
		}
		if ap.p.Digit {
			if k := s + len(lit); k >= len(buf) || buf[k] < '0' || buf[k] > '9' {
				continue
			}
		}
		lo := max(s-ap.p.Before, 0)
		hi := min(s+len(lit)+ap.p.After, len(buf))
		if v, ok := apply(ap.p, buf[lo:hi], s-lo, len(lit)); ok {
			found[ap.cls] = v
			best[ap.cls] = ap.prio
			return
		}
	}
}

// apply runs the pattern's expression on a window in which the literal
// starts at pos, and returns the version of the first match that covers
// the literal.
func apply(p Pattern, w []byte, pos, n int) (string, bool) {
	for _, m := range p.Re.FindAllSubmatchIndex(w, 4) {
		if m[0] > pos || m[1] < pos+n || len(m) < 4 || m[2] < 0 {
			continue
		}
		v := string(w[m[2]:m[3]])
		if p.Prefix != "" && !strings.HasPrefix(v, p.Prefix) {
			continue
		}
		return v, true
	}
	return "", false
}

// CPE returns the CPE 2.3 formatted string of an application, with the
// version and update escaped as CPE 2.3 requires.
func CPE(vendor, product, version, update string) string {
	if update == "" {
		update = "*"
	} else {
		update = cpeEscape(update)
	}
	return "cpe:2.3:a:" + cpeEscape(vendor) + ":" + cpeEscape(product) + ":" + cpeEscape(version) + ":" + update + ":*:*:*:*:*:*"
}

// cpeEscape quotes every character CPE 2.3 formatted strings reserve: all
// but letters, digits, "_", "-" and ".".
func cpeEscape(s string) string {
	if s == "" {
		return "*"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '_' || c == '-' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('\\')
		b.WriteByte(c)
	}
	return b.String()
}
