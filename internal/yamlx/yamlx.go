// Package yamlx decodes YAML (and so JSON) documents strictly, node by
// node, so that every problem is reported with its file, line and column:
// unknown and duplicate keys, wrong kinds, bad scalars. Callers describe
// each mapping with a table of field decoders.
//
// Anchors and aliases are followed, and "<<" merge keys are honoured, within
// a budget of visited nodes so that an alias bomb is an error, not a hang.
package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits on documents.
const (
	// MaxNodes bounds the nodes visited while decoding one document,
	// counting every visit through an alias again.
	MaxNodes = 1 << 20
	// MaxErrors bounds the problems collected before decoding gives up.
	MaxErrors = 20
	// MaxDepth bounds the nesting of mappings and sequences.
	MaxDepth = 64
)

// Error is a problem at a place in a file.
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error returns "file:line:column: message".
func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses one YAML document of at most maxBytes bytes and returns its
// root node (never a document node). An empty document is an error.
func Parse(file string, data []byte, maxBytes int) (*yaml.Node, error) {
	if len(data) > maxBytes {
		return nil, &Error{File: file, Msg: fmt.Sprintf("larger than %d bytes", maxBytes)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &Error{File: file, Msg: "empty document"}
		}
		return nil, parseError(file, err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		if err != nil {
			return nil, parseError(file, err)
		}
		return nil, &Error{File: file, Line: more.Line, Column: more.Column, Msg: "more than one YAML document"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &Error{File: file, Msg: "empty document"}
		}
		root = root.Content[0]
	}
	return root, nil
}

func parseError(file string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}

// Decoder collects problems while callers walk a document.
type Decoder struct {
	File string
	// Prefix is put before every message (such as `rule "a": `).
	Prefix string
	errs   []error
	nodes  int
	depth  int
}

// errStop is panicked (and recovered by Run) when decoding cannot go on.
type errStop struct{}

// Run calls f and returns the problems it reported, joined; nil if none.
// Decoding stops early at MaxErrors problems or when the node budget runs
// out.
func (d *Decoder) Run(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errStop); !ok {
				panic(r)
			}
		}
		err = d.Err()
	}()
	f()
	return nil
}

// Err returns the problems reported so far, joined; nil if none.
func (d *Decoder) Err() error { return errors.Join(d.errs...) }

// Count returns how many problems were reported so far; callers compare
// counts to tell whether decoding one item went wrong.
func (d *Decoder) Count() int { return len(d.errs) }

// Errorf reports a problem at n (n may be nil).
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: d.File, Msg: d.Prefix + fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
	if len(d.errs) >= MaxErrors {
		d.errs = append(d.errs, &Error{File: d.File, Msg: fmt.Sprintf("too many problems (stopped after %d)", MaxErrors)})
		panic(errStop{})
	}
}

// Resolve follows aliases and counts the visit against the node budget.
func (d *Decoder) Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			d.Errorf(n, "alias chain too long")
			panic(errStop{})
		}
		n = n.Alias
	}
	d.nodes++
	if d.nodes > MaxNodes {
		d.errs = append(d.errs, &Error{File: d.File, Line: lineOf(n), Msg: fmt.Sprintf("document too large: more than %d nodes (counting aliases each time they are used)", MaxNodes)})
		panic(errStop{})
	}
	return n
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// IsNull reports whether n is absent or an explicit null.
func IsNull(n *yaml.Node) bool {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Field decodes one field's value.
type Field func(v *yaml.Node)

// Mapping decodes n as a mapping described by fields, in document order.
// Unknown keys, duplicate keys and non-string keys are reported; a null
// value leaves the field unset (its decoder is not called). what names the
// mapping in messages ("rule", "exception"). It returns the keys present.
func (d *Decoder) Mapping(n *yaml.Node, what string, fields map[string]Field) map[string]*yaml.Node {
	n = d.Resolve(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "%s: want a mapping, got %s", what, kindOf(n))
		return nil
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > MaxDepth {
		d.Errorf(n, "nested more than %d deep", MaxDepth)
		panic(errStop{})
	}
	pairs := d.pairs(n, what, 0)
	seen := make(map[string]*yaml.Node, len(pairs))
	for _, p := range pairs {
		k := p.key.Value
		if first, dup := seen[k]; dup {
			if !p.merged {
				d.Errorf(p.key, "%s: duplicate key %q (first at line %d)", what, k, first.Line)
			}
			continue
		}
		seen[k] = p.key
		f, ok := fields[k]
		if !ok {
			d.Errorf(p.key, "%s: unknown field %q%s", what, k, suggest(k, fields))
			continue
		}
		if IsNull(p.value) {
			continue
		}
		f(p.value)
	}
	return seen
}

type pair struct {
	key, value *yaml.Node
	merged     bool
}

// pairs lists a mapping's key/value pairs, explicit ones first, then those
// brought in by "<<" merge keys.
func (d *Decoder) pairs(n *yaml.Node, what string, depth int) []pair {
	if depth > 10 {
		d.Errorf(n, "%s: merge keys nested too deep", what)
		return nil
	}
	var out, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.Resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k, "%s: keys must be strings, got %s", what, kindOf(k))
			continue
		}
		if k.Tag == "!!merge" {
			v = d.Resolve(v)
			var srcs []*yaml.Node
			switch v.Kind {
			case yaml.MappingNode:
				srcs = []*yaml.Node{v}
			case yaml.SequenceNode:
				for _, s := range v.Content {
					srcs = append(srcs, d.Resolve(s))
				}
			}
			for _, s := range srcs {
				if s.Kind != yaml.MappingNode {
					d.Errorf(s, "%s: a merge key (<<) takes a mapping or a list of mappings", what)
					continue
				}
				for _, p := range d.pairs(s, what, depth+1) {
					p.merged = true
					merged = append(merged, p)
				}
			}
			continue
		}
		out = append(out, pair{key: k, value: v})
	}
	return append(out, merged...)
}

// suggest returns ` (did you mean "x"?)` for a near miss, or the list of
// valid fields.
func suggest(k string, fields map[string]Field) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	best, bestD := "", 3
	for _, name := range names {
		if dd := distance(strings.ToLower(k), strings.ToLower(name)); dd < bestD {
			best, bestD = name, dd
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (want one of: " + strings.Join(names, ", ") + ")"
}

// distance is the Levenshtein distance, capped for long strings.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Sequence calls f for each item of the sequence n. A single mapping or
// scalar is not accepted in place of a list.
func (d *Decoder) Sequence(n *yaml.Node, what string, f func(i int, item *yaml.Node)) {
	n = d.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "%s: want a list, got %s", what, kindOf(n))
		return
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > MaxDepth {
		d.Errorf(n, "nested more than %d deep", MaxDepth)
		panic(errStop{})
	}
	for i, item := range n.Content {
		f(i, item)
	}
}

// Scalar returns n resolved if it is a non-null scalar; otherwise it
// reports a problem and returns nil.
func (d *Decoder) Scalar(n *yaml.Node, what string) *yaml.Node {
	n = d.Resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.Errorf(n, "%s: want a single value, got %s", what, kindOf(n))
		return nil
	}
	return n
}

// String decodes a scalar as a string. Numbers and booleans are accepted
// as written ("1.0" stays "1.0").
func (d *Decoder) String(n *yaml.Node, what string) string {
	s := d.Scalar(n, what)
	if s == nil {
		return ""
	}
	return s.Value
}

// Strings decodes a list of scalars.
func (d *Decoder) Strings(n *yaml.Node, what string) []string {
	var out []string
	d.Sequence(n, what, func(_ int, item *yaml.Node) {
		if s := d.Scalar(item, what); s != nil {
			out = append(out, s.Value)
		}
	})
	return out
}

// Bool decodes a YAML boolean (true or false; not "yes").
func (d *Decoder) Bool(n *yaml.Node, what string) bool {
	s := d.Scalar(n, what)
	if s == nil {
		return false
	}
	if s.Tag != "!!bool" {
		d.Errorf(s, "%s: want true or false, got %q", what, s.Value)
		return false
	}
	return s.Value == "true" || s.Value == "True" || s.Value == "TRUE"
}

// Int decodes a non-negative integer no larger than max.
func (d *Decoder) Int(n *yaml.Node, what string, max int) int {
	s := d.Scalar(n, what)
	if s == nil {
		return 0
	}
	v, err := strconv.Atoi(s.Value)
	if err != nil || s.Tag != "!!int" || v < 0 || v > max {
		d.Errorf(s, "%s: want a whole number from 0 to %d, got %q", what, max, s.Value)
		return 0
	}
	return v
}

// Float decodes a finite number.
func (d *Decoder) Float(n *yaml.Node, what string) float64 {
	s := d.Scalar(n, what)
	if s == nil {
		return 0
	}
	v, err := strconv.ParseFloat(s.Value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		d.Errorf(s, "%s: want a number, got %q", what, s.Value)
		return 0
	}
	return v
}

// StringMap decodes a mapping of string keys to string values.
func (d *Decoder) StringMap(n *yaml.Node, what string) map[string]string {
	n = d.Resolve(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "%s: want a mapping, got %s", what, kindOf(n))
		return nil
	}
	out := map[string]string{}
	for _, p := range d.pairs(n, what, 0) {
		if _, dup := out[p.key.Value]; dup {
			if !p.merged {
				d.Errorf(p.key, "%s: duplicate key %q", what, p.key.Value)
			}
			continue
		}
		out[p.key.Value] = d.String(p.value, what+"."+p.key.Value)
	}
	return out
}

func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.DocumentNode:
		return "a document"
	}
	return "an alias"
}

// Deref follows aliases (without counting against any budget); for line
// numbers.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// Split returns the errors joined in err (err itself when it joins none);
// nil for nil.
func Split(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// Convert replaces each *Error in err (one, or several joined) by what
// conv makes of it, so that a package can return errors of its own type;
// other errors are kept. nil stays nil.
func Convert(err error, conv func(*Error) error) error {
	list := Split(err)
	if len(list) == 0 {
		return nil
	}
	out := make([]error, 0, len(list))
	for _, e := range list {
		var ye *Error
		if errors.As(e, &ye) {
			out = append(out, conv(ye))
		} else {
			out = append(out, e)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

// ReadFile reads a document of at most maxBytes bytes from a file; a
// larger file is an error naming it, and nothing past the limit is read.
func ReadFile(path string, maxBytes int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxBytes)
	}
	return data, nil
}
