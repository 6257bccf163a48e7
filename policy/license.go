package policy

import (
	"fmt"
	"strings"
	"sync"

	"github.com/github/go-spdx/v2/spdxexp"
)

// licenseMatch is the licence test of a packages criterion.
//
// A package's declared licences are combined with AND (each applies to some
// of its files). With oneOf (a deny list), a package matches when its
// licences cannot be satisfied without one of the listed licences: "MIT OR
// GPL-3.0-only" does not match oneOf [GPL-3.0-only], "MIT AND
// GPL-3.0-only" does. With notOneOf (an allow list), a package matches when
// the listed licences do not satisfy its licences. A package with no
// declared licence, or one that is not an SPDX expression, matches only
// when unknown is set.
type licenseMatch struct {
	oneOf, notOneOf []string
	unknown         bool
	mu              sync.RWMutex
	cache           map[string]bool // key: the package's licences joined
}

// maxLicenseCache bounds the memo of licence outcomes kept per criterion.
const maxLicenseCache = 1 << 14

// normalizeLicenseList checks a policy's licence list: single SPDX licence
// identifiers (optionally "WITH" an exception), or LicenseRef-… names.
func normalizeLicenseList(list []string) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, l := range list {
		norm, bad := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{legacyLicense(l)},
			spdxexp.ValidateLicensesOptions{FailComplexExpressions: true})
		if len(bad) > 0 || len(norm) != 1 {
			return nil, fmt.Errorf("licence %q: not an SPDX licence identifier (expressions belong in packages, not in the list)", l)
		}
		out = append(out, norm[0])
	}
	return out, nil
}

// match reports whether a package with the given declared licences
// matches.
func (m *licenseMatch) match(licenses []string) bool {
	var key string
	switch len(licenses) {
	case 0:
	case 1:
		key = licenses[0]
	default:
		key = strings.Join(licenses, "\x00")
	}
	m.mu.RLock()
	r, ok := m.cache[key]
	m.mu.RUnlock()
	if ok {
		return r
	}
	r = m.decide(licenses)
	m.mu.Lock()
	if m.cache == nil {
		m.cache = map[string]bool{}
	}
	if len(m.cache) < maxLicenseCache {
		m.cache[key] = r
	}
	m.mu.Unlock()
	return r
}

func (m *licenseMatch) decide(licenses []string) bool {
	expr, unknown := packageLicenseExpr(licenses)
	if expr != "" {
		if m.oneOf != nil && requiresOneOf(expr, m.oneOf) {
			return true
		}
		if m.notOneOf != nil {
			ok, err := spdxexp.Satisfies(expr, m.notOneOf)
			if err == nil && !ok {
				return true
			}
			if err != nil {
				unknown = true
			}
		}
	}
	return unknown && m.unknown
}

// requiresOneOf reports whether expr cannot be satisfied without a licence
// of list.
func requiresOneOf(expr string, list []string) bool {
	ids, err := spdxexp.ExtractLicenses(expr)
	if err != nil {
		return false
	}
	var rest []string
	for _, id := range ids {
		listed := false
		for _, l := range list {
			if strings.EqualFold(id, l) {
				listed = true
				break
			}
		}
		if !listed {
			rest = append(rest, id)
		}
	}
	if len(rest) == 0 {
		return true
	}
	ok, err := spdxexp.Satisfies(expr, rest)
	return err == nil && !ok
}

// packageLicenseExpr combines a package's declared licences into one SPDX
// expression (AND of the recognised ones) and says whether any was missing
// or unrecognised.
func packageLicenseExpr(licenses []string) (expr string, unknown bool) {
	if len(licenses) == 0 {
		return "", true
	}
	var parts []string
	for _, l := range licenses {
		norm, bad := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{legacyLicense(l)}, spdxexp.ValidateLicensesOptions{})
		if len(bad) > 0 || len(norm) != 1 {
			unknown = true
			continue
		}
		parts = append(parts, norm[0])
	}
	switch len(parts) {
	case 0:
		return "", true
	case 1:
		return parts[0], unknown
	}
	for i, p := range parts {
		if strings.Contains(p, " ") {
			parts[i] = "(" + p + ")"
		}
	}
	return strings.Join(parts, " AND "), unknown
}

// legacyLicense maps the common non-SPDX names that package databases use
// (Debian copyright short names, Python classifiers) to SPDX identifiers;
// other names are returned trimmed.
func legacyLicense(l string) string {
	l = strings.TrimSpace(l)
	if id, ok := legacyLicenseID(strings.ToLower(l)); ok {
		return id
	}
	return l
}

func legacyLicenseID(lower string) (string, bool) {
	switch lower {
	// Debian DEP-5 short names.
	case "gpl-1+":
		return "GPL-1.0-or-later", true
	case "gpl-1":
		return "GPL-1.0-only", true
	case "gpl-2":
		return "GPL-2.0-only", true
	case "gpl-2+":
		return "GPL-2.0-or-later", true
	case "gpl-3":
		return "GPL-3.0-only", true
	case "gpl-3+":
		return "GPL-3.0-or-later", true
	case "lgpl-2":
		return "LGPL-2.0-only", true
	case "lgpl-2+":
		return "LGPL-2.0-or-later", true
	case "lgpl-2.1":
		return "LGPL-2.1-only", true
	case "lgpl-2.1+":
		return "LGPL-2.1-or-later", true
	case "lgpl-3":
		return "LGPL-3.0-only", true
	case "lgpl-3+":
		return "LGPL-3.0-or-later", true
	case "agpl-3":
		return "AGPL-3.0-only", true
	case "agpl-3+":
		return "AGPL-3.0-or-later", true
	case "expat":
		return "MIT", true
	case "apache-2":
		return "Apache-2.0", true
	case "mpl-1.1":
		return "MPL-1.1", true
	case "mpl-2":
		return "MPL-2.0", true
	case "psf-2":
		return "PSF-2.0", true
	case "artistic":
		return "Artistic-1.0", true
	// Python trove classifiers.
	case "mit license":
		return "MIT", true
	case "isc license (iscl)":
		return "ISC", true
	case "mozilla public license 2.0 (mpl 2.0)":
		return "MPL-2.0", true
	case "gnu general public license v2 (gplv2)":
		return "GPL-2.0-only", true
	case "gnu general public license v3 (gplv3)":
		return "GPL-3.0-only", true
	case "gnu general public license v2 or later (gplv2+)":
		return "GPL-2.0-or-later", true
	case "gnu general public license v3 or later (gplv3+)":
		return "GPL-3.0-or-later", true
	case "gnu lesser general public license v2 (lgplv2)":
		return "LGPL-2.0-only", true
	case "gnu lesser general public license v3 (lgplv3)":
		return "LGPL-3.0-only", true
	case "gnu lesser general public license v2 or later (lgplv2+)":
		return "LGPL-2.0-or-later", true
	case "gnu lesser general public license v3 or later (lgplv3+)":
		return "LGPL-3.0-or-later", true
	case "gnu affero general public license v3":
		return "AGPL-3.0-only", true
	case "gnu affero general public license v3 or later (agplv3+)":
		return "AGPL-3.0-or-later", true
	}
	return "", false
}
