package vulndb

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// UpdateStore is a store that can be updated and says what it holds.
type UpdateStore interface {
	Writer
	SourceLister
}

// Update fetches what changed in src since the store's last update from it
// and writes it to the store in one transaction: a fetch that fails
// half-way leaves the previous data intact. When the source reports
// [ErrUnchanged] only the check time is recorded. now gives the time
// (time.Now when nil).
func Update(ctx context.Context, store UpdateStore, src VulnSource, now func() time.Time) (SourceInfo, error) {
	if now == nil {
		now = time.Now
	}
	name := src.Name()
	prev, err := sourceInfo(ctx, store, name)
	if err != nil {
		return SourceInfo{}, err
	}
	replace := false
	if s, ok := src.(Snapshotter); ok && s.Snapshot() {
		replace = true
	}
	var info SourceInfo
	err = store.Update(ctx, name, replace, func(tx Tx) error {
		cursor, err := src.Fetch(ctx, prev.Cursor, func(v Vulnerability) error {
			if v.ID == "" {
				return fmt.Errorf("vulndb: %s emitted a record with no ID", name)
			}
			v.Source = name
			return tx.Put(v)
		})
		if errors.Is(err, ErrUnchanged) {
			return err
		}
		if err != nil {
			return fmt.Errorf("vulndb: updating from %s: %w", name, err)
		}
		t := now().UTC()
		info = SourceInfo{Name: name, Cursor: cursor, Updated: t, Checked: t}
		if sc, ok := src.(SkipCounter); ok {
			info.Skipped, info.SkippedReasons = sc.Skipped()
		}
		return tx.SetInfo(info)
	})
	if errors.Is(err, ErrUnchanged) {
		// Record only that the source was checked.
		info = prev
		info.Name = name
		info.Checked = now().UTC()
		err = store.Update(ctx, name, false, func(tx Tx) error { return tx.SetInfo(info) })
		if err != nil {
			return SourceInfo{}, fmt.Errorf("vulndb: recording the check of %s: %w", name, err)
		}
		return info, ErrUnchanged
	}
	if err != nil {
		return SourceInfo{}, err
	}
	return sourceInfo(ctx, store, name)
}

func sourceInfo(ctx context.Context, store SourceLister, name string) (SourceInfo, error) {
	infos, err := store.Sources(ctx)
	if err != nil {
		return SourceInfo{}, fmt.Errorf("vulndb: listing sources: %w", err)
	}
	for _, i := range infos {
		if i.Name == name {
			return i, nil
		}
	}
	return SourceInfo{Name: name}, nil
}
