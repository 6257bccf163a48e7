package vulndb

import (
	goversion "github.com/hashicorp/go-version"

	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/portcullis-oci/portcullis/internal/version"
	rpmver "github.com/portcullis-oci/portcullis/internal/version/rpm"
)

// MatchOption configures a [Matcher].
type MatchOption func(*matchOptions)

type matchOptions struct {
	enrich  bool
	workers int
	log     *slog.Logger
}

// WithMatchWorkers sets how many goroutines a large batch is matched on.
// The default is GOMAXPROCS.
func WithMatchWorkers(n int) MatchOption {
	return func(o *matchOptions) {
		if n > 0 {
			o.workers = n
		}
	}
}

// WithEnrichment sets whether matches are completed with the records other
// feeds keep under the same IDs (NVD's CVSS and rating, KEV, EPSS), when
// the store can look records up by ID ([Getter]). The default is true.
func WithEnrichment(on bool) MatchOption {
	return func(o *matchOptions) { o.enrich = on }
}

// WithMatchLogger sets the logger. The default discards.
func WithMatchLogger(l *slog.Logger) MatchOption {
	return func(o *matchOptions) {
		if l != nil {
			o.log = l
		}
	}
}

// Matcher matches installed packages against a store's records. It is safe
// for concurrent use when its store is.
type Matcher struct {
	store  Store
	getter Getter
	o      matchOptions
}

// NewMatcher returns a matcher over store.
func NewMatcher(store Store, opts ...MatchOption) (*Matcher, error) {
	if store == nil {
		return nil, errors.New("vulndb: NewMatcher: nil store")
	}
	o := matchOptions{enrich: true, workers: runtime.GOMAXPROCS(0), log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	m := &Matcher{store: store, o: o}
	if g, ok := store.(Getter); ok && o.enrich {
		m.getter = g
	}
	return m, nil
}

// Match matches every query; result i is for queries[i].
func (m *Matcher) Match(ctx context.Context, queries []Query) ([]Result, error) {
	out := make([]Result, len(queries))
	// Large batches are split and matched in parallel: the store's reads
	// and the version comparisons are independent per query.
	chunk := max(minChunk, (len(queries)+m.o.workers-1)/m.o.workers)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for start := 0; start < len(queries); start += chunk {
		end := min(start+chunk, len(queries))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.matchChunk(ctx, queries[start:end], out[start:end]); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}

// minChunk is the smallest batch matched on its own goroutine.
const minChunk = 256

func (m *Matcher) matchChunk(ctx context.Context, queries []Query, out []Result) error {
	keys := make([]PackageKey, len(queries))
	for i, q := range queries {
		keys[i] = q.Key()
	}
	recs, err := m.store.Query(ctx, keys)
	if err != nil {
		return fmt.Errorf("vulndb: querying the store: %w", err)
	}
	if len(recs) != len(queries) {
		return fmt.Errorf("vulndb: the store answered %d queries with %d results", len(queries), len(recs))
	}
	for i, q := range queries {
		if err := ctx.Err(); err != nil {
			return err
		}
		out[i] = m.matchOne(q, keys[i], recs[i])
	}
	enrich := newEnricher(ctx, m.getter)
	if err := enrich.prefetch(out); err != nil {
		return err
	}
	for i := range out {
		for j := range out[i].Matches {
			if err := enrich.complete(&out[i].Matches[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

// hit is one record that affects the queried version.
type hit struct {
	rec    *Vulnerability
	aff    *Affected
	fixed  string
	status FixStatus
}

func (m *Matcher) matchOne(q Query, key PackageKey, recs []Vulnerability) Result {
	if len(recs) == 0 {
		return Result{}
	}
	var cmpr version.Comparer
	if q.Ecosystem == EcosystemNVD {
		cmpr = version.ComparerFunc(compareCPEVersion)
	} else {
		c, ok := version.ForEcosystem(q.Ecosystem)
		if !ok {
			return Result{Err: fmt.Errorf("%w %q (%s %s)", ErrUnknownEcosystem, q.Ecosystem, q.Name, q.Version)}
		}
		cmpr = c
	}
	var (
		hits []hit
		errs []error
	)
	for i := range recs {
		rec := &recs[i]
		if rec.IsWithdrawn() {
			continue
		}
		for j := range rec.Affected {
			aff := &rec.Affected[j]
			if KeyOf(aff.Package) != key || aff.Status == StatusNotAffected {
				continue
			}
			ok, fixed, err := affects(cmpr, q.Version, aff)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %s %s: %w", rec.ID, q.Name, q.Version, err))
				continue
			}
			if !ok {
				continue
			}
			st := aff.Status
			switch {
			case fixed != "":
				st = StatusFixed
			case st == "" || st == StatusFixed:
				st = StatusNotFixed
			}
			hits = append(hits, hit{rec: rec, aff: aff, fixed: fixed, status: st})
			break
		}
	}
	return Result{Matches: merge(hits), Err: errors.Join(errs...)}
}

// affects evaluates one affected entry against an installed version, the
// way the OSV schema defines it: listed versions, then each range's sorted
// events. It returns the lowest fixed version above the installed one from
// the range that matched.
func affects(c version.Comparer, installed string, a *Affected) (bool, string, error) {
	if len(a.CPEs) > 0 {
		return affectsCPE(installed, a.CPEs)
	}
	for _, v := range a.Versions {
		n, err := c.Compare(installed, v)
		if err != nil {
			return false, "", err
		}
		if n == 0 {
			return true, "", nil
		}
	}
	for _, r := range a.Ranges {
		if r.Type == "GIT" {
			continue
		}
		ok, fixed, err := inRange(c, installed, r.Events)
		if err != nil {
			return false, "", err
		}
		if ok {
			return true, fixed, nil
		}
	}
	return false, "", nil
}

// event is a range event with its kind and version.
type event struct {
	kind byte // 'i'ntroduced, 'f'ixed, 'l'ast_affected, 'L'imit
	v    string
}

func inRange(c version.Comparer, installed string, evs []Event) (bool, string, error) {
	es := make([]event, 0, len(evs))
	for _, e := range evs {
		switch {
		case e.Introduced != "":
			es = append(es, event{'i', e.Introduced})
		case e.Fixed != "":
			es = append(es, event{'f', e.Fixed})
		case e.LastAffected != "":
			es = append(es, event{'l', e.LastAffected})
		case e.Limit != "":
			es = append(es, event{'L', e.Limit})
		}
	}
	zero := func(e event) bool { return e.kind == 'i' && e.v == "0" }
	var sortErr error
	slices.SortStableFunc(es, func(a, b event) int {
		switch {
		case zero(a) && zero(b):
			return 0
		case zero(a):
			return -1
		case zero(b):
			return 1
		}
		n, err := c.Compare(a.v, b.v)
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return n
	})
	if sortErr != nil {
		return false, "", fmt.Errorf("range: %w", sortErr)
	}
	affected := false
	for i, e := range es {
		n := 1 // every version is above introduced "0"
		if !zero(e) {
			var err error
			if n, err = c.Compare(installed, e.v); err != nil {
				return false, "", err
			}
		}
		if n < 0 {
			// This event and the rest are above the installed version: the
			// first fix among them is the one to take.
			fixed := ""
			if affected {
				for _, f := range es[i:] {
					if f.kind == 'f' {
						fixed = f.v
						break
					}
				}
			}
			return affected, fixed, nil
		}
		switch e.kind {
		case 'i':
			affected = true
		case 'f':
			affected = false
		case 'l':
			if n > 0 {
				affected = false
			}
		}
	}
	return affected, "", nil
}

// affectsCPE evaluates NVD configuration matches for a binary known by
// vendor and product: version bounds when the match has them, otherwise
// the criteria's version field ("*" for every version, "-" for none).
func affectsCPE(installed string, ms []CPEMatch) (bool, string, error) {
	if installed == "" {
		return false, "", errors.New("no version to compare")
	}
	for _, m := range ms {
		bounded := m.VersionStartIncluding != "" || m.VersionStartExcluding != "" || m.VersionEndIncluding != "" || m.VersionEndExcluding != ""
		if !bounded {
			v := cpeField(m.Criteria, 5)
			switch v {
			case "*", "":
				return true, "", nil
			case "-":
				continue
			}
			if n, _ := compareCPEVersion(installed, unescapeCPE(v)); n == 0 {
				return true, "", nil
			}
			continue
		}
		ok := true
		check := func(bound string, want func(int) bool) {
			if bound == "" || !ok {
				return
			}
			n, err := compareCPEVersion(installed, bound)
			ok = err == nil && want(n)
		}
		check(m.VersionStartIncluding, func(n int) bool { return n >= 0 })
		check(m.VersionStartExcluding, func(n int) bool { return n > 0 })
		check(m.VersionEndIncluding, func(n int) bool { return n <= 0 })
		check(m.VersionEndExcluding, func(n int) bool { return n < 0 })
		if ok {
			return true, m.VersionEndExcluding, nil
		}
	}
	return false, "", nil
}

// cpeField returns field i of a CPE 2.3 formatted string (0 is "cpe"),
// honouring escaped colons.
func cpeField(cpe string, i int) string {
	field, start := 0, 0
	for j := 0; j < len(cpe); j++ {
		switch cpe[j] {
		case '\\':
			j++
		case ':':
			if field == i {
				return cpe[start:j]
			}
			field++
			start = j + 1
		}
	}
	if field == i {
		return cpe[start:]
	}
	return ""
}

func unescapeCPE(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// compareCPEVersion compares the free-form versions NVD uses. Versions of
// the common dotted shape, prereleases included ("2.4.0-rc1" < "2.4.0"),
// are compared by hashicorp/go-version; a letter glued to a number
// ("1.1.1k", OpenSSL's patch letters, which go-version would read as a
// prerelease) or another shape falls back to rpm's segment rules, which
// order "1.1.1k" after "1.1.1" and "2.10" after "2.9".
func compareCPEVersion(a, b string) (int, error) {
	if a == "" || b == "" || a == "*" || b == "*" || a == "-" || b == "-" {
		return 0, fmt.Errorf("cannot compare versions %q and %q", a, b)
	}
	if !letterSuffix(a) && !letterSuffix(b) {
		va, erra := goversion.NewVersion(a)
		vb, errb := goversion.NewVersion(b)
		if erra == nil && errb == nil {
			return va.Compare(vb), nil
		}
	}
	return rpmver.Vercmp(a, b), nil
}

// letterSuffix reports whether a letter follows a digit directly
// ("1.1.1k", "9.9p1").
func letterSuffix(v string) bool {
	for i := 1; i < len(v); i++ {
		c := v[i] | 0x20
		if 'a' <= c && c <= 'z' && '0' <= v[i-1] && v[i-1] <= '9' {
			return true
		}
	}
	return false
}

// merge folds the hits that share an ID or alias into one match each.
func merge(hits []hit) []Match {
	if len(hits) == 0 {
		return nil
	}
	// Union-find over hits by shared IDs.
	parent := make([]int, len(hits))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, h := range hits {
		for _, id := range append([]string{h.rec.ID}, h.rec.Aliases...) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]hit{}
	var order []int
	for i, h := range hits {
		r := find(i)
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], h)
	}
	out := make([]Match, 0, len(order))
	for _, r := range order {
		out = append(out, mergeGroup(groups[r]))
	}
	slices.SortFunc(out, func(a, b Match) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func mergeGroup(hs []hit) Match {
	ids := map[string]bool{}
	var m Match
	sources := map[string]bool{}
	for _, h := range hs {
		ids[h.rec.ID] = true
		for _, a := range h.rec.Aliases {
			ids[a] = true
		}
		m.Records = append(m.Records, h.rec)
		if h.rec.Source != "" {
			sources[h.rec.Source] = true
		}
		if m.Summary == "" {
			m.Summary = title(h.rec)
		}
		if !h.rec.Published.IsZero() && (m.Published.IsZero() || h.rec.Published.Before(m.Published)) {
			m.Published = h.rec.Published
		}
		m.Status = worseStatus(m.Status, h.status)
		if h.fixed != "" && m.FixedVersion == "" {
			m.FixedVersion = h.fixed
		}
		m.CVSS = addCVSS(m.CVSS, h.rec.Severity...)
		if h.rec.KEV != nil {
			m.KEV = h.rec.KEV
		}
		if h.rec.EPSS != nil {
			m.EPSS = h.rec.EPSS
		}
	}
	all := make([]string, 0, len(ids))
	for id := range ids {
		all = append(all, id)
	}
	slices.SortFunc(all, func(a, b string) int { return cmp.Or(cmp.Compare(idRank(a), idRank(b)), strings.Compare(a, b)) })
	m.ID, m.Aliases = all[0], all[1:]
	for s := range sources {
		m.Sources = append(m.Sources, s)
	}
	slices.Sort(m.Sources)
	// A fix anywhere among the merged records is the fix; a distribution's
	// "won't fix" stands over "not fixed".
	if m.FixedVersion != "" {
		m.Status = StatusFixed
	}
	m.Severity, m.SeveritySource = rate(hs)
	return m
}

// idRank orders the IDs a vulnerability goes by: CVE first, then GHSA,
// then the rest.
func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return 0
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	}
	return 2
}

// worseStatus returns the status that says more about the risk: not-fixed
// and wont-fix over fixed (a fixed version elsewhere is decided later).
func worseStatus(a, b FixStatus) FixStatus {
	rank := func(s FixStatus) int {
		switch s {
		case StatusWontFix:
			return 3
		case StatusNotFixed:
			return 2
		case StatusFixed:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// rate picks the severity: a per-package rating (a distribution's
// urgency), then a record's own rating from a non-NVD source (the
// ecosystem's), leaving NVD and CVSS to the enricher.
func rate(hs []hit) (Severity, string) {
	for _, h := range hs {
		if r := h.aff.Rating; r != nil && r.Severity != Unknown && r.Severity != "" {
			return r.Severity, r.Source
		}
	}
	for _, h := range hs {
		if r := h.rec.Rating; r != nil && r.Severity != Unknown && r.Severity != "" && r.Source != "nvd" {
			return r.Severity, r.Source
		}
	}
	for _, h := range hs {
		if r := h.rec.Rating; r != nil && r.Severity != Unknown && r.Severity != "" {
			return r.Severity, r.Source
		}
	}
	return Unknown, ""
}

func addCVSS(list []CVSS, add ...CVSS) []CVSS {
	for _, c := range add {
		if c.Vector == "" || slices.ContainsFunc(list, func(x CVSS) bool { return x.Vector == c.Vector }) {
			continue
		}
		list = append(list, c)
	}
	return list
}

// enricher completes matches with records other feeds keep under the same
// IDs, looking each ID up once per Match call.
type enricher struct {
	ctx   context.Context
	g     Getter
	cache map[string][]Vulnerability
}

func newEnricher(ctx context.Context, g Getter) *enricher {
	return &enricher{ctx: ctx, g: g, cache: map[string][]Vulnerability{}}
}

// prefetch looks up, in one read when the store is a [MultiGetter], every
// CVE the matches will be completed with.
func (e *enricher) prefetch(results []Result) error {
	mg, ok := e.g.(MultiGetter)
	if !ok {
		return nil
	}
	var ids []string
	for i := range results {
		for j := range results[i].Matches {
			m := &results[i].Matches[j]
			for _, id := range append([]string{m.ID}, m.Aliases...) {
				if _, cached := e.cache[id]; !cached && strings.HasPrefix(id, "CVE-") {
					e.cache[id] = nil // asked once; found below or none
					ids = append(ids, id)
				}
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := mg.GetMany(e.ctx, ids)
	if err != nil {
		return fmt.Errorf("vulndb: looking up %d records: %w", len(ids), err)
	}
	for id, v := range found {
		e.cache[id] = v
	}
	return nil
}

func (e *enricher) lookup(id string) ([]Vulnerability, error) {
	if v, ok := e.cache[id]; ok {
		return v, nil
	}
	v, err := e.g.Get(e.ctx, id)
	if errors.Is(err, ErrNotFound) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("vulndb: looking up %s: %w", id, err)
	}
	e.cache[id] = v
	return v, nil
}

func (e *enricher) complete(m *Match) error {
	var nvd *Vulnerability
	if e.g != nil {
		ids := append([]string{m.ID}, m.Aliases...)
		for _, id := range ids {
			if !strings.HasPrefix(id, "CVE-") {
				continue
			}
			recs, err := e.lookup(id)
			if err != nil {
				return err
			}
			for i := range recs {
				r := &recs[i]
				// The store returns fresh copies: a matched record found
				// again under its alias is known by source and ID.
				if slices.ContainsFunc(m.Records, func(x *Vulnerability) bool { return x.Source == r.Source && x.ID == r.ID }) {
					continue
				}
				if r.KEV != nil && m.KEV == nil {
					m.KEV = r.KEV
				}
				if r.EPSS != nil && m.EPSS == nil {
					m.EPSS = r.EPSS
				}
				if r.Rating != nil && r.Rating.Source == "nvd" && nvd == nil {
					nvd = r
				}
				if len(r.Severity) > 0 {
					m.CVSS = addCVSS(m.CVSS, r.Severity...)
				}
				if m.Summary == "" {
					m.Summary = title(r)
				}
				if m.Published.IsZero() && !r.Published.IsZero() {
					m.Published = r.Published
				}
			}
		}
	}
	if m.Severity == Unknown || m.Severity == "" {
		switch {
		case nvd != nil && nvd.Rating.Severity != Unknown:
			m.Severity, m.SeveritySource = nvd.Rating.Severity, "nvd"
		default:
			m.Severity, m.SeveritySource = Unknown, ""
			best := -1.0
			for _, c := range m.CVSS {
				if c.Score > best {
					if s := SeverityFromScore(c.Type, c.Score); s != Unknown {
						best = c.Score
						m.Severity, m.SeveritySource = s, cmp.Or(c.Source, "cvss")
					}
				}
			}
		}
	}
	return nil
}

// Sources lists the feeds in the matcher's store, when the store can say
// ([SourceLister]); otherwise none.
func (m *Matcher) Sources(ctx context.Context) ([]SourceInfo, error) {
	if sl, ok := m.store.(SourceLister); ok {
		return sl.Sources(ctx)
	}
	return nil, nil
}

// title is a record's summary, or the first line of its details.
func title(v *Vulnerability) string {
	if v.Summary != "" {
		return v.Summary
	}
	t, _, _ := strings.Cut(strings.TrimSpace(v.Details), "\n")
	return t
}
