package promote

import (
	"context"
	"slices"
	"sync"

	"github.com/portcullis-oci/portcullis/scan"
)

// ReportStore keeps scan reports by image digest, so that an image scanned
// once is not scanned again for every promotion. Implementations must be
// safe for concurrent use.
type ReportStore interface {
	// Get returns the report stored for the digest, or nil and no error
	// when there is none.
	Get(ctx context.Context, digest string) (*scan.Report, error)
	// Put stores the report for the digest, replacing any other.
	Put(ctx context.Context, digest string, r *scan.Report) error
}

// DefaultMemoryReports is how many reports a [MemoryReportStore] keeps
// unless told otherwise.
const DefaultMemoryReports = 1000

// MemoryReportStore is a [ReportStore] in memory, keeping the reports of
// the most recently stored digests (up to its limit; the oldest go first,
// to be scanned again if promoted again). It is safe for concurrent use.
// Callers must not change reports after Put or returned by Get.
type MemoryReportStore struct {
	mu    sync.RWMutex
	m     map[string]*scan.Report
	order []string // digests, oldest stored first
	max   int
}

// NewMemoryReportStore returns an empty store keeping
// [DefaultMemoryReports] reports.
func NewMemoryReportStore() *MemoryReportStore { return NewMemoryReportStoreOf(DefaultMemoryReports) }

// NewMemoryReportStoreOf returns an empty store keeping at most n
// reports (at least one).
func NewMemoryReportStoreOf(n int) *MemoryReportStore {
	return &MemoryReportStore{m: map[string]*scan.Report{}, max: max(n, 1)}
}

// Get returns the report for digest, or nil.
func (s *MemoryReportStore) Get(ctx context.Context, digest string) (*scan.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[digest], nil
}

// Put stores r for digest, dropping the oldest report when the store is
// full.
func (s *MemoryReportStore) Put(ctx context.Context, digest string, r *scan.Report) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[digest]; ok {
		s.order = slices.DeleteFunc(s.order, func(d string) bool { return d == digest })
	}
	s.order = append(s.order, digest)
	if len(s.order) > s.max {
		delete(s.m, s.order[0])
		s.order = slices.Delete(s.order, 0, 1)
	}
	s.m[digest] = r
	return nil
}
