package promote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Limits on the referrers copied along with an image (see
// Request.SkipReferrers). A promotion whose source goes beyond them fails
// before anything is written.
const (
	// MaxReferrerDepth bounds how deeply referrers of referrers are
	// followed: a signature on the image is at depth 1, a signature on that
	// signature at depth 2.
	MaxReferrerDepth = 4
	// MaxReferrers bounds how many referrers one promotion copies.
	MaxReferrers = 1000
)

// referrer is a manifest of the source repository whose subject is the
// promoted image, one of its manifests, or another referrer.
type referrer struct {
	desc    *remote.Descriptor // fetched by digest from the source
	subject v1.Hash
	depth   int
}

// findReferrers lists, breadth first, the referrers of subjects in repo,
// and theirs, down to maxDepth levels and at most maxCount in all. The
// referrers API is used, or the referrers tag schema where the registry has
// none (remote.Referrers falls back by itself). A listed manifest that is
// missing, or whose subject is not the one it is listed under (a hand-made
// referrers tag), is skipped with a warning: copying it would not make it a
// referrer in the target.
func findReferrers(ctx context.Context, repo name.Repository, opts []remote.Option, subjects []v1.Hash, maxDepth, maxCount int, logger *slog.Logger) ([]referrer, error) {
	seen := make(map[v1.Hash]bool, len(subjects))
	for _, s := range subjects {
		seen[s] = true
	}
	var out []referrer
	level := subjects
	for depth := 1; len(level) > 0; depth++ {
		var next []v1.Hash
		for _, s := range level {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("promote: listing referrers in %s: %w", repo, err)
			}
			listed, err := listReferrers(repo, s, opts)
			if err != nil {
				return nil, err
			}
			for _, d := range listed {
				if seen[d.Digest] {
					continue
				}
				seen[d.Digest] = true
				if depth > maxDepth {
					return nil, fmt.Errorf("promote: referrers of %s@%s nest deeper than %d levels (%s refers to %s)", repo, subjects[0], maxDepth, d.Digest, s)
				}
				if len(out) >= maxCount {
					return nil, fmt.Errorf("promote: %s@%s has more than %d referrers (with their own referrers)", repo, subjects[0], maxCount)
				}
				desc, err := remote.Get(repo.Digest(d.Digest.String()), opts...)
				if isNotFound(err) {
					logger.WarnContext(ctx, "skipping a referrer listed but missing", "repository", repo.String(), "subject", s.String(), "referrer", d.Digest.String())
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("promote: reading referrer %s of %s in %s: %w", d.Digest, s, repo, err)
				}
				if !desc.MediaType.IsImage() && !desc.MediaType.IsIndex() {
					return nil, fmt.Errorf("promote: referrer %s of %s in %s: media type %q is not an image manifest or index", d.Digest, s, repo, desc.MediaType)
				}
				var m struct {
					Subject *v1.Descriptor `json:"subject"`
				}
				if err := json.Unmarshal(desc.Manifest, &m); err != nil {
					return nil, fmt.Errorf("promote: reading referrer %s of %s in %s: %w", d.Digest, s, repo, err)
				}
				if m.Subject == nil || m.Subject.Digest != s {
					logger.WarnContext(ctx, "skipping a listed referrer whose subject is another manifest", "repository", repo.String(), "subject", s.String(), "referrer", d.Digest.String())
					continue
				}
				out = append(out, referrer{desc: desc, subject: s, depth: depth})
				next = append(next, d.Digest)
			}
		}
		level = next
	}
	return out, nil
}

// listReferrers returns the descriptors of the referrers of subject in
// repo.
func listReferrers(repo name.Repository, subject v1.Hash, opts []remote.Option) ([]v1.Descriptor, error) {
	idx, err := remote.Referrers(repo.Digest(subject.String()), opts...)
	if err != nil {
		return nil, fmt.Errorf("promote: listing the referrers of %s@%s: %w", repo, subject, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("promote: listing the referrers of %s@%s: %w", repo, subject, err)
	}
	return im.Manifests, nil
}

// targetReferrers caches, for one promotion, the referrers the target
// repository lists for each subject, and learns the ones written.
type targetReferrers struct {
	repo name.Repository
	opts []remote.Option
	m    map[v1.Hash][]v1.Descriptor
}

func newTargetReferrers(repo name.Repository, opts []remote.Option) *targetReferrers {
	return &targetReferrers{repo: repo, opts: opts, m: map[v1.Hash][]v1.Descriptor{}}
}

// list returns the referrers the target lists for subject.
func (t *targetReferrers) list(subject v1.Hash) ([]v1.Descriptor, error) {
	if l, ok := t.m[subject]; ok {
		return l, nil
	}
	l, err := listReferrers(t.repo, subject, t.opts)
	if err != nil {
		return nil, err
	}
	t.m[subject] = l
	return l, nil
}

// has reports whether the target lists ref as a referrer of subject.
func (t *targetReferrers) has(subject, ref v1.Hash) (bool, error) {
	l, err := t.list(subject)
	if err != nil {
		return false, err
	}
	for _, d := range l {
		if d.Digest == ref {
			return true, nil
		}
	}
	return false, nil
}

func (t *targetReferrers) add(subject v1.Hash, d v1.Descriptor) {
	t.m[subject] = append(t.m[subject], d)
}

// putReferrer writes a manifest that has a subject to the target by its
// digest: its blobs (mounted from the source on the same registry) or
// children, then the manifest. go-containerregistry then keeps the
// referrers tag (sha256-HEX of the subject) up to date where the registry
// has no referrers API: it asks GET /v2/REPO/referrers/SUBJECT, and when
// that is not answered 200, merges the new descriptor into the index the
// tag names. That happens only when the manifest is PUT, and remote.Write
// skips the PUT of a manifest already there; so a manifest already there
// but not listed (an earlier run failed between the two) is PUT again.
func putReferrer(repo name.Repository, digest v1.Hash, m remote.Taggable, opts []remote.Option) error {
	ref := repo.Digest(digest.String())
	if _, err := remote.Head(ref, opts...); err == nil {
		return remote.Put(ref, m, opts...)
	} else if !isNotFound(err) {
		return err
	}
	switch m := m.(type) {
	case v1.ImageIndex:
		return remote.WriteIndex(ref, m, opts...)
	case v1.Image:
		return remote.Write(ref, m, opts...)
	}
	return fmt.Errorf("%s: %T is not an image or index", digest, m)
}

// referrerManifest returns the image or index of a referrer found in the
// source.
func referrerManifest(desc *remote.Descriptor) (remote.Taggable, error) {
	if desc.MediaType.IsIndex() {
		return desc.ImageIndex()
	}
	return desc.Image()
}

// copyReferrers copies the referrers the target does not list yet, in the
// order found (a referrer after its subject), one at a time: the referrers
// tag of a subject is read, merged and written back by each, so two at once
// could lose one. It returns how many were copied.
func copyReferrers(ctx context.Context, tgt *targetReferrers, refs []referrer) (int, error) {
	n := 0
	for _, r := range refs {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("promote: copying referrers to %s: %w", tgt.repo, err)
		}
		ok, err := tgt.has(r.subject, r.desc.Digest)
		if err != nil {
			return n, err
		}
		if ok {
			continue
		}
		m, err := referrerManifest(r.desc)
		if err == nil {
			err = putReferrer(tgt.repo, r.desc.Digest, m, tgt.opts)
		}
		if err != nil {
			return n, fmt.Errorf("promote: copying referrer %s of %s to %s: %w", r.desc.Digest, r.subject, tgt.repo, err)
		}
		tgt.add(r.subject, r.desc.Descriptor)
		n++
	}
	return n, nil
}

// manifestTree lists a manifest and, for an index, every manifest under
// it, and the blobs of the images among them (distributable ones, as
// go-containerregistry copies), with their sizes.
func manifestTree(m remote.Taggable, self v1.Hash, depth int, manifests *[]v1.Hash, blobs map[v1.Hash]int64) error {
	if depth > DefaultMaxIndexDepth {
		return fmt.Errorf("index nesting deeper than %d", DefaultMaxIndexDepth)
	}
	*manifests = append(*manifests, self)
	switch m := m.(type) {
	case v1.ImageIndex:
		im, err := m.IndexManifest()
		if err != nil {
			return err
		}
		for _, d := range im.Manifests {
			var child remote.Taggable
			switch {
			case d.MediaType.IsIndex():
				if child, err = m.ImageIndex(d.Digest); err != nil {
					return err
				}
			case d.MediaType.IsImage():
				if child, err = m.Image(d.Digest); err != nil {
					return err
				}
			default:
				*manifests = append(*manifests, d.Digest)
				continue
			}
			if err := manifestTree(child, d.Digest, depth+1, manifests, blobs); err != nil {
				return err
			}
		}
	case v1.Image:
		mf, err := m.Manifest()
		if err != nil {
			return err
		}
		blobs[mf.Config.Digest] = mf.Config.Size
		for _, l := range mf.Layers {
			if l.MediaType.IsDistributable() {
				blobs[l.Digest] = l.Size
			}
		}
	default:
		return errors.New("not an image or index")
	}
	return nil
}
