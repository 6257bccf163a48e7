package registry

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultPlatform returns linux with the architecture this program was built
// for, and for 32-bit arm the variant it was built for (GOARM, v7 when the
// build does not say).
func DefaultPlatform() v1.Platform {
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm" {
		p.Variant = "v7"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "GOARM" {
					// GOARM may carry a float mode: "7,softfloat".
					if v, _, _ := strings.Cut(s.Value, ","); v >= "5" && v <= "7" && len(v) == 1 {
						p.Variant = "v" + v
					}
				}
			}
		}
	}
	return p
}

// ParsePlatform parses "os/arch", "os/arch/variant" or either followed by
// ":osversion" (for Windows images), such as "linux/arm64/v8".
func ParsePlatform(s string) (v1.Platform, error) {
	if len(s) > 256 {
		return v1.Platform{}, fmt.Errorf("registry: platform %.32q…: longer than 256 bytes", s)
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return v1.Platform{}, fmt.Errorf("registry: platform %q: %w", s, err)
	}
	rest, _, hasVersion := strings.Cut(s, ":")
	parts := strings.Split(rest, "/")
	for _, part := range parts {
		if !validPlatformWord(part) {
			return v1.Platform{}, fmt.Errorf("registry: platform %q: want os/arch[/variant], each a lower-case word", s)
		}
	}
	if len(parts) < 2 {
		return v1.Platform{}, fmt.Errorf("registry: platform %q: want os/arch[/variant], each a lower-case word", s)
	}
	if hasVersion && (p.OSVersion == "" || strings.ContainsAny(p.OSVersion, " \t/:")) {
		return v1.Platform{}, fmt.Errorf("registry: platform %q: invalid OS version", s)
	}
	return *p, nil
}

func validPlatformWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// platformRank tells how well an image for have serves a request for want:
// 0 is no match, higher is better. OS and architecture must be equal; the
// variant, the OS version and the features count only when want sets them.
// arm64 without a variant and arm64/v8 are the same; a 32-bit arm request
// also accepts older variants, the newest first, as containerd does.
func platformRank(have, want v1.Platform) int {
	if have.OS != want.OS || have.Architecture != want.Architecture {
		return 0
	}
	if want.OSVersion != "" && have.OSVersion != want.OSVersion {
		return 0
	}
	if !subset(want.OSFeatures, have.OSFeatures) || !subset(want.Features, have.Features) {
		return 0
	}
	hv, wv := normVariant(have), normVariant(want)
	switch {
	case wv == "" || hv == wv:
		if hv == wv {
			return 100
		}
		return 50
	case want.Architecture == "arm" && len(hv) == 2 && len(wv) == 2 && hv[0] == 'v' && wv[0] == 'v' && hv < wv && hv >= "v5":
		// v7 accepts v6 (rank 49) before v5 (rank 48).
		return 50 - int(wv[1]-hv[1])
	}
	return 0
}

func normVariant(p v1.Platform) string {
	if p.Architecture == "arm64" && p.Variant == "v8" {
		return ""
	}
	return p.Variant
}

func subset(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func clonePlatform(p v1.Platform) v1.Platform {
	p.OSFeatures = slices.Clone(p.OSFeatures)
	p.Features = slices.Clone(p.Features)
	return p
}

// platformString names a platform for messages, "unknown" when it has none.
func platformString(p *v1.Platform) string {
	if p == nil || p.String() == "" {
		return "unknown"
	}
	return p.String()
}
