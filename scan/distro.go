package scan

import (
	"strings"

	"github.com/portcullis-oci/portcullis/internal/osrelease"
)

// releaseFiles are the files the distribution is detected from, in order
// of preference.
var releaseFiles = osrelease.Paths()

// isReleaseFile reports whether p may be a release file: one of
// releaseFiles, or a file of the same name elsewhere, which a symlinked
// directory (etc -> usr/etc) may make one.
func isReleaseFile(p string) bool {
	base := p[strings.LastIndexByte(p, '/')+1:]
	for _, f := range releaseFiles {
		if strings.HasSuffix(f, base) && len(f) > len(base) && f[len(f)-len(base)-1] == '/' {
			return true
		}
	}
	return false
}

// detectDistro finds the distribution of the merged image, following
// symlinks (Debian's etc/os-release is one) inside the image root. A
// release file that cannot be read or parsed is reported and the next one
// tried, so a broken os-release still leaves etc/debian_version to say
// what the image is.
func detectDistro(v *view) (*Distro, *AnalyzerError) {
	var first *AnalyzerError
	for _, logical := range releaseFiles {
		b, real, err := v.readFile(logical)
		if err != nil {
			if first == nil {
				first = &AnalyzerError{Analyzer: "distro", Path: logical, Error: err.Error()}
			}
			continue
		}
		if b == nil {
			continue
		}
		info, err := osrelease.ParseFile(real, b)
		if err != nil {
			if first == nil {
				// ParseFile's error names the file already.
				first = &AnalyzerError{Analyzer: "distro", Path: real, Error: strings.TrimPrefix(err.Error(), real+": ")}
			}
			continue
		}
		if info.ID == "" {
			continue
		}
		return &Distro{
			ID:              info.ID,
			VersionID:       info.VersionID,
			VersionCodename: info.VersionCodename,
			PrettyName:      info.PrettyName,
			IDLike:          info.IDLike,
		}, first
	}
	return nil, first
}

// osPURL completes an OS package's PURL with the distribution: its ID as
// the namespace and a distro qualifier, as Syft and Trivy write them
// ("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12").
func osPURL(p Package, d *Distro) PURL {
	u := p.PURL
	if !IsOSType(p.Type) || d == nil {
		return u
	}
	if u.Namespace == "" {
		u.Namespace = strings.ToLower(d.ID)
	}
	q := d.ID
	if d.VersionID != "" {
		q += "-" + d.VersionID
	}
	return u.WithQualifier("distro", q)
}
