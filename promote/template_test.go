package promote

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpandTagKeywords(t *testing.T) {
	pm := TagData{Tag: "v1.2", Digest: "sha256:0123456789abcdef0123", Time: time.Date(2015, 3, 8, 14, 5, 9, 123456789, time.UTC)} // a Sunday
	am := TagData{Tag: "v1.2", Time: time.Date(2015, 12, 31, 0, 7, 3, 0, time.FixedZone("EST", -5*3600))}                         // a Thursday
	jan1 := TagData{Time: time.Date(2005, 1, 1, 23, 0, 0, 0, time.UTC)}                                                           // a Saturday
	tests := []struct {
		tmpl string
		d    TagData
		want string
	}{
		{"%n", pm, "v1.2"},
		{"%A", pm, "Sunday"}, {"%A", am, "Thursday"},
		{"%a", pm, "Sun"}, {"%a", am, "Thu"},
		{"%w", pm, "0"}, {"%w", am, "4"}, {"%w", jan1, "6"},
		{"%d", pm, "08"}, {"%d", am, "31"},
		{"%B", pm, "March"}, {"%B", am, "December"},
		{"%b", pm, "Mar"}, {"%b", am, "Dec"},
		{"%m", pm, "03"}, {"%m", am, "12"},
		{"%Y", pm, "2015"}, {"%Y", jan1, "2005"},
		{"%y", pm, "15"}, {"%y", jan1, "05"},
		{"%H", pm, "14"}, {"%H", am, "00"},
		{"%I", pm, "02"}, {"%I", am, "12"}, {"%I", jan1, "11"},
		{"%p", pm, "PM"}, {"%p", am, "AM"},
		{"%M", pm, "05"}, {"%M", am, "07"},
		{"%S", pm, "09"}, {"%S", am, "03"},
		{"%f", pm, "123456"}, {"%f", am, "000000"},
		{"%Z", pm, "UTC"}, {"%Z", am, "EST"},
		{"%j", pm, "067"}, {"%j", am, "365"}, {"%j", jan1, "001"},
		{"%W", pm, "09"}, {"%W", am, "52"}, {"%W", jan1, "00"},
		{"%U", pm, "10"}, {"%U", am, "52"}, {"%U", jan1, "00"},
		{"%n-%Y%m%d.%H%M%S", pm, "v1.2-20150308.140509"},
		{"release_%y.%m", am, "release_15.12"},
		{"stable", pm, "stable"},
		{"{{.Tag}}-{{.Time.Format \"2006\"}}", pm, "v1.2-2015"},
		{"{{short .Digest}}", pm, "0123456789ab"},
		{"{{.Tag}}_{{.Time.Format \"20060102T150405\"}}", am, "v1.2_20151231T000703"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			got, err := ExpandTag(tt.tmpl, tt.d)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExpandTagErrors(t *testing.T) {
	d := TagData{Tag: "v1", Repository: "r.example/a/b", Time: time.Date(2015, 3, 8, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		tmpl string
		d    TagData
	}{
		{"%q", d},         // unknown keyword
		{"v%", d},         // trailing %
		{"%%", d},         // no literal %
		{"%n", TagData{}}, // no source tag
		{"", d},           // empty tag
		{".hidden", d},    // bad first character
		{"-x", d},         // bad first character
		{"a/b", d},        // bad character
		{strings.Repeat("a", 129), d},
		{"{{.Repository}}", d}, // a '/' in the tag
		{"{{.Nope}}", d},       // unknown field
		{"{{", d},              // parse error
		{"{{range .Tag}}", d},  // parse error
		{"%Z", TagData{Tag: "v", Time: time.Date(2015, 1, 1, 0, 0, 0, 0, time.FixedZone("", 3*3600))}}, // "+0300" is no tag
		{strings.Repeat("{{.Tag}}", 200), d},
		{`{{range $i := (slice "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" 0 30)}}{{end}}` + strings.Repeat("x", 1000), d},
	}
	for _, tt := range tests {
		_, err := ExpandTag(tt.tmpl, tt.d)
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", tt.tmpl)
	}
}

func FuzzExpandTag(f *testing.F) {
	for _, s := range []string{"%n", "%Y%m%d", "{{.Tag}}", "{{short .Digest}}", "%", "%%", "{{"} {
		f.Add(s)
	}
	d := TagData{Tag: "v1", Digest: "sha256:abc", Repository: "r/a", Time: time.Unix(1e9, 0).UTC()}
	f.Fuzz(func(t *testing.T, tmpl string) {
		got, err := ExpandTag(tmpl, d)
		if err == nil && !validTag.MatchString(got) {
			t.Fatalf("ExpandTag(%q) = %q, not a valid tag", tmpl, got)
		}
	})
}
