package promote

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/portcullis-oci/portcullis/scan"
	"github.com/portcullis-oci/portcullis/vulndb"
)

// Collections of the vulnerability database that [NewStoreRecorder] and
// [NewStoreReports] keep their documents in.
const (
	RecordCollection = "promotions"
	ReportCollection = "reports"
)

// DefaultRecordsKept is how many promotion records [NewStoreRecorder]
// keeps; the oldest go first.
const DefaultRecordsKept = 100_000

// StoreRecorder records promotions in a vulnerability database that keeps
// documents ([vulndb.DocumentStore]: boltstore and memstore do), so one
// file holds the feeds, the reports and the promotion history. It
// implements [Recorder] and [RecordLister].
type StoreRecorder struct {
	db   vulndb.DocumentStore
	keep int
}

var (
	_ Recorder     = (*StoreRecorder)(nil)
	_ RecordLister = (*StoreRecorder)(nil)
)

// NewStoreRecorder returns a recorder keeping the newest keep records in
// db (keep <= 0 means [DefaultRecordsKept]).
func NewStoreRecorder(db vulndb.DocumentStore, keep int) *StoreRecorder {
	if keep <= 0 {
		keep = DefaultRecordsKept
	}
	return &StoreRecorder{db: db, keep: keep}
}

// Record appends r.
func (s *StoreRecorder) Record(ctx context.Context, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("promote: encoding the record: %w", err)
	}
	if _, err := s.db.AppendDocument(ctx, RecordCollection, b, s.keep); err != nil {
		return fmt.Errorf("promote: recording: %w", err)
	}
	return nil
}

// Records returns the records f selects, newest first. A record that does
// not decode is an error naming its key.
func (s *StoreRecorder) Records(ctx context.Context, f RecordFilter) ([]Record, error) {
	var out []Record
	err := s.db.Documents(ctx, RecordCollection, true, func(k, v []byte) (bool, error) {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return false, fmt.Errorf("promote: record %x in %q: %w", k, RecordCollection, err)
		}
		if f.Match(&r) {
			out = append(out, r)
		}
		return len(out) < f.limit(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("promote: listing records: %w", err)
	}
	return out, nil
}

// StoreReports is a [ReportStore] in a vulnerability database that keeps
// documents, by image digest: a promoter restarted with the same database
// reuses the reports of images it scanned before.
type StoreReports struct {
	db vulndb.DocumentStore
}

var _ ReportStore = (*StoreReports)(nil)

// NewStoreReports returns a report store in db.
func NewStoreReports(db vulndb.DocumentStore) *StoreReports { return &StoreReports{db: db} }

// Get returns the report stored for digest, or nil.
func (s *StoreReports) Get(ctx context.Context, digest string) (*scan.Report, error) {
	b, err := s.db.Document(ctx, ReportCollection, []byte(digest))
	if err != nil || b == nil {
		return nil, err
	}
	var r scan.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("promote: stored report %s: %w", digest, err)
	}
	return &r, nil
}

// Put stores r for digest.
func (s *StoreReports) Put(ctx context.Context, digest string, r *scan.Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("promote: encoding the report for %s: %w", digest, err)
	}
	return s.db.PutDocument(ctx, ReportCollection, []byte(digest), b)
}
