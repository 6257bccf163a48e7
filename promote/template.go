package promote

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"time"
)

// TagData is what a tag template can use.
type TagData struct {
	// Tag is the source tag ("" when the source was given by digest).
	Tag string
	// Digest is the promoted digest, "sha256:…".
	Digest string
	// Repository is the source repository, registry included.
	Repository string
	// Time is the time of the promotion.
	Time time.Time
}

// maxTemplateBytes bounds a template and its expansion.
const maxTemplateBytes = 1024

var validTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// ExpandTag expands a target tag template. A template containing "{{" is a
// Go text/template over [TagData] ({{.Tag}}, {{.Digest}},
// {{.Time.Format "2006-01-02"}}, and the function "short", which gives the
// first 12 hex digits of a digest). Otherwise it uses Docker Trusted
// Registry's keywords, with the time in its own location:
//
//	%n  the source tag          %A  weekday (Sunday)       %a  weekday (Sun)
//	%w  weekday number (0-6)    %d  day of month (01-31)   %B  month (January)
//	%b  month (Jan)             %m  month (01-12)          %Y  year (2015)
//	%y  year, 2 digits (15)     %H  hour, 24h (00-23)      %I  hour, 12h (01-12)
//	%p  AM or PM                %M  minute (00-59)         %S  second (00-59)
//	%f  microsecond (000000)    %Z  time zone name (UTC)   %j  day of year (001-366)
//	%W  week, Monday first (00-53)                         %U  week, Sunday first (00-53)
//
// An unknown keyword is an error, and so is a result that is not a valid
// tag (1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-').
func ExpandTag(tmpl string, d TagData) (string, error) {
	if len(tmpl) > maxTemplateBytes {
		return "", fmt.Errorf("promote: tag template: %w: longer than %d bytes", ErrInvalidRequest, maxTemplateBytes)
	}
	var out string
	if strings.Contains(tmpl, "{{") {
		t, err := template.New("tag").Option("missingkey=error").Funcs(template.FuncMap{"short": shortDigest}).Parse(tmpl)
		if err != nil {
			return "", fmt.Errorf("promote: tag template %q: %w: %v", tmpl, ErrInvalidRequest, err)
		}
		var b limitedBuilder
		if err := t.Execute(&b, d); err != nil {
			return "", fmt.Errorf("promote: tag template %q: %w: %v", tmpl, ErrInvalidRequest, err)
		}
		out = b.String()
	} else {
		var err error
		if out, err = expandDTR(tmpl, d); err != nil {
			return "", err
		}
	}
	if !validTag.MatchString(out) {
		return "", fmt.Errorf("promote: tag template %q: %w: %q is not a valid tag", tmpl, ErrInvalidRequest, out)
	}
	return out, nil
}

func shortDigest(d string) string {
	_, hex, ok := strings.Cut(d, ":")
	if !ok {
		hex = d
	}
	return hex[:min(12, len(hex))]
}

type limitedBuilder struct{ strings.Builder }

func (b *limitedBuilder) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxTemplateBytes {
		return 0, fmt.Errorf("expansion longer than %d bytes", maxTemplateBytes)
	}
	return b.Builder.Write(p)
}

func expandDTR(tmpl string, d TagData) (string, error) {
	t := d.Time
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(tmpl) {
			return "", fmt.Errorf("promote: tag template %q: %w: '%%' at the end", tmpl, ErrInvalidRequest)
		}
		i++
		switch k := tmpl[i]; k {
		case 'n':
			if d.Tag == "" {
				return "", fmt.Errorf("promote: tag template %q: %w: %%n needs a source tag", tmpl, ErrInvalidRequest)
			}
			b.WriteString(d.Tag)
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'Y':
			fmt.Fprintf(&b, "%d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'H':
			b.WriteString(t.Format("15"))
		case 'I':
			b.WriteString(t.Format("03"))
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'S':
			b.WriteString(t.Format("05"))
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'W':
			fmt.Fprintf(&b, "%02d", (t.YearDay()-1+7-(int(t.Weekday())+6)%7)/7)
		case 'U':
			fmt.Fprintf(&b, "%02d", (t.YearDay()-1+7-int(t.Weekday()))/7)
		default:
			return "", fmt.Errorf("promote: tag template %q: %w: unknown keyword %%%c", tmpl, ErrInvalidRequest, k)
		}
	}
	return b.String(), nil
}
