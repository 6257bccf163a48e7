package policy

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portcullis-oci/portcullis/scan"
)

// Suppression states of a finding or package.
const (
	suppNone uint8 = iota
	suppAll        // for every rule
	suppSome       // for the rules of the exceptions in suppFor
)

// hits records what one exception or VEX statement covered.
type hits struct {
	findings []int32
	packages []int32
}

// evaluation is the state of one Evaluate call.
type evaluation struct {
	p       *Rules
	ctx     context.Context
	in      *Input
	now     time.Time
	nowNano int64
	rep     *scan.Report // never nil; empty when the image was not scanned
	scanned bool
	img     Image
	inVEX   *vexIndex

	views      []fview // grouped by severity
	sevStart   [numSev + 1]int
	supp       []uint8 // by finding index
	suppFor    map[int32][]*exception
	counts     [numSev]int // findings not suppressed for every rule, by severity
	fixable    [numSev]int
	kev        int
	suppressed int
	partial    int // findings suppressed for some rules only

	pkgSupp    []uint8
	pkgSuppFor map[int32][]*exception

	excOK      []bool // exception applies to this image (repository, digest)
	excExpired []bool
	excHits    map[*exception]*hits
	expHits    map[*exception]*hits
	vexHits    map[*vexRule]*hits

	baseDone    bool
	baseKnown   bool
	baseLayers  int
	baseHow     string
	baseUnknown bool // a rule with a layer scope ran without a known base

	purls  map[int32]string
	celAct map[string]any
}

// scratch holds per-finding slices between evaluations.
type scratch struct {
	views []fview
	supp  []uint8
}

// Evaluate decides on in. It never does I/O. An error is returned only for
// a cancelled context; everything about the input becomes reasons.
func (p *Rules) Evaluate(ctx context.Context, in Input) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	e := &evaluation{p: p, ctx: ctx, in: &in, now: in.Now, rep: in.Report, scanned: in.Report != nil}
	if sc, ok := p.scratch.Get().(*scratch); ok {
		e.views, e.supp = sc.views, sc.supp
	}
	defer func() {
		// The per-finding slices are reused; nothing in the decision
		// refers to them.
		p.scratch.Put(&scratch{views: e.views[:0], supp: e.supp[:0]})
	}()
	if e.now.IsZero() {
		e.now = time.Now()
	}
	e.nowNano = e.now.UnixNano()
	if e.rep == nil {
		e.rep = &scan.Report{}
	}
	e.img = resolveImage(in)
	if len(in.VEX) > 0 {
		e.inVEX = newVEXIndex(in.VEX, p.vexCount)
	}

	d := Decision{Verdict: Allow, Reasons: []Reason{}}
	d.Reasons = append(d.Reasons, e.failClosed()...)
	e.suppress()
	for _, r := range p.rules {
		if err := ctx.Err(); err != nil {
			return Decision{}, err
		}
		if reason, fired := e.evalRule(r); fired {
			d.Reasons = append(d.Reasons, reason)
		}
	}
	if err := ctx.Err(); err != nil {
		return Decision{}, err // a rule may have seen the cancellation as a failure
	}
	if e.baseUnknown {
		d.Reasons = append(d.Reasons, Reason{Rule: RuleBaseUnknown, Policy: p.name, Verdict: Allow,
			Message: "the base image is not known (" + e.baseHow + "); rules limited to layers above or in the base image counted every layer"})
	}
	d.Suppressed, d.Reasons = e.suppressions(d.Reasons)
	for _, r := range d.Reasons {
		d.Verdict = max(d.Verdict, r.Verdict)
	}
	return d, nil
}

// resolveImage fills the input image's empty fields from the report.
func resolveImage(in Input) Image {
	img := in.Image
	if in.Report == nil {
		return img
	}
	ri := &in.Report.Image
	if img.Digest == "" {
		img.Digest = ri.Digest
	}
	if img.Created.IsZero() && ri.Created != nil {
		img.Created = *ri.Created
	}
	switch {
	case len(img.Labels) == 0:
		img.Labels = ri.Labels
	case len(ri.Labels) > 0:
		merged := maps.Clone(ri.Labels)
		maps.Copy(merged, img.Labels)
		img.Labels = merged
	}
	return img
}

// failClosed checks the report itself: scanned, complete, matched, fresh.
func (e *evaluation) failClosed() []Reason {
	s := &e.p.settings
	var out []Reason
	add := func(rule string, allowed bool, setting, msg string) {
		r := Reason{Rule: rule, Policy: e.p.name, Verdict: Deny, Message: msg}
		if allowed {
			r.Verdict = Allow
			r.Message += " (allowed by settings." + setting + ")"
		}
		out = append(out, r)
	}
	if !e.scanned {
		add(RuleUnscanned, s.allowUnscanned, "allowUnscanned", "the image has not been scanned")
		return out
	}
	rep := e.rep
	if d := e.in.Image.Digest; d != "" && rep.Image.Digest != "" && d != rep.Image.Digest {
		add(RuleReportMismatch, false, "", fmt.Sprintf("the report is about %s, not the image %s", rep.Image.Digest, d))
	}
	if n := len(rep.Incomplete); n > 0 {
		var parts []string
		for _, ie := range rep.Incomplete[:min(n, 3)] {
			parts = append(parts, ie.String())
		}
		msg := fmt.Sprintf("the scan is incomplete (%d problem(s)): %s", n, strings.Join(parts, "; "))
		if n > 3 {
			msg += fmt.Sprintf("; and %d more", n-3)
		}
		add(RuleIncomplete, s.allowIncomplete, "allowIncomplete", msg)
	}
	switch {
	case rep.Database == nil:
		add(RuleNotMatched, s.allowUnmatched, "allowUnmatched", "the report was not matched against vulnerability data")
	case len(rep.Database.Sources) == 0:
		add(RuleNotMatched, s.allowUnmatched, "allowUnmatched", "the vulnerability database had no sources when the report was matched")
	default:
		var stale []string
		for _, src := range rep.Database.Sources {
			if src.Updated.IsZero() {
				stale = append(stale, src.Name+" (never updated)")
				continue
			}
			if age := e.now.Sub(src.Updated); age > s.maxDatabaseAge {
				stale = append(stale, fmt.Sprintf("%s (updated %s, %s ago)", src.Name, src.Updated.UTC().Format(time.RFC3339), formatDuration(age.Truncate(time.Minute))))
			}
		}
		if len(stale) > 0 {
			add(RuleStaleDatabase, s.allowStaleDatabase, "allowStaleDatabase",
				fmt.Sprintf("vulnerability data older than %s: %s", formatDuration(s.maxDatabaseAge), strings.Join(stale, ", ")))
		}
	}
	if s.maxScanAge > 0 {
		switch {
		case rep.ScannedAt.IsZero():
			add(RuleStaleScan, false, "", "the report does not say when the scan was made")
		case e.now.Sub(rep.ScannedAt) > s.maxScanAge:
			add(RuleStaleScan, false, "", fmt.Sprintf("the scan is %s old (scanned %s); the policy allows %s",
				formatDuration(e.now.Sub(rep.ScannedAt).Truncate(time.Minute)), rep.ScannedAt.UTC().Format(time.RFC3339), formatDuration(s.maxScanAge)))
		}
	}
	return out
}

// suppress applies VEX statements and exceptions to findings and packages,
// and counts what is left.
func (e *evaluation) suppress() {
	p := e.p
	fs := e.rep.Findings
	n := len(fs)
	e.views = slices.Grow(e.views[:0], n)[:n]
	e.supp = slices.Grow(e.supp[:0], n)[:n]
	clear(e.supp)
	// The views are grouped by severity, most severe first, each group in
	// report order: a rule reads only the severities it counts, and its
	// evidence comes out in order.
	var per [numSev]int
	for i := range fs {
		per[sevIndex(fs[i].Severity)]++
	}
	for s := range numSev {
		e.sevStart[s+1] = e.sevStart[s] + per[s]
	}
	next := e.sevStart
	for i := range fs {
		s := sevIndex(fs[i].Severity)
		e.views[next[s]] = newFView(&fs[i], int32(i), s)
		next[s]++
	}

	if len(p.exceptions) > 0 {
		e.excOK = make([]bool, len(p.exceptions))
		e.excExpired = make([]bool, len(p.exceptions))
		for i, x := range p.exceptions {
			e.excOK[i] = (x.repository == nil || x.repository.Match(e.img.Repository)) && (x.digest == "" || x.digest == e.img.Digest)
			e.excExpired[i] = !e.now.Before(x.expires)
		}
	}
	useVEX := len(p.vex.byID) > 0 || e.inVEX != nil
	useExc := len(p.exceptions) > 0
	if useVEX || useExc {
		for i := range fs {
			e.suppressFinding(int32(i), &fs[i], useVEX, useExc)
		}
	}
	for k := range e.views {
		v := &e.views[k]
		v.supp = e.supp[v.idx]
		switch v.supp {
		case suppAll:
			e.suppressed++
			continue
		case suppSome:
			e.partial++
		}
		e.counts[v.sev]++
		if v.flags&fvFixable != 0 {
			e.fixable[v.sev]++
		}
		if v.flags&fvKEV != 0 {
			e.kev++
		}
	}

	// Packages: exceptions without a vulnerability scope cover packages.
	if len(p.excOther) > 0 {
		for i := range e.rep.Packages {
			pk := &e.rep.Packages[i]
			for _, x := range p.excOther {
				if !e.excOK[x.index] || x.purl != nil && !x.purl.match(&pk.PURL) {
					continue
				}
				if e.excExpired[x.index] {
					e.hit(&e.expHits, x).packages = append(e.hit(&e.expHits, x).packages, int32(i))
					continue
				}
				if e.pkgSupp == nil {
					e.pkgSupp = make([]uint8, len(e.rep.Packages))
				}
				e.hit(&e.excHits, x).packages = append(e.hit(&e.excHits, x).packages, int32(i))
				if x.rules == nil {
					e.pkgSupp[i] = suppAll
				} else if e.pkgSupp[i] != suppAll {
					e.pkgSupp[i] = suppSome
					if e.pkgSuppFor == nil {
						e.pkgSuppFor = map[int32][]*exception{}
					}
					e.pkgSuppFor[int32(i)] = append(e.pkgSuppFor[int32(i)], x)
				}
			}
		}
	}
}

func (e *evaluation) hit(m *map[*exception]*hits, x *exception) *hits {
	if *m == nil {
		*m = map[*exception]*hits{}
	}
	h := (*m)[x]
	if h == nil {
		h = &hits{}
		(*m)[x] = h
	}
	return h
}

func (e *evaluation) suppressFinding(i int32, f *scan.Finding, useVEX, useExc bool) {
	if useVEX {
		best := e.p.vex.lookup(f, e.img.Digest, e.img.Repository, nil)
		best = e.inVEX.lookup(f, e.img.Digest, e.img.Repository, best)
		if best != nil && best.suppress {
			e.supp[i] = suppAll
			if e.vexHits == nil {
				e.vexHits = map[*vexRule]*hits{}
			}
			h := e.vexHits[best]
			if h == nil {
				h = &hits{}
				e.vexHits[best] = h
			}
			h.findings = append(h.findings, i)
			return
		}
	}
	if !useExc {
		return
	}
	try := func(x *exception) {
		if !e.excOK[x.index] || x.purl != nil && !x.purl.match(&f.PURL) {
			return
		}
		if e.excExpired[x.index] {
			h := e.hit(&e.expHits, x)
			h.findings = append(h.findings, i)
			return
		}
		h := e.hit(&e.excHits, x)
		h.findings = append(h.findings, i)
		if x.rules == nil {
			e.supp[i] = suppAll
			return
		}
		if e.supp[i] != suppAll {
			e.supp[i] = suppSome
			if e.suppFor == nil {
				e.suppFor = map[int32][]*exception{}
			}
			e.suppFor[i] = append(e.suppFor[i], x)
		}
	}
	if len(e.p.excByID) > 0 {
		if e.p.excIDs.mayHave(f.ID) {
			for _, x := range e.p.excByID[f.ID] {
				try(x)
			}
		}
		for _, a := range f.Aliases {
			if a == f.ID || !e.p.excIDs.mayHave(a) {
				continue
			}
			for _, x := range e.p.excByID[a] {
				try(x)
			}
		}
	}
	for _, x := range e.p.excOther {
		try(x)
	}
}

// suppressedFor reports whether finding i is out of rule r's view.
func (e *evaluation) suppressedFor(i int32, r *rule) bool {
	switch e.supp[i] {
	case suppNone:
		return false
	case suppAll:
		return true
	}
	for _, x := range e.suppFor[i] {
		if x.appliesTo(r.name) {
			return true
		}
	}
	return false
}

func (e *evaluation) pkgSuppressedFor(i int, r *rule) bool {
	if e.pkgSupp == nil {
		return false
	}
	switch e.pkgSupp[i] {
	case suppNone:
		return false
	case suppAll:
		return true
	}
	for _, x := range e.pkgSuppFor[int32(i)] {
		if x.appliesTo(r.name) {
			return true
		}
	}
	return false
}

func fixable(f *scan.Finding) bool { return f.FixedVersion != "" || f.Status == "fixed" }

func maxCVSS(f *scan.Finding) (float64, bool) {
	best, ok := 0.0, false
	for i := range f.CVSS {
		if s := f.CVSS[i].Score; s > 0 && (!ok || s > best) {
			best, ok = s, true
		}
	}
	return best, ok
}

// evalRule evaluates one rule: its selectors, then every criterion.
func (e *evaluation) evalRule(r *rule) (Reason, bool) {
	if r.tag != nil && !r.tag.Match(e.img.Tag) || r.repository != nil && !r.repository.Match(e.img.Repository) {
		return Reason{}, false
	}
	reason := Reason{Rule: r.name, Policy: e.p.name, Verdict: r.verdict}
	var msgs []string
	if r.requiredLabels != nil {
		var missing []string
		for _, l := range r.requiredLabels {
			if _, ok := e.img.Labels[l]; !ok {
				missing = append(missing, l)
			}
		}
		if len(missing) == 0 {
			return Reason{}, false
		}
		msgs = append(msgs, "missing required labels: "+strings.Join(missing, ", "))
	}
	if r.scanAge != nil {
		age, known := math.Inf(1), "unknown (no scan time)"
		if e.scanned && !e.rep.ScannedAt.IsZero() {
			d := e.now.Sub(e.rep.ScannedAt)
			age, known = d.Seconds(), formatDuration(d.Truncate(time.Second))
		}
		if !r.scanAge.test(age) {
			return Reason{}, false
		}
		msgs = append(msgs, fmt.Sprintf("scan age %s (%s)", known, r.scanAge.src))
	}
	if r.databaseAge != nil {
		age, known := math.Inf(1), "unknown (not matched)"
		if db := e.rep.Database; db != nil && len(db.Sources) > 0 {
			oldest := db.Sources[0].Updated
			name := db.Sources[0].Name
			for _, s := range db.Sources[1:] {
				if s.Updated.Before(oldest) {
					oldest, name = s.Updated, s.Name
				}
			}
			if !oldest.IsZero() {
				d := e.now.Sub(oldest)
				age, known = d.Seconds(), formatDuration(d.Truncate(time.Second))+" ("+name+")"
			} else {
				known = "unknown (" + name + " never updated)"
			}
		}
		if !r.databaseAge.test(age) {
			return Reason{}, false
		}
		msgs = append(msgs, fmt.Sprintf("database age %s (%s)", known, r.databaseAge.src))
	}
	if r.vulns != nil {
		msg, ok := e.evalVulns(r, &reason)
		if !ok {
			return Reason{}, false
		}
		msgs = append(msgs, msg)
	}
	if r.pkgs != nil {
		msg, ok := e.evalPackages(r, &reason)
		if !ok {
			return Reason{}, false
		}
		msgs = append(msgs, msg)
	}
	if r.cel != nil {
		fired, err := r.cel.eval(e.ctx, e.celActivation())
		switch {
		case err != nil:
			msgs = append(msgs, fmt.Sprintf("CEL expression %q failed (%v); a failed expression fires its rule", r.cel.src, err))
		case !fired:
			return Reason{}, false
		default:
			msgs = append(msgs, fmt.Sprintf("CEL expression %q is true", r.cel.src))
		}
	}
	if len(msgs) == 0 {
		var sel []string
		if r.tag != nil {
			sel = append(sel, fmt.Sprintf("tag %q %s", e.img.Tag, r.tag))
		}
		if r.repository != nil {
			sel = append(sel, fmt.Sprintf("repository %q %s", e.img.Repository, r.repository))
		}
		msgs = append(msgs, strings.Join(sel, "; "))
	}
	reason.Message = strings.Join(msgs, "; ")
	if r.description != "" {
		reason.Message = r.description + ": " + reason.Message
	}
	return reason, true
}

// evalVulns counts the findings that pass the rule's filter and compares.
func (e *evaluation) evalVulns(r *rule, reason *Reason) (string, bool) {
	c := r.vulns
	fs := e.rep.Findings
	wantAll := c.counts[sevAll] != nil
	var want [numSev]bool // the severities counted and shown
	for s := 0; s <= c.maxSev; s++ {
		want[s] = wantAll || c.counts[s] != nil
	}
	limit := e.p.maxEvidence
	var counts [numSev]int
	var evidence []int32 // finding indices, most severe first
	fast := c.plain && e.partial == 0
	if fast {
		counts = e.counts
	} else {
		for s := 0; s <= c.maxSev; s++ {
			if !want[s] {
				continue
			}
			for k := e.sevStart[s]; k < e.sevStart[s+1]; k++ {
				v := &e.views[k]
				if v.supp != suppNone && e.suppressedFor(v.idx, r) || !c.pass(e, v.idx, v, fs) {
					continue
				}
				counts[s]++
				if limit <= 0 || len(evidence) < limit {
					evidence = append(evidence, v.idx)
				}
			}
		}
	}
	all := 0
	for s := 0; s <= c.maxSev; s++ {
		all += counts[s]
	}
	var parts []string
	for s := 0; s <= sevAll; s++ {
		cmpr := c.counts[s]
		if cmpr == nil {
			continue
		}
		n := all
		if s < sevAll {
			n = counts[s]
		}
		if !cmpr.test(float64(n)) {
			return "", false
		}
		parts = append(parts, fmt.Sprintf("%s %d (%s)", sevNames[s], n, cmpr.src))
	}
	if fast { // the rule fired: find its evidence
		for s := 0; s < numSev && (limit <= 0 || len(evidence) < limit); s++ {
			if !want[s] {
				continue
			}
			for k := e.sevStart[s]; k < e.sevStart[s+1] && (limit <= 0 || len(evidence) < limit); k++ {
				if v := &e.views[k]; v.supp == suppNone {
					evidence = append(evidence, v.idx)
				}
			}
		}
	}
	total := 0
	for s := range numSev {
		if want[s] {
			total += counts[s]
		}
	}
	for _, i := range evidence {
		reason.Findings = append(reason.Findings, e.findingRef(i))
	}
	reason.Omitted += total - len(evidence)
	if c.implicit {
		what := "1 vulnerability"
		if all != 1 {
			what = strconv.Itoa(all) + " vulnerabilities"
		}
		if c.filter != "" {
			what += ": " + c.filter
		}
		return what, true
	}
	what := "vulnerabilities"
	if c.filter != "" {
		what += " (" + c.filter + ")"
	}
	return what + ": " + strings.Join(parts, ", "), true
}

// pass reports whether finding i (its view v) passes the criterion's
// filter, severity aside.
func (c *vulnCriterion) pass(e *evaluation, i int32, v *fview, fs []scan.Finding) bool {
	if c.fixable != nil && (v.flags&fvFixable != 0) != *c.fixable {
		return false
	}
	if c.kev != nil && (v.flags&fvKEV != 0) != *c.kev {
		return false
	}
	if c.cvss != nil && (v.cvss < 0 || !c.cvss.test(v.cvss)) {
		return false
	}
	if c.epss != nil && (v.epss < 0 || !c.epss.test(v.epss)) {
		return false
	}
	if c.epssPercentile != nil && (v.epssPct < 0 || !c.epssPercentile.test(v.epssPct)) {
		return false
	}
	if c.age != nil && (v.flags&fvPublished == 0 || !c.age.test(float64(e.nowNano-v.published)/1e9)) {
		return false
	}
	if c.layers != scopeAll && !e.inScope(c.layers, int(v.layer)) {
		return false
	}
	if c.ids != nil || c.pkg != nil {
		f := &fs[i]
		if c.ids != nil && !c.ids[f.ID] {
			found := false
			for _, a := range f.Aliases {
				if c.ids[a] {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		if c.pkg != nil && !c.pkg.match(f.Package, &f.PURL) {
			return false
		}
	}
	return true
}

// fview is what the filters read of a finding, packed so that a rule's
// pass over thousands of findings stays in cache.
type fview struct {
	cvss, epss, epssPct float64 // -1 when unknown
	published           int64   // Unix nanoseconds, when fvPublished
	idx                 int32   // the finding's index in the report
	layer               int32
	supp                uint8
	sev                 uint8
	flags               uint8
}

const (
	fvFixable uint8 = 1 << iota
	fvKEV
	fvPublished
)

func newFView(f *scan.Finding, idx int32, sev uint8) fview {
	v := fview{cvss: -1, epss: -1, epssPct: -1, idx: idx, layer: int32(f.Layer.Index), sev: sev}
	if fixable(f) {
		v.flags |= fvFixable
	}
	if f.KEV != nil {
		v.flags |= fvKEV
	}
	if s, ok := maxCVSS(f); ok {
		v.cvss = s
	}
	if f.EPSS != nil {
		v.epss, v.epssPct = f.EPSS.Score, f.EPSS.Percentile
	}
	if f.Published != nil && !f.Published.IsZero() {
		v.flags |= fvPublished
		v.published = f.Published.UnixNano()
	}
	return v
}

// evalPackages fires when at least one package passes the filter.
func (e *evaluation) evalPackages(r *rule, reason *Reason) (string, bool) {
	c := r.pkgs
	n := 0
	limit := e.p.maxEvidence
	for i := range e.rep.Packages {
		pk := &e.rep.Packages[i]
		if c.comp != nil && !c.comp.match(pk.Name, &pk.PURL) ||
			c.layers != scopeAll && !e.inScope(c.layers, pk.Layer.Index) ||
			c.license != nil && !c.license.match(pk.Licenses) ||
			e.pkgSuppressedFor(i, r) {
			continue
		}
		n++
		if limit <= 0 || len(reason.Packages) < limit {
			reason.Packages = append(reason.Packages, packageRef(pk))
		} else {
			reason.Omitted++
		}
	}
	if n == 0 {
		return "", false
	}
	return fmt.Sprintf("%d package(s) %s", n, c.filter), true
}

// inScope reports whether layer idx is within scope; with no known base
// every layer is.
func (e *evaluation) inScope(scope layerScope, idx int) bool {
	if !e.baseDone {
		e.resolveBase()
	}
	if !e.baseKnown {
		e.baseUnknown = true
		return true
	}
	if scope == scopeAboveBase {
		return idx >= e.baseLayers
	}
	return idx < e.baseLayers
}

// resolveBase finds how many bottom layers are the base image: from the
// input, then from the base annotations and the policy's baseImages, then
// from baseImages listed by diffIDs alone.
func (e *evaluation) resolveBase() {
	e.baseDone = true
	layers := e.rep.Layers
	prefix := func(ids []string) bool {
		if len(ids) > len(layers) {
			return false
		}
		for i, id := range ids {
			if layers[i].DiffID != id {
				return false
			}
		}
		return true
	}
	set := func(n int, how string) {
		if n > len(layers) {
			e.baseHow = fmt.Sprintf("%s says %d base layers but the image has %d", how, n, len(layers))
			return
		}
		e.baseKnown, e.baseLayers, e.baseHow = true, n, how
	}
	if b := e.in.Base; b != nil {
		switch {
		case len(b.DiffIDs) > 0 && prefix(b.DiffIDs):
			set(len(b.DiffIDs), "the input's base image")
		case len(b.DiffIDs) > 0:
			e.baseHow = "the input's base image layers are not the image's bottom layers"
		case b.Layers > 0:
			set(b.Layers, "the input's base image")
		default:
			e.baseHow = "the input's base image gives no layers"
		}
		return
	}
	digest, name := e.img.Labels[LabelBaseDigest], e.img.Labels[LabelBaseName]
	if digest != "" || name != "" {
		for _, b := range e.p.bases {
			if b.digest == "" && b.name == "" {
				continue
			}
			if b.digest != "" && b.digest != digest || b.digest == "" && b.name != name {
				continue
			}
			how := fmt.Sprintf("baseImages entry at %s:%d", e.p.file, b.line)
			if len(b.diffIDs) > 0 && !prefix(b.diffIDs) {
				e.baseHow = how + ": its diffIDs are not the image's bottom layers"
				return
			}
			set(b.layers, how)
			return
		}
	}
	best := -1
	for i, b := range e.p.bases {
		if b.digest == "" && b.name == "" && prefix(b.diffIDs) && (best < 0 || len(b.diffIDs) > len(e.p.bases[best].diffIDs)) {
			best = i
		}
	}
	if best >= 0 {
		set(len(e.p.bases[best].diffIDs), fmt.Sprintf("baseImages entry at %s:%d", e.p.file, e.p.bases[best].line))
		return
	}
	switch {
	case digest != "" || name != "":
		e.baseHow = fmt.Sprintf("the image names its base (%s) but no baseImages entry describes it", strings.Trim(name+" "+digest, " "))
	default:
		e.baseHow = fmt.Sprintf("no %s annotation and no baseImages entry matches the image's layers", LabelBaseDigest)
	}
}

func (e *evaluation) findingRef(i int32) FindingRef {
	f := &e.rep.Findings[i]
	if e.purls == nil {
		e.purls = make(map[int32]string, 64)
	}
	s, ok := e.purls[i]
	if !ok {
		s = f.PURL.String()
		e.purls[i] = s
	}
	return FindingRef{ID: f.ID, Severity: f.Severity, Package: f.Package, Version: f.InstalledVersion,
		FixedVersion: f.FixedVersion, PURL: s, Layer: f.Layer}
}

func packageRef(p *scan.Package) PackageRef {
	return PackageRef{Name: p.Name, Version: p.Version, PURL: p.PURL.String(), Licenses: p.Licenses, Layer: p.Layer}
}

// suppressions lists what exceptions and VEX statements covered, adds a
// note for every expired exception that would have applied, and returns
// the reasons with the notes added.
func (e *evaluation) suppressions(reasons []Reason) ([]Suppression, []Reason) {
	var out []Suppression
	limit := e.p.maxEvidence
	fill := func(s *Suppression, h *hits) {
		for k, i := range h.findings {
			if limit > 0 && k >= limit {
				s.Omitted += len(h.findings) - k
				break
			}
			s.Findings = append(s.Findings, e.findingRef(i))
		}
		for k, i := range h.packages {
			if limit > 0 && k >= limit {
				s.Omitted += len(h.packages) - k
				break
			}
			s.Packages = append(s.Packages, packageRef(&e.rep.Packages[i]))
		}
	}
	for _, x := range e.p.exceptions {
		for _, expired := range []bool{false, true} {
			m := e.excHits
			if expired {
				m = e.expHits
			}
			h := m[x]
			if h == nil {
				continue
			}
			exp := x.expires
			s := Suppression{Kind: KindException, Source: x.source, Vulnerability: x.vulnerability, Rules: x.ruleList,
				Reason: x.reason, Owner: x.owner, Expires: &exp, Expired: expired}
			if x.purl != nil {
				s.PURL = x.purl.src
			}
			fill(&s, h)
			out = append(out, s)
			if expired {
				var what []string
				for _, f := range s.Findings {
					what = append(what, f.ID+" in "+f.Package)
				}
				for _, p := range s.Packages {
					what = append(what, p.Name)
				}
				if s.Omitted > 0 {
					what = append(what, strconv.Itoa(s.Omitted)+" more")
				}
				reasons = append(reasons, Reason{Rule: RuleExceptionExpired, Policy: e.p.name, Verdict: Allow,
					Message: fmt.Sprintf("%s expired on %s and no longer applies to: %s (reason was: %s)",
						x, x.expires.Format(time.RFC3339), strings.Join(what, ", "), x.reason),
					Findings: s.Findings, Packages: s.Packages, Omitted: s.Omitted})
			}
		}
	}
	if len(e.vexHits) > 0 {
		vr := slices.Collect(maps.Keys(e.vexHits))
		slices.SortFunc(vr, func(a, b *vexRule) int { return cmp.Compare(a.order, b.order) })
		for _, r := range vr {
			s := Suppression{Kind: KindVEX, Source: r.source(), Vulnerability: r.st.Vulnerability, Owner: r.doc.Author,
				Status: r.st.Status, Justification: r.st.Justification, Reason: joinNonEmpty(": ", r.st.Justification, r.st.ImpactStatement)}
			fill(&s, e.vexHits[r])
			out = append(out, s)
		}
	}
	return out, reasons
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
