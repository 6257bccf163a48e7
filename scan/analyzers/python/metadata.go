package python

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/portcullis-oci/portcullis/scan"
)

// ErrNoNameOrVersion is matched by the error for metadata whose headers
// lack Name or Version.
var ErrNoNameOrVersion = errors.New("python: metadata without Name or Version header")

// maxLicenseBytes bounds a licence taken from the License header: longer
// first lines are licence texts pasted into the field, not names.
const maxLicenseBytes = 512

// Metadata is what the analyzer takes from one metadata file.
type Metadata struct {
	// Name is the distribution name, as declared (not normalised).
	Name string
	// Version is the version, as declared.
	Version string
	// Licenses are the declared licences (see the package documentation
	// for where they come from), or nil.
	Licenses []string
}

// ParseMetadata reads the header section of core metadata (METADATA,
// PKG-INFO) from r, reading at most maxHeaderBytes (a positive number)
// bytes of headers and never past the first empty line.
//
// The error matches [ErrNoNameOrVersion] when Name or Version is missing,
// and [scan.ErrTooLarge] when the headers are longer than maxHeaderBytes;
// in the latter case the fields read before the limit are returned too.
// Read errors are returned as they are, with the fields read before them.
func ParseMetadata(r io.Reader, maxHeaderBytes int) (Metadata, error) {
	h, err := readHeaders(r, maxHeaderBytes)
	md := h.metadata()
	if err != nil {
		return md, err
	}
	if md.Name == "" || md.Version == "" {
		return md, ErrNoNameOrVersion
	}
	return md, nil
}

// headers are the fields of interest, as read.
type headers struct {
	name, version, expression, license string
	licenseMore                        bool // License's first line was empty: take the next
	classifiers                        []string
}

func (h *headers) metadata() Metadata {
	md := Metadata{Name: clean(h.name), Version: clean(h.version)}
	switch {
	case strings.TrimSpace(h.expression) != "":
		md.Licenses = []string{clean(h.expression)}
	case len(h.classifiers) > 0:
		md.Licenses = h.classifiers
	default:
		l := clean(h.license)
		if l != "" && !strings.EqualFold(l, "UNKNOWN") && len(l) <= maxLicenseBytes {
			md.Licenses = []string{l}
		}
	}
	return md
}

// clean trims blanks and replaces invalid UTF-8.
func clean(s string) string {
	return strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
}

// readHeaders reads header lines up to the first empty line.
func readHeaders(r io.Reader, max int) (headers, error) {
	var h headers
	br := bufio.NewReaderSize(r, 4096)
	read := 0
	key := "" // the field a continuation line continues, lower case
	for {
		line, err := readLine(br, max-read)
		read += len(line)
		if errors.Is(err, errLong) {
			return h, fmt.Errorf("python: header section longer than %d bytes: %w", max, scan.ErrTooLarge)
		}
		if err != nil && err != io.EOF {
			return h, fmt.Errorf("python: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return h, nil // end of the headers, or of the file
		}
		if line[0] == ' ' || line[0] == '\t' {
			// A continuation line.
			switch key {
			case "license":
				if h.licenseMore {
					if v := strings.TrimSpace(line); v != "" {
						h.license, h.licenseMore = v, false
					}
				}
			case "license-expression":
				h.expression += " " + strings.TrimSpace(line)
			}
		} else {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				key = "" // not a header: skipped, as a lenient reader does
			} else {
				key = strings.ToLower(strings.TrimSpace(k))
				v = strings.TrimSpace(v)
				h.set(key, v)
			}
		}
		if err == io.EOF {
			return h, nil
		}
	}
}

func (h *headers) set(key, v string) {
	switch key {
	case "name":
		if h.name == "" {
			h.name = v
		}
	case "version":
		if h.version == "" {
			h.version = v
		}
	case "license-expression":
		if h.expression == "" {
			h.expression = v
		}
	case "license":
		if h.license == "" && !h.licenseMore {
			h.license = v
			h.licenseMore = v == ""
		}
	case "classifier":
		rest, ok := strings.CutPrefix(v, "License :: ")
		if !ok {
			return
		}
		l := ClassifierLicense(rest)
		if l == "" {
			return
		}
		for _, c := range h.classifiers {
			if c == l {
				return
			}
		}
		h.classifiers = append(h.classifiers, clean(l))
	}
}

var errLong = errors.New("line over the limit")

// readLine reads one line of at most max bytes, the newline included.
func readLine(br *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(b)+len(chunk) > max {
			return string(b), errLong
		}
		b = append(b, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return string(b), err
	}
}
