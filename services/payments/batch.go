package payments

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// payBatcher commits the tills' payments together (group commit): the
// payments waiting when the last batch is done go into one transaction
// (Store.PayMany), so that under load the store's fixed cost of a commit
// (a disk flush, the audit log's head, held until the commit) is paid
// once for many; when the tills are quiet a batch is one payment and
// waits for nothing. One goroutine commits, made when a payment waits
// and gone when none does. What a batch leaves to Pay (a wallet that
// cannot cover the payment, a card that may not pay), and every payment
// of a batch that failed, is paid alone, by its caller.
type payBatcher struct {
	store   Store
	log     *slog.Logger
	mu      sync.Mutex
	waiting []*payWait
	running bool
}

// maxPayBatch is the most payments committed in one transaction.
const maxPayBatch = 64

type payWait struct {
	p        Payment
	done     chan struct{}
	paid     Payment
	replayed bool
	alone    bool
}

// pay pays p in a batch, or alone (Store.Pay, with external) when the
// batch leaves it.
func (b *payBatcher) pay(ctx context.Context, p Payment, external func(ctx context.Context, mandate, provider string) (string, error)) (Payment, bool, error) {
	w := &payWait{p: p, done: make(chan struct{})}
	b.mu.Lock()
	b.waiting = append(b.waiting, w)
	if !b.running {
		b.running = true
		go b.run()
	}
	b.mu.Unlock()
	// Waited for even when ctx ends: the batch commits the payment or
	// not, and the answer says which (the till's key keeps it).
	<-w.done
	if w.alone {
		return b.store.Pay(ctx, p, external)
	}
	return w.paid, w.replayed, nil
}

// run commits batches until none waits.
func (b *payBatcher) run() {
	for {
		b.mu.Lock()
		n := min(len(b.waiting), maxPayBatch)
		if n == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		batch := b.waiting[:n:n]
		b.waiting = append([]*payWait(nil), b.waiting[n:]...)
		b.mu.Unlock()
		b.commit(batch)
	}
}

// commit pays a batch in one transaction; if that fails, each alone.
func (b *payBatcher) commit(batch []*payWait) {
	ps := make([]Payment, len(batch))
	for i, w := range batch {
		ps[i] = w.p
	}
	// The batch is not any one caller's: a caller that gives up does not
	// cancel the others' payments.
	res, err := b.store.PayMany(context.Background(), ps)
	if err == nil && len(res) != len(batch) {
		err = fmt.Errorf("%d answers to %d payments", len(res), len(batch))
	}
	if err != nil {
		b.log.Warn("payments: a batch failed; each is paid alone", "payments", len(batch), "err", err)
	}
	for i, w := range batch {
		if err != nil {
			w.alone = true
		} else {
			w.paid, w.replayed, w.alone = res[i].Payment, res[i].Replayed, res[i].Alone
		}
		close(w.done)
	}
}
