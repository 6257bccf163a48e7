package kev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Bounds on what one catalogue entry may hold.
const (
	maxTextLen       = 8 << 10
	maxRansomwareLen = 64
	maxReferences    = 32
	maxCWEs          = 64
)

// entry is one vulnerability of the catalogue, with the field names of
// CISA's schema (known_exploited_vulnerabilities_schema.json).
type entry struct {
	CVEID                      string   `json:"cveID"`
	VendorProject              string   `json:"vendorProject"`
	Product                    string   `json:"product"`
	VulnerabilityName          string   `json:"vulnerabilityName"`
	DateAdded                  string   `json:"dateAdded"`
	ShortDescription           string   `json:"shortDescription"`
	RequiredAction             string   `json:"requiredAction"`
	DueDate                    string   `json:"dueDate"`
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
	Notes                      string   `json:"notes"`
	CWEs                       []string `json:"cwes"`
}

// catalog is what parse learnt of the catalogue besides its entries.
type catalog struct {
	version string
	count   *int
	entries int // entries in the file
	emitted int
}

// parse reads the catalogue from r, named name in errors, and emits one
// record per CVE in the catalogue's order; a CVE listed again is skipped.
// An error from emit is returned as is.
func parse(ctx context.Context, r io.Reader, name string, sk *feedinput.SkipLog, emit func(vulndb.Vulnerability) error) (catalog, error) {
	var cat catalog
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return cat, fmt.Errorf("kev: %s: %w", name, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return cat, fmt.Errorf("kev: %s: not a KEV catalogue: want an object, got %v", name, tok)
	}
	sawVulns := false
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return cat, fmt.Errorf("kev: %s: byte %d: %w", name, dec.InputOffset(), err)
		}
		key, _ := tok.(string)
		switch key {
		case "vulnerabilities":
			if sawVulns {
				return cat, fmt.Errorf("kev: %s: byte %d: vulnerabilities given twice", name, dec.InputOffset())
			}
			sawVulns = true
			if err := parseList(ctx, dec, name, &cat, seen, sk, emit); err != nil {
				return cat, err
			}
		case "catalogVersion":
			if err := dec.Decode(&cat.version); err != nil {
				return cat, fmt.Errorf("kev: %s: catalogVersion: %w", name, err)
			}
			cat.version = feedinput.Clip(cat.version, 64)
		case "count":
			var n int
			if err := dec.Decode(&n); err != nil {
				return cat, fmt.Errorf("kev: %s: count: %w", name, err)
			}
			cat.count = &n
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return cat, fmt.Errorf("kev: %s: %q: %w", name, feedinput.Clip(key, 64), err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return cat, fmt.Errorf("kev: %s: byte %d: %w", name, dec.InputOffset(), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return cat, fmt.Errorf("kev: %s: byte %d: data after the catalogue", name, dec.InputOffset())
	}
	if !sawVulns {
		return cat, fmt.Errorf("kev: %s: not a KEV catalogue: no vulnerabilities", name)
	}
	if cat.emitted == 0 {
		return cat, fmt.Errorf("kev: %s: no usable entry; refusing to replace the catalogue with nothing", name)
	}
	return cat, nil
}

// parseList reads the vulnerabilities array.
func parseList(ctx context.Context, dec *json.Decoder, name string, cat *catalog, seen map[string]bool, sk *feedinput.SkipLog, emit func(vulndb.Vulnerability) error) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("kev: %s: vulnerabilities: %w", name, err)
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("kev: %s: vulnerabilities is not a list", name)
	}
	for i := 0; dec.More(); i++ {
		if i%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("kev: %s: vulnerabilities[%d] (byte %d): %w", name, i, dec.InputOffset(), err)
		}
		cat.entries++
		where := fmt.Sprintf("vulnerabilities[%d]", i)
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			sk.Add("malformed entry", where)
			continue
		}
		v, ok := record(e, where, sk)
		if !ok {
			continue
		}
		if seen[v.ID] {
			sk.Add("CVE listed again", where+" "+v.ID)
			continue
		}
		seen[v.ID] = true
		if err := emit(v); err != nil {
			return err
		}
		cat.emitted++
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("kev: %s: vulnerabilities: %w", name, err)
	}
	return nil
}

// record maps one entry; false when it must be skipped.
func record(e entry, where string, sk *feedinput.SkipLog) (vulndb.Vulnerability, bool) {
	id := strings.TrimSpace(e.CVEID)
	if !validCVE(id) {
		sk.Add("invalid cveID", fmt.Sprintf("%s %q", where, feedinput.Clip(id, 64)))
		return vulndb.Vulnerability{}, false
	}
	where += " " + id
	added := strings.TrimSpace(e.DateAdded)
	if !validDate(added) {
		sk.Add("invalid dateAdded", where)
		return vulndb.Vulnerability{}, false
	}
	due := strings.TrimSpace(e.DueDate)
	if due != "" && !validDate(due) {
		sk.Add("invalid dueDate (field dropped)", where)
		due = ""
	}
	v := vulndb.Vulnerability{
		ID:      id,
		Summary: feedinput.Clip(strings.TrimSpace(e.VulnerabilityName), maxTextLen),
		Details: feedinput.Clip(strings.TrimSpace(e.ShortDescription), maxTextLen),
		KEV: &vulndb.KEV{
			DateAdded:       added,
			DueDate:         due,
			KnownRansomware: feedinput.Clip(strings.TrimSpace(e.KnownRansomwareCampaignUse), maxRansomwareLen),
		},
	}
	if ra := strings.TrimSpace(e.RequiredAction); ra != "" {
		sep := "\n\n"
		if v.Details == "" {
			sep = ""
		}
		v.Details = feedinput.Clip(v.Details+sep+"Required action: "+ra, 2*maxTextLen)
	}
	for _, c := range e.CWEs {
		c = strings.TrimSpace(c)
		if !validCWE(c) {
			sk.Add("invalid CWE (dropped)", where+" "+feedinput.Clip(c, 32))
			continue
		}
		if len(v.CWEs) < maxCWEs {
			v.CWEs = append(v.CWEs, c)
		}
	}
	v.References = noteURLs(e.Notes)
	return v, true
}

// noteURLs returns the http(s) URLs of the notes field, which CISA
// separates with " ; ".
func noteURLs(notes string) []vulndb.Reference {
	var out []vulndb.Reference
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(notes, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		if len(out) >= maxReferences {
			break
		}
		if len(f) > 2048 || !(strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://")) || seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, vulndb.Reference{Type: "WEB", URL: f})
	}
	return out
}

// validCVE matches ^CVE-[0-9]{4}-[0-9]{4,19}$, the schema's pattern.
func validCVE(s string) bool {
	if len(s) < 13 || len(s) > 28 || s[:4] != "CVE-" || s[8] != '-' {
		return false
	}
	return digits(s[4:8]) && digits(s[9:])
}

// validCWE matches ^CWE-[0-9]+$.
func validCWE(s string) bool {
	return len(s) > 4 && len(s) <= 16 && s[:4] == "CWE-" && digits(s[4:])
}

// validDate matches YYYY-MM-DD.
func validDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
