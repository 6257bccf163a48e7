package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portcullis-oci/portcullis/internal/version"
	"github.com/portcullis-oci/portcullis/internal/version/semver"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// ErrUnusable is matched by the error of [Decode] for a record that is
// well-formed JSON or YAML but cannot be used (no id, no usable affected
// entry, fields of the wrong type).
var ErrUnusable = errors.New("osv: unusable record")

// maxIDLen bounds record and alias identifiers.
const maxIDLen = 256

// rawRecord is an OSV record as the schema spells it, reduced to the fields
// we keep. Both JSON and YAML (the PyPA database) decode into it.
type rawRecord struct {
	ID               string         `json:"id" yaml:"id"`
	Modified         string         `json:"modified" yaml:"modified"`
	Published        string         `json:"published" yaml:"published"`
	Withdrawn        string         `json:"withdrawn" yaml:"withdrawn"`
	Aliases          []string       `json:"aliases" yaml:"aliases"`
	Related          []string       `json:"related" yaml:"related"`
	Summary          string         `json:"summary" yaml:"summary"`
	Details          string         `json:"details" yaml:"details"`
	Severity         []rawSeverity  `json:"severity" yaml:"severity"`
	Affected         []rawAffected  `json:"affected" yaml:"affected"`
	References       []rawReference `json:"references" yaml:"references"`
	DatabaseSpecific rawSpecific    `json:"database_specific" yaml:"database_specific"`
}

type rawSeverity struct {
	Type  string `json:"type" yaml:"type"`
	Score string `json:"score" yaml:"score"`
}

type rawReference struct {
	Type string `json:"type" yaml:"type"`
	URL  string `json:"url" yaml:"url"`
}

type rawAffected struct {
	Package          rawPackage    `json:"package" yaml:"package"`
	Severity         []rawSeverity `json:"severity" yaml:"severity"`
	Ranges           []rawRange    `json:"ranges" yaml:"ranges"`
	Versions         []string      `json:"versions" yaml:"versions"`
	DatabaseSpecific rawSpecific   `json:"database_specific" yaml:"database_specific"`
}

type rawPackage struct {
	Ecosystem string `json:"ecosystem" yaml:"ecosystem"`
	Name      string `json:"name" yaml:"name"`
	PURL      string `json:"purl" yaml:"purl"`
}

type rawRange struct {
	Type   string     `json:"type" yaml:"type"`
	Events []rawEvent `json:"events" yaml:"events"`
}

// rawEvent keeps pointers so that an event with no field or several fields
// is told apart from one with an empty value.
type rawEvent struct {
	Introduced   *string `json:"introduced" yaml:"introduced"`
	Fixed        *string `json:"fixed" yaml:"fixed"`
	LastAffected *string `json:"last_affected" yaml:"last_affected"`
	Limit        *string `json:"limit" yaml:"limit"`
}

// rawSpecific is the part of database_specific we read. Their content is free-form, so anything of an unexpected shape is
// ignored rather than failing the record.
type rawSpecific struct {
	Severity looseString  `json:"severity" yaml:"severity"`
	CWEIDs   looseStrings `json:"cwe_ids" yaml:"cwe_ids"`
}

func (s *rawSpecific) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	if !bytes.Contains(b, []byte(`"severity"`)) && !bytes.Contains(b, []byte(`"cwe_ids"`)) {
		return nil // nothing we read (a key spelled with escapes is missed)
	}
	type plain rawSpecific
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return nil
	}
	*s = rawSpecific(p)
	return nil
}

func (s *rawSpecific) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	type plain rawSpecific
	var p plain
	if err := n.Decode(&p); err != nil {
		return nil
	}
	*s = rawSpecific(p)
	return nil
}

// looseString is a string, or empty when the value is of another type.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		*s = looseString(b[1 : len(b)-1])
		return nil
	}
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = looseString(v)
	}
	return nil
}

func (s *looseString) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = looseString(n.Value)
	}
	return nil
}

// looseStrings is a list of strings, keeping only the strings.
type looseStrings []string

func (s *looseStrings) UnmarshalJSON(b []byte) error {
	var vs []json.RawMessage
	if json.Unmarshal(b, &vs) != nil {
		return nil
	}
	for _, raw := range vs {
		var v string
		if json.Unmarshal(raw, &v) == nil {
			*s = append(*s, v)
		}
	}
	return nil
}

func (s *looseStrings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			*s = append(*s, c.Value)
		}
	}
	return nil
}

// skipSink receives what a conversion leaves out: why is a short reason
// shared by many items, where names the item.
type skipSink func(why, where string)

// Decode parses one OSV record, JSON or YAML (told apart by the first
// character), and converts it. Parts of the record that cannot be used (an
// affected entry for an unknown ecosystem or with a malformed range, a
// malformed CVSS vector) are left out and described in skipped. Input that
// is not JSON or YAML gives an error; a record that cannot be used at all
// gives an error matching [ErrUnusable].
func Decode(data []byte) (v vulndb.Vulnerability, skipped []string, err error) {
	var raw rawRecord
	if isJSON(data) {
		err = decodeJSON(data, &raw)
	} else {
		err = decodeYAML(data, &raw)
	}
	if err != nil {
		return vulndb.Vulnerability{}, nil, err
	}
	sink := func(why, where string) { skipped = append(skipped, why+": "+where) }
	v, ok := convert(&raw, sink)
	if !ok {
		return vulndb.Vulnerability{}, skipped, fmt.Errorf("%w: %s", ErrUnusable, strings.Join(skipped, "; "))
	}
	return v, skipped, nil
}

// isJSON reports whether data looks like JSON (its first non-space byte
// opens an object or array).
func isJSON(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(data) > 0 && (data[0] == '{' || data[0] == '[')
}

// decodeJSON decodes one record. A syntax error is returned as is; a
// well-formed document of the wrong shape gives an error matching
// [ErrUnusable].
func decodeJSON(data []byte, raw *rawRecord) error {
	err := json.Unmarshal(data, raw)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%w: %v", ErrUnusable, err)
	}
	return err
}

// decodeYAML is decodeJSON for YAML.
func decodeYAML(data []byte, raw *rawRecord) error {
	err := yaml.Unmarshal(data, raw)
	if err == nil {
		return nil
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%w: %v", ErrUnusable, err)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: empty document", ErrUnusable)
	}
	return err
}

// convert turns a raw record into the model. It reports what it leaves out
// to skip and returns false when the record cannot be used at all.
func convert(r *rawRecord, skip skipSink) (vulndb.Vulnerability, bool) {
	id := strings.TrimSpace(r.ID)
	if id == "" {
		skip("missing id", "")
		return vulndb.Vulnerability{}, false
	}
	if len(id) > maxIDLen {
		skip("id too long", feedinput.Clip(id, 32))
		return vulndb.Vulnerability{}, false
	}
	db := database(id)
	v := vulndb.Vulnerability{
		ID:      id,
		Aliases: cleanIDs(r.Aliases, id),
		Related: cleanIDs(r.Related, id),
		Summary: strings.TrimSpace(r.Summary),
		Details: strings.TrimSpace(r.Details),
	}
	var err error
	if v.Modified, err = parseTime(r.Modified); err != nil {
		skip("unparsable modified time (kept)", id)
	}
	if v.Published, err = parseTime(r.Published); err != nil {
		skip("unparsable published time (kept)", id)
	}
	if w := strings.TrimSpace(r.Withdrawn); w != "" {
		t, err := parseTime(w)
		if err != nil {
			skip("unparsable withdrawn time (kept as withdrawn)", id)
		}
		if t.IsZero() {
			// Withdrawn all the same: never let a bad date revive it.
			t = time.Unix(0, 0).UTC()
		}
		v.Withdrawn = &t
	}

	var ubuntu vulndb.Severity
	v.Severity, ubuntu = convertSeverity(r.Severity, db, func() string { return id }, v.Severity, skip)

	if sev := vulndb.ParseSeverity(string(r.DatabaseSpecific.Severity)); sev != vulndb.Unknown {
		v.Rating = &vulndb.Rating{Severity: sev, Source: db}
	} else if ubuntu != "" && ubuntu != vulndb.Unknown {
		v.Rating = &vulndb.Rating{Severity: ubuntu, Source: "ubuntu"}
	}
	v.CWEs = cleanCWEs(r.DatabaseSpecific.CWEIDs)

	for _, ref := range r.References {
		u := strings.TrimSpace(ref.URL)
		if u == "" {
			continue
		}
		v.References = append(v.References, vulndb.Reference{Type: strings.TrimSpace(ref.Type), URL: u})
	}

	for i := range r.Affected {
		a := &r.Affected[i]
		where := func() string {
			return fmt.Sprintf("%s affected[%d] %q", id, i, feedinput.Clip(a.Package.Ecosystem+"/"+a.Package.Name, 80))
		}
		aff, ok := convertAffected(a, db, where, skip)
		if !ok {
			continue
		}
		var ub vulndb.Severity
		v.Severity, ub = convertSeverity(a.Severity, db, where, v.Severity, skip)
		if aff.Rating == nil && ub != "" && ub != vulndb.Unknown {
			aff.Rating = &vulndb.Rating{Severity: ub, Source: "ubuntu"}
		}
		v.Affected = append(v.Affected, aff)
	}
	if len(r.Affected) > 0 && len(v.Affected) == 0 && !v.IsWithdrawn() {
		skip("record skipped: no usable affected entry", id)
		return vulndb.Vulnerability{}, false
	}
	return v, true
}

// convertSeverity appends the CVSS vectors of sevs to dst (without
// duplicates) and returns the Ubuntu priority, if one is given.
func convertSeverity(sevs []rawSeverity, db string, where func() string, dst []vulndb.CVSS, skip skipSink) ([]vulndb.CVSS, vulndb.Severity) {
	var ubuntu vulndb.Severity
	for _, s := range sevs {
		typ := strings.TrimSpace(s.Type)
		switch typ {
		case vulndb.CVSSV2, vulndb.CVSSV3, vulndb.CVSSV4:
			c, err := vulndb.ParseCVSS(typ, s.Score)
			if err != nil {
				skip("malformed CVSS vector dropped", where()+" "+feedinput.Clip(s.Score, 80))
				continue
			}
			c.Source = db
			if !hasVector(dst, c.Vector) {
				dst = append(dst, c)
			}
		case "Ubuntu":
			ubuntu = vulndb.ParseSeverity(s.Score)
		default:
			skip("unknown severity type dropped", where()+" "+feedinput.Clip(typ, 40))
		}
	}
	return dst, ubuntu
}

func hasVector(cs []vulndb.CVSS, vector string) bool {
	for _, c := range cs {
		if c.Vector == vector {
			return true
		}
	}
	return false
}

// convertAffected converts one affected entry; false means it cannot be
// used, and skip has been told why.
func convertAffected(a *rawAffected, db string, where func() string, skip skipSink) (vulndb.Affected, bool) {
	eco := strings.TrimSpace(a.Package.Ecosystem)
	name := strings.TrimSpace(a.Package.Name)
	if eco == "" || name == "" {
		skip("affected entry without package ecosystem or name", where())
		return vulndb.Affected{}, false
	}
	cmp, ok := version.ForEcosystem(eco)
	if !ok {
		skip(fmt.Sprintf("unknown ecosystem %q", feedinput.Clip(vulndb.BaseEcosystem(eco), 40)), where())
		return vulndb.Affected{}, false
	}
	aff := vulndb.Affected{
		Package: vulndb.Package{Ecosystem: eco, Name: name, PURL: strings.TrimSpace(a.Package.PURL)},
	}
	hadGit, fixed := false, false
	for j := range a.Ranges {
		rg := &a.Ranges[j]
		typ := strings.ToUpper(strings.TrimSpace(rg.Type))
		var ck checker
		switch typ {
		case "GIT":
			// Commit ranges cannot be evaluated on installed versions.
			hadGit = true
			continue
		case "SEMVER":
			// SemVer 2.0 by the schema, and comparable by the ecosystem's
			// rules, which the matcher applies.
			ck = checker{kind: "SEMVER", strict: semverValid, valid: func(v string) bool { return version.Valid(eco, v) }, compare: cmp.Compare}
		case "ECOSYSTEM":
			ck = checker{kind: "ECOSYSTEM", valid: func(v string) bool { return version.Valid(eco, v) }, compare: cmp.Compare}
		default:
			skip("unknown range type", fmt.Sprintf("%s ranges[%d] %q", where(), j, feedinput.Clip(rg.Type, 40)))
			return vulndb.Affected{}, false
		}
		events, hasFixed, why, detail := ck.events(rg.Events)
		if why != "" {
			skip(why, fmt.Sprintf("%s ranges[%d] %s", where(), j, detail))
			return vulndb.Affected{}, false
		}
		fixed = fixed || hasFixed
		aff.Ranges = append(aff.Ranges, vulndb.Range{Type: typ, Events: events})
	}
	for _, ver := range a.Versions {
		ver = strings.TrimSpace(ver)
		if ver == "" {
			continue
		}
		if !version.Valid(eco, ver) {
			skip("unparsable listed version dropped", fmt.Sprintf("%s %q", where(), feedinput.Clip(ver, 40)))
			continue
		}
		aff.Versions = append(aff.Versions, ver)
	}
	if len(aff.Ranges) == 0 && len(aff.Versions) == 0 {
		if hadGit {
			skip("affected entry with only GIT ranges and no versions", where())
		} else {
			skip("affected entry with no ranges or versions", where())
		}
		return vulndb.Affected{}, false
	}
	if fixed {
		aff.Status = vulndb.StatusFixed
	} else {
		aff.Status = vulndb.StatusNotFixed
	}
	if sev := vulndb.ParseSeverity(string(a.DatabaseSpecific.Severity)); sev != vulndb.Unknown {
		aff.Rating = &vulndb.Rating{Severity: sev, Source: db}
	}
	return aff, true
}

func semverValid(v string) bool {
	_, err := semver.Parse(v)
	return err == nil
}

// checker validates the events of one range with its version rules.
type checker struct {
	kind string
	// strict, if set, is a syntax every version must also have (SemVer
	// for a SEMVER range).
	strict  func(string) bool
	valid   func(string) bool
	compare func(a, b string) (int, error)
}

// events checks and converts a range's events: each names exactly one
// version, there is an introduced event, not both fixed and last_affected,
// and every version parses. An introduced event directly followed by a
// fixed or last_affected event must not be above it ("events out of
// order": the pair is inverted, a data error). The events are returned in
// ascending order, "0" first and limits last, as the schema's evaluation
// sorts them, so a matcher can walk them in turn: OSV allows pairs in any
// order (PyPA lists newer branches first). why is empty when they are
// good; detail names the offending value.
func (ck checker) events(raw []rawEvent) (out []vulndb.Event, hasFixed bool, why, detail string) {
	if len(raw) == 0 {
		return nil, false, "range without events", ""
	}
	out = make([]vulndb.Event, 0, len(raw))
	var limits []vulndb.Event
	var introduced, lastAffd bool
	for k, e := range raw {
		var (
			val  string
			n    int
			kind byte
		)
		if e.Introduced != nil {
			n, val, kind = n+1, *e.Introduced, 'i'
		}
		if e.Fixed != nil {
			n, val, kind = n+1, *e.Fixed, 'f'
		}
		if e.LastAffected != nil {
			n, val, kind = n+1, *e.LastAffected, 'l'
		}
		if e.Limit != nil {
			n, val, kind = n+1, *e.Limit, 'm'
		}
		if n != 1 {
			return nil, false, "event with no or several fields", fmt.Sprintf("events[%d]", k)
		}
		val = strings.TrimSpace(val)
		if val == "" {
			return nil, false, "event with an empty version", fmt.Sprintf("events[%d]", k)
		}
		if ck.strict != nil && !(kind == 'i' && val == "0") && !(kind == 'm' && val == "*") && !ck.strict(val) {
			return nil, false, "unparsable " + ck.kind + " version", fmt.Sprintf("%q", feedinput.Clip(val, 40))
		}
		switch kind {
		case 'i':
			introduced = true
			out = append(out, vulndb.Event{Introduced: val})
		case 'f':
			hasFixed = true
			out = append(out, vulndb.Event{Fixed: val})
		case 'l':
			lastAffd = true
			out = append(out, vulndb.Event{LastAffected: val})
		case 'm':
			if val != "*" && !ck.valid(val) {
				return nil, false, "unparsable " + ck.kind + " version", fmt.Sprintf("%q", feedinput.Clip(val, 40))
			}
			limits = append(limits, vulndb.Event{Limit: val})
		}
	}
	if !introduced {
		return nil, false, "range without introduced event", ""
	}
	if hasFixed && lastAffd {
		return nil, false, "range with both fixed and last_affected", ""
	}
	// Compare neighbours: this both checks the order and parses the
	// versions; those no comparison touched are parsed on their own.
	var checked [8]bool
	covered := checked[:0]
	if len(out) > len(checked) {
		covered = make([]bool, 0, len(out))
	}
	covered = covered[:len(out)]
	sorted := true
	for k := 0; k+1 < len(out); k++ {
		a, b := out[k], out[k+1]
		if a.Introduced == "0" || b.Introduced == "0" {
			c, _ := ck.cmp(a, b)
			sorted = sorted && c <= 0
			continue
		}
		c, err := ck.compare(eventVersion(a), eventVersion(b))
		if err != nil {
			bad := eventVersion(b)
			if !ck.valid(eventVersion(a)) {
				bad = eventVersion(a)
			}
			return nil, false, "unparsable " + ck.kind + " version", fmt.Sprintf("%q", feedinput.Clip(bad, 40))
		}
		covered[k], covered[k+1] = true, true
		if c > 0 && a.Introduced != "" && b.Introduced == "" {
			return nil, false, "events out of order", fmt.Sprintf("%q after %q", feedinput.Clip(eventVersion(b), 40), feedinput.Clip(a.Introduced, 40))
		}
		sorted = sorted && c <= 0
	}
	for k, e := range out {
		if !covered[k] && e.Introduced != "0" && !ck.valid(eventVersion(e)) {
			return nil, false, "unparsable " + ck.kind + " version", fmt.Sprintf("%q", feedinput.Clip(eventVersion(e), 40))
		}
	}
	if !sorted {
		var err error
		slices.SortStableFunc(out, func(a, b vulndb.Event) int {
			c, e := ck.cmp(a, b)
			if e != nil && err == nil {
				err = e
			}
			return c
		})
		if err != nil {
			return nil, false, "unparsable " + ck.kind + " version", ""
		}
	}
	return append(out, limits...), hasFixed, "", ""
}

// cmp orders two timeline events by version, introduced "0" first.
func (ck checker) cmp(a, b vulndb.Event) (int, error) {
	az, bz := a.Introduced == "0", b.Introduced == "0"
	switch {
	case az && bz:
		return 0, nil
	case az:
		return -1, nil
	case bz:
		return 1, nil
	}
	return ck.compare(eventVersion(a), eventVersion(b))
}

// eventVersion returns the version an event names.
func eventVersion(e vulndb.Event) string {
	switch {
	case e.Introduced != "":
		return e.Introduced
	case e.Fixed != "":
		return e.Fixed
	case e.LastAffected != "":
		return e.LastAffected
	}
	return e.Limit
}

// parseTime parses an OSV timestamp: RFC 3339, or the same without a zone
// (taken as UTC), or a bare date. Empty is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("osv: unparsable time %q", feedinput.Clip(s, 40))
}

// database returns the short name of the database that issued id, from
// its prefix: "GHSA-…" gives "ghsa", "GO-…" "go".
func database(id string) string {
	prefix, _, ok := strings.Cut(id, "-")
	if !ok || prefix == "" {
		return "osv"
	}
	return strings.ToLower(prefix)
}

// cleanIDs trims ids, dropping empty ones, overlong ones, duplicates and
// self.
func cleanIDs(ids []string, self string) []string {
	var out []string
	for _, a := range ids {
		a = strings.TrimSpace(a)
		if a == "" || a == self || len(a) > maxIDLen || contains(out, a) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// cleanCWEs keeps the "CWE-n" entries, without duplicates.
func cleanCWEs(ids []string) []string {
	var out []string
	for _, c := range ids {
		c = strings.TrimSpace(c)
		if !strings.HasPrefix(c, "CWE-") || len(c) > 32 || contains(out, c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
