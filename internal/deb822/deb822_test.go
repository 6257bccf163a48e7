package deb822

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// result is one call of Next, flattened for comparison.
type result struct {
	line   int
	split  bool
	fields string // "Name=Value|Name=Value"
	errMsg string // SyntaxError message, or ""
}

func readAll(t *testing.T, in string, opts Options) ([]result, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), opts)
	var out []result
	for range 1000 {
		p, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		var se *SyntaxError
		if errors.As(err, &se) {
			out = append(out, result{line: se.Paragraph, errMsg: se.Error()})
			continue
		}
		if err != nil {
			return out, err
		}
		var fs []string
		for _, f := range p.Fields {
			fs = append(fs, f.Name+"="+f.Value)
		}
		out = append(out, result{line: p.Line, split: p.Split, fields: strings.Join(fs, "|")})
	}
	t.Fatal("Next did not end")
	return nil, nil
}

func TestReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts Options
		want []result
	}{
		{name: "empty", in: ""},
		{name: "blank lines only", in: "\n \n\t\r\n"},
		{name: "one", in: "A: 1\nB:  two words \n", want: []result{{line: 1, fields: "A=1|B=two words"}}},
		{name: "no final newline", in: "A: 1", want: []result{{line: 1, fields: "A=1"}}},
		{name: "empty value", in: "A:\nB: \n", want: []result{{line: 1, fields: "A=|B="}}},
		{name: "colon in value", in: "A: b:c: d\n", want: []result{{line: 1, fields: "A=b:c: d"}}},
		{name: "two", in: "A: 1\n\nA: 2\n", want: []result{{line: 1, fields: "A=1"}, {line: 3, fields: "A=2"}}},
		{name: "whitespace separator", in: "A: 1\n \t \nA: 2\n", want: []result{{line: 1, fields: "A=1"}, {line: 3, fields: "A=2"}}},
		{name: "CRLF", in: "A: 1\r\nB: 2\r\n\r\nA: 3\r\n", want: []result{{line: 1, fields: "A=1|B=2"}, {line: 4, fields: "A=3"}}},
		{name: "BOM", in: "\ufeffA: 1\n", want: []result{{line: 1, fields: "A=1"}}},
		{
			name: "continuation", in: "D: short\n long\n .\n\tmore\nE: x\n",
			want: []result{{line: 1, fields: "D=short\n long\n .\n\tmore|E=x"}},
		},
		{name: "continuation first", in: " x\nA: 1\n\nA: 2\n", want: []result{{line: 1, errMsg: "line 1: continuation line before the first field"}, {line: 4, fields: "A=2"}}},
		{name: "no colon", in: "A: 1\njunk\n\nA: 2\n", want: []result{{line: 1, errMsg: `line 2: not a field (no colon): "junk"`}, {line: 4, fields: "A=2"}}},
		{name: "empty name", in: ": 1\n", want: []result{{line: 1, errMsg: "line 1: empty field name"}}},
		{name: "hash name", in: "#A: 1\n", want: []result{{line: 1, errMsg: `line 1: field name "#A" starts with '#'`}}},
		{name: "dash name", in: "-A: 1\n", want: []result{{line: 1, errMsg: `line 1: field name "-A" starts with '-'`}}},
		{name: "space in name", in: "A B: 1\n", want: []result{{line: 1, errMsg: `line 1: invalid field name "A B"`}}},
		{name: "NUL", in: "A: 1\x00\n\nA: 2\n", want: []result{{line: 1, errMsg: "line 1: NUL byte"}, {line: 3, fields: "A=2"}}},
		{name: "duplicate", in: "A: 1\na: 2\n\nA: 3\n", want: []result{{line: 1, errMsg: `line 2: duplicate field "a"`}, {line: 4, fields: "A=3"}}},
		{
			name: "split on", in: "Package: a\nV: 1\nPackage: b\nV: 2\n\nPackage: c\n", opts: Options{SplitOn: "Package"},
			want: []result{{line: 1, fields: "Package=a|V=1"}, {line: 3, split: true, fields: "Package=b|V=2"}, {line: 6, fields: "Package=c"}},
		},
		{
			name: "split on ends a skipped paragraph", in: "Package: a\njunk\nmore junk\npackage: b\n", opts: Options{SplitOn: "Package"},
			want: []result{{line: 1, errMsg: `line 2: not a field (no colon): "junk"`}, {line: 4, split: true, fields: "package=b"}},
		},
		{
			name: "fields limit", in: "A: 1\nB: 2\nC: 3\n\nA: 1\nB: 2\n", opts: Options{MaxFields: 2},
			want: []result{{line: 1, errMsg: "line 3: more than 2 fields"}, {line: 5, fields: "A=1|B=2"}},
		},
		{
			name: "paragraph limit exact", in: "A: 12345\n\nA: 123456\n", opts: Options{MaxParagraphBytes: 9},
			want: []result{{line: 1, fields: "A=12345"}, {line: 3, errMsg: "line 3: paragraph longer than 9 bytes"}},
		},
		{
			name: "paragraph limit over several lines", in: "A: 1\nB: 2\nC: 3\n\nA: 1\n", opts: Options{MaxParagraphBytes: 10},
			want: []result{{line: 1, errMsg: "line 3: paragraph longer than 10 bytes"}, {line: 5, fields: "A=1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.in, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReaderLimits(t *testing.T) {
	t.Run("bytes", func(t *testing.T) {
		in := "A: 1\n\nA: 2\n\n" // 12 bytes
		got, err := readAll(t, in, Options{MaxBytes: 12})
		require.NoError(t, err)
		assert.Len(t, got, 2)

		r := NewReader(strings.NewReader(in), Options{MaxBytes: 11})
		p, err := r.Next()
		require.NoError(t, err)
		assert.Equal(t, "1", p.Get("a"))
		_, err = r.Next()
		require.ErrorIs(t, err, ErrTooLarge)
		assert.EqualError(t, err, "input longer than 11 bytes: over the limit")
		_, err2 := r.Next()
		assert.Equal(t, err, err2, "the error is final")
	})
	t.Run("paragraphs", func(t *testing.T) {
		in := "A: 1\n\nA: 2\n\nA: 3\n"
		got, err := readAll(t, in, Options{MaxParagraphs: 3})
		require.NoError(t, err)
		assert.Len(t, got, 3)
		got, err = readAll(t, in, Options{MaxParagraphs: 2})
		require.ErrorIs(t, err, ErrTooLarge)
		assert.EqualError(t, err, "more than 2 paragraphs: over the limit")
		assert.Len(t, got, 2)
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("boom")
		r := NewReader(io.MultiReader(strings.NewReader("A: 1\n\nA: 2\n"), iotest.ErrReader(boom)), Options{})
		p, err := r.Next()
		require.NoError(t, err)
		assert.Equal(t, 1, p.Line)
		_, err = r.Next()
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, 2, r.Paragraphs())
	})
	t.Run("long lines need no more than the paragraph limit", func(t *testing.T) {
		long := strings.Repeat("x", 5<<20)
		got, err := readAll(t, "A: "+long+"\n B"+long+"\n\nA: 2\n", Options{})
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Len(t, got[0].fields, len("A=")+len(long)+len("\n B")+len(long))
	})
	t.Run("one byte at a time", func(t *testing.T) {
		got, err := readAll(t, "A: 1\r\n b\r\n\r\nB: 2", Options{})
		require.NoError(t, err)
		r := NewReader(iotest.OneByteReader(strings.NewReader("A: 1\r\n b\r\n\r\nB: 2")), Options{})
		var got2 []string
		for {
			p, err := r.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			got2 = append(got2, p.Fields[0].Value)
		}
		assert.Equal(t, []string{"1\n b", "2"}, got2)
		assert.Len(t, got, 2)
	})
}

func TestParagraph(t *testing.T) {
	p := &Paragraph{Fields: []Field{{Name: "Package", Value: "a"}, {Name: "Description", Value: "short\n long"}}}
	assert.Equal(t, "a", p.Get("PACKAGE"))
	assert.Equal(t, "", p.Get("Version"))
	f, ok := p.Lookup("description")
	require.True(t, ok)
	assert.Equal(t, "short", f.FirstLine())
	assert.Equal(t, "a", p.Fields[0].FirstLine())
	assert.True(t, IsSyntax(&SyntaxError{}))
	assert.False(t, IsSyntax(ErrTooLarge))
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string // "!" prefix: long
	}{
		{name: "plain", in: "a\nbc\n", max: 10, want: []string{"a", "bc"}},
		{name: "crlf and lone cr", in: "a\r\nb\rc\r\n", max: 10, want: []string{"a", "b\rc"}},
		{name: "no final newline", in: "a\nb", max: 10, want: []string{"a", "b"}},
		{name: "empty lines", in: "\n\n", max: 10, want: []string{"", ""}},
		{name: "exact max", in: "abc\r\nabcd\n", max: 3, want: []string{"abc", "!abc"}},
		{name: "max zero", in: "\nx\n", max: 0, want: []string{"", "!"}},
		{name: "long lines are cut and drained", in: strings.Repeat("y", 200<<10) + "\nz\n", max: 4, want: []string{"!yyyy", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := NewLineReader(strings.NewReader(tt.in), 0)
			var got []string
			for {
				line, long, err := lr.ReadLine(tt.max)
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				s := string(line)
				if long {
					s = "!" + s
				}
				got = append(got, s)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, len(tt.want), lr.Line())
			assert.Equal(t, int64(len(tt.in)), lr.Bytes())
		})
	}
}
