package apk

import (
	"errors"
	"fmt"
	"strings"
)

// ErrEmpty is matched by the error for an installed database without a
// single entry. apk lists at least itself in a real database, so an empty
// one is reported rather than taken for "nothing installed".
var ErrEmpty = errors.New("no entries in the apk database")

// MaxProblems is how many problems a [ParseError] keeps; it counts the rest.
const MaxProblems = 5

// ParseError reports what was wrong with an installed database: entries
// that were skipped and duplicate packages. The packages of the good entries
// are returned with it.
type ParseError struct {
	// Entries is the number of entries read.
	Entries int
	// Skipped is the number of entries skipped as malformed.
	Skipped int
	// Duplicates is the number of entries dropped because an earlier one
	// had the same package name.
	Duplicates int
	// Problems are the first [MaxProblems] problems, in file order.
	Problems []Problem
	// More is the number of problems found beyond Problems.
	More int
}

// Problem is one problem in an installed database.
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

// Error says how many entries were skipped and lists the problems kept.
func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apk: %d of %d entries skipped", e.Skipped, e.Entries)
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
