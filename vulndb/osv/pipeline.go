package osv

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"sync"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// task is one record on its way through a Fetch: read by the producer,
// decoded and converted by a worker, emitted by the collector in the order
// the producer read it.
type task struct {
	origin string // file, zip entry or array element, for messages
	data   []byte
	yaml   bool
	done   chan struct{}

	// Set by the worker.
	v     vulndb.Vulnerability
	ok    bool
	skips []skipItem
	err   error
}

type skipItem struct{ why, where string }

// process decodes and converts t's record.
func (t *task) process() {
	var raw rawRecord
	var err error
	kind := "JSON"
	if t.yaml {
		kind = "YAML"
		err = decodeYAML(t.data, &raw)
	} else {
		err = decodeJSON(t.data, &raw)
	}
	t.data = nil
	if err != nil {
		if errors.Is(err, ErrUnusable) {
			t.skips = append(t.skips, skipItem{"malformed record", t.origin})
			return
		}
		t.err = fmt.Errorf("osv: %s: not valid %s: %w", t.origin, kind, err)
		return
	}
	t.v, t.ok = convert(&raw, func(why, where string) {
		if where == "" {
			where = t.origin
		}
		t.skips = append(t.skips, skipItem{why, where})
	})
}

// stats is what a Fetch emitted.
type stats struct {
	emitted int
	newest  time.Time
}

// run reads records with produce, decodes them on several workers and
// emits them in the order they were read. An error from emit is returned
// as is.
func (s *Source) run(ctx context.Context, emit func(vulndb.Vulnerability) error, produce func(*producer) error) (stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := s.o.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	tasks := make(chan *task, 2*workers)
	order := make(chan *task, 16*workers)

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range tasks {
				if ctx.Err() == nil {
					t.process()
				}
				close(t.done)
			}
		})
	}
	var perr error
	wg.Go(func() {
		defer close(tasks)
		defer close(order)
		p := &producer{s: s, ctx: ctx, submit: func(t *task) error {
			t.done = make(chan struct{})
			select {
			case order <- t:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case tasks <- t:
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		}}
		perr = produce(p)
	})

	c := collector{s: s, emit: emit, seen: map[uint64]int64{}, seed: maphash.MakeSeed()}
	var cerr error
	for t := range order {
		if cerr != nil {
			continue // draining after a failure
		}
		select {
		case <-t.done:
		case <-ctx.Done():
			cerr = ctx.Err()
			cancel()
			continue
		}
		if err := c.handle(t); err != nil {
			cerr = err
			cancel()
		}
	}
	wg.Wait()
	switch {
	case c.emitErr != nil:
		return stats{}, c.emitErr
	case cerr != nil:
		return stats{}, cerr
	case perr != nil:
		return stats{}, perr
	}
	return c.stats, nil
}

// collector emits converted records in order.
type collector struct {
	s       *Source
	emit    func(vulndb.Vulnerability) error
	emitErr error
	stats
	// seen maps a hash of each emitted ID to its modified time, so that of
	// two records with one ID the later modified wins.
	seen map[uint64]int64
	seed maphash.Seed
}

func (c *collector) handle(t *task) error {
	if t.err != nil {
		return t.err
	}
	for _, sk := range t.skips {
		c.s.skips.Add(sk.why, sk.where)
	}
	if !t.ok {
		return nil
	}
	v := &t.v
	key := maphash.String(c.seed, v.ID)
	mod := int64(0)
	if !v.Modified.IsZero() {
		mod = v.Modified.UnixNano()
	}
	if prev, dup := c.seen[key]; dup && mod <= prev {
		c.s.skips.Add("duplicate id, not newer than an earlier copy", t.origin+" "+v.ID)
		return nil
	}
	c.seen[key] = mod
	if v.Modified.After(c.newest) {
		c.newest = v.Modified
	}
	if err := c.emit(*v); err != nil {
		c.emitErr = err
		return err
	}
	c.emitted++
	return nil
}
