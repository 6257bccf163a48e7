package rust

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/portcullis-oci/portcullis/scan"
)

// MaxAuditDataBytes bounds the audit data of one executable, compressed
// and decompressed. cargo-auditable's own parser allows 8 MiB, "more than
// enough to hold any legitimate audit data".
const MaxAuditDataBytes = 8 << 20

// MaxAuditPackages bounds the packages read from one executable.
const MaxAuditPackages = 1 << 16

// ErrAuditData is matched by errors about a .dep-v0 section that does not
// hold valid audit data.
var ErrAuditData = errors.New("invalid cargo-auditable data")

// AuditPackage is one package of cargo-auditable's dependency list.
type AuditPackage struct {
	Name    string
	Version string
	// Source is "crates.io", "registry", "git", "local", or another
	// string cargo-auditable wrote.
	Source string
	// Kind is "runtime" or "build".
	Kind string
	// Root marks the binary's own crate.
	Root bool
}

// Package converts an audit package of the executable at path to a
// package; ok is false for packages that are not reported: build
// dependencies, and local crates other than the root.
func (p AuditPackage) Package(path string) (scan.Package, bool) {
	if strings.EqualFold(p.Kind, "build") {
		return scan.Package{}, false
	}
	if !p.Root && strings.EqualFold(p.Source, "local") {
		return scan.Package{}, false
	}
	return scan.Package{
		Name:    p.Name,
		Version: p.Version,
		Type:    scan.TypeCargo,
		PURL:    scan.NewPURL(scan.TypeCargo, "", p.Name, p.Version),
		Paths:   []string{path},
	}, true
}

// ParseAuditJSON reads decompressed audit data. Packages come back with
// the root package first, then in the data's order; packages without a
// valid name or version are skipped and reported in the error.
func ParseAuditJSON(data []byte) ([]AuditPackage, error) {
	if len(data) > MaxAuditDataBytes {
		return nil, fmt.Errorf("rust: audit data: %w of %d bytes", scan.ErrTooLarge, MaxAuditDataBytes)
	}
	var doc struct {
		Packages []json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("rust: %w: %v", ErrAuditData, err)
	}
	if doc.Packages == nil {
		return nil, fmt.Errorf("rust: %w: no \"packages\" list", ErrAuditData)
	}
	if len(doc.Packages) > MaxAuditPackages {
		return nil, fmt.Errorf("rust: audit data: %d packages: %w of %d", len(doc.Packages), scan.ErrTooLarge, MaxAuditPackages)
	}
	var (
		out     []AuditPackage
		skipped []string
	)
	for i, raw := range doc.Packages {
		var p struct {
			Name    string          `json:"name"`
			Version string          `json:"version"`
			Source  json.RawMessage `json:"source"`
			Kind    string          `json:"kind"`
			Root    bool            `json:"root"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			skipped = append(skipped, fmt.Sprintf("packages[%d]: not a package object", i))
			continue
		}
		if !validToken(p.Name) || !validToken(p.Version) {
			skipped = append(skipped, fmt.Sprintf("packages[%d]: no valid name and version", i))
			continue
		}
		out = append(out, AuditPackage{Name: p.Name, Version: p.Version, Source: source(p.Source), Kind: cmpOr(p.Kind, "runtime"), Root: p.Root})
	}
	// The root first, keeping the rest in order.
	slices.SortStableFunc(out, func(a, b AuditPackage) int {
		switch {
		case a.Root == b.Root:
			return 0
		case a.Root:
			return -1
		}
		return 1
	})
	if len(skipped) > 0 {
		more := ""
		if len(skipped) > 5 {
			more = fmt.Sprintf("; and %d more", len(skipped)-5)
			skipped = skipped[:5]
		}
		return out, fmt.Errorf("rust: %w: %d of %d packages skipped (%s%s)", ErrAuditData, len(doc.Packages)-len(out), len(doc.Packages), strings.Join(skipped, "; "), more)
	}
	return out, nil
}

// source reads a package source: a string, or {"Other": "…"}.
func source(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Other string `json:"Other"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Other
	}
	return ""
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Decompress inflates zlib-compressed audit data, at most
// [MaxAuditDataBytes] of it.
func Decompress(compressed []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("rust: %w: not zlib: %v", ErrAuditData, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxAuditDataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("rust: %w: %v", ErrAuditData, err)
	}
	if len(out) > MaxAuditDataBytes {
		return nil, fmt.Errorf("rust: audit data: decompressed: %w of %d bytes", scan.ErrTooLarge, MaxAuditDataBytes)
	}
	return out, nil
}

// validToken reports whether s is non-empty valid UTF-8 without blanks or
// control characters, at most 512 bytes.
func validToken(s string) bool {
	if s == "" || len(s) > 512 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == 0xa0 {
			return false
		}
	}
	return true
}
