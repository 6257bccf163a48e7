package nvd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Bounds on one record.
const (
	maxIDLen     = 64
	maxNodeDepth = 16 // nesting of legacy 1.1 configuration nodes
	summaryLen   = 200
)

// cveJSON is a CVE object of the API 2.0, reduced to the fields we keep.
// Legacy 1.1 items are converted to it.
type cveJSON struct {
	ID             string          `json:"id"`
	Published      string          `json:"published"`
	LastModified   string          `json:"lastModified"`
	VulnStatus     string          `json:"vulnStatus"`
	Descriptions   []langString    `json:"descriptions"`
	Metrics        metricsJSON     `json:"metrics"`
	Weaknesses     []weaknessJSON  `json:"weaknesses"`
	Configurations []configJSON    `json:"configurations"`
	References     []referenceJSON `json:"references"`
}

type langString struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type metricsJSON struct {
	V40 []metricJSON `json:"cvssMetricV40"`
	V31 []metricJSON `json:"cvssMetricV31"`
	V30 []metricJSON `json:"cvssMetricV30"`
	V2  []metricJSON `json:"cvssMetricV2"`
}

type metricJSON struct {
	Source   string `json:"source"`
	Type     string `json:"type"` // Primary or Secondary
	CVSSData struct {
		Version      string   `json:"version"`
		VectorString string   `json:"vectorString"`
		BaseScore    *float64 `json:"baseScore"`
		BaseSeverity string   `json:"baseSeverity"`
	} `json:"cvssData"`
	BaseSeverity string `json:"baseSeverity"` // v2 keeps it here
}

type weaknessJSON struct {
	Source      string       `json:"source"`
	Type        string       `json:"type"`
	Description []langString `json:"description"`
}

type configJSON struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate"`
	Nodes    []nodeJSON `json:"nodes"`
}

type nodeJSON struct {
	Operator string      `json:"operator"`
	Negate   bool        `json:"negate"`
	CPEMatch []matchJSON `json:"cpeMatch"`
}

type matchJSON struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding"`
	VersionStartExcluding string `json:"versionStartExcluding"`
	VersionEndIncluding   string `json:"versionEndIncluding"`
	VersionEndExcluding   string `json:"versionEndExcluding"`
}

type referenceJSON struct {
	URL  string   `json:"url"`
	Tags []string `json:"tags"`
}

// apiItem is one element of an API 2.0 response's vulnerabilities.
type apiItem struct {
	CVE *cveJSON `json:"cve"`
}

// legacyItem is one element of a 1.1 feed's CVE_Items.
type legacyItem struct {
	CVE struct {
		Meta struct {
			ID string `json:"ID"`
		} `json:"CVE_data_meta"`
		ProblemType struct {
			Data []struct {
				Description []langString `json:"description"`
			} `json:"problemtype_data"`
		} `json:"problemtype"`
		References struct {
			Data []referenceJSON `json:"reference_data"`
		} `json:"references"`
		Description struct {
			Data []langString `json:"description_data"`
		} `json:"description"`
	} `json:"cve"`
	Configurations struct {
		Nodes []legacyNode `json:"nodes"`
	} `json:"configurations"`
	Impact struct {
		V3 struct {
			CVSS legacyCVSS `json:"cvssV3"`
		} `json:"baseMetricV3"`
		V2 struct {
			CVSS     legacyCVSS `json:"cvssV2"`
			Severity string     `json:"severity"`
		} `json:"baseMetricV2"`
	} `json:"impact"`
	PublishedDate    string `json:"publishedDate"`
	LastModifiedDate string `json:"lastModifiedDate"`
}

type legacyCVSS struct {
	Version      string   `json:"version"`
	VectorString string   `json:"vectorString"`
	BaseScore    *float64 `json:"baseScore"`
	BaseSeverity string   `json:"baseSeverity"`
}

type legacyNode struct {
	Operator string       `json:"operator"`
	Negate   bool         `json:"negate"`
	Children []legacyNode `json:"children"`
	CPEMatch []struct {
		Vulnerable            bool   `json:"vulnerable"`
		CPE23URI              string `json:"cpe23Uri"`
		VersionStartIncluding string `json:"versionStartIncluding"`
		VersionStartExcluding string `json:"versionStartExcluding"`
		VersionEndIncluding   string `json:"versionEndIncluding"`
		VersionEndExcluding   string `json:"versionEndExcluding"`
	} `json:"cpe_match"`
}

// modern converts a legacy item to the API 2.0 shape. Every metric of a
// 1.1 feed is NVD's own (Primary).
func (l *legacyItem) modern() *cveJSON {
	c := &cveJSON{
		ID:           l.CVE.Meta.ID,
		Published:    l.PublishedDate,
		LastModified: l.LastModifiedDate,
		Descriptions: l.CVE.Description.Data,
		References:   l.CVE.References.Data,
	}
	for _, p := range l.CVE.ProblemType.Data {
		c.Weaknesses = append(c.Weaknesses, weaknessJSON{Source: nvdSourceID, Type: "Primary", Description: p.Description})
	}
	if v := l.Impact.V3.CVSS; v.VectorString != "" {
		m := metricJSON{Source: nvdSourceID, Type: "Primary"}
		m.CVSSData.Version, m.CVSSData.VectorString, m.CVSSData.BaseScore, m.CVSSData.BaseSeverity = v.Version, v.VectorString, v.BaseScore, v.BaseSeverity
		if v.Version == "3.0" {
			c.Metrics.V30 = append(c.Metrics.V30, m)
		} else {
			c.Metrics.V31 = append(c.Metrics.V31, m)
		}
	}
	if v := l.Impact.V2.CVSS; v.VectorString != "" {
		m := metricJSON{Source: nvdSourceID, Type: "Primary", BaseSeverity: l.Impact.V2.Severity}
		m.CVSSData.Version, m.CVSSData.VectorString, m.CVSSData.BaseScore = v.Version, v.VectorString, v.BaseScore
		c.Metrics.V2 = append(c.Metrics.V2, m)
	}
	var walk func(ns []legacyNode, depth int)
	walk = func(ns []legacyNode, depth int) {
		if depth > maxNodeDepth {
			return
		}
		for _, n := range ns {
			node := nodeJSON{Operator: n.Operator, Negate: n.Negate}
			for _, m := range n.CPEMatch {
				node.CPEMatch = append(node.CPEMatch, matchJSON{
					Vulnerable: m.Vulnerable, Criteria: m.CPE23URI,
					VersionStartIncluding: m.VersionStartIncluding, VersionStartExcluding: m.VersionStartExcluding,
					VersionEndIncluding: m.VersionEndIncluding, VersionEndExcluding: m.VersionEndExcluding,
				})
			}
			if len(node.CPEMatch) > 0 {
				c.Configurations = append(c.Configurations, configJSON{Operator: n.Operator, Nodes: []nodeJSON{node}})
			}
			// A negated parent negates its children.
			children := n.Children
			if n.Negate {
				children = nil
			}
			walk(children, depth+1)
		}
	}
	walk(l.Configurations.Nodes, 0)
	for _, d := range l.CVE.Description.Data {
		if strings.HasPrefix(d.Value, "** REJECT **") {
			c.VulnStatus = statusRejected
		}
	}
	return c
}

const (
	nvdSourceID    = "nvd@nist.gov"
	statusRejected = "Rejected"
	// nvdName is the Source of NVD's own CVSS vectors and ratings.
	nvdName = "nvd"
)

// skipSink receives what a conversion leaves out.
type skipSink func(why, where string)

// errSyntax marks input that is not JSON at all; the import stops.
type errSyntax struct{ err error }

func (e errSyntax) Error() string { return "not valid JSON: " + e.err.Error() }
func (e errSyntax) Unwrap() error { return e.err }

// isSyntax reports whether err from a JSON decoder means the input is not
// JSON (as opposed to JSON of the wrong shape).
func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// docInfo is what a document says about itself (an API page's counters).
type docInfo struct {
	TotalResults   int
	StartIndex     int
	ResultsPerPage int
	HaveTotal      bool
	// Items is the number of elements of the document's array (or 1 for a
	// single CVE), whether usable or not.
	Items int
}

// decodeDoc reads one JSON document: an API 2.0 response, a legacy 1.1
// feed, a single CVE (bare or as {"cve":…}) or an array of those, and
// calls each with every CVE it holds, in order. An element of the wrong
// shape is reported to skip; input that is not JSON is an error naming
// the element's index.
func decodeDoc(r io.Reader, skip skipSink, each func(where string, c *cveJSON) error) (docInfo, error) {
	var info docInfo
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return info, errSyntax{err}
	}
	switch tok {
	case json.Delim('['):
		err := decodeArray(dec, "[%d]", skip, &info, func(raw json.RawMessage, where string) error {
			return decodeOne(raw, where, skip, each)
		})
		if err != nil {
			return info, err
		}
		if _, err := dec.Token(); err != nil {
			return info, errSyntax{err}
		}
		return info, expectEOF(dec)
	case json.Delim('{'):
	default:
		return info, errors.New("not an NVD document: neither an object nor an array")
	}
	rest := map[string]json.RawMessage{}
	container := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return info, errSyntax{err}
		}
		key, _ := tok.(string)
		switch key {
		case "vulnerabilities":
			container = true
			err = expectArray(dec, func() error {
				return decodeArray(dec, "vulnerabilities[%d]", skip, &info, func(raw json.RawMessage, where string) error {
					var it apiItem
					if err := json.Unmarshal(raw, &it); err != nil || it.CVE == nil {
						skip("malformed record", where)
						return nil
					}
					return each(where, it.CVE)
				})
			})
		case "CVE_Items":
			container = true
			err = expectArray(dec, func() error {
				return decodeArray(dec, "CVE_Items[%d]", skip, &info, func(raw json.RawMessage, where string) error {
					var it legacyItem
					if err := json.Unmarshal(raw, &it); err != nil {
						skip("malformed record", where)
						return nil
					}
					return each(where, it.modern())
				})
			})
		case "totalResults", "startIndex", "resultsPerPage":
			var n int
			if err = dec.Decode(&n); err != nil && !isSyntax(err) {
				err = fmt.Errorf("%s: %w", key, err)
				break
			}
			switch key {
			case "totalResults":
				info.TotalResults, info.HaveTotal = n, true
			case "startIndex":
				info.StartIndex = n
			default:
				info.ResultsPerPage = n
			}
		default:
			var raw json.RawMessage
			err = dec.Decode(&raw)
			if err == nil && !container {
				rest[key] = raw
			}
		}
		if err != nil {
			if isSyntax(err) {
				return info, errSyntax{err}
			}
			return info, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return info, errSyntax{err}
	}
	if err := expectEOF(dec); err != nil {
		return info, err
	}
	if container {
		return info, nil
	}
	// A single CVE: bare, {"cve": …}, or a legacy item.
	info.Items = 1
	whole, err := json.Marshal(rest)
	if err != nil {
		return info, err
	}
	return info, decodeOne(whole, "", skip, each)
}

// decodeOne decodes a single CVE in any of its shapes.
func decodeOne(raw json.RawMessage, where string, skip skipSink, each func(string, *cveJSON) error) error {
	var probe struct {
		ID  string          `json:"id"`
		CVE json.RawMessage `json:"cve"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		skip("malformed record", where)
		return nil
	}
	switch {
	case probe.ID != "":
		var c cveJSON
		if err := json.Unmarshal(raw, &c); err != nil {
			skip("malformed record", where)
			return nil
		}
		return each(where, &c)
	case bytes.Contains(probe.CVE, []byte(`"CVE_data_meta"`)):
		var it legacyItem
		if err := json.Unmarshal(raw, &it); err != nil {
			skip("malformed record", where)
			return nil
		}
		return each(where, it.modern())
	case len(probe.CVE) > 0:
		var it apiItem
		if err := json.Unmarshal(raw, &it); err != nil || it.CVE == nil {
			skip("malformed record", where)
			return nil
		}
		return each(where, it.CVE)
	}
	skip("not a CVE record", where)
	return nil
}

func expectArray(dec *json.Decoder, body func() error) error {
	tok, err := dec.Token()
	if err != nil {
		return errSyntax{err}
	}
	if tok != json.Delim('[') {
		if tok == nil {
			return nil // null: no records
		}
		return errors.New("not an NVD document: records are not an array")
	}
	if err := body(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != nil {
		return errSyntax{err}
	}
	return nil
}

// decodeArray reads the elements of an array whose '[' has been read, up
// to (not including) its ']'.
func decodeArray(dec *json.Decoder, format string, skip skipSink, info *docInfo, f func(json.RawMessage, string) error) error {
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("record "+format+": %w", i, errSyntax{err})
		}
		info.Items++
		if err := f(raw, fmt.Sprintf(format, i)); err != nil {
			return err
		}
	}
	return nil
}

func expectEOF(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("not valid JSON: data after the document")
	}
	return nil
}

// convert turns a CVE into the model; false means it cannot be used and
// skip has been told why.
func convert(c *cveJSON, where string, skip skipSink) (vulndb.Vulnerability, bool) {
	id := strings.TrimSpace(c.ID)
	if id == "" {
		skip("missing id", where)
		return vulndb.Vulnerability{}, false
	}
	if len(id) > maxIDLen || !utf8.ValidString(id) {
		skip("malformed id", where)
		return vulndb.Vulnerability{}, false
	}
	v := vulndb.Vulnerability{ID: id}
	var err error
	if v.Published, err = parseTime(c.Published); err != nil {
		skip("unparsable published time (kept)", id)
	}
	if v.Modified, err = parseTime(c.LastModified); err != nil {
		skip("unparsable lastModified time (kept)", id)
	}
	if strings.EqualFold(strings.TrimSpace(c.VulnStatus), statusRejected) {
		t := v.Modified
		if t.IsZero() {
			t = v.Published
		}
		if t.IsZero() {
			t = time.Unix(0, 0).UTC()
		}
		v.Withdrawn = &t
	}
	for _, d := range c.Descriptions {
		if strings.EqualFold(d.Lang, "en") && strings.TrimSpace(d.Value) != "" {
			v.Details = strings.TrimSpace(d.Value)
			v.Summary = summarize(v.Details)
			break
		}
	}
	v.Severity, v.Rating = convertMetrics(&c.Metrics, id, skip)
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			cwe := strings.TrimSpace(d.Value)
			if strings.HasPrefix(cwe, "CWE-") && len(cwe) <= 32 && !contains(v.CWEs, cwe) {
				v.CWEs = append(v.CWEs, cwe)
			}
		}
	}
	for _, r := range c.References {
		u := strings.TrimSpace(r.URL)
		if u == "" || hasRef(v.References, u) {
			continue
		}
		v.References = append(v.References, vulndb.Reference{Type: refType(r.Tags), URL: u})
	}
	v.Affected = convertConfigurations(c.Configurations, id, skip)
	return v, true
}

// metricList is one of the cvssMetric lists, in Rating priority order.
type metricList struct {
	typ     string
	metrics []metricJSON
	v2      bool
}

// convertMetrics converts the CVSS metrics, and picks the Rating: the
// severity of the first usable metric in the order v4.0, v3.1, v3.0, v2,
// NVD's own (Primary) before others' within each version.
func convertMetrics(m *metricsJSON, id string, skip skipSink) ([]vulndb.CVSS, *vulndb.Rating) {
	lists := []metricList{
		{vulndb.CVSSV4, m.V40, false},
		{vulndb.CVSSV3, m.V31, false},
		{vulndb.CVSSV3, m.V30, false},
		{vulndb.CVSSV2, m.V2, true},
	}
	var (
		out    []vulndb.CVSS
		rating *vulndb.Rating
	)
	for _, l := range lists {
		var primary, secondary *vulndb.Rating
		for _, mt := range l.metrics {
			c, err := vulndb.ParseCVSS(l.typ, mt.CVSSData.VectorString)
			if err != nil {
				skip("malformed CVSS vector dropped", id+" "+feedinput.Clip(mt.CVSSData.VectorString, 80))
				continue
			}
			if mt.CVSSData.BaseScore != nil && *mt.CVSSData.BaseScore >= 0 && *mt.CVSSData.BaseScore <= 10 {
				c.Score = *mt.CVSSData.BaseScore
			}
			isPrimary := strings.EqualFold(mt.Type, "Primary")
			if isPrimary {
				c.Source = nvdName
			} else {
				c.Source = feedinput.Clip(strings.TrimSpace(mt.Source), 128)
			}
			if !hasCVSS(out, c) {
				out = append(out, c)
			}
			sevText := mt.CVSSData.BaseSeverity
			if l.v2 || sevText == "" {
				sevText = firstNonEmpty(mt.BaseSeverity, sevText)
			}
			sev := vulndb.ParseSeverity(sevText)
			if sev == vulndb.Unknown {
				sev = scoreSeverity(c.Score, l.v2)
			}
			r := &vulndb.Rating{Severity: sev, Source: nvdName}
			if isPrimary && primary == nil {
				primary = r
			} else if !isPrimary && secondary == nil {
				secondary = r
			}
		}
		if rating == nil {
			if primary != nil {
				rating = primary
			} else if secondary != nil {
				rating = secondary
			}
		}
	}
	return out, rating
}

// scoreSeverity maps a base score to its qualitative severity, as CVSS
// v3/v4 and (for v2, which has no "critical") NVD define the bands.
func scoreSeverity(score float64, v2 bool) vulndb.Severity {
	switch {
	case v2 && score >= 7:
		return vulndb.High
	case score >= 9:
		return vulndb.Critical
	case score >= 7:
		return vulndb.High
	case score >= 4:
		return vulndb.Medium
	case score > 0 || (v2 && score == 0):
		return vulndb.Low
	}
	return vulndb.Unknown
}

func hasCVSS(cs []vulndb.CVSS, c vulndb.CVSS) bool {
	for _, x := range cs {
		if x.Vector == c.Vector && x.Source == c.Source {
			return true
		}
	}
	return false
}

// convertConfigurations turns the CPE configurations into one Affected
// per vendor:product, in order of first appearance, holding that
// product's vulnerable matches. Only matches marked vulnerable are kept:
// in an AND configuration ("app on platform X") the platform's matches
// are not vulnerable and are dropped, so the app's matches stand alone.
// Negated nodes are dropped.
func convertConfigurations(cfgs []configJSON, id string, skip skipSink) []vulndb.Affected {
	var out []vulndb.Affected
	index := map[string]int{}
	for _, cfg := range cfgs {
		if cfg.Negate {
			continue
		}
		for _, n := range cfg.Nodes {
			if n.Negate {
				continue
			}
			for _, m := range n.CPEMatch {
				if !m.Vulnerable {
					continue
				}
				crit := strings.TrimSpace(m.Criteria)
				cpe, err := parseCPE(crit)
				if err != nil {
					skip("malformed CPE match dropped", id+" "+feedinput.Clip(crit, 80))
					continue
				}
				name := cpe.vendor + ":" + cpe.product
				i, ok := index[name]
				if !ok {
					i = len(out)
					index[name] = i
					out = append(out, vulndb.Affected{Package: vulndb.Package{Ecosystem: vulndb.EcosystemNVD, Name: name}})
				}
				cm := vulndb.CPEMatch{
					Criteria:              crit,
					VersionStartIncluding: strings.TrimSpace(m.VersionStartIncluding),
					VersionStartExcluding: strings.TrimSpace(m.VersionStartExcluding),
					VersionEndIncluding:   strings.TrimSpace(m.VersionEndIncluding),
					VersionEndExcluding:   strings.TrimSpace(m.VersionEndExcluding),
				}
				if !containsMatch(out[i].CPEs, cm) {
					out[i].CPEs = append(out[i].CPEs, cm)
				}
			}
		}
	}
	return out
}

func containsMatch(ms []vulndb.CPEMatch, m vulndb.CPEMatch) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// refType maps NVD reference tags to an OSV reference type.
func refType(tags []string) string {
	best := "WEB"
	for _, t := range tags {
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "patch":
			return "FIX"
		case "vendor advisory", "third party advisory", "us government resource", "vdb entry":
			best = "ADVISORY"
		case "exploit":
			if best == "WEB" {
				best = "EVIDENCE"
			}
		case "issue tracking":
			if best == "WEB" {
				best = "REPORT"
			}
		case "mailing list":
			if best == "WEB" {
				best = "DISCUSSION"
			}
		}
	}
	return best
}

func hasRef(rs []vulndb.Reference, u string) bool {
	for _, r := range rs {
		if r.URL == u {
			return true
		}
	}
	return false
}

// summarize returns the first sentence of a description, shortened to
// about summaryLen bytes at a word boundary.
func summarize(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if len(s) <= summaryLen {
		return s
	}
	cut := strings.LastIndexByte(s[:summaryLen], ' ')
	if cut < summaryLen/2 {
		cut = summaryLen
	}
	return feedinput.Clip(s, cut)
}

// parseTime parses NVD's timestamps: API 2.0 "2006-01-02T15:04:05.000"
// (UTC, no zone), 1.1 "2006-01-02T15:04Z", and RFC 3339.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("nvd: unparsable time %q", feedinput.Clip(s, 40))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
