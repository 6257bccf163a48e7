package trigger

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	digest "github.com/opencontainers/go-digest"
)

// Media types of a Distribution notification envelope.
const (
	// EventsMediaType is the envelope's media type in Distribution 2.x.
	EventsMediaType = "application/vnd.docker.distribution.events.v1+json"
	// EventsMediaTypeV2 is the envelope's media type in Distribution 3.x.
	EventsMediaTypeV2 = "application/vnd.docker.distribution.events.v2+json"
)

// Trigger names, recorded with every promotion a push event starts.
const (
	TriggerDistribution = "distribution"
	TriggerHarbor       = "harbor"
)

// manifestTypes are the media types of the manifests a push of which can
// start a promotion: images and indexes, OCI and Docker.
var manifestTypes = map[string]bool{
	"application/vnd.oci.image.manifest.v1+json":                true,
	"application/vnd.oci.image.index.v1+json":                   true,
	"application/vnd.docker.distribution.manifest.v2+json":      true,
	"application/vnd.docker.distribution.manifest.list.v2+json": true,
}

// push is one tagged manifest push found in a payload.
type push struct {
	trigger    string
	registry   string // host[:port] as the event names it
	repository string
	tag        string
	digest     string
}

// distEnvelope is the part of a Distribution notification envelope read
// here (distribution's notifications.Envelope and Event).
type distEnvelope struct {
	Events []*distEvent `json:"events"`
}

type distEvent struct {
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Action    string `json:"action"`
	Target    *struct {
		MediaType  string `json:"mediaType"`
		Digest     string `json:"digest"`
		Repository string `json:"repository"`
		URL        string `json:"url"`
		Tag        string `json:"tag"`
	} `json:"target"`
	Request *struct {
		Host string `json:"host"`
	} `json:"request"`
}

// harborPayload is the part of a Harbor webhook (the default payload
// format) read here.
type harborPayload struct {
	Type      string `json:"type"`
	OccurAt   int64  `json:"occur_at"`
	Operator  string `json:"operator"`
	EventData *struct {
		Resources []*struct {
			Digest      string `json:"digest"`
			Tag         string `json:"tag"`
			ResourceURL string `json:"resource_url"`
		} `json:"resources"`
		Repository *struct {
			Name         string `json:"name"`
			Namespace    string `json:"namespace"`
			RepoFullName string `json:"repo_full_name"`
		} `json:"repository"`
	} `json:"event_data"`
}

// badPayload is a payload refused with 400; its message is the reason.
type badPayload struct{ msg string }

func (e *badPayload) Error() string { return e.msg }

func bad(format string, args ...any) error { return &badPayload{fmt.Sprintf(format, args...)} }

// parsePayload reads a Distribution envelope or a Harbor webhook and
// returns its tagged manifest pushes, and how many events it ignored. The
// whole payload is checked: any problem is an error and no push is
// returned. registry, when set, replaces the registry hosts the payload
// names.
func parsePayload(body []byte, maxEvents int, registry string) ([]push, int, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, 0, bad("not a JSON object")
	}
	if _, ok := top["events"]; ok {
		return parseDistribution(body, maxEvents, registry)
	}
	if _, ok := top["type"]; ok {
		return parseHarbor(body, maxEvents, registry)
	}
	return nil, 0, bad("neither a Distribution events envelope nor a Harbor webhook")
}

func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return bad("%s: wrong type (%s)", te.Field, te.Value)
	}
	return bad("malformed JSON")
}

func parseDistribution(body []byte, maxEvents int, registry string) ([]push, int, error) {
	var env distEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, 0, jsonProblem(err)
	}
	if env.Events == nil {
		return nil, 0, bad("events: want a list")
	}
	if len(env.Events) > maxEvents {
		return nil, 0, bad("more than %d events", maxEvents)
	}
	var out []push
	ignored := 0
	for i, ev := range env.Events {
		if ev == nil {
			return nil, 0, bad("events[%d]: want an object", i)
		}
		if ev.Action != "push" || ev.Target == nil || !manifestTypes[ev.Target.MediaType] || ev.Target.Tag == "" {
			ignored++ // blobs, pulls, deletes, mounts, untagged pushes
			continue
		}
		t := ev.Target
		p := push{trigger: TriggerDistribution, repository: t.Repository, tag: t.Tag, digest: t.Digest}
		switch {
		case registry != "":
			p.registry = registry
		case ev.Request != nil && ev.Request.Host != "":
			p.registry = ev.Request.Host
		case t.URL != "":
			u, err := url.Parse(t.URL)
			if err != nil || u.Host == "" {
				return nil, 0, bad("events[%d]: target.url is not a URL", i)
			}
			p.registry = u.Host
		}
		if err := p.check(); err != nil {
			return nil, 0, bad("events[%d]: %v", i, err)
		}
		if referrerTag(p.tag) {
			ignored++
			continue
		}
		out = append(out, p)
	}
	return out, ignored, nil
}

func parseHarbor(body []byte, maxEvents int, registry string) ([]push, int, error) {
	var h harborPayload
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, 0, jsonProblem(err)
	}
	if h.Type != "PUSH_ARTIFACT" {
		return nil, 1, nil
	}
	ed := h.EventData
	if ed == nil || ed.Repository == nil {
		return nil, 0, bad("PUSH_ARTIFACT without event_data.repository")
	}
	repo := ed.Repository.RepoFullName
	if repo == "" && ed.Repository.Namespace != "" && ed.Repository.Name != "" {
		repo = ed.Repository.Namespace + "/" + ed.Repository.Name
	}
	if repo == "" {
		return nil, 0, bad("PUSH_ARTIFACT without a repository name")
	}
	if len(ed.Resources) == 0 {
		return nil, 0, bad("PUSH_ARTIFACT without resources")
	}
	if len(ed.Resources) > maxEvents {
		return nil, 0, bad("more than %d resources", maxEvents)
	}
	var out []push
	ignored := 0
	for i, r := range ed.Resources {
		if r == nil {
			return nil, 0, bad("event_data.resources[%d]: want an object", i)
		}
		p := push{trigger: TriggerHarbor, repository: repo, tag: r.Tag, digest: r.Digest}
		if registry != "" {
			p.registry = registry
		} else if r.ResourceURL != "" {
			host, err := resourceHost(r.ResourceURL)
			if err != nil {
				return nil, 0, bad("event_data.resources[%d]: resource_url: %v", i, err)
			}
			p.registry = host
		}
		if p.tag == "" {
			// Pushed by digest: nothing names it to select or template.
			if !validDigest(p.digest) {
				return nil, 0, bad("event_data.resources[%d]: digest %q is not a digest", i, clip(p.digest))
			}
			ignored++
			continue
		}
		if err := p.check(); err != nil {
			return nil, 0, bad("event_data.resources[%d]: %v", i, err)
		}
		if referrerTag(p.tag) {
			ignored++
			continue
		}
		out = append(out, p)
	}
	return out, ignored, nil
}

// resourceHost returns the registry host of a Harbor resource_url,
// "host/project/repo:tag", with or without a scheme.
func resourceHost(s string) (string, error) {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	host, _, ok := strings.Cut(s, "/")
	if !ok || host == "" {
		return "", fmt.Errorf("%q does not name a registry host", clip(s))
	}
	return host, nil
}

// check validates a push before anything is queued.
func (p *push) check() error {
	switch {
	case p.repository == "":
		return errors.New("no repository")
	case !validRepository(p.repository):
		return fmt.Errorf("repository %q is not a valid repository name", clip(p.repository))
	case p.digest == "":
		return errors.New("no digest")
	case !validDigest(p.digest):
		return fmt.Errorf("digest %q is not a digest", clip(p.digest))
	case !validTag.MatchString(p.tag):
		return fmt.Errorf("tag %q is not a valid tag", clip(p.tag))
	case p.registry == "":
		return errors.New("no registry host (the event names none; configure the registry)")
	case !validHost(p.registry):
		return fmt.Errorf("registry %q is not a host[:port]", clip(p.registry))
	}
	return nil
}

var (
	// The distribution-spec grammar of repository names.
	repoComponent = `[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*`
	validRepoRe   = regexp.MustCompile(`^` + repoComponent + `(?:/` + repoComponent + `)*$`)
	validTag      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	// Tags that stand for referrers (the referrers tag schema's
	// "sha256-<hex>", cosign's "sha256-<hex>.sig", ".att", ".sbom"): not
	// images to promote; the promoter copies referrers with their subject.
	referrerTagRe = regexp.MustCompile(`^sha(?:256|512)-[0-9a-f]{64,128}(?:\..*)?$`)
	validHostRe   = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)
)

func validRepository(s string) bool { return len(s) <= 255 && validRepoRe.MatchString(s) }

func validHost(s string) bool { return len(s) <= 255 && validHostRe.MatchString(s) }

func referrerTag(s string) bool { return referrerTagRe.MatchString(s) }

// validDigest accepts sha256:<64 hex> and sha512:<128 hex>, lower case.
func validDigest(s string) bool {
	d, err := digest.Parse(s)
	return err == nil && (d.Algorithm() == digest.SHA256 || d.Algorithm() == digest.SHA512)
}

// clip shortens what a sender gave before it is echoed in a response.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
