package memstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// Store is an in-memory vulnerability store. It implements [vulndb.Store],
// [vulndb.Writer], [vulndb.SourceLister], [vulndb.Getter] and
// [vulndb.DocumentStore], and is safe for concurrent use.
//
// Each update builds a new version of its source's data off to the side and
// swaps it in when it commits, so readers never wait for an update and
// never see half of one. Records are copied on the way in and out: callers
// may change what they put and what they get.
type Store struct {
	// mu guards state, which is never changed once published.
	mu    sync.RWMutex
	state *state
	// writeMu makes updates run one at a time.
	writeMu sync.Mutex
	closed  bool
	// docs holds the document collections ([vulndb.DocumentStore]).
	docs documents
}

// state is one immutable version of the store.
type state struct {
	sources map[string]*sourceData
	names   []string // sorted keys of sources
}

// sourceData is what the store holds from one source; immutable once
// published.
type sourceData struct {
	info    vulndb.SourceInfo
	records map[string]*vulndb.Vulnerability
	// index maps a package key to the sorted IDs of the non-withdrawn
	// records that affect it; ids maps IDs and aliases to sorted IDs.
	index map[vulndb.PackageKey][]string
	ids   map[string][]string
}

var (
	_ vulndb.Store        = (*Store)(nil)
	_ vulndb.Writer       = (*Store)(nil)
	_ vulndb.SourceLister = (*Store)(nil)
	_ vulndb.Getter       = (*Store)(nil)
	_ vulndb.MultiGetter  = (*Store)(nil)
)

// ErrClosed matches errors of a store used after [Store.Close].
var ErrClosed = errors.New("memstore: store is closed")

// New returns an empty store.
func New() *Store {
	return &Store{state: &state{sources: map[string]*sourceData{}}}
}

// Close drops what the store holds; later calls fail with [ErrClosed].
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.state = &state{sources: map[string]*sourceData{}}
	return nil
}

// snapshot returns the current version.
func (s *Store) snapshot() (*state, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.state, nil
}

// Query returns, for each key, the records of every source with an
// Affected entry whose [vulndb.KeyOf] is the key, withdrawn records
// excepted: out[i] answers keys[i], ordered by source, then ID. The whole
// batch reads one version of the store.
func (s *Store) Query(ctx context.Context, keys []vulndb.PackageKey) ([][]vulndb.Vulnerability, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: query: %w", err)
	}
	st, err := s.snapshot()
	if err != nil {
		return nil, fmt.Errorf("memstore: query: %w", err)
	}
	out := make([][]vulndb.Vulnerability, len(keys))
	for i, k := range keys {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("memstore: query: %w", err)
			}
		}
		for _, name := range st.names {
			src := st.sources[name]
			for _, id := range src.index[k] {
				out[i] = append(out[i], clone(src.records[id]))
			}
		}
	}
	return out, nil
}

// Get returns the records, of every source, whose ID or one of whose
// aliases is id, ordered by source, then ID; withdrawn records included.
// It fails with an error matching [vulndb.ErrNotFound] when there are none.
// GetMany looks ids up as [Store.Get] does, in one snapshot; IDs without
// records are absent from the result.
func (s *Store) GetMany(ctx context.Context, ids []string) (map[string][]vulndb.Vulnerability, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: get: %w", err)
	}
	st, err := s.snapshot()
	if err != nil {
		return nil, fmt.Errorf("memstore: get: %w", err)
	}
	out := make(map[string][]vulndb.Vulnerability)
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		for _, name := range st.names {
			src := st.sources[name]
			for _, rid := range src.ids[id] {
				out[id] = append(out[id], clone(src.records[rid]))
			}
		}
	}
	return out, nil
}

func (s *Store) Get(ctx context.Context, id string) ([]vulndb.Vulnerability, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: get %s: %w", id, err)
	}
	st, err := s.snapshot()
	if err != nil {
		return nil, fmt.Errorf("memstore: get %s: %w", id, err)
	}
	var out []vulndb.Vulnerability
	for _, name := range st.names {
		src := st.sources[name]
		for _, rid := range src.ids[id] {
			out = append(out, clone(src.records[rid]))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("memstore: record %s: %w", id, vulndb.ErrNotFound)
	}
	return out, nil
}

// Sources returns what the store holds from each source, by name.
func (s *Store) Sources(ctx context.Context) ([]vulndb.SourceInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: sources: %w", err)
	}
	st, err := s.snapshot()
	if err != nil {
		return nil, fmt.Errorf("memstore: sources: %w", err)
	}
	out := make([]vulndb.SourceInfo, 0, len(st.names))
	for _, name := range st.names {
		info := st.sources[name].info
		info.SkippedReasons = slices.Clone(info.SkippedReasons)
		out = append(out, info)
	}
	return out, nil
}

// Update runs fn for source and, when it returns nil and ctx has not
// ended, publishes what it put in one step. With replace the source's
// previous records are dropped; otherwise records are added or replaced by
// ID. Records of other sources are never touched.
func (s *Store) Update(ctx context.Context, source string, replace bool, fn func(tx vulndb.Tx) error) error {
	if source == "" {
		return errors.New("memstore: update: empty source name")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: updating %s: %w", source, err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	st, err := s.snapshot()
	if err != nil {
		return fmt.Errorf("memstore: updating %s: %w", source, err)
	}
	t := &tx{ctx: ctx, source: source, puts: map[string]*vulndb.Vulnerability{}}
	err = func() error {
		defer func() { t.closed = true }()
		return fn(t)
	}()
	if err != nil {
		return fmt.Errorf("memstore: updating %s: %w", source, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: updating %s: %w", source, err)
	}
	next := apply(st.sources[source], source, replace, t)
	s.publish(st, source, next)
	return nil
}

// DeleteSource removes everything the store holds from the named source.
// It fails with an error matching [vulndb.ErrNotFound] for a source the
// store does not hold.
func (s *Store) DeleteSource(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: deleting source %s: %w", name, err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	st, err := s.snapshot()
	if err != nil {
		return fmt.Errorf("memstore: deleting source %s: %w", name, err)
	}
	if _, ok := st.sources[name]; !ok {
		return fmt.Errorf("memstore: source %q: %w", name, vulndb.ErrNotFound)
	}
	s.publish(st, name, nil)
	return nil
}

// publish swaps in a version of the store where source's data is src
// (removed when nil). The caller holds writeMu, so st is still current.
func (s *Store) publish(st *state, source string, src *sourceData) {
	next := &state{sources: maps.Clone(st.sources)}
	if src == nil {
		delete(next.sources, source)
	} else {
		next.sources[source] = src
	}
	next.names = slices.Sorted(maps.Keys(next.sources))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = next
}

// apply returns the data of source after the update t, leaving prev (the
// published data, possibly nil) untouched: maps are copied and index
// slices are rebuilt where they change.
func apply(prev *sourceData, source string, replace bool, t *tx) *sourceData {
	next := &sourceData{info: vulndb.SourceInfo{Name: source}}
	if prev != nil && !replace {
		next.records = maps.Clone(prev.records)
		next.index = maps.Clone(prev.index)
		next.ids = maps.Clone(prev.ids)
	} else {
		next.records = make(map[string]*vulndb.Vulnerability, len(t.puts))
		next.index = make(map[vulndb.PackageKey][]string)
		next.ids = make(map[string][]string)
	}
	if prev != nil {
		next.info = prev.info
	}
	if t.info != nil {
		next.info = *t.info
	}
	for _, id := range slices.Sorted(maps.Keys(t.puts)) {
		v := t.puts[id]
		if old, ok := next.records[id]; ok {
			for _, k := range packageKeys(old) {
				next.index[k] = without(next.index[k], id)
				if len(next.index[k]) == 0 {
					delete(next.index, k)
				}
			}
			for _, a := range idKeys(old) {
				next.ids[a] = without(next.ids[a], id)
				if len(next.ids[a]) == 0 {
					delete(next.ids, a)
				}
			}
		}
		next.records[id] = v
		for _, k := range packageKeys(v) {
			next.index[k] = with(next.index[k], id)
		}
		for _, a := range idKeys(v) {
			next.ids[a] = with(next.ids[a], id)
		}
	}
	next.info.Name = source
	next.info.Records = len(next.records)
	return next
}

// with returns a new sorted slice of ids and id.
func with(ids []string, id string) []string {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	out := make([]string, 0, len(ids)+1)
	out = append(out, ids[:i]...)
	out = append(out, id)
	return append(out, ids[i:]...)
}

// without returns a new slice of ids without id.
func without(ids []string, id string) []string {
	i, found := slices.BinarySearch(ids, id)
	if !found {
		return ids
	}
	out := make([]string, 0, len(ids)-1)
	out = append(out, ids[:i]...)
	return append(out, ids[i+1:]...)
}

// packageKeys returns the distinct keys a record is found under by Query:
// none for a withdrawn record.
func packageKeys(v *vulndb.Vulnerability) []vulndb.PackageKey {
	if v.IsWithdrawn() {
		return nil
	}
	var keys []vulndb.PackageKey
	for _, a := range v.Affected {
		k := vulndb.KeyOf(a.Package)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// idKeys returns the distinct names a record is found under by Get.
func idKeys(v *vulndb.Vulnerability) []string {
	ids := []string{v.ID}
	for _, a := range v.Aliases {
		if a != "" && !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	return ids
}

// tx collects one update's records until it commits.
type tx struct {
	ctx    context.Context
	source string
	puts   map[string]*vulndb.Vulnerability
	info   *vulndb.SourceInfo
	closed bool
}

var errTxClosed = errors.New("memstore: transaction is closed")

// Put adds or replaces the record v.ID of the transaction's source. v.Source
// must be empty or the source's name.
func (t *tx) Put(v vulndb.Vulnerability) error {
	if t.closed {
		return errTxClosed
	}
	if err := t.ctx.Err(); err != nil {
		return err
	}
	if v.ID == "" {
		return errors.New("memstore: record with no ID")
	}
	switch v.Source {
	case "":
		v.Source = t.source
	case t.source:
	default:
		return fmt.Errorf("memstore: record %s has source %q in an update of %q", v.ID, v.Source, t.source)
	}
	c := clone(&v)
	t.puts[v.ID] = &c
	return nil
}

// SetInfo records info for the source; Name is filled in (a different
// name is an error) and Records is counted by the store.
func (t *tx) SetInfo(info vulndb.SourceInfo) error {
	if t.closed {
		return errTxClosed
	}
	if info.Name != "" && info.Name != t.source {
		return fmt.Errorf("memstore: info for source %q in an update of %q", info.Name, t.source)
	}
	info.Name = t.source
	info.Updated, info.Checked = utc(info.Updated), utc(info.Checked)
	info.SkippedReasons = slices.Clone(info.SkippedReasons)
	t.info = &info
	return nil
}

// clone returns a deep copy of v in the form every store returns: times in
// UTC without a monotonic reading, empty slices as nil.
func clone(v *vulndb.Vulnerability) vulndb.Vulnerability {
	c := *v
	c.Aliases = cloneStrings(v.Aliases)
	c.Related = cloneStrings(v.Related)
	c.Published = utc(v.Published)
	c.Modified = utc(v.Modified)
	c.Withdrawn = clonePtr(v.Withdrawn, utc)
	c.Affected = cloneSlice(v.Affected, func(a vulndb.Affected) vulndb.Affected {
		a.Ranges = cloneSlice(a.Ranges, func(r vulndb.Range) vulndb.Range {
			r.Events = cloneSlice(r.Events, same)
			return r
		})
		a.Versions = cloneStrings(a.Versions)
		a.Rating = clonePtr(a.Rating, same)
		a.CPEs = cloneSlice(a.CPEs, same)
		return a
	})
	c.Severity = cloneSlice(v.Severity, same)
	c.Rating = clonePtr(v.Rating, same)
	c.CWEs = cloneStrings(v.CWEs)
	c.References = cloneSlice(v.References, same)
	c.KEV = clonePtr(v.KEV, same)
	c.EPSS = clonePtr(v.EPSS, same)
	return c
}

func same[T any](v T) T { return v }

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(t.Unix(), int64(t.Nanosecond())).UTC()
}

func cloneStrings(s []string) []string { return cloneSlice(s, same) }

func cloneSlice[T any](s []T, f func(T) T) []T {
	if len(s) == 0 {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

func clonePtr[T any](p *T, f func(T) T) *T {
	if p == nil {
		return nil
	}
	v := f(*p)
	return &v
}
