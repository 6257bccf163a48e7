package boltstore

import (
	"bytes"
	"strings"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// Index keys are tuples of strings. Each string is written with every 0x00
// byte escaped as 0x00 0x01 and ends with 0x00 0x00. The encoding keeps the
// byte order of the tuples (so an index scan yields records by source, then
// ID) and no encoded tuple is a prefix of another with a different first
// element, whatever bytes the names hold: a seek for (ecosystem, name)
// never strays into another package.

// appendKeyString appends the tuple encoding of s to b.
func appendKeyString(b []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			b = append(b, s...)
			break
		}
		b = append(b, s[:i]...)
		b = append(b, 0, 1)
		s = s[i+1:]
	}
	return append(b, 0, 0)
}

// cutKeyString reads one tuple element from the front of b.
func cutKeyString(b []byte) (s string, rest []byte, ok bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 || i+1 >= len(b) {
		return "", nil, false
	}
	if b[i+1] == 0 { // the common case: no escaped byte
		return string(b[:i]), b[i+2:], true
	}
	var out []byte
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 || i+1 >= len(b) {
			return "", nil, false
		}
		out = append(out, b[:i]...)
		switch b[i+1] {
		case 0:
			return string(out), b[i+2:], true
		case 1:
			out = append(out, 0)
			b = b[i+2:]
		default:
			return "", nil, false
		}
	}
}

// appendPackagePrefix appends the prefix shared by the index entries of k.
func appendPackagePrefix(b []byte, k vulndb.PackageKey) []byte {
	return appendKeyString(appendKeyString(b, k.Ecosystem), k.Name)
}

// appendRef appends the (source, id) tail of an index entry.
func appendRef(b []byte, source, id string) []byte {
	return appendKeyString(appendKeyString(b, source), id)
}

// cutRef reads the (source, id) tail of an index entry, which must be all
// of b.
func cutRef(b []byte) (source, id string, ok bool) {
	source, b, ok = cutKeyString(b)
	if !ok {
		return "", "", false
	}
	id, b, ok = cutKeyString(b)
	return source, id, ok && len(b) == 0
}
