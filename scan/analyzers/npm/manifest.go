package npm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Bounds on what is kept from a package.json.
const (
	maxLicenses     = 16
	maxLicenseBytes = 256
)

// manifest is what is kept of an installed package's package.json.
type manifest struct {
	Name     string
	Version  string
	Licenses []string
}

// parseManifest reads an installed package's package.json.
func parseManifest(b []byte) (manifest, error) {
	var raw struct {
		Name     json.RawMessage `json:"name"`
		Version  json.RawMessage `json:"version"`
		License  json.RawMessage `json:"license"`
		Licenses json.RawMessage `json:"licenses"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return manifest{}, fmt.Errorf("npm: package.json: %w", err)
	}
	var m manifest
	var err error
	if m.Name, err = jsonString(raw.Name, "name"); err != nil {
		return manifest{}, err
	}
	if m.Version, err = jsonString(raw.Version, "version"); err != nil {
		return manifest{}, err
	}
	m.Licenses = licenses(raw.License, raw.Licenses)
	return m, nil
}

// jsonString decodes an optional string field; null and absent give "".
func jsonString(raw json.RawMessage, field string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("npm: package.json: %q is not a string: %.40s", field, raw)
	}
	return strings.TrimSpace(s), nil
}

// licenses reads the "license" field (a string, an SPDX expression, or the
// deprecated {"type": …} object) and the legacy "licenses" array (of such
// objects or strings). Anything else is ignored.
func licenses(license, legacy json.RawMessage) []string {
	var out []string
	add := func(s string) {
		s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
		if s == "" || len(s) > maxLicenseBytes || len(out) >= maxLicenses {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	one := func(raw json.RawMessage) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return
		}
		switch raw[0] {
		case '"':
			var s string
			if json.Unmarshal(raw, &s) == nil {
				add(s)
			}
		case '{':
			var o struct {
				Type json.RawMessage `json:"type"`
			}
			if json.Unmarshal(raw, &o) == nil {
				if s, err := jsonString(o.Type, "type"); err == nil {
					add(s)
				}
			}
		}
	}
	many := func(raw json.RawMessage) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '[' {
			one(raw)
			return
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			for _, r := range list {
				one(r)
			}
		}
	}
	many(license)
	many(legacy)
	return out
}

// projectManifest is what is kept of a project's package.json: the
// dependency lists, to tell development dependencies apart.
type projectManifest struct {
	Dependencies         map[string]string
	DevDependencies      map[string]string
	OptionalDependencies map[string]string
	// Workspaces is set for a workspace root, whose workspaces' own
	// package.json list dependencies too.
	Workspaces bool
}

// parseProjectManifest reads a project's package.json. Dependency entries
// whose range is not a string are ignored.
func parseProjectManifest(b []byte) (*projectManifest, error) {
	var raw struct {
		Dependencies         map[string]json.RawMessage `json:"dependencies"`
		DevDependencies      map[string]json.RawMessage `json:"devDependencies"`
		OptionalDependencies map[string]json.RawMessage `json:"optionalDependencies"`
		Workspaces           json.RawMessage            `json:"workspaces"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("npm: package.json: %w", err)
	}
	ranges := func(m map[string]json.RawMessage) map[string]string {
		out := make(map[string]string, len(m))
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			}
		}
		return out
	}
	ws := bytes.TrimSpace(raw.Workspaces)
	return &projectManifest{
		Dependencies:         ranges(raw.Dependencies),
		DevDependencies:      ranges(raw.DevDependencies),
		OptionalDependencies: ranges(raw.OptionalDependencies),
		Workspaces:           len(ws) > 0 && string(ws) != "null" && string(ws) != "[]" && string(ws) != "{}",
	}, nil
}
