package promote

import (
	"context"
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

// MemoryReportStore is a [ReportStore] in memory. It is safe for concurrent
// use. Callers must not change reports after Put or returned by Get.
type MemoryReportStore struct {
	mu sync.RWMutex
	m  map[string]*scan.Report
}

// NewMemoryReportStore returns an empty store.
func NewMemoryReportStore() *MemoryReportStore {
	return &MemoryReportStore{m: map[string]*scan.Report{}}
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

// Put stores r for digest.
func (s *MemoryReportStore) Put(ctx context.Context, digest string, r *scan.Report) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[digest] = r
	return nil
}
