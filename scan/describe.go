package scan

import (
	"fmt"
	"maps"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// describe reads img's manifest and config into a report skeleton, checking
// that the config's diffIDs agree with the layers.
func (s *LayerScanner) describe(img v1.Image, ref string) (*Report, []v1.Layer, error) {
	digest, err := img.Digest()
	if err != nil {
		return nil, nil, fmt.Errorf("scan: image digest: %w", err)
	}
	rep := &Report{
		SchemaVersion: SchemaVersion,
		Image:         ImageRef{Ref: ref, Digest: digest.String(), Labels: map[string]string{}},
		Findings:      []Finding{},
		Summary:       map[string]int{},
		Incomplete:    []AnalyzerError{},
	}
	for _, sev := range Severities {
		rep.Summary[sev] = 0
	}
	if mt, err := img.MediaType(); err == nil {
		rep.Image.MediaType = string(mt)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, nil, fmt.Errorf("scan: image %s: config: %w", digest, err)
	}
	if cfg.OS != "" || cfg.Architecture != "" {
		p := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
		rep.Image.Platform = p.String()
	}
	maps.Copy(rep.Image.Labels, cfg.Config.Labels)
	if !cfg.Created.IsZero() {
		t := cfg.Created.UTC()
		rep.Image.Created = &t
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, nil, fmt.Errorf("scan: image %s: layers: %w", digest, err)
	}
	if len(layers) > s.maxLayers {
		return nil, nil, fmt.Errorf("scan: image %s has %d layers, more than the limit of %d (WithMaxLayers)", digest, len(layers), s.maxLayers)
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		return nil, nil, fmt.Errorf("scan: image %s: the config lists %d diffIDs for %d layers", digest, len(cfg.RootFS.DiffIDs), len(layers))
	}
	// History entries that made no layer do not count.
	var createdBy []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			createdBy = append(createdBy, h.CreatedBy)
		}
	}
	if len(cfg.History) > 0 && len(createdBy) != len(layers) {
		s.logger.Warn("history does not match the layers", "image", digest.String(), "history", len(createdBy), "layers", len(layers))
		createdBy = nil
	}
	rep.Layers = make([]Layer, len(layers))
	for i, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, nil, fmt.Errorf("scan: image %s: layer %d digest: %w", digest, i, err)
		}
		diffID := cfg.RootFS.DiffIDs[i].String()
		if _, _, ok := cutDigest(diffID); !ok {
			return nil, nil, fmt.Errorf("scan: image %s: layer %d: invalid diffID %q", digest, i, diffID)
		}
		size, err := l.Size()
		if err != nil {
			return nil, nil, fmt.Errorf("scan: image %s: layer %d size: %w", digest, i, err)
		}
		rep.Layers[i] = Layer{Index: i, Digest: d.String(), DiffID: diffID, Size: size}
		if mt, err := l.MediaType(); err == nil {
			rep.Layers[i].MediaType = string(mt)
		}
		if createdBy != nil {
			rep.Layers[i].CreatedBy = createdBy[i]
		}
	}
	return rep, layers, nil
}
