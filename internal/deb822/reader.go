package deb822

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Default limits, used where [Options] leaves a limit zero.
const (
	// DefaultMaxBytes bounds the whole input.
	DefaultMaxBytes int64 = 256 << 20
	// DefaultMaxParagraphBytes bounds one paragraph, line endings included.
	DefaultMaxParagraphBytes = 16 << 20
	// DefaultMaxParagraphs bounds the number of paragraphs, skipped ones
	// included.
	DefaultMaxParagraphs = 1 << 20
	// DefaultMaxFields bounds the fields of one paragraph.
	DefaultMaxFields = 1024
)

// Options configures a [Reader]. The zero value uses the defaults.
type Options struct {
	// MaxBytes bounds the whole input. The default is [DefaultMaxBytes].
	MaxBytes int64
	// MaxParagraphBytes bounds one paragraph; a longer one is skipped with a
	// [*SyntaxError]. The default is [DefaultMaxParagraphBytes].
	MaxParagraphBytes int
	// MaxParagraphs bounds the number of paragraphs. The default is
	// [DefaultMaxParagraphs].
	MaxParagraphs int
	// MaxFields bounds the fields of one paragraph; a paragraph with more is
	// skipped with a [*SyntaxError]. The default is [DefaultMaxFields].
	MaxFields int
	// SplitOn names a field that always begins a paragraph (dpkg's
	// "Package"). When it appears a second time in a paragraph, the reader
	// takes the blank line before it to be missing: it ends the paragraph
	// there and starts a new one, marked [Paragraph.Split]. A paragraph being
	// skipped also ends at a line that starts with this field. The default,
	// "", treats a repeated field like any other duplicate.
	SplitOn string
}

// Field is one field of a paragraph.
type Field struct {
	// Name is the field name as written; names compare case-insensitively.
	Name string
	// Value is the first line of the value with surrounding blanks removed,
	// followed, for a multi-line field, by each continuation line after a
	// "\n", as written (with its leading blank).
	Value string
	// Line is the line number of the field's first line.
	Line int
}

// FirstLine returns the value's first line.
func (f Field) FirstLine() string {
	if i := strings.IndexByte(f.Value, '\n'); i >= 0 {
		return f.Value[:i]
	}
	return f.Value
}

// Paragraph is one paragraph (stanza) of fields.
type Paragraph struct {
	// Line is the line number of the paragraph's first line.
	Line int
	// Split reports that no blank line came before this paragraph: it began
	// at a repeated [Options.SplitOn] field.
	Split bool
	// Fields are the fields in input order.
	Fields []Field
}

// Lookup returns the field called name (compared case-insensitively).
func (p *Paragraph) Lookup(name string) (Field, bool) {
	for _, f := range p.Fields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return Field{}, false
}

// Get returns the value of the field called name, or "".
func (p *Paragraph) Get(name string) string {
	f, _ := p.Lookup(name)
	return f.Value
}

// SyntaxError reports a paragraph that was skipped.
type SyntaxError struct {
	// Paragraph is the line number where the skipped paragraph starts.
	Paragraph int
	// Line is the line number of the problem.
	Line int
	// Msg describes the problem.
	Msg string
}

// Error returns "line N: problem".
func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Reader reads paragraphs from a stream.
type Reader struct {
	lr   *LineReader
	opts Options
	err  error // final error, returned by every later call

	// The paragraph being read.
	started bool
	start   int
	split   bool
	size    int
	bad     *SyntaxError
	fields  []field
	index   map[string]struct{}
	count   int

	// A line read but belonging to the next paragraph.
	pending     []byte
	pendingLine int
	hasPending  bool
}

type field struct {
	name  string
	value []byte
	line  int
}

// NewReader returns a Reader reading paragraphs from r.
func NewReader(r io.Reader, opts Options) *Reader {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxParagraphBytes <= 0 {
		opts.MaxParagraphBytes = DefaultMaxParagraphBytes
	}
	if opts.MaxParagraphs <= 0 {
		opts.MaxParagraphs = DefaultMaxParagraphs
	}
	if opts.MaxFields <= 0 {
		opts.MaxFields = DefaultMaxFields
	}
	return &Reader{lr: NewLineReader(r, opts.MaxBytes), opts: opts, index: map[string]struct{}{}}
}

// Paragraphs returns the number of paragraphs begun so far, skipped ones
// included.
func (r *Reader) Paragraphs() int { return r.count }

// Next returns the next paragraph, or nil and io.EOF after the last one.
//
// A paragraph that breaks the syntax or a per-paragraph limit is skipped:
// Next returns nil and a [*SyntaxError], and the next call goes on with the
// following paragraph. Any other error (the input or the paragraph count is
// over its limit, reading failed) is final: the paragraph being read is
// dropped and every later call returns the same error.
func (r *Reader) Next() (*Paragraph, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.reset()
	for {
		var (
			line   []byte
			long   bool
			lineNo int
		)
		if r.hasPending {
			line, lineNo, r.hasPending = r.pending, r.pendingLine, false
			r.split = true
		} else {
			var err error
			line, long, err = r.lr.ReadLine(r.opts.MaxParagraphBytes - r.size)
			if err == io.EOF {
				if r.started {
					return r.emit()
				}
				r.err = io.EOF
				return nil, io.EOF
			}
			if err != nil {
				r.err = err
				return nil, err
			}
			lineNo = r.lr.Line()
		}
		if !long && isBlank(line) {
			if r.started {
				return r.emit()
			}
			continue
		}
		if !r.started {
			r.count++
			if r.count > r.opts.MaxParagraphs {
				r.err = fmt.Errorf("more than %d paragraphs: %w", r.opts.MaxParagraphs, ErrTooLarge)
				return nil, r.err
			}
			r.started, r.start = true, lineNo
		}
		if r.bad != nil {
			// Skipping: a line that starts a new paragraph ends this one.
			if r.opts.SplitOn != "" && !long && startsField(line, r.opts.SplitOn) {
				r.push(line, lineNo)
				return r.emit()
			}
			continue
		}
		r.size += len(line) + 1
		if long || r.size > r.opts.MaxParagraphBytes {
			r.fail(lineNo, fmt.Sprintf("paragraph longer than %d bytes", r.opts.MaxParagraphBytes))
			continue
		}
		if bytes.IndexByte(line, 0) >= 0 {
			r.fail(lineNo, "NUL byte")
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(r.fields) == 0 {
				r.fail(lineNo, "continuation line before the first field")
				continue
			}
			f := &r.fields[len(r.fields)-1]
			f.value = append(f.value, '\n')
			f.value = append(f.value, line...)
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			r.fail(lineNo, fmt.Sprintf("not a field (no colon): %.40q", line))
			continue
		}
		name := line[:colon]
		if msg := checkName(name); msg != "" {
			r.fail(lineNo, msg)
			continue
		}
		key := strings.ToLower(string(name))
		if _, dup := r.index[key]; dup {
			if r.opts.SplitOn != "" && strings.EqualFold(key, r.opts.SplitOn) {
				r.push(line, lineNo)
				return r.emit()
			}
			r.fail(lineNo, fmt.Sprintf("duplicate field %q", name))
			continue
		}
		if len(r.fields) >= r.opts.MaxFields {
			r.fail(lineNo, fmt.Sprintf("more than %d fields", r.opts.MaxFields))
			continue
		}
		r.index[key] = struct{}{}
		r.fields = append(r.fields, field{
			name:  string(name),
			value: append([]byte(nil), bytes.Trim(line[colon+1:], " \t")...),
			line:  lineNo,
		})
	}
}

func (r *Reader) reset() {
	r.started, r.start, r.split, r.size, r.bad = false, 0, false, 0, nil
	r.fields = r.fields[:0]
	clear(r.index)
}

func (r *Reader) fail(line int, msg string) {
	r.bad = &SyntaxError{Paragraph: r.start, Line: line, Msg: msg}
	r.fields = r.fields[:0]
	r.size = 0 // the rest is read line by line, only to find its end
}

// push keeps line for the next paragraph.
func (r *Reader) push(line []byte, lineNo int) {
	r.pending = append(r.pending[:0], line...)
	r.pendingLine, r.hasPending = lineNo, true
}

func (r *Reader) emit() (*Paragraph, error) {
	if r.bad != nil {
		return nil, r.bad
	}
	p := &Paragraph{Line: r.start, Split: r.split, Fields: make([]Field, len(r.fields))}
	for i, f := range r.fields {
		p.Fields[i] = Field{Name: f.name, Value: string(bytes.TrimRight(f.value, " \t")), Line: f.line}
	}
	return p, nil
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// startsField reports whether line starts a field called name.
func startsField(line []byte, name string) bool {
	return len(line) > len(name) && line[len(name)] == ':' && strings.EqualFold(string(line[:len(name)]), name)
}

// checkName checks a field name against deb822(5): printable US-ASCII
// without space or colon, not starting with "#" or "-".
func checkName(name []byte) string {
	if len(name) == 0 {
		return "empty field name"
	}
	if name[0] == '#' || name[0] == '-' {
		return fmt.Sprintf("field name %.40q starts with %q", name, name[0])
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return fmt.Sprintf("invalid field name %.40q", name)
		}
	}
	return ""
}

// IsSyntax reports whether err is a [*SyntaxError], after which reading can
// go on.
func IsSyntax(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se)
}
