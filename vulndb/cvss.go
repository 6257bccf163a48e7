package vulndb

import (
	"errors"
	"fmt"
	"math"
	"strings"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
)

// The CVSS types of the OSV schema, as [CVSS.Type] holds them.
const (
	CVSSV2 = "CVSS_V2"
	CVSSV3 = "CVSS_V3"
	CVSSV4 = "CVSS_V4"
)

// maxVectorLen bounds a vector string; the longest valid v4 vector with
// every optional metric is well under it.
const maxVectorLen = 512

// ErrBadVector is matched by the error of [ParseCVSS] for a vector that
// does not parse.
var ErrBadVector = errors.New("vulndb: malformed CVSS vector")

// ParseCVSS parses a CVSS vector and returns it with its base score
// computed. The version comes from the vector itself ("CVSS:4.0/…",
// "CVSS:3.1/…", "CVSS:3.0/…", or none for v2); typ, when not empty, is the
// type the record claims (CVSS_V2, CVSS_V3 or CVSS_V4) and must agree with
// it. Source is left empty. The error matches [ErrBadVector].
func ParseCVSS(typ, vector string) (CVSS, error) {
	vector = strings.TrimSpace(vector)
	if vector == "" || len(vector) > maxVectorLen {
		return CVSS{}, fmt.Errorf("%w: %d bytes", ErrBadVector, len(vector))
	}
	var (
		got   string
		score float64
	)
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		v, err := cvss40.ParseVector(vector)
		if err != nil {
			return CVSS{}, fmt.Errorf("%w: %q: %v", ErrBadVector, vector, err)
		}
		got, score = CVSSV4, v.Score()
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		v, err := cvss31.ParseVector(vector)
		if err != nil {
			return CVSS{}, fmt.Errorf("%w: %q: %v", ErrBadVector, vector, err)
		}
		got, score = CVSSV3, v.BaseScore()
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		v, err := cvss30.ParseVector(vector)
		if err != nil {
			return CVSS{}, fmt.Errorf("%w: %q: %v", ErrBadVector, vector, err)
		}
		got, score = CVSSV3, v.BaseScore()
	case strings.HasPrefix(vector, "CVSS:"):
		return CVSS{}, fmt.Errorf("%w: %q: unknown CVSS version", ErrBadVector, vector)
	default:
		// CVSS v2 vectors carry no prefix; some feeds wrap them in
		// parentheses.
		vec := strings.TrimSuffix(strings.TrimPrefix(vector, "("), ")")
		v, err := cvss20.ParseVector(vec)
		if err != nil {
			return CVSS{}, fmt.Errorf("%w: %q: %v", ErrBadVector, vector, err)
		}
		vector = vec
		got, score = CVSSV2, v.BaseScore()
	}
	if typ != "" && typ != got {
		return CVSS{}, fmt.Errorf("%w: %q is not of type %s", ErrBadVector, vector, typ)
	}
	if math.IsNaN(score) || score < 0 || score > 10 {
		return CVSS{}, fmt.Errorf("%w: %q: score %v out of range", ErrBadVector, vector, score)
	}
	return CVSS{Type: got, Vector: vector, Score: score}, nil
}
