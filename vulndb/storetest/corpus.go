package storetest

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// Corpus generates realistic vulnerability records for tests and
// benchmarks of stores: GHSA-style IDs with a CVE alias, one to three
// affected packages across language and distribution ecosystems with
// ranges, CVSS vectors, references and a few hundred bytes of details.
// Package popularity is skewed, as in real feeds: most packages have one
// or two records, about twenty have a hundred or more, and the most
// popular about a thousand, in a corpus of 300,000.
//
// Records are a pure function of the seed and their index, so a corpus of
// any size is generated without being held in memory.
type Corpus struct {
	seed uint64
	n    int
	// pool is the number of distinct package names per ecosystem.
	pool int
}

// NewCorpus returns the corpus of n records for seed.
func NewCorpus(seed uint64, n int) *Corpus {
	pool := n / 8
	if pool < 16 {
		pool = 16
	}
	return &Corpus{seed: seed, n: n, pool: pool}
}

// Len returns the number of records.
func (c *Corpus) Len() int { return c.n }

// All yields the records in order.
func (c *Corpus) All() iter.Seq[vulndb.Vulnerability] {
	return func(yield func(vulndb.Vulnerability) bool) {
		for i := range c.n {
			if !yield(c.Record(i)) {
				return
			}
		}
	}
}

// idModulus is 20^12, the number of GHSA IDs; idMultiplier is coprime to
// it, so i ↦ i·idMultiplier mod idModulus is a bijection and IDs never
// repeat.
const (
	idModulus    = 4096000000000000
	idMultiplier = 25214903917
	ghsaAlphabet = "23456789cfghjmpqrvwx"
)

type ecosystem struct {
	name   string
	weight int
	rng    string // range type
	distro bool
}

var ecosystems = []ecosystem{
	{vulndb.EcosystemNPM, 25, "SEMVER", false},
	{vulndb.EcosystemPyPI, 15, "ECOSYSTEM", false},
	{vulndb.EcosystemMaven, 12, "ECOSYSTEM", false},
	{vulndb.EcosystemGo, 10, "SEMVER", false},
	{vulndb.EcosystemCratesIO, 4, "SEMVER", false},
	{vulndb.EcosystemRubyGems, 5, "ECOSYSTEM", false},
	{vulndb.EcosystemPackagist, 6, "ECOSYSTEM", false},
	{vulndb.EcosystemNuGet, 4, "ECOSYSTEM", false},
	{"Debian:12", 8, "ECOSYSTEM", true},
	{"Debian:11", 4, "ECOSYSTEM", true},
	{"Alpine:v3.19", 3, "ECOSYSTEM", true},
	{"Ubuntu:22.04:LTS", 4, "ECOSYSTEM", true},
}

var words = strings.Fields(`access allocation attacker authentication buffer
bypass cache certificate channel client command component configuration
cookie crafted credential cross data decoder denial deserialization
directory disclosure domain encoding endpoint escalation exhaustion file
filter forgery format function handler header heap improper injection input
integer invalid issue length library limit memory message module network
null object overflow packet parameter parser path payload permission
pointer privilege protocol proxy query race redirect reference remote
request resource response sanitization script server session signature
site socket stack string template timing token traversal uncontrolled
unsafe upload url user validation value version vulnerability window xml
archive stream lookup regex schema plugin loader runtime`)

var cwes = []string{"CWE-20", "CWE-22", "CWE-79", "CWE-89", "CWE-94", "CWE-119", "CWE-200", "CWE-287", "CWE-352", "CWE-400", "CWE-502", "CWE-787", "CWE-918", "CWE-1333"}

// Record returns record i.
func (c *Corpus) Record(i int) vulndb.Vulnerability {
	r := rand.New(rand.NewPCG(c.seed, uint64(i)))
	id := ghsaID(uint64(i))
	year := 2017 + r.IntN(9)
	cve := fmt.Sprintf("CVE-%d-%d", year, 10000+i)
	published := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
	v := vulndb.Vulnerability{
		ID:        id,
		Aliases:   []string{cve},
		Summary:   sentence(r, 6+r.IntN(8)),
		Details:   paragraph(r, 30+r.IntN(170)),
		Published: published,
		Modified:  published.Add(time.Duration(r.IntN(700*24)) * time.Hour),
	}
	naff := 1
	if p := r.IntN(100); p >= 92 {
		naff = 3
	} else if p >= 70 {
		naff = 2
	}
	for range naff {
		v.Affected = append(v.Affected, c.affected(r))
	}
	if r.IntN(10) < 8 {
		score := float64(20+r.IntN(81)) / 10
		v.Severity = []vulndb.CVSS{{
			Type:   "CVSS_V3",
			Vector: fmt.Sprintf("CVSS:3.1/AV:%c/AC:%c/PR:%c/UI:%c/S:U/C:%c/I:%c/A:%c", pick(r, "NALP"), pick(r, "LH"), pick(r, "NLH"), pick(r, "NR"), pick(r, "NLH"), pick(r, "NLH"), pick(r, "NLH")),
			Score:  score,
			Source: "ghsa",
		}}
		v.Rating = &vulndb.Rating{Severity: severityOf(score), Source: "ghsa"}
	}
	for range 1 + r.IntN(2) {
		v.CWEs = append(v.CWEs, cwes[r.IntN(len(cwes))])
	}
	owner, repo := words[r.IntN(len(words))], words[r.IntN(len(words))]
	v.References = []vulndb.Reference{
		{Type: "ADVISORY", URL: "https://nvd.nist.gov/vuln/detail/" + cve},
		{Type: "WEB", URL: fmt.Sprintf("https://github.com/%s/%s/security/advisories/%s", owner, repo, id)},
	}
	for range r.IntN(5) {
		v.References = append(v.References, vulndb.Reference{Type: "FIX", URL: fmt.Sprintf("https://github.com/%s/%s/commit/%040x", owner, repo, r.Uint64())})
	}
	if r.IntN(200) == 0 {
		w := v.Modified.Add(24 * time.Hour)
		v.Withdrawn = &w
	}
	return v
}

func (c *Corpus) affected(r *rand.Rand) vulndb.Affected {
	eco := pickEcosystem(r)
	name := packageName(eco.name, c.popular(r))
	a := vulndb.Affected{Package: vulndb.Package{Ecosystem: eco.name, Name: name}}
	major, minor := r.IntN(12), r.IntN(30)
	fixed := fmt.Sprintf("%d.%d.%d", major, minor, 1+r.IntN(20))
	intro := "0"
	if r.IntN(2) == 0 {
		intro = fmt.Sprintf("%d.%d.0", major, r.IntN(minor+1))
	}
	rg := vulndb.Range{Type: eco.rng, Events: []vulndb.Event{{Introduced: intro}}}
	if r.IntN(10) < 8 {
		rg.Events = append(rg.Events, vulndb.Event{Fixed: fixed})
	} else {
		rg.Events = append(rg.Events, vulndb.Event{LastAffected: fixed})
	}
	a.Ranges = []vulndb.Range{rg}
	if r.IntN(4) == 0 {
		a.Ranges = append(a.Ranges, vulndb.Range{Type: eco.rng, Events: []vulndb.Event{
			{Introduced: fmt.Sprintf("%d.0.0", major+1)}, {Fixed: fmt.Sprintf("%d.0.%d", major+1, 1+r.IntN(9))},
		}})
	}
	if r.IntN(10) < 3 {
		for k := range 1 + r.IntN(5) {
			a.Versions = append(a.Versions, fmt.Sprintf("%d.%d.%d", major, minor, k))
		}
	}
	if eco.distro {
		statuses := []vulndb.FixStatus{vulndb.StatusFixed, vulndb.StatusFixed, vulndb.StatusNotFixed, vulndb.StatusWontFix}
		a.Status = statuses[r.IntN(len(statuses))]
		a.Rating = &vulndb.Rating{Severity: vulndb.Severities()[r.IntN(5)], Source: strings.ToLower(vulndb.BaseEcosystem(eco.name))}
	}
	return a
}

// popular picks a package index: mostly uniform, one time in fifty from a
// Zipf head, so that a few packages gather hundreds of records.
func (c *Corpus) popular(r *rand.Rand) int {
	if r.IntN(50) == 0 {
		z := rand.NewZipf(r, 2, 1, uint64(c.pool-1))
		return int(z.Uint64())
	}
	return r.IntN(c.pool)
}

func pickEcosystem(r *rand.Rand) ecosystem {
	total := 0
	for _, e := range ecosystems {
		total += e.weight
	}
	n := r.IntN(total)
	for _, e := range ecosystems {
		if n < e.weight {
			return e
		}
		n -= e.weight
	}
	return ecosystems[0]
}

// packageName returns the name of package j of an ecosystem, spelled as
// the ecosystem spells names.
func packageName(eco string, j int) string {
	a, b := words[j%len(words)], words[(j/len(words))%len(words)]
	n := j / (len(words) * len(words))
	switch vulndb.BaseEcosystem(eco) {
	case vulndb.EcosystemNPM:
		if j%3 == 0 {
			return fmt.Sprintf("@%s/%s-%d", b, a, n)
		}
		return fmt.Sprintf("%s-%s-%d", a, b, n)
	case vulndb.EcosystemPyPI:
		return fmt.Sprintf("%s_%s%d", capitalize(a), b, n)
	case vulndb.EcosystemMaven:
		return fmt.Sprintf("org.%s:%s-%s%d", b, a, b, n)
	case vulndb.EcosystemGo:
		return fmt.Sprintf("github.com/%s/%s%d", b, a, n)
	case vulndb.EcosystemPackagist:
		return fmt.Sprintf("%s/%s%d", b, a, n)
	case vulndb.EcosystemNuGet:
		return fmt.Sprintf("%s.%s%d", capitalize(b), capitalize(a), n)
	}
	return fmt.Sprintf("%s-%s%d", a, b, n)
}

// Keys returns n query keys of which about the fraction hit find records:
// hits are the packages of random records, so a package comes up in
// proportion to its records (an image is likelier to hold a popular
// package than an obscure one); misses are names the corpus never uses.
func (c *Corpus) Keys(seed uint64, n int, hit float64) []vulndb.PackageKey {
	return c.keys(seed, n, hit, func(r *rand.Rand) vulndb.PackageKey {
		v := c.Record(r.IntN(c.n))
		return vulndb.KeyOf(v.Affected[r.IntN(len(v.Affected))].Package)
	})
}

// UniformKeys is like [Corpus.Keys], but its hits are drawn from the
// package names evenly, whatever their popularity: most have one or two
// records.
func (c *Corpus) UniformKeys(seed uint64, n int, hit float64) []vulndb.PackageKey {
	byName := map[vulndb.PackageKey]bool{}
	for i := range c.n {
		v := c.Record(i)
		for _, a := range v.Affected {
			if !v.IsWithdrawn() {
				byName[vulndb.KeyOf(a.Package)] = true
			}
		}
	}
	names := slices.SortedFunc(maps.Keys(byName), func(a, b vulndb.PackageKey) int {
		return cmp.Or(cmp.Compare(a.Ecosystem, b.Ecosystem), cmp.Compare(a.Name, b.Name))
	})
	return c.keys(seed, n, hit, func(r *rand.Rand) vulndb.PackageKey {
		return names[r.IntN(len(names))]
	})
}

func (c *Corpus) keys(seed uint64, n int, hit float64, pickHit func(*rand.Rand) vulndb.PackageKey) []vulndb.PackageKey {
	r := rand.New(rand.NewPCG(c.seed^0x5eed, seed))
	keys := make([]vulndb.PackageKey, n)
	for i := range keys {
		if c.n > 0 && r.Float64() < hit {
			keys[i] = pickHit(r)
			continue
		}
		eco := pickEcosystem(r)
		keys[i] = vulndb.KeyOf(vulndb.Package{Ecosystem: eco.name, Name: fmt.Sprintf("nohit-%s-%d", words[r.IntN(len(words))], r.IntN(1<<30))})
	}
	return keys
}

func ghsaID(i uint64) string {
	x := (i*idMultiplier + 1) % idModulus
	var b [19]byte
	copy(b[:], "GHSA-")
	pos := []int{5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18}
	b[9], b[14] = '-', '-'
	for k := len(pos) - 1; k >= 0; k-- {
		b[pos[k]] = ghsaAlphabet[x%20]
		x /= 20
	}
	return string(b[:])
}

func pick(r *rand.Rand, s string) byte { return s[r.IntN(len(s))] }

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteByte(' ')
		}
		w := words[r.IntN(len(words))]
		if k == 0 {
			w = capitalize(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

func paragraph(r *rand.Rand, n int) string {
	var b strings.Builder
	for n > 0 {
		k := min(n, 6+r.IntN(14))
		if b.Len() > 0 {
			b.WriteString(". ")
		}
		b.WriteString(sentence(r, k))
		n -= k
	}
	b.WriteByte('.')
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func severityOf(score float64) vulndb.Severity {
	switch {
	case score >= 9:
		return vulndb.Critical
	case score >= 7:
		return vulndb.High
	case score >= 4:
		return vulndb.Medium
	}
	return vulndb.Low
}
