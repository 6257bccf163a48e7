package registry

import (
	"fmt"
	"io/fs"
	"net"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/portcullis-oci/portcullis/internal/loopback"
)

// The reference forms [Open] understands, by their prefix.
const (
	SchemeRegistry      = "registry"       // registry:REF, or a bare REF
	SchemeOCIDir        = "oci-dir"        // oci-dir:PATH[:TAG|@DIGEST]
	SchemeDockerArchive = "docker-archive" // docker-archive:PATH[:TAG]
	SchemeDir           = "dir"            // dir:PATH
)

// maxReferenceLen bounds a reference string; no real path or image name
// comes close.
const maxReferenceLen = 4096

type sourceKind int

const (
	kindRemote sourceKind = iota + 1
	kindOCIDir
	kindDockerArchive
	kindDir
)

// reference is a parsed image reference.
type reference struct {
	kind   sourceKind
	remote name.Reference // kindRemote
	path   string         // the local sources
	tag    string         // kindOCIDir: ref.name annotation; kindDockerArchive: an image tag
	digest v1.Hash        // kindOCIDir
}

// foreignSchemes are the transports of other tools (skopeo, podman) that a
// user may type out of habit; they would otherwise be taken for a Docker Hub
// repository named like the transport.
var foreignSchemes = map[string]string{
	"oci":                "oci-dir:",
	"oci-archive":        "oci-dir: on the unpacked archive",
	"docker":             "registry:",
	"docker-daemon":      "docker-archive: on the output of docker save",
	"containers-storage": "oci-dir: or docker-archive: on an exported copy",
}

// parseReference parses the reference forms of [Open]. stat reports on
// local paths (os.Stat in use; tests pass their own view of a directory).
func parseReference(s string, stat func(string) (fs.FileInfo, error)) (reference, error) {
	switch {
	case s == "":
		return reference{}, fmt.Errorf("%w: empty reference", ErrInvalidReference)
	case len(s) > maxReferenceLen:
		return reference{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidReference, maxReferenceLen)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return reference{}, fmt.Errorf("%w: %q contains control characters", ErrInvalidReference, s)
	}
	scheme, rest, hasScheme := strings.Cut(s, ":")
	if hasScheme {
		switch scheme {
		case SchemeRegistry:
			return parseRemote(rest)
		case SchemeOCIDir:
			return parseOCIDir(rest, stat)
		case SchemeDockerArchive:
			return parseDockerArchive(rest, stat)
		case SchemeDir:
			if rest == "" {
				return reference{}, fmt.Errorf("%w: dir: needs a path", ErrInvalidReference)
			}
			return reference{kind: kindDir, path: rest}, nil
		}
		if hint, ok := foreignSchemes[scheme]; ok && !strings.Contains(scheme, ".") {
			return reference{}, fmt.Errorf("%w: unsupported source type %q in %q (use %s)", ErrInvalidReference, scheme+":", s, hint)
		}
	}
	ref, err := parseRemote(s)
	if err != nil && hasScheme && isSchemeWord(scheme) && !strings.Contains(scheme, ".") {
		return reference{}, fmt.Errorf("%w: unknown source type %q in %q (want registry:, oci-dir:, docker-archive:, dir: or an image reference)", ErrInvalidReference, scheme+":", s)
	}
	return ref, err
}

func isSchemeWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '+' || c == '_') {
			return false
		}
	}
	return true
}

// parseRemote parses a registry reference, reaching loopback registries
// over plain HTTP.
func parseRemote(s string) (reference, error) {
	if s == "" {
		return reference{}, fmt.Errorf("%w: registry: needs an image reference", ErrInvalidReference)
	}
	r, err := name.ParseReference(s)
	if err != nil {
		return reference{}, fmt.Errorf("%w: %q is not an image reference: %v", ErrInvalidReference, s, err)
	}
	if !validPort(r.Context().RegistryStr()) {
		return reference{}, fmt.Errorf("%w: %q is not an image reference: registry %q has an invalid port", ErrInvalidReference, s, r.Context().RegistryStr())
	}
	if loopback.Is(r.Context().RegistryStr()) {
		if r, err = name.ParseReference(s, name.Insecure); err != nil {
			return reference{}, fmt.Errorf("%w: %q is not an image reference: %v", ErrInvalidReference, s, err)
		}
	}
	return reference{kind: kindRemote, remote: r}, nil
}

// validPort reports whether a registry host[:port] has no port or a port
// number: go-containerregistry accepts "host:" (so that "weird:/x" would name
// repository x on registry "weird:").
func validPort(hostport string) bool {
	if !strings.Contains(hostport, ":") || strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		return true
	}
	_, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "" || len(port) > 5 {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n <= 65535
}

// parseOCIDir parses PATH[:TAG|@DIGEST]. PATH may itself contain ':' or
// '@', so a selector is split off only where what follows is valid and what
// precedes is an existing directory; the rightmost such split wins.
func parseOCIDir(s string, stat func(string) (fs.FileInfo, error)) (reference, error) {
	if s == "" {
		return reference{}, fmt.Errorf("%w: oci-dir: needs a path", ErrInvalidReference)
	}
	if isDir(stat, s) {
		return reference{kind: kindOCIDir, path: s}, nil
	}
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		if h, err := parseDigest(s[i+1:]); err == nil && isDir(stat, s[:i]) {
			return reference{kind: kindOCIDir, path: s[:i], digest: h}, nil
		} else if err != nil && isDir(stat, s[:i]) {
			return reference{}, fmt.Errorf("%w: oci-dir:%s: %v", ErrInvalidReference, s, err)
		}
	}
	for i := len(s) - 1; i > 0; i-- {
		if s[i] != ':' || !isDir(stat, s[:i]) {
			continue
		}
		if !validRefName(s[i+1:]) {
			return reference{}, fmt.Errorf("%w: oci-dir:%s: %q is not a valid tag (org.opencontainers.image.ref.name)", ErrInvalidReference, s, s[i+1:])
		}
		return reference{kind: kindOCIDir, path: s[:i], tag: s[i+1:]}, nil
	}
	return reference{}, fmt.Errorf("%w: oci-dir:%s: %s", ErrInvalidReference, s, notThere(stat, s, "directory"))
}

// parseDockerArchive parses PATH[:TAG], TAG an image reference such as
// "alpine:3.20" (which has a ':' of its own).
func parseDockerArchive(s string, stat func(string) (fs.FileInfo, error)) (reference, error) {
	if s == "" {
		return reference{}, fmt.Errorf("%w: docker-archive: needs a path", ErrInvalidReference)
	}
	if isFile(stat, s) {
		return reference{kind: kindDockerArchive, path: s}, nil
	}
	for i := len(s) - 1; i > 0; i-- {
		if s[i] != ':' || !isFile(stat, s[:i]) {
			continue
		}
		if _, err := name.NewTag(s[i+1:]); err != nil {
			return reference{}, fmt.Errorf("%w: docker-archive:%s: %q is not a valid tag: %v", ErrInvalidReference, s, s[i+1:], err)
		}
		return reference{kind: kindDockerArchive, path: s[:i], tag: s[i+1:]}, nil
	}
	return reference{}, fmt.Errorf("%w: docker-archive:%s: %s", ErrInvalidReference, s, notThere(stat, s, "file"))
}

func isDir(stat func(string) (fs.FileInfo, error), p string) bool {
	fi, err := stat(p)
	return err == nil && fi.IsDir()
}

func isFile(stat func(string) (fs.FileInfo, error), p string) bool {
	fi, err := stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// notThere explains why p is not the wanted kind of path.
func notThere(stat func(string) (fs.FileInfo, error), p, kind string) string {
	fi, err := stat(p)
	switch {
	case err != nil:
		return fmt.Sprintf("no such %s (and no :TAG or @DIGEST after an existing one)", kind)
	case kind == "directory":
		return fmt.Sprintf("not a directory (%s)", fi.Mode().Type())
	default:
		return fmt.Sprintf("not a regular file (%s)", fi.Mode().Type())
	}
}

// parseDigest accepts "sha256:<64 hex>" and "sha512:<128 hex>", lower-case.
func parseDigest(s string) (v1.Hash, error) {
	algo, hex, ok := strings.Cut(s, ":")
	want := map[string]int{"sha256": 64, "sha512": 128}[algo]
	if !ok || want == 0 {
		return v1.Hash{}, fmt.Errorf("digest %q: want sha256:<64 hex> or sha512:<128 hex>", s)
	}
	if len(hex) != want || strings.ContainsFunc(hex, func(r rune) bool { return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') }) {
		return v1.Hash{}, fmt.Errorf("digest %q: want %d lower-case hex digits", s, want)
	}
	return v1.Hash{Algorithm: algo, Hex: hex}, nil
}

// validRefName checks the grammar of the org.opencontainers.image.ref.name
// annotation: components of alphanumerics joined by one of "-._:@+" or
// "--", separated by "/".
func validRefName(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for comp := range strings.SplitSeq(s, "/") {
		if comp == "" || !isAlnum(comp[0]) || !isAlnum(comp[len(comp)-1]) {
			return false
		}
		for i := 0; i < len(comp); {
			if isAlnum(comp[i]) {
				i++
				continue
			}
			if !strings.ContainsRune("-._:@+", rune(comp[i])) {
				return false
			}
			if comp[i] == '-' && comp[i+1] == '-' { // comp ends in an alphanumeric
				i++
			}
			i++
			if !isAlnum(comp[i]) {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
