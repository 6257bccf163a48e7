package selector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		glob string
		in   string
		want bool
	}{
		{"v*", "v1.2.3", true},
		{"v*", "1.2.3", false},
		{"*", "", true},
		{"registry.example.com/shop/*", "registry.example.com/shop/web", true},
		{"registry.example.com/shop/*", "registry.example.com/shop/web/api", false},
		{"registry.example.com/**", "registry.example.com/shop/web/api", true},
		{"registry.example.com/**", "registry.example.org/shop", false},
		{"release-?", "release-1", true},
		{"release-?", "release-10", false},
		{"v[0-9].*", "v1.x", true},
		{"v[0-9].*", "va.x", false},
		{"v[!0-9]*", "va", true},
		{"v[!0-9]*", "v1", false},
		{"a.b", "a.b", true},
		{"a.b", "axb", false}, // "." is literal
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{"prod-[ab]", "prod-b", true},
		{"[]]x", "]x", true},
		{"(x)+", "(x)+", true},
	}
	for _, tt := range tests {
		re, err := Glob(tt.glob)
		require.NoError(t, err, tt.glob)
		assert.Equal(t, tt.want, re.MatchString(tt.in), "glob %q on %q", tt.glob, tt.in)
	}
	for _, bad := range []string{"[abc", `x\`, "[!]", "[z-a]"} {
		_, err := Glob(bad)
		assert.Error(t, err, bad)
	}
}

func TestRegexMatchesWholeString(t *testing.T) {
	re, err := Regex("prod|staging")
	require.NoError(t, err)
	assert.True(t, re.MatchString("prod"))
	assert.True(t, re.MatchString("staging"))
	assert.False(t, re.MatchString("nonprod"), "a regex matches the whole tag")
	assert.False(t, re.MatchString("prod-1"))
	_, err = Regex("(")
	assert.Error(t, err)
}

func TestStringOperators(t *testing.T) {
	s := func(v string) *string { return &v }
	re, _ := Regex(`v\d+`)
	gl, _ := Glob("rel-*")
	tests := []struct {
		name string
		m    String
		in   string
		want bool
	}{
		{"equals yes", String{Equals: s("latest")}, "latest", true},
		{"equals no", String{Equals: s("latest")}, "latest2", false},
		{"equals empty tag", String{Equals: s("latest")}, "", false},
		{"startsWith yes", String{StartsWith: s("prod-")}, "prod-1", true},
		{"startsWith no", String{StartsWith: s("prod-")}, "xprod-1", false},
		{"endsWith yes", String{EndsWith: s("-rc")}, "1.0-rc", true},
		{"endsWith no", String{EndsWith: s("-rc")}, "1.0-rc1", false},
		{"contains yes", String{Contains: s("beta")}, "1.0-beta.2", true},
		{"contains no", String{Contains: s("beta")}, "1.0", false},
		{"oneOf yes", String{OneOf: []string{"prod", "production"}}, "production", true},
		{"oneOf no", String{OneOf: []string{"prod", "production"}}, "prod2", false},
		{"oneOf empty list", String{OneOf: []string{}}, "x", false},
		{"notOneOf yes", String{NotOneOf: []string{"dev"}}, "prod", true},
		{"notOneOf no", String{NotOneOf: []string{"dev"}}, "dev", false},
		{"notOneOf untagged", String{NotOneOf: []string{"dev"}}, "", true},
		{"regex yes", String{Regex: re, RegexSrc: `v\d+`}, "v12", true},
		{"regex no", String{Regex: re, RegexSrc: `v\d+`}, "v12a", false},
		{"glob yes", String{Glob: gl, GlobSrc: "rel-*"}, "rel-2", true},
		{"glob no", String{Glob: gl, GlobSrc: "rel-*"}, "rc-2", false},
		{"all tests must pass", String{StartsWith: s("v"), EndsWith: s("-rc")}, "v1", false},
		{"all tests pass", String{StartsWith: s("v"), EndsWith: s("-rc")}, "v1-rc", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.m.Match(tt.in))
		})
	}
}
