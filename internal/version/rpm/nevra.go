package rpm

import "strings"

// NEVRA is a parsed name-[epoch:]version-release[.arch] string, or an EVR
// with an optional arch when no name is present.
type NEVRA struct {
	// Name is the package name; HasName reports whether one was present.
	Name string
	// EVR is the epoch, version and release.
	EVR Version
	// Arch is the architecture; HasArch reports whether one was present.
	Arch string

	hasName bool
	hasArch bool
}

// Architectures is the set of architecture suffixes ParseNEVRA recognises
// after the release's last '.'. There is no way to tell an arch from the
// last dotted part of a release other than knowing the arch names.
var Architectures = map[string]bool{
	"aarch64": true, "armv7hl": true, "armv7l": true, "i386": true, "i486": true, "i586": true,
	"i686": true, "noarch": true, "nosrc": true, "ppc": true, "ppc64": true, "ppc64le": true,
	"ppc64p7": true, "riscv": true, "riscv64": true, "s390": true, "s390x": true, "src": true,
	"x86_64": true, "amd64": true, "arm64": true, "loongarch64": true, "mips64el": true,
}

// ParseNEVRA parses s as name-[epoch:]version-release[.arch]. With exactly
// one '-' the string is taken as an EVR without a name; with none it is an
// error. The arch is recognised only if it is one of [Architectures].
func ParseNEVRA(s string) (NEVRA, error) {
	if err := check(s); err != nil {
		return NEVRA{}, err
	}
	var n NEVRA
	last := strings.LastIndexByte(s, '-')
	if last < 0 {
		return NEVRA{}, ErrNoSeparator
	}
	rest := s
	if prev := strings.LastIndexByte(s[:last], '-'); prev >= 0 {
		n.Name, n.hasName = s[:prev], true
		rest = s[prev+1:]
	}
	ev, rel, _ := strings.Cut(rest, "-")
	if dot := strings.LastIndexByte(rel, '.'); dot >= 0 && Architectures[rel[dot+1:]] {
		n.Arch, n.hasArch = rel[dot+1:], true
		rel = rel[:dot]
	}
	v := Version{Release: rel, hasRelease: true}
	v.Epoch, v.Version = splitEpoch(ev)
	if v.Version == "" {
		return NEVRA{}, ErrEmptyVersion
	}
	n.EVR = v
	return n, nil
}

// HasName reports whether a name was present.
func (n NEVRA) HasName() bool { return n.hasName }

// HasArch reports whether an architecture was present.
func (n NEVRA) HasArch() bool { return n.hasArch }

// String formats n as name-[epoch:]version-release[.arch].
func (n NEVRA) String() string {
	var b strings.Builder
	if n.hasName {
		b.WriteString(n.Name)
		b.WriteByte('-')
	}
	b.WriteString(n.EVR.String())
	if n.hasArch {
		b.WriteByte('.')
		b.WriteString(n.Arch)
	}
	return b.String()
}

// Compare orders NEVRAs by name, then EVR, then arch. Names and arches
// compare with rpmvercmp; an absent name or arch sorts before a present one.
func (n NEVRA) Compare(m NEVRA) int {
	if c := compareOptional(n.hasName, n.Name, m.hasName, m.Name); c != 0 {
		return c
	}
	if c := n.EVR.Compare(m.EVR); c != 0 {
		return c
	}
	return compareOptional(n.hasArch, n.Arch, m.hasArch, m.Arch)
}

func compareOptional(hasA bool, a string, hasB bool, b string) int {
	switch {
	case hasA && hasB:
		return Vercmp(a, b)
	case hasA:
		return 1
	case hasB:
		return -1
	}
	return 0
}
