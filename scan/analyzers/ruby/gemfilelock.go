package ruby

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// MaxLockLineBytes bounds one line of a Gemfile.lock; a longer line is
// skipped and reported.
const MaxLockLineBytes = 64 << 10

// ErrNotGemfileLock is matched by the error for a file without any
// section a Gemfile.lock has.
var ErrNotGemfileLock = errors.New("not a Gemfile.lock: no GEM, GIT, PATH, PLUGIN SOURCE, PLATFORMS or DEPENDENCIES section")

// MaxProblems is how many problems a [LockError] keeps; it counts the rest.
const MaxProblems = 5

// LockError reports the spec lines of a Gemfile.lock that were skipped;
// the good gems are returned with it.
type LockError struct {
	// Specs is the number of spec lines read.
	Specs int
	// Skipped is the number skipped as malformed.
	Skipped int
	// Problems are the first [MaxProblems] problems.
	Problems []string
	// More is the number of problems beyond Problems.
	More int
}

func (e *LockError) add(line int, format string, args ...any) {
	e.Skipped++
	if len(e.Problems) >= MaxProblems {
		e.More++
		return
	}
	e.Problems = append(e.Problems, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
}

// Error says how many spec lines were skipped and lists the problems kept.
func (e *LockError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ruby: %d of %d gem specs skipped (%s", e.Skipped, e.Specs, strings.Join(e.Problems, "; "))
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	b.WriteString(")")
	return b.String()
}

// ParseGemfileLock reads the gems a Gemfile.lock locks: the specs of its
// GEM, GIT and PLUGIN SOURCE sections, platform suffixes stripped, each
// name and version once. PATH gems (local code) are skipped.
func ParseGemfileLock(b []byte) ([]Gem, error) {
	var (
		out      []Gem
		le       LockError
		seen     = map[[2]string]bool{}
		section  string
		sections int
		inSpecs  bool
		remote   string
		revision string
	)
	for i, raw := range bytes.Split(b, []byte("\n")) {
		lineNo := i + 1
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if len(raw) > MaxLockLineBytes {
			le.Specs++
			le.add(lineNo, "line longer than %d bytes", MaxLockLineBytes)
			continue
		}
		line := string(raw)
		if strings.TrimSpace(line) == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		text := strings.TrimSpace(line)
		switch {
		case indent == 0:
			section, inSpecs, remote, revision = text, false, "", ""
			switch section {
			case "GEM", "GIT", "PATH", "PLUGIN SOURCE", "PLATFORMS", "DEPENDENCIES":
				sections++
			}
			continue
		case indent == 2:
			inSpecs = text == "specs:"
			if v, ok := strings.CutPrefix(text, "remote: "); ok {
				remote = v
			}
			if v, ok := strings.CutPrefix(text, "revision: "); ok {
				revision = v
			}
			continue
		case indent != 4 || !inSpecs:
			continue // dependencies of a spec (6 spaces), other sections
		}
		if section != "GEM" && section != "GIT" && section != "PLUGIN SOURCE" {
			continue
		}
		le.Specs++
		name, version, ok := specLine(text)
		if !ok {
			le.add(lineNo, "not \"name (version)\": %q", truncate(text, 80))
			continue
		}
		key := [2]string{name, version}
		if seen[key] {
			continue
		}
		seen[key] = true
		g := Gem{Name: name, Version: version}
		if section == "GIT" && remote != "" && validText(remote) && !strings.ContainsAny(remote, " @") {
			g.VCSURL = "git+" + remote
			if revision != "" && validName(revision) {
				g.VCSURL += "@" + revision
			}
		}
		out = append(out, g)
	}
	if sections == 0 {
		return nil, fmt.Errorf("ruby: %w", ErrNotGemfileLock)
	}
	if le.Skipped > 0 {
		return out, &le
	}
	return out, nil
}

// specLine reads "name (version)" or "name (version-platform)".
func specLine(s string) (name, version string, ok bool) {
	name, rest, ok := strings.Cut(s, " (")
	if !ok || !strings.HasSuffix(rest, ")") || !validName(name) {
		return "", "", false
	}
	version, _, _ = strings.Cut(rest[:len(rest)-1], "-")
	if !validVersion(version) {
		return "", "", false
	}
	return name, version, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
