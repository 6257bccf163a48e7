package vulndb

import (
	"context"
	"errors"
	"time"
)

// Cursor is a feed's bookmark: what a source needs to fetch only what
// changed since (a date, an ETag, a fingerprint). It is opaque to everyone
// but the source that made it.
type Cursor string

// ErrUnchanged is returned by [VulnSource.Fetch] when nothing changed
// since the cursor it was given; the store keeps what it has.
var ErrUnchanged = errors.New("vulndb: feed unchanged")

// VulnSource is a feed of vulnerability records. Implement it to add a feed
// of your own.
//
// Fetch calls emit for every record that changed since the cursor (all of
// them when since is ""), then returns the cursor to give it next time. It
// returns [ErrUnchanged] when nothing changed. A record that cannot be
// parsed is skipped and counted (see [SkipCounter]); an error from emit
// must be returned as is. Implementations need not be safe for concurrent
// use: one Fetch runs at a time per source.
type VulnSource interface {
	Name() string
	Fetch(ctx context.Context, since Cursor, emit func(Vulnerability) error) (Cursor, error)
}

// Snapshotter is implemented by sources whose every Fetch emits the whole
// feed (a tracker's JSON dump, a secdb file): the store then replaces what
// it held from the source instead of adding to it.
type Snapshotter interface {
	Snapshot() bool
}

// SkipCounter is implemented by sources that skip records they cannot use
// (malformed, unknown ecosystem); Skipped returns the count and a few
// reasons from the last Fetch.
type SkipCounter interface {
	Skipped() (n int, reasons []string)
}

// SourceFunc returns a [VulnSource] named name whose Fetch calls fetch.
func SourceFunc(name string, fetch func(ctx context.Context, since Cursor, emit func(Vulnerability) error) (Cursor, error)) VulnSource {
	return funcSource{name, fetch}
}

type funcSource struct {
	name  string
	fetch func(context.Context, Cursor, func(Vulnerability) error) (Cursor, error)
}

func (f funcSource) Name() string { return f.name }
func (f funcSource) Fetch(ctx context.Context, since Cursor, emit func(Vulnerability) error) (Cursor, error) {
	return f.fetch(ctx, since, emit)
}

// SourceInfo describes what a store holds from one source.
type SourceInfo struct {
	Name string `json:"name"`
	// Cursor is the source's cursor after the last successful update.
	Cursor Cursor `json:"cursor,omitempty"`
	// Updated is when the last successful update finished; Checked when the
	// source was last asked (it may have been unchanged).
	Updated time.Time `json:"updated"`
	Checked time.Time `json:"checked"`
	// Records is how many records the store holds from the source.
	Records int `json:"records"`
	// Skipped counts the records the last update skipped, with a few
	// reasons.
	Skipped        int      `json:"skipped,omitempty"`
	SkippedReasons []string `json:"skippedReasons,omitempty"`
}
