package dpkg

import (
	"errors"

	"github.com/portcullis-oci/portcullis/scan"
)

// ErrNotDatabase is matched by the error for a file at a dpkg database path
// that is not a dpkg database (a vcpkg status file, for example). No
// packages are returned from such a file.
var ErrNotDatabase = errors.New("not a dpkg database")

// ErrEmpty is matched by the error for a database file without a single
// stanza. dpkg lists at least itself in a real status file, so an empty one
// is reported rather than taken for "nothing installed".
var ErrEmpty = errors.New("no stanzas in the dpkg database")

// ParseError reports what was wrong with one database file; it is
// [scan.DatabaseError].
type ParseError = scan.DatabaseError

// Problem is one problem in a database file.
type Problem = scan.Problem

// MaxProblems is how many problems a [ParseError] keeps.
const MaxProblems = scan.MaxProblems

// newParseError returns an empty ParseError for this database format.
func newParseError() *ParseError { return &ParseError{Format: "dpkg", Unit: "stanzas"} }
