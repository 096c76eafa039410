package access

import (
	"context"
	"slices"
	"sync"
)

// batcher decides attempts in batches: whatever is waiting when a worker
// is free goes into one transaction (group commit). Under load a batch
// holds many attempts and the store's fixed cost per commit (a disk
// flush, the audit log's head) is paid once for all of them; when the
// readers are quiet a batch is one attempt and waits for nothing.
type batcher struct {
	s    *Service
	in   chan *waiting
	max  int
	wg   sync.WaitGroup
	once sync.Once
}

type waiting struct {
	a    *Attempt
	ctx  context.Context
	done chan error
}

func newBatcher(s *Service, workers, max int) *batcher {
	if workers <= 0 {
		workers = 1
	}
	if max <= 0 {
		max = 64
	}
	b := &batcher{s: s, in: make(chan *waiting, 4*max), max: max}
	b.wg.Add(workers)
	for range workers {
		go b.work()
	}
	return b
}

// decide queues a and waits for its decision (or for ctx).
func (b *batcher) decide(ctx context.Context, a *Attempt) error {
	w := &waiting{a: a, ctx: ctx, done: make(chan error, 1)}
	select {
	case b.in <- w:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		// The decision is still made and recorded: the reader that
		// hung up does not open, and the record says what was decided.
		return ctx.Err()
	}
}

func (b *batcher) close() {
	b.once.Do(func() { close(b.in) })
	b.wg.Wait()
}

func (b *batcher) work() {
	defer b.wg.Done()
	batch := make([]*waiting, 0, b.max)
	for w := range b.in {
		batch = append(batch[:0], w)
	more:
		for len(batch) < b.max {
			select {
			case w, ok := <-b.in:
				if !ok {
					break more
				}
				batch = append(batch, w)
			default:
				break more
			}
		}
		b.run(batch)
	}
}

// run decides a batch in one transaction; if that fails, each attempt
// alone (one bad attempt must not fail the others).
func (b *batcher) run(batch []*waiting) {
	// Cards in id order, so that transactions of several workers or
	// replicas lock them in one order and never deadlock.
	slices.SortFunc(batch, func(x, y *waiting) int { return compareAttempts(x.a, y.a) })
	as := make([]*Attempt, len(batch))
	for i, w := range batch {
		as[i] = w.a
	}
	err := b.s.store.Decide(context.Background(), as, b.s.decide)
	if err != nil && len(batch) > 1 {
		for _, w := range batch {
			w.a.Result, w.a.Card = Result{}, nil
			w.done <- b.s.store.Decide(context.Background(), []*Attempt{w.a}, b.s.decide)
		}
		return
	}
	for _, w := range batch {
		w.done <- err
	}
}

func compareAttempts(x, y *Attempt) int {
	kx, ky := attemptKey(x), attemptKey(y)
	if kx < ky {
		return -1
	}
	if kx > ky {
		return 1
	}
	return x.At.Compare(y.At)
}

func attemptKey(a *Attempt) int64 {
	if a.Claims != nil {
		return a.Claims.Card
	}
	return 0
}
