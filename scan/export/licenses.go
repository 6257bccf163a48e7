package export

import (
	"slices"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
)

// licenseKind says what a declared licence string is.
type licenseKind int

const (
	// licenseName is free text: "GPL2", "MIT BSD GPL2+", "Public-Domain".
	licenseName licenseKind = iota
	// licenseID is one active SPDX licence identifier ("MIT", "Zlib").
	licenseID
	// licenseExpression is any other valid SPDX expression: compound
	// ("(Apache-2.0 OR MIT) AND MPL-2.0"), with an exception, a deprecated
	// identifier ("GPL-2.0+") or a LicenseRef.
	licenseExpression
)

// license is one classified licence string. value is the canonical
// identifier or the normalized expression, or the trimmed text for a name.
type license struct {
	kind  licenseKind
	value string
}

// classifyLicense decides with go-spdx whether s is an SPDX licence
// identifier, another valid SPDX expression, or free text.
func classifyLicense(s string) license {
	s = strings.TrimSpace(s)
	if len(s) > maxLicenseLen {
		return license{licenseName, s}
	}
	if ok, id := spdxexp.ActiveLicense(s); ok {
		return license{licenseID, id}
	}
	norm, invalid := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{s}, spdxexp.ValidateLicensesOptions{})
	if len(invalid) == 0 && len(norm) == 1 && norm[0] != "" {
		return license{licenseExpression, norm[0]}
	}
	return license{licenseName, s}
}

// classifyLicenses classifies the distinct non-empty strings of ls, in
// their order.
func classifyLicenses(ls []string) []license {
	out := make([]license, 0, len(ls))
	seen := map[license]bool{}
	for _, s := range ls {
		if strings.TrimSpace(s) == "" {
			continue
		}
		l := classifyLicense(s)
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// joinExpressions joins SPDX expressions with AND, parenthesizing
// compound ones.
func joinExpressions(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		if strings.ContainsRune(p, ' ') {
			p = "(" + p + ")"
		}
		out[i] = p
	}
	return strings.Join(out, " AND ")
}

// licenseRefPrefix starts the identifiers of licences not on the SPDX list.
const licenseRefPrefix = "LicenseRef-"

// maxLicenseRefLen bounds the idstring of a generated LicenseRef.
const maxLicenseRefLen = 64

// licenseRefs hands out LicenseRef- identifiers for licence texts that
// are not SPDX expressions, one per distinct text, and remembers the
// LicenseRefs that expressions name so that each gets one declaration.
type licenseRefs struct {
	byText map[string]string // text → LicenseRef-…
	texts  map[string]string // LicenseRef-… → text declared for it
	used   map[string]bool
}

func newLicenseRefs() *licenseRefs {
	return &licenseRefs{byText: map[string]string{}, texts: map[string]string{}, used: map[string]bool{}}
}

// refFor returns the LicenseRef for a free-text licence.
func (r *licenseRefs) refFor(text string) string {
	if ref, ok := r.byText[text]; ok {
		return ref
	}
	id := sanitizeID(text, maxLicenseRefLen)
	if id == "" {
		id = "unnamed"
	}
	ref := uniqueName(r.used, licenseRefPrefix+id)
	r.byText[text] = ref
	r.texts[ref] = text
	return ref
}

// declare records a LicenseRef an expression names, with the text it was
// found in, unless it is already declared. With [licenseRefs.reserve]
// called first, it is never one refFor handed out.
func (r *licenseRefs) declare(ref, text string) {
	if _, ok := r.texts[ref]; ok {
		return
	}
	r.used[ref] = true
	r.texts[ref] = text
}

// reserve marks the LicenseRefs that the valid SPDX expressions among ls
// name as taken, so that refFor never hands the same identifier to a
// different text. Call it for every package before expression.
func (r *licenseRefs) reserve(ls []string) {
	for _, l := range classifyLicenses(ls) {
		if l.kind != licenseExpression || strings.Contains(l.value, "DocumentRef-") {
			continue
		}
		refs, err := spdxexp.ExtractLicenses(l.value)
		if err != nil {
			continue
		}
		for _, id := range refs {
			if strings.HasPrefix(id, licenseRefPrefix) {
				r.used[id] = true
			}
		}
	}
}

// expression returns one SPDX expression for a package's declared licence
// strings, AND-ing them, with free text replaced by LicenseRefs; "" when
// there are none.
func (r *licenseRefs) expression(ls []string) string {
	var parts []string
	for _, l := range classifyLicenses(ls) {
		if l.kind == licenseExpression && strings.Contains(l.value, "DocumentRef-") {
			// A reference into another SPDX document needs an
			// externalDocumentRefs entry we cannot give: keep it as text.
			l = license{licenseName, l.value}
		}
		switch l.kind {
		case licenseName:
			parts = append(parts, r.refFor(l.value))
		case licenseID:
			parts = append(parts, l.value)
		default:
			if refs, err := spdxexp.ExtractLicenses(l.value); err == nil {
				for _, id := range refs {
					if strings.HasPrefix(id, licenseRefPrefix) {
						r.declare(id, l.value)
					}
				}
			}
			parts = append(parts, l.value)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return joinExpressions(parts)
}

// refs returns the declared LicenseRefs and their texts, sorted.
func (r *licenseRefs) refs() []string {
	out := make([]string, 0, len(r.texts))
	for ref := range r.texts {
		out = append(out, ref)
	}
	slices.Sort(out)
	return out
}
