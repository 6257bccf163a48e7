package scan

import (
	"fmt"
	"strings"
)

// MaxProblems is how many problems a [DatabaseError] keeps; it counts the
// rest.
const MaxProblems = 5

// DatabaseError reports what was wrong with one package database file:
// records (dpkg stanzas, apk entries) skipped as malformed, duplicate
// packages, and problems with records that were kept. Analyzers return the
// packages of the good records with it.
type DatabaseError struct {
	// Format names the database in the message ("dpkg", "apk").
	Format string
	// Unit names its records in the message ("stanzas", "entries").
	Unit string
	// Records is the number of records read.
	Records int
	// Skipped is the number of records skipped as malformed.
	Skipped int
	// Duplicates is the number of records dropped because an earlier one
	// named the same package.
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

// Add records a problem at line, keeping the first [MaxProblems].
func (e *DatabaseError) Add(line int, format string, args ...any) {
	if len(e.Problems) >= MaxProblems {
		e.More++
		return
	}
	e.Problems = append(e.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Empty reports whether no problem was recorded.
func (e *DatabaseError) Empty() bool { return len(e.Problems) == 0 && e.More == 0 }

// Error says how many records were skipped and lists the problems kept.
func (e *DatabaseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d %s skipped", e.Format, e.Skipped, e.Records, e.Unit)
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
