package apk

import (
	"errors"

	"github.com/portcullis-oci/portcullis/scan"
)

// ErrEmpty is matched by the error for an installed database without a
// single entry. apk lists at least itself in a real database, so an empty
// one is reported rather than taken for "nothing installed".
var ErrEmpty = errors.New("no entries in the apk database")

// ParseError reports what was wrong with one database file; it is
// [scan.DatabaseError].
type ParseError = scan.DatabaseError

// Problem is one problem in a database file.
type Problem = scan.Problem

// MaxProblems is how many problems a [ParseError] keeps.
const MaxProblems = scan.MaxProblems

// newParseError returns an empty ParseError for this database format.
func newParseError() *ParseError { return &ParseError{Format: "apk", Unit: "entries"} }
