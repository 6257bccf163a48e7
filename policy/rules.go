package policy

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portcullis-oci/portcullis/internal/selector"
	"github.com/portcullis-oci/portcullis/scan"
)

// Rules is the default policy: rules, exceptions, VEX documents and
// fail-closed settings loaded from a YAML or JSON document (see the package
// documentation for the schema). It is immutable once loaded and safe for
// concurrent use.
type Rules struct {
	name        string
	file        string
	description string
	settings    settings
	bases       []baseEntry
	rules       []*rule
	exceptions  []*exception
	// excByID indexes exceptions scoped by vulnerability; excOther holds
	// the rest (scoped by package, repository or digest only).
	excByID     map[string][]*exception
	excIDs      idFilter
	excOther    []*exception
	vex         *vexIndex
	vexCount    int // statements in vex, to number the input's after them
	maxEvidence int
	needBase    bool // some rule is limited by layer scope
	hasCEL      bool
	scratch     sync.Pool // of *scratch
}

// Name returns the policy's name (its name field, or the file name).
func (p *Rules) Name() string { return p.name }

// RuleNames returns the names of the rules, in order.
func (p *Rules) RuleNames() []string {
	out := make([]string, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.name
	}
	return out
}

type settings struct {
	allowUnscanned     bool
	allowIncomplete    bool
	allowUnmatched     bool
	allowStaleDatabase bool
	maxDatabaseAge     time.Duration
	maxScanAge         time.Duration // 0: no limit
}

// baseEntry is one of the policy's known base images.
type baseEntry struct {
	name, digest string
	layers       int
	diffIDs      []string
	line         int
}

// layerScope limits a criterion to some layers.
type layerScope int

const (
	scopeAll layerScope = iota
	scopeAboveBase
	scopeBase
)

func (s layerScope) String() string {
	switch s {
	case scopeAboveBase:
		return "in layers above the base image"
	case scopeBase:
		return "in the base image's layers"
	}
	return ""
}

// rule is a compiled rule.
type rule struct {
	name, description string
	line              int
	verdict           Verdict
	tag, repository   *selector.String
	vulns             *vulnCriterion
	pkgs              *pkgCriterion
	requiredLabels    []string
	scanAge           *comparison
	databaseAge       *comparison
	cel               *celExpr
}

// Severity indexes of counts: the five severities, then all.
const (
	sevCritical = iota
	sevHigh
	sevMedium
	sevLow
	sevUnknown
	sevAll
	numSev = sevAll
)

var sevNames = [...]string{"critical", "high", "medium", "low", "unknown", "all"}

// sevIndex maps a finding's severity to its index; anything unrated is
// unknown.
func sevIndex(s string) uint8 {
	switch s {
	case "CRITICAL":
		return sevCritical
	case "HIGH":
		return sevHigh
	case "MEDIUM":
		return sevMedium
	case "LOW":
		return sevLow
	}
	return sevUnknown
}

// vulnCriterion counts the findings that pass a filter and compares the
// counts.
type vulnCriterion struct {
	counts  [numSev + 1]*comparison
	fixable *bool
	kev     *bool
	// maxSev is the least severe index included (sevUnknown: all).
	maxSev         int
	cvss           *comparison
	epss           *comparison
	epssPercentile *comparison
	age            *comparison // seconds since publication
	ids            map[string]bool
	pkg            *componentMatch
	layers         layerScope
	// plain: no per-finding filter beyond severity, so precomputed counts
	// serve.
	plain bool
	// implicit: no count was given, so all ">= 1" is meant.
	implicit bool
	filter   string // the filter in words, for messages
}

// componentMatch selects packages by name and package URL.
type componentMatch struct {
	nameOneOf, nameNotOneOf map[string]bool
	purlOneOf, purlNotOneOf []purlPattern
}

func (c *componentMatch) match(name string, u *scan.PURL) bool {
	if c.nameOneOf != nil && !c.nameOneOf[name] {
		return false
	}
	if c.nameNotOneOf != nil && c.nameNotOneOf[name] {
		return false
	}
	if c.purlOneOf != nil {
		ok := false
		for i := range c.purlOneOf {
			if c.purlOneOf[i].match(u) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for i := range c.purlNotOneOf {
		if c.purlNotOneOf[i].match(u) {
			return false
		}
	}
	return true
}

func (c *componentMatch) String() string {
	var parts []string
	list := func(m map[string]bool) string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return strings.Join(out, ", ")
	}
	pats := func(ps []purlPattern) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.src)
		}
		return strings.Join(out, ", ")
	}
	if c.nameOneOf != nil {
		parts = append(parts, "named one of "+list(c.nameOneOf))
	}
	if c.nameNotOneOf != nil {
		parts = append(parts, "named none of "+list(c.nameNotOneOf))
	}
	if c.purlOneOf != nil {
		parts = append(parts, "with a package URL under one of "+pats(c.purlOneOf))
	}
	if c.purlNotOneOf != nil {
		parts = append(parts, "with a package URL under none of "+pats(c.purlNotOneOf))
	}
	return strings.Join(parts, ", ")
}

// pkgCriterion fires when at least one package passes its filter.
type pkgCriterion struct {
	comp    *componentMatch
	license *licenseMatch
	layers  layerScope
	filter  string
}

// exception is a compiled exception.
type exception struct {
	line          int
	vulnerability string
	purl          *purlPattern
	repository    *selector.String
	digest        string
	rules         map[string]bool
	ruleList      []string
	reason, owner string
	expires       time.Time
	source        string
	index         int
}

// appliesTo reports whether the exception covers rule name.
func (e *exception) appliesTo(name string) bool { return e.rules == nil || e.rules[name] }

func (e *exception) String() string {
	var scope []string
	if e.vulnerability != "" {
		scope = append(scope, e.vulnerability)
	}
	if e.purl != nil {
		scope = append(scope, e.purl.src)
	}
	if e.repository != nil {
		scope = append(scope, "repository "+e.repository.GlobSrc)
	}
	if e.digest != "" {
		scope = append(scope, e.digest)
	}
	return fmt.Sprintf("exception at %s (%s; owner %s)", e.source, strings.Join(scope, ", "), e.owner)
}

var _ Policy = (*Rules)(nil)

// idFilter is a quick test that rules out most IDs before a map lookup:
// one bit per (length, last byte) pair, folded into 64×64 bits.
type idFilter [64]uint64

func (f *idFilter) add(id string) {
	if id != "" {
		f[len(id)&63] |= 1 << (id[len(id)-1] & 63)
	}
}

func (f *idFilter) mayHave(id string) bool {
	return id != "" && f[len(id)&63]&(1<<(id[len(id)-1]&63)) != 0
}
