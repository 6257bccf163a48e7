package feedinput

import (
	"fmt"
	"sort"
	"sync"
)

// Limits of a [SkipLog].
const (
	// MaxSkipCategories bounds the reasons a SkipLog keeps apart; the
	// skips of any further reason are counted under "other reasons", so
	// Reasons returns at most MaxSkipCategories+1 lines.
	MaxSkipCategories = 32
	// MaxSkipExample bounds the bytes of an example kept for a reason.
	MaxSkipExample = 200
)

// otherReasons is the reason of skips past MaxSkipCategories reasons.
const otherReasons = "other reasons"

// SkipLog counts what a fetch skipped, by reason, with the first example
// of each, in memory bounded by [MaxSkipCategories] and
// [MaxSkipExample]. The zero value is an empty log. A SkipLog is not safe
// for concurrent use.
type SkipLog struct {
	n    int
	cats map[string]*skipCat
}

type skipCat struct {
	n       int
	example string
}

// Add counts one skip for reason. The example (the record at fault) is
// kept, clipped, when it is the first of its reason.
func (s *SkipLog) Add(reason, example string) {
	s.n++
	if s.cats == nil {
		s.cats = make(map[string]*skipCat)
	}
	c, ok := s.cats[reason]
	if !ok {
		if len(s.cats) >= MaxSkipCategories {
			reason = otherReasons
			c = s.cats[reason]
		}
		if c == nil {
			c = &skipCat{example: Clip(example, MaxSkipExample)}
			s.cats[reason] = c
		}
	}
	c.n++
}

// Count returns how many skips were added.
func (s *SkipLog) Count() int { return s.n }

// Reasons returns a line "reason: count (first: example)" per reason,
// sorted.
func (s *SkipLog) Reasons() []string {
	out := make([]string, 0, len(s.cats))
	for r, c := range s.cats {
		out = append(out, fmt.Sprintf("%s: %d (first: %s)", r, c.n, c.example))
	}
	sort.Strings(out)
	return out
}

// SyncSkipLog is a [SkipLog] safe for concurrent use, for feeds that
// decode in parallel or report skips while a fetch runs.
type SyncSkipLog struct {
	mu  sync.Mutex
	log SkipLog
}

// Add counts one skipped item; example names it.
func (s *SyncSkipLog) Add(reason, example string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Add(reason, example)
}

// Reset forgets everything counted.
func (s *SyncSkipLog) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = SkipLog{}
}

// Result returns the count and the reason lines of [SkipLog.Reasons].
func (s *SyncSkipLog) Result() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Count(), s.log.Reasons()
}

// Set replaces what is counted with a finished log, such as the one a
// fetch filled while it ran.
func (s *SyncSkipLog) Set(log SkipLog) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = log
}
