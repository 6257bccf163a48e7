package yamlx

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func decode(t *testing.T, doc string, f func(d *Decoder, root *yaml.Node)) error {
	t.Helper()
	root, err := Parse("f.yaml", []byte(doc), 1<<20)
	require.NoError(t, err)
	d := &Decoder{File: "f.yaml"}
	return d.Run(func() { f(d, root) })
}

func TestMappingMergeKeys(t *testing.T) {
	got := map[string]string{}
	err := decode(t, "base: &b {a: 1, b: 2}\nitem:\n  <<: *b\n  b: 3\n", func(d *Decoder, root *yaml.Node) {
		d.Mapping(root, "doc", map[string]Field{
			"base": func(*yaml.Node) {},
			"item": func(v *yaml.Node) {
				d.Mapping(v, "item", map[string]Field{
					"a": func(v *yaml.Node) { got["a"] = d.String(v, "a") },
					"b": func(v *yaml.Node) { got["b"] = d.String(v, "b") },
				})
			},
		})
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1", "b": "3"}, got, "explicit keys win over merged ones")
}

func TestScalars(t *testing.T) {
	tests := []struct {
		doc string
		f   func(d *Decoder, v *yaml.Node)
		msg string
	}{
		{"v: yes", func(d *Decoder, v *yaml.Node) { d.Bool(v, "v") }, `v: want true or false, got "yes"`},
		{"v: 11", func(d *Decoder, v *yaml.Node) { d.Int(v, "v", 10) }, "from 0 to 10"},
		{"v: -1", func(d *Decoder, v *yaml.Node) { d.Int(v, "v", 10) }, "from 0 to 10"},
		{"v: 1.5", func(d *Decoder, v *yaml.Node) { d.Int(v, "v", 10) }, "whole number"},
		{"v: .nan", func(d *Decoder, v *yaml.Node) { d.Float(v, "v") }, "want a number"},
		{"v: [a]", func(d *Decoder, v *yaml.Node) { d.String(v, "v") }, "want a single value, got a list"},
		{"v: a", func(d *Decoder, v *yaml.Node) { d.Strings(v, "v") }, "want a list"},
		{"v: {a: 1, a: 2}", func(d *Decoder, v *yaml.Node) { d.StringMap(v, "v") }, `duplicate key "a"`},
		{"v: [a]", func(d *Decoder, v *yaml.Node) { d.Mapping(v, "v", nil) }, "want a mapping, got a list"},
		{"v: {[a]: 1}", func(d *Decoder, v *yaml.Node) { d.Mapping(v, "v", nil) }, "keys must be strings"},
	}
	for _, tt := range tests {
		err := decode(t, tt.doc, func(d *Decoder, root *yaml.Node) {
			d.Mapping(root, "doc", map[string]Field{"v": func(v *yaml.Node) { tt.f(d, v) }})
		})
		require.Error(t, err, tt.doc)
		var e *Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, 1, e.Line, tt.doc)
		assert.Contains(t, err.Error(), tt.msg, tt.doc)
	}
}

func TestErrorsStopAtLimit(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		b.WriteString("k" + strings.Repeat("x", i) + ": 1\n")
	}
	err := decode(t, b.String(), func(d *Decoder, root *yaml.Node) { d.Mapping(root, "doc", map[string]Field{}) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "too many problems")
	assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), MaxErrors+1)
}

func TestParse(t *testing.T) {
	_, err := Parse("f.yaml", []byte("a: 1\n---\nb: 2\n"), 100)
	assert.ErrorContains(t, err, "f.yaml:2:1: more than one YAML document")
	_, err = Parse("f.yaml", []byte("a: 1\n"), 3)
	assert.ErrorContains(t, err, "larger than 3 bytes")
	_, err = Parse("f.yaml", []byte("  # only a comment\n"), 100)
	assert.ErrorContains(t, err, "empty document")
	_, err = Parse("f.yaml", []byte("a: \"x\n"), 100)
	assert.ErrorContains(t, err, "f.yaml:2: invalid YAML: found unexpected end of stream")
	n, err := Parse("f.yaml", []byte(`{"a": [1, 2]}`), 100)
	require.NoError(t, err)
	assert.Equal(t, yaml.MappingNode, n.Kind, "JSON is YAML")
}

func TestSuggest(t *testing.T) {
	fields := map[string]Field{"severity": nil, "verdict": nil}
	assert.Equal(t, ` (did you mean "severity"?)`, suggest("sevrity", fields))
	assert.Equal(t, " (want one of: severity, verdict)", suggest("zzz", fields))
}

type convertedError struct{ line int }

func (e *convertedError) Error() string { return "converted" }

func TestConvert(t *testing.T) {
	assert.Nil(t, Convert(nil, nil))
	other := errors.New("other")
	err := Convert(errors.Join(&Error{File: "f", Line: 3}, other), func(e *Error) error { return &convertedError{e.Line} })
	list := Split(err)
	require.Len(t, list, 2)
	var ce *convertedError
	require.ErrorAs(t, list[0], &ce)
	assert.Equal(t, 3, ce.line)
	assert.Same(t, other, list[1])
	one := Convert(&Error{File: "f", Line: 7}, func(e *Error) error { return &convertedError{e.Line} })
	require.ErrorAs(t, one, &ce)
	assert.Len(t, Split(one), 1, "a single error is not joined")
}
