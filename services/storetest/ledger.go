package storetest

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/campusnav/engine/services/ledger"
)

// Ledger runs the contract of ledger.Store on stores made by newStore.
func Ledger(t *testing.T, newStore func(t *testing.T) ledger.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s ledger.Store)
	}{
		{"CommitAndReplay", testLedgerCommit},
		{"NeverOverdrawn", testLedgerConcurrentPayers},
		{"SameReferenceOnce", testLedgerSameReference},
		{"RandomTraffic", testLedgerRandomTraffic},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

func commit(t *testing.T, s ledger.Store, kind, ref string, ps ...ledger.Posting) (ledger.Transaction, bool, error) {
	t.Helper()
	return s.Commit(t.Context(), ledger.Transaction{Kind: kind, Reference: ref, Postings: ps})
}

func balance(t *testing.T, s ledger.Store, a string) int64 {
	t.Helper()
	v, err := s.Balance(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testLedgerCommit(t *testing.T, s ledger.Store) {
	w, cafe := ledger.Wallet(1), ledger.Merchant(unique("cafe"))
	top, replayed, err := commit(t, s, ledger.KindTopUp, unique("topup"), ledger.Posting{Source: ledger.World, Destination: w, Amount: 5000})
	if err != nil || replayed || top.ID == 0 {
		t.Fatalf("top-up: %+v %v %v", top, replayed, err)
	}
	if _, _, err := commit(t, s, ledger.KindPayment, "", ledger.Posting{Source: w, Destination: cafe, Amount: 1800}); err != nil {
		t.Fatal(err)
	}
	_, _, err = commit(t, s, ledger.KindPayment, "", ledger.Posting{Source: w, Destination: cafe, Amount: 3201})
	if !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Errorf("paying 3,201 of 3,200: %v, want ErrInsufficientFunds", err)
	}
	if _, _, err := commit(t, s, "gift", "", ledger.Posting{Source: w, Destination: cafe, Amount: 1}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("kind gift: %v, want ErrInvalid", err)
	}
	if got := balance(t, s, w); got != 3200 {
		t.Errorf("wallet %d fen, want 3,200", got)
	}
	if got := balance(t, s, cafe); got != 1800 {
		t.Errorf("café %d fen, want 1,800", got)
	}
	// A refund is a new transaction; the first stays as it was.
	if _, _, err := commit(t, s, ledger.KindRefund, "", ledger.Posting{Source: cafe, Destination: w, Amount: 800}); err != nil {
		t.Fatal(err)
	}
	if got := balance(t, s, w); got != 4000 {
		t.Errorf("wallet after a refund %d fen, want 4,000", got)
	}
	if err := s.VerifyLedger(t.Context()); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// testLedgerConcurrentPayers: 40 payments of 100 fen at once from a
// wallet of 1,000: exactly 10 go through, the wallet ends at 0, never
// below, and the ledger verifies.
func testLedgerConcurrentPayers(t *testing.T, s ledger.Store) {
	w := ledger.Wallet(2)
	if _, _, err := commit(t, s, ledger.KindTopUp, "", ledger.Posting{Source: ledger.World, Destination: w, Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	before := balance(t, s, w)
	paid := race(t, "Commit", 40, ledger.ErrInsufficientFunds, func(i int) error {
		_, _, err := commit(t, s, ledger.KindPayment, "", ledger.Posting{Source: w, Destination: ledger.Merchant(unique("till")), Amount: 100})
		return err
	})
	if want := int(before / 100); paid != want {
		t.Errorf("%d payments went through, want %d", paid, want)
	}
	if got := balance(t, s, w); got != before%100 {
		t.Errorf("wallet %d fen after", got)
	}
	if err := s.VerifyLedger(t.Context()); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// testLedgerSameReference: one notification delivered 20 times at once
// credits the wallet once.
func testLedgerSameReference(t *testing.T, s ledger.Store) {
	w, ref := ledger.Wallet(3), unique("notify")
	before := balance(t, s, w)
	var mu sync.Mutex
	ids := map[int64]int{}
	race(t, "Commit", 20, errors.New("none"), func(i int) error {
		tx, _, err := commit(t, s, ledger.KindTopUp, ref, ledger.Posting{Source: ledger.Provider("sandbox"), Destination: w, Amount: 2500})
		if err == nil {
			mu.Lock()
			ids[tx.ID]++
			mu.Unlock()
		}
		return err
	})
	if len(ids) != 1 {
		t.Errorf("20 commits of one reference answered transactions %v, want one", ids)
	}
	if got := balance(t, s, w) - before; got != 2500 {
		t.Errorf("the wallet gained %d fen, want 2,500", got)
	}
	if err := s.VerifyLedger(t.Context()); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// testLedgerRandomTraffic: 8 goroutines commit random top-ups (some
// under references delivered again), payments and refunds between a few
// wallets and merchants; after, every wallet is at or above zero, every
// reference moved money once, and the ledger verifies.
func testLedgerRandomTraffic(t *testing.T, s ledger.Store) {
	prefix := unique("w")
	wallets := []string{ledger.Wallet(11), ledger.Wallet(12), ledger.Wallet(13)}
	merchants := []string{ledger.Merchant(prefix + "-canteen"), ledger.Merchant(prefix + "-cafe")}
	refs := make([]string, 12)
	for i := range refs {
		refs[i] = unique("topup")
	}
	var mu sync.Mutex
	credited := map[string]int64{} // reference -> transaction id
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 40 {
				w := wallets[rng.IntN(len(wallets))]
				m := merchants[rng.IntN(len(merchants))]
				var err error
				switch rng.IntN(3) {
				case 0:
					ref := refs[rng.IntN(len(refs))]
					var tx ledger.Transaction
					tx, _, err = s.Commit(t.Context(), ledger.Transaction{Kind: ledger.KindTopUp, Reference: ref,
						Postings: []ledger.Posting{{Source: ledger.Provider("sandbox"), Destination: wallets[len(ref)%len(wallets)], Amount: 500}}})
					if err == nil {
						mu.Lock()
						if first, ok := credited[ref]; ok && first != tx.ID {
							t.Errorf("reference %s committed as %d and %d", ref, first, tx.ID)
						}
						credited[ref] = tx.ID
						mu.Unlock()
					}
				case 1:
					_, _, err = s.Commit(t.Context(), ledger.Transaction{Kind: ledger.KindPayment,
						Postings: []ledger.Posting{{Source: w, Destination: m, Amount: int64(1 + rng.IntN(400))}}})
				case 2:
					_, _, err = s.Commit(t.Context(), ledger.Transaction{Kind: ledger.KindRefund,
						Postings: []ledger.Posting{{Source: m, Destination: w, Amount: int64(1 + rng.IntN(100))}}})
				}
				if err != nil && !errors.Is(err, ledger.ErrInsufficientFunds) {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, a := range append(wallets, merchants...) {
		if b := balance(t, s, a); b < 0 {
			t.Errorf("%s at %d fen", a, b)
		}
	}
	if err := s.VerifyLedger(t.Context()); err != nil {
		t.Errorf("verify: %v", err)
	}
}
