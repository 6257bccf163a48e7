package promote

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/portcullis-oci/portcullis/internal/loopback"
	"github.com/portcullis-oci/portcullis/internal/redact"
	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// Default is the default [Promoter]. It is safe for concurrent use.
type Default struct {
	o          *options
	transports *transportCache
}

var _ Promoter = (*Default)(nil)

// New returns the default promoter.
func New(opts ...Option) (*Default, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &Default{o: o, transports: newTransportCache()}, nil
}

// Promote resolves req.Source to a digest once, gets a report for every
// platform image (a stored one when fresh, else a scan), evaluates
// req.Policy on each, and when none denies, copies the image by digest to
// req.Target and then puts the target tag. Errors never hold a credential.
//
// Every promotion, denial and failure is recorded through the [Recorder]
// of [WithRecorder]. A promotion that succeeded but could not be recorded
// returns its result (Promoted true) and an error saying so.
func (p *Default) Promote(ctx context.Context, req Request) (*Result, error) {
	red := &redactor{}
	now := p.o.clock.Now()
	res, err := p.promote(ctx, req, red, now)
	if res != nil {
		res.Source = red.String(res.Source)
	}
	err = clean(red, err)
	if p.o.recorder != nil && !errors.Is(err, ErrInvalidRequest) {
		rec := newRecord(now, req, res, err, red)
		// Record even when ctx ended: the promotion's fate must be kept.
		if rerr := p.o.recorder.Record(context.WithoutCancel(ctx), rec); rerr != nil {
			p.o.logger.ErrorContext(ctx, "recording a promotion failed", "source", rec.Source, "outcome", rec.Outcome, "err", clean(red, rerr))
			err = errors.Join(err, fmt.Errorf("promote: recording the %s promotion of %s: %w", rec.Outcome, rec.Source, clean(red, rerr)))
		}
	}
	return res, err
}

// platformImage is one platform image of the source, to be evaluated.
type platformImage struct {
	digest   v1.Hash
	platform string
	img      v1.Image
}

func (p *Default) promote(ctx context.Context, req Request, red *redactor, now time.Time) (*Result, error) {
	if req.Policy == nil {
		return nil, fmt.Errorf("promote: %w: no policy", ErrInvalidRequest)
	}
	src, err := parseSource(req.Source)
	if err != nil {
		return nil, err
	}
	tgtRepo, tgtTagTmpl, err := parseTarget(req.Target)
	if err != nil {
		return nil, err
	}
	// What this promotion's requests show (credentials, writes to the
	// target) is learnt through its context.
	cnt := &counter{host: tgtRepo.RegistryStr(), repo: "/v2/" + tgtRepo.RepositoryStr() + "/"}
	ctx = withPromotion(ctx, red, cnt)
	srcTag := sourceTag(src, req.Source)
	tmpl := req.Tag
	if tmpl == "" {
		tmpl = tgtTagTmpl
	}
	if tmpl == "" {
		tmpl = "%n"
	}
	res := &Result{Source: redact.StripUserinfo(req.Source), SourceTag: srcTag, DryRun: req.DryRun}

	srcOpts, _, err := p.remoteOptions(ctx, src.Context(), red, false, req.DryRun, src.Scope(transport.PullScope))
	if err != nil {
		return nil, err
	}
	// Resolve once: from here on, only the digest.
	desc, err := remote.Get(src, srcOpts...)
	if err != nil {
		return nil, fmt.Errorf("promote: resolving %s: %w", redact.StripUserinfo(req.Source), err)
	}
	digest := desc.Digest
	res.SourceDigest = digest.String()
	res.MediaType = string(desc.MediaType)
	srcRepo := src.Context()

	tag, err := ExpandTag(tmpl, TagData{Tag: srcTag, Digest: digest.String(), Repository: srcRepo.Name(), Time: now})
	if err != nil {
		return res, err
	}
	tgtTag := tgtRepo.Tag(tag)
	res.TargetRef = tgtTag.String()

	// Evaluate every platform image.
	var idx v1.ImageIndex
	var imgs []platformImage
	switch {
	case desc.MediaType.IsIndex():
		if idx, err = desc.ImageIndex(); err != nil {
			return res, fmt.Errorf("promote: reading index %s: %w", digest, err)
		}
		if imgs, err = platformImages(idx, 1); err != nil {
			return res, fmt.Errorf("promote: reading index %s: %w", digest, err)
		}
	case desc.MediaType.IsImage():
		img, err := desc.Image()
		if err != nil {
			return res, fmt.Errorf("promote: reading image %s: %w", digest, err)
		}
		imgs = []platformImage{{digest: digest, img: img}}
	default:
		return res, fmt.Errorf("promote: %s: %w: media type %q is not an image or index", digest, ErrInvalidRequest, desc.MediaType)
	}
	reports, err := p.evaluate(ctx, req.Policy, srcRepo.Name(), srcTag, digest, imgs, now, res)
	if err != nil {
		return res, err
	}
	if res.Decision.Verdict == policy.Deny {
		p.o.logger.InfoContext(ctx, "promotion denied", "source", res.Source, "digest", res.SourceDigest, "target", res.TargetRef)
		return res, fmt.Errorf("promote: %s@%s to %s: %w: %s", srcRepo.Name(), digest, res.TargetRef, ErrDenied, denyReasons(res.Decision))
	}

	scopes := []string{tgtRepo.Scope(transport.PushScope)}
	if req.DryRun {
		scopes = []string{tgtRepo.Scope(transport.PullScope)}
	}
	if tgtRepo.Registry.String() == src.Context().Registry.String() {
		scopes = append(scopes, src.Scope(transport.PullScope)) // to mount from it
	}
	tgtOpts, tgtRT, err := p.remoteOptions(ctx, tgtRepo, red, true, req.DryRun, scopes...)
	if err != nil {
		return res, err
	}

	// The target tag: already there, or someone else's? Already there, the
	// image is (the tag is written last); its referrers are still brought
	// up to date.
	tagThere := false
	if cur, err := remote.Head(tgtTag, tgtOpts...); err == nil {
		if cur.Digest == digest {
			tagThere = true
		} else if req.NoClobber {
			return res, fmt.Errorf("promote: %s: %w (it names %s, not %s)", res.TargetRef, ErrTagExists, cur.Digest, digest)
		}
	} else if !isNotFound(err) {
		return res, fmt.Errorf("promote: checking %s: %w", res.TargetRef, err)
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("promote: %w", err)
	}

	// The referrers of the image and of each of its manifests, and theirs:
	// all found before anything is written.
	var refs []referrer
	if !req.SkipReferrers {
		subjects := []v1.Hash{digest}
		if idx != nil {
			if subjects, err = indexManifests(idx, digest, 1); err != nil {
				return res, fmt.Errorf("promote: reading index %s: %w", digest, err)
			}
		}
		if refs, err = findReferrers(ctx, srcRepo, srcOpts, subjects, MaxReferrerDepth, MaxReferrers, p.o.logger); err != nil {
			return res, err
		}
	}
	tgtRefs := newTargetReferrers(tgtRepo, tgtOpts)
	var ev *evidenceArtifact
	if req.Evidence {
		// A promotion finding the tag in place adds no evidence to an image
		// that has some from a promotion to the same target.
		if tagThere {
			l, err := tgtRefs.list(digest)
			if err != nil {
				return res, err
			}
			if d := latestEvidence(l, res.TargetRef); d != nil {
				res.Evidence = d.Digest.String()
			}
		}
		if res.Evidence == "" {
			if ev, err = newEvidence(desc.Descriptor, res, imgs, reports, now, red); err != nil {
				return res, err
			}
		}
	}

	if req.DryRun {
		res.Promoted = tagThere
		var root remote.Taggable = idx
		if idx == nil {
			root = imgs[0].img
		}
		if err := p.plan(ctx, tgtRepo, tgtRT, root, digest, tagThere, refs, tgtRefs, ev, res); err != nil {
			return res, err
		}
		return res, nil
	}

	// Copy by digest: blobs, then each manifest after its blobs, index
	// children before the index. Then the referrers, a referrer after its
	// subject, and the evidence. The tag last: when it appears, the
	// signatures are there.
	if !tagThere {
		byDigest := tgtRepo.Digest(digest.String())
		if idx != nil {
			err = remote.WriteIndex(byDigest, idx, tgtOpts...)
		} else {
			err = remote.Write(byDigest, imgs[0].img, tgtOpts...)
		}
		if err != nil {
			err = fmt.Errorf("promote: copying %s@%s to %s: %w", srcRepo.Name(), digest, res.TargetRef, err)
		}
	}
	if err == nil {
		res.Referrers, err = copyReferrers(ctx, tgtRefs, refs)
	}
	if err == nil && ev != nil {
		if err = attachEvidence(ctx, tgtRefs, digest, ev); err == nil {
			res.Evidence = ev.digest.String()
		}
	}
	if err == nil && !tagThere {
		if err = remote.Tag(tgtTag, desc, tgtOpts...); err != nil {
			err = fmt.Errorf("promote: copying %s@%s to %s: putting the tag: %w", srcRepo.Name(), digest, res.TargetRef, err)
		}
	}
	res.Copied = int(cnt.copied.Load())
	res.CopiedBytes = cnt.bytes.Load()
	res.Mounted = int(cnt.mount.Load())
	res.Skipped = int(cnt.skip.Load())
	res.Manifests = int(cnt.mfst.Load())
	if err != nil {
		res.Promoted = tagThere
		return res, err
	}
	res.Promoted = true
	p.o.logger.InfoContext(ctx, "promoted", "source", res.Source, "digest", res.SourceDigest, "target", res.TargetRef,
		"copied", res.Copied, "mounted", res.Mounted, "skipped", res.Skipped, "referrers", res.Referrers, "evidence", res.Evidence)
	return res, nil
}

// remoteOptions returns go-containerregistry options for one repository:
// an authenticated transport (credentials from the keychain, scopes for
// repo and the extra scopes) over our stack: write guard in a dry run,
// observation (credentials learnt for redaction; for the target, counting),
// retries. The transport is kept for later promotions with the same
// registry, scopes and credentials (see transportCache), so that they
// skip the handshake and reuse the token; what it observes goes to the
// promotion whose context the request carries.
func (p *Default) remoteOptions(ctx context.Context, repo name.Repository, red *redactor, target, dryRun bool, scopes ...string) ([]remote.Option, http.RoundTripper, error) {
	auth, err := authn.Resolve(ctx, p.o.keychain, repo)
	if err != nil {
		return nil, nil, fmt.Errorf("promote: resolving credentials for %s: %w", repo.RegistryStr(), err)
	}
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return nil, nil, fmt.Errorf("promote: resolving credentials for %s: %w", repo.RegistryStr(), err)
	}
	red.Add(cfg.Password, cfg.Auth, cfg.IdentityToken, cfg.RegistryToken)
	key := transportKey(repo.Registry, cfg, target, dryRun, scopes)
	rt := p.transports.get(key, p.o.clock.Now())
	if rt == nil {
		var base http.RoundTripper = &retryTransport{base: p.o.transport, retries: p.o.retries, backoff: p.o.backoff, maxRetryAfter: p.o.maxRetryAfter, clock: p.o.clock}
		base = observer{base: base, target: target}
		if dryRun {
			base = readOnlyTransport{base: base}
		}
		// go-containerregistry adds no retries of its own over a transport
		// it did not make (ours retry, honouring Retry-After).
		if rt, err = transport.NewWithContext(ctx, repo.Registry, auth, base, scopes); err != nil {
			return nil, nil, fmt.Errorf("promote: connecting to %s: %w", repo.RegistryStr(), err)
		}
		p.transports.put(key, rt, p.o.clock.Now())
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuth(auth),
		remote.WithTransport(rt),
		remote.WithJobs(p.o.concurrency),
		remote.WithRetryPredicate(func(error) bool { return false }),
	}, rt, nil
}

// platformImages lists the platform images of an index, nested indexes
// included, skipping attestation manifests and artifacts (which are copied
// but not evaluated).
func platformImages(idx v1.ImageIndex, depth int) ([]platformImage, error) {
	if depth > DefaultMaxIndexDepth {
		return nil, fmt.Errorf("index nesting deeper than %d", DefaultMaxIndexDepth)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var out []platformImage
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			more, err := platformImages(child, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		case d.MediaType.IsImage():
			if d.Platform != nil && d.Platform.OS == "unknown" {
				continue // an attestation manifest
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, err
			}
			plat := ""
			if d.Platform != nil {
				plat = d.Platform.String()
			}
			out = append(out, platformImage{digest: d.Digest, platform: plat, img: img})
		}
	}
	return out, nil
}

// evaluate decides on every platform image; the result's decision is the
// strictest. It returns the report of each image, in the order of imgs.
func (p *Default) evaluate(ctx context.Context, pol policy.Policy, repo, tag string, digest v1.Hash, imgs []platformImage, now time.Time, res *Result) ([]*scan.Report, error) {
	if len(imgs) == 0 {
		d, err := pol.Evaluate(ctx, policy.Input{Image: policy.Image{Repository: repo, Tag: tag, Digest: digest.String()}, Now: now})
		if err != nil {
			return nil, fmt.Errorf("promote: evaluating %s: %w", digest, err)
		}
		res.Decision = d
		return nil, nil
	}
	res.Decision = policy.Decision{}
	reports := make([]*scan.Report, 0, len(imgs))
	for _, pi := range imgs {
		rep, reused, err := p.report(ctx, repo, pi, now)
		if err != nil {
			return nil, err
		}
		reports = append(reports, rep)
		in := policy.Input{
			Image:  policy.Image{Repository: repo, Tag: tag, Digest: pi.digest.String(), Labels: rep.Image.Labels},
			Report: rep,
			Now:    now,
		}
		if rep.Image.Created != nil {
			in.Image.Created = *rep.Image.Created
		}
		d, err := pol.Evaluate(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("promote: evaluating %s: %w", pi.digest, err)
		}
		res.Platforms = append(res.Platforms, PlatformResult{Digest: pi.digest.String(), Platform: pi.platform, Decision: d, ReportReused: reused})
		if !d.Verdict.Valid() {
			d.Verdict = policy.Deny
		}
		res.Decision.Verdict = max(res.Decision.Verdict, d.Verdict)
		res.Decision.Reasons = append(res.Decision.Reasons, d.Reasons...)
		res.Decision.Suppressed = append(res.Decision.Suppressed, d.Suppressed...)
	}
	return reports, nil
}

// report returns a fresh stored report for the image, or scans it and
// stores the result.
func (p *Default) report(ctx context.Context, repo string, pi platformImage, now time.Time) (*scan.Report, bool, error) {
	d := pi.digest.String()
	rep, err := p.o.store.Get(ctx, d)
	if err != nil {
		return nil, false, fmt.Errorf("promote: reading the stored report for %s: %w", d, err)
	}
	if rep != nil && rep.Image.Digest == d && !rep.ScannedAt.IsZero() && now.Sub(rep.ScannedAt) <= p.o.maxReportAge {
		again, err := p.rematch(ctx, rep)
		if err != nil {
			return nil, false, fmt.Errorf("promote: matching the stored report for %s again: %w", d, err)
		}
		if again != nil {
			if err := p.o.store.Put(ctx, d, again); err != nil {
				return nil, false, fmt.Errorf("promote: storing the report for %s: %w", d, err)
			}
			p.o.logger.DebugContext(ctx, "stored report matched again: the feeds changed", "digest", d)
			rep = again
		}
		return rep, true, nil
	}
	rep, err = p.o.scanner.Scan(ctx, pi.img, scan.WithRef(repo+"@"+d))
	if err != nil {
		return nil, false, fmt.Errorf("promote: scanning %s@%s: %w", repo, d, err)
	}
	if rep.Image.Digest == "" {
		rep.Image.Digest = d
	}
	if err := p.o.store.Put(ctx, d, rep); err != nil {
		return nil, false, fmt.Errorf("promote: storing the report for %s: %w", d, err)
	}
	return rep, false, nil
}

// rematch matches a stored report again when the promoter's matcher
// (WithMatcher) holds feeds updated since the report was matched, or the
// report was never matched: the inventory stays, the findings are today's.
// It returns nil when nothing changed, and never changes rep itself.
func (p *Default) rematch(ctx context.Context, rep *scan.Report) (*scan.Report, error) {
	lister, ok := p.o.matcher.(interface {
		Sources(ctx context.Context) ([]vulndb.SourceInfo, error)
	})
	if !ok {
		return nil, nil
	}
	sources, err := lister.Sources(ctx)
	if err != nil {
		return nil, err
	}
	if !feedsChanged(rep.Database, sources) {
		return nil, nil
	}
	again := *rep
	again.Incomplete = slices.Clone(rep.Incomplete)
	if err := scan.MatchReport(ctx, &again, p.o.matcher); err != nil {
		return nil, err
	}
	return &again, nil
}

// feedsChanged reports whether the feeds now differ from those a report
// was matched against: one added, removed, or updated since.
func feedsChanged(db *scan.DatabaseInfo, now []vulndb.SourceInfo) bool {
	if db == nil {
		return len(now) > 0
	}
	if len(db.Sources) != len(now) {
		return true
	}
	then := make(map[string]time.Time, len(db.Sources))
	for _, s := range db.Sources {
		then[s.Name] = s.Updated
	}
	for _, s := range now {
		t, ok := then[s.Name]
		if !ok || !s.Updated.Equal(t) {
			return true
		}
	}
	return false
}

func denyReasons(d policy.Decision) string {
	var parts []string
	for _, r := range d.Reasons {
		if r.Verdict == policy.Deny {
			parts = append(parts, r.Rule+": "+r.Message)
		}
	}
	if len(parts) == 0 {
		return "denied"
	}
	if len(parts) > 5 {
		parts = append(parts[:5], fmt.Sprintf("and %d more", len(parts)-5))
	}
	return strings.Join(parts, "; ")
}

// plan fills a dry run's counts: the manifests and blobs the target lacks
// (the image's unless the tag is already there, the referrers' the target
// does not list, the evidence's), the referrers that would be copied.
// Updates of referrers tags are not counted.
func (p *Default) plan(ctx context.Context, repo name.Repository, rt http.RoundTripper, root remote.Taggable, digest v1.Hash, tagThere bool, refs []referrer, tgt *targetReferrers, ev *evidenceArtifact, res *Result) error {
	var manifests []v1.Hash
	blobs := map[v1.Hash]int64{}
	if !tagThere {
		if err := manifestTree(root, digest, 1, &manifests, blobs); err != nil {
			return fmt.Errorf("promote: reading %s: %w", digest, err)
		}
		res.Manifests++ // the tag
	}
	for _, r := range refs {
		ok, err := tgt.has(r.subject, r.desc.Digest)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		m, err := referrerManifest(r.desc)
		if err == nil {
			err = manifestTree(m, r.desc.Digest, 1, &manifests, blobs)
		}
		if err != nil {
			return fmt.Errorf("promote: reading referrer %s of %s: %w", r.desc.Digest, r.subject, err)
		}
		res.Referrers++
	}
	if ev != nil {
		ok, err := tgt.has(digest, ev.digest)
		if err != nil {
			return err
		}
		if !ok {
			manifests = append(manifests, ev.digest)
			maps.Copy(blobs, ev.blobs)
		}
	}
	seen := map[v1.Hash]bool{}
	for _, h := range manifests {
		if seen[h] {
			continue
		}
		seen[h] = true
		if _, err := remote.Head(repo.Digest(h.String()), tgt.opts...); err != nil {
			if !isNotFound(err) {
				return fmt.Errorf("promote: checking %s@%s: %w", repo, h, err)
			}
			res.Manifests++
		}
	}
	for h, size := range blobs {
		ok, err := blobExists(ctx, rt, repo, h)
		if err != nil {
			return fmt.Errorf("promote: checking blob %s in %s: %w", h, repo, err)
		}
		if ok {
			res.Skipped++
			continue
		}
		res.Copied++
		res.CopiedBytes += size
	}
	return nil
}

// indexManifests lists an index and every manifest under it.
func indexManifests(idx v1.ImageIndex, self v1.Hash, depth int) ([]v1.Hash, error) {
	if depth > DefaultMaxIndexDepth {
		return nil, fmt.Errorf("index nesting deeper than %d", DefaultMaxIndexDepth)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	out := []v1.Hash{self}
	for _, d := range im.Manifests {
		if d.MediaType.IsIndex() {
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			more, err := indexManifests(child, d.Digest, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
			continue
		}
		out = append(out, d.Digest)
	}
	return out, nil
}

func blobExists(ctx context.Context, rt http.RoundTripper, repo name.Repository, h v1.Hash) (bool, error) {
	u := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", repo.Registry.Scheme(), repo.RegistryStr(), repo.RepositoryStr(), h)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	default:
		return false, fmt.Errorf("HEAD answered %s", resp.Status)
	}
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// parseSource parses the source reference, reaching loopback registries
// over plain HTTP.
func parseSource(s string) (name.Reference, error) {
	r, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("promote: source %q: %w: %v", redact.StripUserinfo(s), ErrInvalidRequest, err)
	}
	if loopback.Is(r.Context().RegistryStr()) {
		if r, err = name.ParseReference(s, name.Insecure); err != nil {
			return nil, fmt.Errorf("promote: source %q: %w: %v", redact.StripUserinfo(s), ErrInvalidRequest, err)
		}
	}
	return r, nil
}

// sourceTag returns the tag of the source: a tag reference's, or the one
// in "repo:tag@digest" (which is resolved by its digest, the tag kept for
// the policy and the tag template).
func sourceTag(src name.Reference, s string) string {
	switch r := src.(type) {
	case name.Tag:
		return r.TagStr()
	case name.Digest:
		before, _, _ := strings.Cut(s, "@")
		if t, err := name.NewTag(before, name.WeakValidation); err == nil && strings.HasSuffix(before, ":"+t.TagStr()) {
			return t.TagStr()
		}
	}
	return ""
}

// parseTarget parses "registry/repo" or "registry/repo:tag".
func parseTarget(s string) (name.Repository, string, error) {
	var opts []name.Option
	if host, _, _ := strings.Cut(s, "/"); loopback.Is(host) {
		opts = append(opts, name.Insecure)
	}
	if repo, err := name.NewRepository(s, opts...); err == nil {
		return repo, "", nil
	}
	t, err := name.NewTag(s, opts...)
	if err != nil {
		return name.Repository{}, "", fmt.Errorf("promote: target %q: %w: want REGISTRY/REPOSITORY[:TAG]: %v", redact.StripUserinfo(s), ErrInvalidRequest, err)
	}
	return t.Context(), t.TagStr(), nil
}
