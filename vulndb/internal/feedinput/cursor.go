package feedinput

import (
	"encoding/json"

	"github.com/portcullis-oci/portcullis/vulndb/fetch"
)

// Cursor describes the version of a feed's file that was read: the
// validators of the HTTP response, or the SHA-256 of a local file. Its
// JSON form is {"etag":…,"lastModified":…,"sha256":…}, with empty fields
// left out.
type Cursor struct {
	fetch.Validators
	SHA256 string `json:"sha256,omitempty"`
}

// ParseCursor reads a cursor written by [Cursor.Encode]. One it cannot
// read counts as none, so the whole feed is fetched.
func ParseCursor(s string) Cursor { return DecodeCursor[Cursor](s) }

// Encode returns the cursor's JSON, or "" for the zero Cursor.
func (c Cursor) Encode() string {
	if c == (Cursor{}) {
		return ""
	}
	return EncodeCursor(c)
}

// DecodeCursor reads a cursor of any JSON shape, for feeds whose cursor
// is not a [Cursor]. An empty string, or one that is not a T in JSON,
// gives the zero T: a cursor that cannot be read means a full fetch, never
// an error.
func DecodeCursor[T any](s string) T {
	var v T
	if s == "" {
		return v
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		var zero T
		return zero
	}
	return v
}

// EncodeCursor returns v in JSON, or "" when it cannot be marshalled
// (a cursor that is lost only costs a full fetch).
func EncodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
