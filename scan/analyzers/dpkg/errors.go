package dpkg

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotDatabase is matched by the error for a file at a dpkg database path
// that is not a dpkg database (a vcpkg status file, for example). No
// packages are returned from such a file.
var ErrNotDatabase = errors.New("not a dpkg database")

// ErrEmpty is matched by the error for a database file without a single
// stanza. dpkg lists at least itself in a real status file, so an empty one
// is reported rather than taken for "nothing installed".
var ErrEmpty = errors.New("no stanzas in the dpkg database")

// MaxProblems is how many problems a [ParseError] keeps; it counts the rest.
const MaxProblems = 5

// ParseError reports what was wrong with one database file: stanzas that
// were skipped, duplicate packages, and problems with stanzas that were kept.
// The packages of the file's good stanzas are returned with it.
type ParseError struct {
	// Stanzas is the number of stanzas read.
	Stanzas int
	// Skipped is the number of stanzas skipped as malformed.
	Skipped int
	// Duplicates is the number of installed stanzas dropped because an
	// earlier one had the same package name and architecture.
	Duplicates int
	// Problems are the first [MaxProblems] problems, in file order.
	Problems []Problem
	// More is the number of problems found beyond Problems.
	More int
}

// Problem is one problem in a database file.
type Problem struct {
	// Line is the line number the problem is about.
	Line int
	// Msg describes the problem and what was done about it.
	Msg string
}

func (e *ParseError) add(line int, format string, args ...any) {
	if len(e.Problems) >= MaxProblems {
		e.More++
		return
	}
	e.Problems = append(e.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (e *ParseError) empty() bool { return len(e.Problems) == 0 && e.More == 0 }

// Error says how many stanzas were skipped and lists the problems kept.
func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dpkg: %d of %d stanzas skipped", e.Skipped, e.Stanzas)
	if e.Duplicates > 0 {
		fmt.Fprintf(&b, ", %d duplicate packages dropped", e.Duplicates)
	}
	b.WriteString(" (")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "line %d: %s", p.Line, p.Msg)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	b.WriteString(")")
	return b.String()
}
