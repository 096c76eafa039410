package payments_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/sqlite"
)

// failingStore fails the next payment when told to: the process killed, or
// its database failing, between a charge's check of the code (its own
// transaction, committed) and its payment.
type failingStore struct {
	payments.Store
	fail atomic.Bool
}

var errGone = errors.New("the database went away")

func (s *failingStore) Pay(ctx context.Context, p payments.Payment, external func(context.Context, string, string) (string, error)) (payments.Payment, bool, error) {
	if s.fail.CompareAndSwap(true, false) {
		return payments.Payment{}, false, errGone
	}
	return s.Store.Pay(ctx, p, external)
}

// PayMany fails while a failure is due, leaving it to Pay (the batcher
// pays each payment of a failed batch alone).
func (s *failingStore) PayMany(ctx context.Context, ps []payments.Payment) ([]payments.Batched, error) {
	if s.fail.Load() {
		return nil, errGone
	}
	return s.Store.PayMany(ctx, ps)
}

// TestChargeRetriedAfterItsPaymentFailed: a till's charge whose code was
// checked but whose payment was not made, retried with its key (as the
// till is told to), pays once: a moment later, after the same code's
// RetryWindow, and after the code has expired; the card is not frozen as
// if the code were a copy. Another key with the same code still does not
// pay.
func TestChargeRetriedAfterItsPaymentFailed(t *testing.T) {
	v, err := geo.Load("../../data/floorplans/hkust-gz")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 25, 12, 0, 0, 0, payments.Shanghai).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	tick := func(d time.Duration) { clock.Add(int64(d)) }
	acc, err := access.New(db, v, routing.Build(v), access.Config{Now: now, ReaderRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	st := &failingStore{Store: db}
	svc, err := payments.New(st, acc, v, payments.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	u, err := db.CreateUser(ctx, auth.User{Email: "li@connect.hkust-gz.edu.cn", Role: auth.Student, Created: now()}, "x")
	if err != nil {
		t.Fatal(err)
	}
	c, err := acc.Card(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddTopUp(ctx, payments.TopUp{ID: "tu_1", Card: c.ID, Provider: "sandbox", Amount: 10_000, Created: now()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: "tu_1", ProviderTxn: "sb1", Amount: 10_000, Status: payments.Succeeded}, now()); err != nil {
		t.Fatal(err)
	}
	var till *geo.Reader
	for _, r := range v.Readers {
		if r.Kind == geo.ReaderPOS {
			till = r
			break
		}
	}
	balance := int64(10_000)
	for _, later := range []struct {
		what  string
		after time.Duration
	}{
		{"a second later", time.Second},
		{"20 s later, past the same code's retry window", 20 * time.Second},
		{"90 s later, the code expired", 90 * time.Second},
	} {
		code, err := acc.Code(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		key := "k-" + later.after.String()
		req := payments.ChargeRequest{Reader: till.ID, Code: code.Code, Amount: 100}
		st.fail.Store(true)
		if _, err := svc.Charge(ctx, till, key, req); !errors.Is(err, errGone) {
			t.Fatalf("%s: the charge whose payment fails: %v", later.what, err)
		}
		tick(later.after)
		if later.after == time.Second {
			// Another key with the same code: the till scanned it twice.
			if _, err := svc.Charge(ctx, till, "other", req); err == nil || !errors.Is(err, payments.ErrConflict) {
				t.Errorf("the same code under another key: %v, want code_used", err)
			}
		}
		rc, err := svc.Charge(ctx, till, key, req)
		if err != nil {
			t.Errorf("retried %s: %v, want it paid", later.what, err)
			tick(time.Minute) // the next code
			continue
		}
		balance -= 100
		if rc.Amount != 100 || rc.Balance != balance {
			t.Errorf("retried %s: %+v, want 100 fen paid, %d left", later.what, rc, balance)
		}
		again, err := svc.Charge(ctx, till, key, req)
		if err != nil || again.PaymentID != rc.PaymentID {
			t.Errorf("retried %s, then again: %+v %v, want payment %d", later.what, again, err, rc.PaymentID)
		}
		tick(time.Minute) // the next code
	}
	if card, err := acc.Card(ctx, u); err != nil || card.Status != access.Valid {
		t.Errorf("the card after the retries: %+v %v, want valid", card, err)
	}
	if w, err := db.WalletOf(ctx, c.ID); err != nil || w.Balance != balance {
		t.Errorf("the wallet holds %d fen (%v), want %d", w.Balance, err, balance)
	}
	if err := db.VerifyLedger(ctx); err != nil {
		t.Error(err)
	}
}
