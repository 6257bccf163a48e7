package debian

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/portcullis-oci/portcullis/internal/version"
	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Bounds on what one entry of the tracker may hold.
const (
	maxNameLen        = 256
	maxIDLen          = 128
	maxVersionLen     = 256
	maxDescriptionLen = 16 << 10
	maxBugsPerIssue   = 64
)

// Fix statuses, packed.
const (
	stFixed uint8 = iota
	stNotFixed
	stWontFix
	stNotAffected
)

// trackerIssue is the tracker's view of one issue in one source package.
type trackerIssue struct {
	Description string                    `json:"description"`
	DebianBug   json.RawMessage           `json:"debianbug"`
	Releases    map[string]trackerRelease `json:"releases"`
}

// looseIssue is trackerIssue for the slow path that finds the bad part.
type looseIssue struct {
	Description string          `json:"description"`
	DebianBug   json.RawMessage `json:"debianbug"`
	Releases    json.RawMessage `json:"releases"`
}

// trackerRelease is the state of an issue in one release.
type trackerRelease struct {
	Status       string          `json:"status"`
	FixedVersion *string         `json:"fixed_version"`
	Urgency      string          `json:"urgency"`
	NoDSA        json.RawMessage `json:"nodsa"`
	NoDSAReason  string          `json:"nodsa_reason"`
}

// entry is one (release, source package) of an issue, packed: the real
// tracker holds about two million of them.
type entry struct {
	pkg    string
	fixed  string
	rel    uint16
	status uint8
	sev    uint8 // index into severities; 0 is none
}

// issue gathers an issue's entries across packages.
type issue struct {
	details string
	bugs    []int64
	entries []entry
}

var packedSeverities = [...]vulndb.Severity{"", vulndb.Critical, vulndb.High, vulndb.Medium, vulndb.Low}

func packSeverity(s vulndb.Severity) uint8 {
	for i, p := range packedSeverities {
		if i > 0 && p == s {
			return uint8(i)
		}
	}
	return 0
}

// releaseTable orders the releases and names their ecosystems.
type releaseTable struct {
	byCode     map[string]uint16
	ecosystems []string
}

func newReleaseTable(m map[string]string) *releaseTable {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	// Order by release number, "unstable" and other words last.
	slices.SortFunc(codes, func(a, b string) int {
		ra, rb := m[a], m[b]
		fa, ea := strconv.ParseFloat(ra, 64)
		fb, eb := strconv.ParseFloat(rb, 64)
		switch {
		case ea == nil && eb == nil && fa != fb:
			return cmp.Compare(fa, fb)
		case ea == nil && eb != nil:
			return -1
		case ea != nil && eb == nil:
			return 1
		}
		return cmp.Or(strings.Compare(ra, rb), strings.Compare(a, b))
	})
	t := &releaseTable{byCode: make(map[string]uint16, len(codes))}
	for i, c := range codes {
		t.byCode[c] = uint16(i)
		t.ecosystems = append(t.ecosystems, vulndb.EcosystemDebian+":"+m[c])
	}
	return t
}

// parse reads the tracker's JSON from r, named name in errors, and emits
// one record per issue, sorted by ID. It returns how many it emitted. An
// error from emit is returned as is.
func parse(ctx context.Context, r io.Reader, name string, releases map[string]string, sk *feedinput.SkipLog, emit func(vulndb.Vulnerability) error) (int, error) {
	rt := newReleaseTable(releases)
	issues := make(map[string]*issue)
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return 0, fmt.Errorf("debian: %s: %w", name, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return 0, fmt.Errorf("debian: %s: not the tracker's JSON: want an object of source packages, got %v", name, tok)
	}
	for n := 0; dec.More(); n++ {
		if n%256 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		tok, err := dec.Token()
		if err != nil {
			return 0, fmt.Errorf("debian: %s: byte %d: %w", name, dec.InputOffset(), err)
		}
		pkg, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, fmt.Errorf("debian: %s: package %q (byte %d): %w", name, pkg, dec.InputOffset(), err)
		}
		addPackage(pkg, raw, rt, issues, sk)
	}
	if _, err := dec.Token(); err != nil {
		return 0, fmt.Errorf("debian: %s: byte %d: %w", name, dec.InputOffset(), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("debian: %s: byte %d: data after the tracker's object", name, dec.InputOffset())
	}
	if len(issues) == 0 {
		return 0, fmt.Errorf("debian: %s: no usable issue; refusing to replace the feed with nothing", name)
	}
	return emitAll(ctx, issues, rt, emit)
}

// addPackage adds the issues of one source package.
func addPackage(pkg string, raw json.RawMessage, rt *releaseTable, issues map[string]*issue, sk *feedinput.SkipLog) {
	if !validName(pkg) {
		sk.Add("invalid source package name", fmt.Sprintf("%q", feedinput.Clip(pkg, 80)))
		return
	}
	var typed map[string]trackerIssue
	if err := json.Unmarshal(raw, &typed); err == nil {
		for id, ti := range typed {
			addIssue(pkg, id, ti.Description, ti.DebianBug, ti.Releases, rt, issues, sk)
		}
		return
	}
	// Something in the package is malformed: find it entry by entry.
	var loose map[string]json.RawMessage
	if err := json.Unmarshal(raw, &loose); err != nil {
		sk.Add("package is not an object of issues", pkg)
		return
	}
	for id, rawIssue := range loose {
		var li looseIssue
		if err := json.Unmarshal(rawIssue, &li); err != nil {
			sk.Add("malformed issue", pkg+"/"+feedinput.Clip(id, maxIDLen))
			continue
		}
		rels := map[string]trackerRelease{}
		var rawRels map[string]json.RawMessage
		if len(li.Releases) > 0 && li.Releases[0] == '{' {
			if err := json.Unmarshal(li.Releases, &rawRels); err != nil {
				sk.Add("malformed releases", pkg+"/"+feedinput.Clip(id, maxIDLen))
				continue
			}
		}
		for code, rawRel := range rawRels {
			var tr trackerRelease
			if err := json.Unmarshal(rawRel, &tr); err != nil {
				sk.Add("malformed release entry", pkg+"/"+feedinput.Clip(id, maxIDLen)+"/"+feedinput.Clip(code, 40))
				continue
			}
			rels[code] = tr
		}
		if len(rawRels) > 0 && len(rels) == 0 {
			continue // every release was malformed, and counted
		}
		addIssue(pkg, id, li.Description, li.DebianBug, rels, rt, issues, sk)
	}
}

// addIssue adds one issue of one package.
func addIssue(pkg, id, description string, bug json.RawMessage, rels map[string]trackerRelease, rt *releaseTable, issues map[string]*issue, sk *feedinput.SkipLog) {
	if !validID(id) {
		sk.Add("unrecognised issue ID", pkg+"/"+fmt.Sprintf("%q", feedinput.Clip(id, 80)))
		return
	}
	if len(rels) == 0 {
		sk.Add("issue lists no release", pkg+"/"+id)
		return
	}
	var entries []entry
	for code, tr := range rels {
		where := pkg + "/" + id + "/" + feedinput.Clip(code, 40)
		rel, ok := rt.byCode[code]
		if !ok {
			sk.Add("unknown release code name", where)
			continue
		}
		e, reason := makeEntry(pkg, rt.ecosystems[rel], tr)
		if reason != "" {
			sk.Add(reason, where)
			continue
		}
		e.rel = rel
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return
	}
	is := issues[id]
	if is == nil {
		is = &issue{}
		issues[id] = is
	}
	if is.details == "" {
		is.details = feedinput.Clip(strings.TrimSpace(description), maxDescriptionLen)
	}
	if b, err := strconv.ParseInt(string(bug), 10, 64); err == nil && b > 0 && len(is.bugs) < maxBugsPerIssue && !slices.Contains(is.bugs, b) {
		is.bugs = append(is.bugs, b)
	}
	is.entries = append(is.entries, entries...)
}

// makeEntry maps the tracker's state of an issue in one release to a fix
// status, the way vunnel and grype read it:
//
//   - "undetermined" is skipped (vunnel drops it);
//   - a fixed_version of "0" means the release was never affected;
//   - any other fixed_version is the fix;
//   - no fixed_version is "not fixed", or "won't fix" when the tracker says
//     no DSA will be issued (nodsa), as grype reads vunnel's NoAdvisory.
//
// It returns a non-empty reason when the entry must be skipped.
func makeEntry(pkg, ecosystem string, tr trackerRelease) (entry, string) {
	e := entry{pkg: pkg, sev: packSeverity(urgencySeverity(tr.Urgency))}
	if tr.Status == "undetermined" {
		return e, "status undetermined (vunnel drops these too)"
	}
	switch {
	case tr.FixedVersion != nil && *tr.FixedVersion == "0":
		e.status = stNotAffected
	case tr.FixedVersion != nil:
		v := strings.TrimSpace(*tr.FixedVersion)
		if v == "" || len(v) > maxVersionLen || !version.Valid(ecosystem, v) {
			return e, "invalid fixed version"
		}
		e.status, e.fixed = stFixed, v
	case hasValue(tr.NoDSA):
		e.status = stWontFix
	default:
		e.status = stNotFixed
	}
	return e, ""
}

// urgencySeverity maps the tracker's urgency to a severity: "low", "medium"
// and "high" (with or without the "**" the tracker adds to urgencies it
// took from NVD) as such, "unimportant" as Low (vunnel's Negligible);
// "not yet assigned", "end-of-life" and anything else are no rating, as in
// vunnel's output.
func urgencySeverity(u string) vulndb.Severity {
	u = strings.ToLower(strings.TrimRight(strings.TrimSpace(u), "*"))
	switch u {
	case "", "not yet assigned", "end-of-life", "unknown":
		return ""
	}
	if s := vulndb.ParseSeverity(u); s != vulndb.Unknown {
		return s
	}
	return ""
}

func hasValue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// emitAll builds and emits the records, sorted by ID, releasing each
// issue's entries once emitted.
func emitAll(ctx context.Context, issues map[string]*issue, rt *releaseTable, emit func(vulndb.Vulnerability) error) (int, error) {
	ids := make([]string, 0, len(issues))
	for id := range issues {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if i%1024 == 0 && ctx.Err() != nil {
			return i, ctx.Err()
		}
		v := build(id, issues[id], rt)
		delete(issues, id)
		if err := emit(v); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// build makes the record of one issue.
func build(id string, is *issue, rt *releaseTable) vulndb.Vulnerability {
	slices.SortStableFunc(is.entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.rel, b.rel), strings.Compare(a.pkg, b.pkg))
	})
	// A package listed twice in the file gives the same entry twice.
	is.entries = slices.CompactFunc(is.entries, func(a, b entry) bool { return a.rel == b.rel && a.pkg == b.pkg })
	v := vulndb.Vulnerability{
		ID:         id,
		Details:    is.details,
		References: []vulndb.Reference{{Type: "ADVISORY", URL: TrackerURL + id}},
		Affected:   make([]vulndb.Affected, 0, len(is.entries)),
	}
	slices.Sort(is.bugs)
	for _, b := range is.bugs {
		v.References = append(v.References, vulndb.Reference{Type: "REPORT", URL: "https://bugs.debian.org/" + strconv.FormatInt(b, 10)})
	}
	for _, e := range is.entries {
		a := vulndb.Affected{Package: vulndb.Package{Ecosystem: rt.ecosystems[e.rel], Name: e.pkg}}
		switch e.status {
		case stFixed:
			a.Status = vulndb.StatusFixed
			a.Ranges = []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: e.fixed}}}}
		case stNotFixed:
			a.Status = vulndb.StatusNotFixed
			a.Ranges = []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}}}}
		case stWontFix:
			a.Status = vulndb.StatusWontFix
			a.Ranges = []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}}}}
		case stNotAffected:
			a.Status = vulndb.StatusNotAffected
		}
		if e.sev != 0 {
			a.Rating = &vulndb.Rating{Severity: packedSeverities[e.sev], Source: RatingSource}
		}
		v.Affected = append(v.Affected, a)
	}
	return v
}

// validName accepts what could be a Debian source package name, loosely:
// printable, no spaces or slashes, bounded.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' {
			return false
		}
	}
	return true
}

// validID accepts an upper-case prefix, a dash and a tail of letters,
// digits and punctuation: "CVE-2024-1234", "TEMP-0000000-8E4E43".
func validID(s string) bool {
	if len(s) < 3 || len(s) > maxIDLen {
		return false
	}
	prefix, tail, ok := strings.Cut(s, "-")
	if !ok || prefix == "" || tail == "" {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	for i := 0; i < len(tail); i++ {
		c := tail[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}
