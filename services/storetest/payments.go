package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/idempotency"
	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/payments"
)

// PaymentsStore is what the payments suite needs: the payments store,
// the cards and accounts it pays for, the audit log it writes, and the
// idempotency keys of the tills that charge.
type PaymentsStore interface {
	payments.Store
	AccessStore
	idempotency.Store
}

// Payments runs the contract of payments.Store on stores made by
// newStore.
func Payments(t *testing.T, newStore func(t *testing.T) PaymentsStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s PaymentsStore)
	}{
		{"TopUpOnce", testTopUpOnce},
		{"PayAndPasswordFree", testPayAndPasswordFree},
		{"DailyExternalLimit", testDailyExternalLimit},
		{"CardMayNotPay", testCardMayNotPay},
		{"ConcurrentPayers", testConcurrentPayers},
		{"PayMany", testPayMany},
		{"ConcurrentBatches", testConcurrentBatches},
		{"Refunds", testRefunds},
		{"Bills", testBills},
		{"Records", testRecords},
		{"ReaderKeys", testReaderKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// topUp credits a card's wallet with amount fen through the sandbox
// provider, as a notice would.
func topUp(t *testing.T, s PaymentsStore, card, amount int64) {
	t.Helper()
	ctx := t.Context()
	tu, err := s.AddTopUp(ctx, payments.TopUp{ID: unique("tu"), Card: card, Provider: "sandbox", Amount: amount})
	if err != nil {
		t.Fatalf("AddTopUp: %v", err)
	}
	if _, changed, err := s.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: tu.ID, ProviderTxn: unique("txn"), Amount: amount, Status: payments.Succeeded}, time.Now()); err != nil || !changed {
		t.Fatalf("SettleTopUp: %v %v", changed, err)
	}
}

func walletOf(t *testing.T, s PaymentsStore, card int64) payments.Wallet {
	t.Helper()
	w, err := s.WalletOf(t.Context(), card)
	if err != nil {
		t.Fatalf("WalletOf: %v", err)
	}
	return w
}

func verifyLedger(t *testing.T, s PaymentsStore) {
	t.Helper()
	if err := s.VerifyLedger(t.Context()); err != nil {
		t.Fatalf("the ledger does not verify: %v", err)
	}
}

// noExternal is a payment's external account that must not be charged.
func noExternal(t *testing.T) func(context.Context, string, string) (string, error) {
	return func(context.Context, string, string) (string, error) {
		t.Error("the external account was charged")
		return "", errors.New("not expected")
	}
}

func pay(s PaymentsStore, u auth.User, c access.Card, amount int64, ref string, ext func(context.Context, string, string) (string, error)) (payments.Payment, bool, error) {
	return s.Pay(context.Background(), payments.Payment{Card: c.ID, UserID: u.ID, Subject: u.Email, Reader: "till-1", Merchant: "canteen",
		Amount: amount, Reference: ref, At: time.Now()}, ext)
}

func codeOf(err error) string {
	var e *payments.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func testTopUpOnce(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	u, c := mustCard(t, s, "topper", auth.Student)
	tu, err := s.AddTopUp(ctx, payments.TopUp{ID: unique("tu"), Card: c.ID, Provider: "sandbox", Amount: 5000})
	if err != nil || tu.Status != payments.Pending {
		t.Fatalf("AddTopUp: %+v %v", tu, err)
	}
	// A forged amount is refused and audited; nothing moves.
	_, changed, err := s.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: tu.ID, ProviderTxn: "t1", Amount: 50000, Status: payments.Succeeded}, time.Now())
	if !errors.Is(err, payments.ErrConflict) || changed {
		t.Fatalf("a notice of another amount: %v %v, want ErrConflict", changed, err)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: u.Email, Kind: audit.TopUp})
	if err != nil || len(es) != 1 || es[0].Decision != audit.Deny {
		t.Fatalf("the refused notice in the audit log: %+v %v", es, err)
	}
	if _, _, err := s.SettleTopUp(ctx, "wechat", payments.Notice{TopUp: tu.ID, ProviderTxn: "t1", Amount: 5000, Status: payments.Succeeded}, time.Now()); !errors.Is(err, payments.ErrNotFound) {
		t.Errorf("another provider's notice: %v, want ErrNotFound", err)
	}
	if _, _, err := s.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: "tu_nothing", ProviderTxn: "t1", Amount: 5000, Status: payments.Succeeded}, time.Now()); !errors.Is(err, payments.ErrNotFound) {
		t.Errorf("an unknown top-up: %v, want ErrNotFound", err)
	}
	// The same success, delivered by 8 at once and again later, credits once.
	txn := unique("txn")
	var credited atomic.Int32
	race(t, "settling a top-up", 8, errors.New("none"), func(int) error {
		_, changed, err := s.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: tu.ID, ProviderTxn: txn, Amount: 5000, Status: payments.Succeeded}, time.Now())
		if changed {
			credited.Add(1)
		}
		return err
	})
	if credited.Load() != 1 {
		t.Errorf("%d notices credited, want 1", credited.Load())
	}
	// A failure arriving late (out of order) does not undo it.
	got, changed, err := s.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: tu.ID, Status: payments.Failed}, time.Now())
	if err != nil || changed || got.Status != payments.Succeeded {
		t.Errorf("a late failure: %+v %v %v", got, changed, err)
	}
	if w := walletOf(t, s, c.ID); w.Balance != 5000 {
		t.Errorf("balance %d, want 5000", w.Balance)
	}
	// A failure first, then the success (the money did arrive): credited.
	tu2, _ := s.AddTopUp(ctx, payments.TopUp{ID: unique("tu"), Card: c.ID, Provider: "sandbox", Amount: 700})
	if _, changed, err := s.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: tu2.ID, Status: payments.Failed}, time.Now()); err != nil || !changed {
		t.Fatalf("failing a top-up: %v %v", changed, err)
	}
	if _, changed, err := s.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: tu2.ID, ProviderTxn: unique("txn"), Amount: 700, Status: payments.Succeeded}, time.Now()); err != nil || !changed {
		t.Fatalf("succeeding after failing: %v %v", changed, err)
	}
	if w := walletOf(t, s, c.ID); w.Balance != 5700 {
		t.Errorf("balance %d, want 5700", w.Balance)
	}
	// Pending top-ups are bounded per card.
	for i := range payments.MaxPendingTopUps + 1 {
		_, err := s.AddTopUp(ctx, payments.TopUp{ID: unique("tu"), Card: c.ID, Provider: "sandbox", Amount: 100})
		if i < payments.MaxPendingTopUps && err != nil {
			t.Fatalf("pending top-up %d: %v", i+1, err)
		}
		if i == payments.MaxPendingTopUps && !errors.Is(err, payments.ErrConflict) {
			t.Errorf("pending top-up %d: %v, want ErrConflict", i+1, err)
		}
	}
	verifyLedger(t, s)
}

// linkExternal links an active mandate of the sandbox to c.
func linkExternal(t *testing.T, s PaymentsStore, c access.Card) payments.Mandate {
	t.Helper()
	ctx := t.Context()
	m, err := s.AddMandate(ctx, payments.Mandate{ID: unique("md"), Card: c.ID, Provider: "sandbox"})
	if err != nil {
		t.Fatalf("AddMandate: %v", err)
	}
	for range 2 { // the notice twice: linked once
		if _, _, err := s.SettleMandate(ctx, "sandbox", payments.Notice{Mandate: m.ID, Status: payments.Active}, time.Now()); err != nil {
			t.Fatalf("SettleMandate: %v", err)
		}
	}
	return m
}

func charged(txn string, calls *atomic.Int32) func(context.Context, string, string) (string, error) {
	return func(_ context.Context, mandate, provider string) (string, error) {
		calls.Add(1)
		if provider != "sandbox" || mandate == "" {
			return "", fmt.Errorf("charged mandate %q of %q", mandate, provider)
		}
		return txn, nil
	}
}

func testPayAndPasswordFree(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	u, c := mustCard(t, s, "payer", auth.Student)
	topUp(t, s, c.ID, 1000)
	p, replayed, err := pay(s, u, c, 600, unique("ref"), noExternal(t))
	if err != nil || replayed || p.Source != payments.SourceWallet || p.Balance != 400 || p.ID == 0 {
		t.Fatalf("paying 600 of 1000: %+v %v %v", p, replayed, err)
	}
	_, _, err = pay(s, u, c, 401, unique("ref"), noExternal(t))
	if !errors.Is(err, payments.ErrInsufficientFunds) || codeOf(err) != payments.CodeInsufficient {
		t.Fatalf("paying 401 of 400 without password-free: %v", err)
	}
	// Password-free needs a linked account.
	if _, err := s.SetPasswordFree(ctx, c.ID, u.ID, true, 2000, time.Now()); !errors.Is(err, payments.ErrConflict) || codeOf(err) != "no_external_account" {
		t.Fatalf("password-free without an account: %v", err)
	}
	linkExternal(t, s, c)
	w, err := s.SetPasswordFree(ctx, c.ID, u.ID, true, 2000, time.Now())
	if err != nil || !w.PasswordFree || w.Limit != 2000 || w.Provider != "sandbox" || w.Balance != 400 {
		t.Fatalf("SetPasswordFree: %+v %v", w, err)
	}
	var calls atomic.Int32
	ref := unique("ref")
	p, _, err = pay(s, u, c, 1500, ref, charged("sbx-1", &calls))
	if err != nil || p.Source != payments.SourceExternal || p.ProviderTxn != "sbx-1" || p.Balance != 400 || calls.Load() != 1 {
		t.Fatalf("a password-free payment of 1500 with 400: %+v %v (%d charges)", p, err, calls.Load())
	}
	// The same reference answers the same payment, charging nothing.
	again, replayed, err := pay(s, u, c, 1500, ref, charged("sbx-2", &calls))
	if err != nil || !replayed || again.ID != p.ID || calls.Load() != 1 {
		t.Errorf("the reference again: %+v %v %v (%d charges)", again, replayed, err, calls.Load())
	}
	// Over the limit a payment: refused, nothing charged.
	if _, _, err := pay(s, u, c, 2001, unique("ref"), charged("x", &calls)); !errors.Is(err, payments.ErrInsufficientFunds) || calls.Load() != 1 {
		t.Errorf("over the limit: %v (%d charges)", err, calls.Load())
	}
	// A declined charge: refused, nothing recorded.
	declined := func(context.Context, string, string) (string, error) {
		return "", payments.Insufficient(", and the external account declined it", "")
	}
	if _, _, err := pay(s, u, c, 500, unique("ref"), declined); !errors.Is(err, payments.ErrInsufficientFunds) {
		t.Errorf("declined: %v", err)
	}
	// The wallet pays first when it can.
	if p, _, err := pay(s, u, c, 400, unique("ref"), noExternal(t)); err != nil || p.Source != payments.SourceWallet || p.Balance != 0 {
		t.Errorf("paying the balance: %+v %v", p, err)
	}
	if w, err := s.SetPasswordFree(ctx, c.ID, u.ID, false, 0, time.Now()); err != nil || w.PasswordFree {
		t.Fatalf("turning password-free off: %+v %v", w, err)
	}
	if _, _, err := pay(s, u, c, 100, unique("ref"), noExternal(t)); !errors.Is(err, payments.ErrInsufficientFunds) {
		t.Errorf("password-free off: %v", err)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: u.Email, Kind: audit.Payment})
	if err != nil || len(es) != 3 {
		t.Errorf("payments in the audit log: %d %v, want 3", len(es), err)
	}
	verifyLedger(t, s)
}

func testDailyExternalLimit(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	u, c := mustCard(t, s, "daily", auth.Staff)
	linkExternal(t, s, c)
	if _, err := s.SetPasswordFree(ctx, c.ID, u.ID, true, payments.MaxPasswordFreeLimit, time.Now()); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	// Concurrent payments of 20,000 against a day's 50,000: two pass.
	won := race(t, "password-free payments", 6, payments.ErrInsufficientFunds, func(i int) error {
		_, _, err := pay(s, u, c, 20000, unique("ref"), charged(fmt.Sprint("sbx-", i), &calls))
		return err
	})
	if won != 2 || calls.Load() != 2 {
		t.Errorf("%d payments of 20,000 passed (%d charges), want 2 within the day's 50,000", won, calls.Load())
	}
	if _, _, err := pay(s, u, c, 10000, unique("ref"), charged("sbx-x", &calls)); err != nil {
		t.Errorf("the day's last 10,000: %v", err)
	}
	if _, _, err := pay(s, u, c, 1, unique("ref"), charged("sbx-y", &calls)); !errors.Is(err, payments.ErrInsufficientFunds) {
		t.Errorf("past the day's limit: %v", err)
	}
	// Tomorrow, the limit is whole again.
	tomorrow := payments.DayStart(time.Now()).Add(24*time.Hour + time.Hour)
	if _, _, err := s.Pay(ctx, payments.Payment{Card: c.ID, UserID: u.ID, Merchant: "canteen", Amount: 20000, At: tomorrow}, charged("sbx-z", &calls)); err != nil {
		t.Errorf("tomorrow: %v", err)
	}
	verifyLedger(t, s)
}

func testCardMayNotPay(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	u, c := mustCard(t, s, "frozen", auth.Student)
	topUp(t, s, c.ID, 3000)
	if _, err := s.ChangeCard(ctx, access.CardChange{Card: c.ID, Lost: true, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Pay(ctx, payments.Payment{Card: c.ID, UserID: u.ID, Merchant: "canteen", Amount: 100, Physical: true}, noExternal(t))
	if !errors.Is(err, payments.ErrCardLost) {
		t.Errorf("a lost physical card paying: %v", err)
	}
	if _, _, err := s.Pay(ctx, payments.Payment{Card: c.ID, UserID: u.ID, Merchant: "canteen", Amount: 100}, noExternal(t)); err != nil {
		t.Errorf("the code of a card whose physical card is lost: %v", err)
	}
	if _, err := s.ChangeCard(ctx, access.CardChange{Card: c.ID, Freeze: access.FrozenAdmin, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Pay(ctx, payments.Payment{Card: c.ID, UserID: u.ID, Merchant: "canteen", Amount: 100}, noExternal(t)); !errors.Is(err, payments.ErrCardFrozen) {
		t.Errorf("a frozen card paying: %v", err)
	}
	// Top-ups still arrive.
	topUp(t, s, c.ID, 500)
	if w := walletOf(t, s, c.ID); w.Balance != 3400 {
		t.Errorf("balance %d, want 3400", w.Balance)
	}
	verifyLedger(t, s)
}

// testConcurrentPayers: 16 payers on one wallet while top-ups arrive; no
// payment overdraws, each reference pays once, and the balance is what
// was put in less what was paid.
func testConcurrentPayers(t *testing.T, s PaymentsStore) {
	u, c := mustCard(t, s, "crowd", auth.Student)
	topUp(t, s, c.ID, 10000)
	var paid, in atomic.Int64
	in.Store(10000)
	var wg sync.WaitGroup
	refs := make([]string, 40)
	for i := range refs {
		refs[i] = unique("ref")
	}
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				ref := refs[(g*7+i)%len(refs)] // references shared among payers: each pays once
				p, replayed, err := pay(s, u, c, 300, ref, noExternal(t))
				switch {
				case errors.Is(err, payments.ErrInsufficientFunds):
				case err != nil:
					t.Errorf("paying: %v", err)
				case !replayed:
					paid.Add(p.Amount)
				}
				if g%4 == 0 && i%5 == 0 {
					topUp(t, s, c.ID, 200)
					in.Add(200)
				}
			}
		})
	}
	wg.Wait()
	w := walletOf(t, s, c.ID)
	if w.Balance < 0 || w.Balance != in.Load()-paid.Load() {
		t.Errorf("balance %d, want %d in less %d paid", w.Balance, in.Load(), paid.Load())
	}
	if paid.Load() > int64(len(refs))*300 {
		t.Errorf("%d fen paid under %d references of 300", paid.Load(), len(refs))
	}
	verifyLedger(t, s)
}

func testRefunds(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	op := mustCreate(t, s, "finance", auth.Staff)
	u, c := mustCard(t, s, "refunded", auth.Student)
	topUp(t, s, c.ID, 1000)
	p, _, err := pay(s, u, c, 800, "", noExternal(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Refund(ctx, p.ID, 300, op.ID, time.Now())
	if err != nil || r.Balance != 500 || r.Source != payments.SourceWallet {
		t.Fatalf("refunding 300: %+v %v", r, err)
	}
	// Concurrent refunds of 200 against the 500 left: two pass.
	won := race(t, "refunds", 5, payments.ErrConflict, func(int) error {
		_, err := s.Refund(ctx, p.ID, 200, op.ID, time.Now())
		return err
	})
	if won != 2 {
		t.Errorf("%d refunds of 200 passed, want 2", won)
	}
	if _, err := s.Refund(ctx, p.ID, 101, op.ID, time.Now()); !errors.Is(err, payments.ErrConflict) {
		t.Errorf("refunding past the payment: %v", err)
	}
	if _, err := s.Refund(ctx, 1<<50, 1, op.ID, time.Now()); !errors.Is(err, payments.ErrNotFound) {
		t.Errorf("an unknown payment: %v", err)
	}
	got, err := s.PaymentByID(ctx, p.ID)
	if err != nil || got.Refunded != 700 {
		t.Errorf("refunded %d %v, want 700", got.Refunded, err)
	}
	if w := walletOf(t, s, c.ID); w.Balance != 900 {
		t.Errorf("balance %d, want 900", w.Balance)
	}
	// An external payment goes back to its provider.
	linkExternal(t, s, c)
	s.SetPasswordFree(ctx, c.ID, u.ID, true, 5000, time.Now())
	var calls atomic.Int32
	ext, _, err := pay(s, u, c, 4000, "", charged("sbx-r", &calls))
	if err != nil || ext.Source != payments.SourceExternal {
		t.Fatalf("an external payment: %+v %v", ext, err)
	}
	r, err = s.Refund(ctx, ext.ID, 4000, op.ID, time.Now())
	if err != nil || r.Source != payments.SourceExternal || r.ProviderTxn != "sbx-r" || r.Balance != 900 {
		t.Errorf("refunding an external payment: %+v %v", r, err)
	}
	verifyLedger(t, s)
}

func testBills(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	op := mustCreate(t, s, "bursar", auth.Staff)
	u, c := mustCard(t, s, "resident", auth.Student)
	bill := payments.Bill{Email: u.Email, Room: "room-" + unique("d1"), Period: "2026-11", WaterFrom: 10, WaterTo: 12.5, ElectricityFrom: 100, ElectricityTo: 180, Amount: 9650, Line: 2}
	// One resident unknown: nothing is issued.
	ghost := bill
	ghost.Email, ghost.Line = email("ghost"), 3
	if _, err := s.IssueBills(ctx, []payments.Bill{bill, ghost}, op.ID, time.Now()); !errors.Is(err, payments.ErrInvalid) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("an unknown resident: %v, want ErrInvalid naming line 3", err)
	}
	if bs, _ := s.Bills(ctx, u.ID, 0, 10); len(bs) != 0 {
		t.Fatalf("%d bills after a refused import, want 0", len(bs))
	}
	issued, err := s.IssueBills(ctx, []payments.Bill{bill}, op.ID, time.Now())
	if err != nil || len(issued) != 1 || issued[0].Status != payments.Unpaid {
		t.Fatalf("IssueBills: %+v %v", issued, err)
	}
	// The same file again issues nothing.
	if again, err := s.IssueBills(ctx, []payments.Bill{bill}, op.ID, time.Now()); err != nil || len(again) != 0 {
		t.Errorf("importing again: %+v %v", again, err)
	}
	id := issued[0].ID
	other, _ := mustCard(t, s, "neighbour", auth.Student)
	if _, _, err := s.PayBill(ctx, payments.Payment{Card: c.ID, UserID: other.ID}, id, payments.SourceWallet, noExternal(t)); !errors.Is(err, payments.ErrNotFound) {
		t.Errorf("paying another's bill: %v", err)
	}
	if _, _, err := s.PayBill(ctx, payments.Payment{Card: c.ID, UserID: u.ID}, id, payments.SourceWallet, noExternal(t)); !errors.Is(err, payments.ErrInsufficientFunds) {
		t.Errorf("a bill over the balance: %v", err)
	}
	topUp(t, s, c.ID, 20000)
	won := race(t, "paying a bill", 6, payments.ErrConflict, func(int) error {
		_, _, err := s.PayBill(ctx, payments.Payment{Card: c.ID, UserID: u.ID, Subject: u.Email}, id, payments.SourceWallet, noExternal(t))
		return err
	})
	if won != 1 {
		t.Errorf("a bill paid %d times, want once", won)
	}
	if w := walletOf(t, s, c.ID); w.Balance != 20000-9650 {
		t.Errorf("balance %d, want %d", w.Balance, 20000-9650)
	}
	b, err := s.AppealBill(ctx, u.ID, id, "the meter was read twice", time.Now())
	if err != nil || b.Appeal != "the meter was read twice" || b.Status != payments.Paid || b.Source != payments.SourceWallet {
		t.Errorf("AppealBill: %+v %v", b, err)
	}
	if _, err := s.AppealBill(ctx, other.ID, id, "not mine", time.Now()); !errors.Is(err, payments.ErrNotFound) {
		t.Errorf("appealing another's bill: %v", err)
	}
	if got := balanceOf(t, s, ledger.Receivable); got > 0 {
		t.Errorf("bills receivable %d: more paid than issued", got)
	}
	verifyLedger(t, s)
}

func balanceOf(t *testing.T, s PaymentsStore, account string) int64 {
	t.Helper()
	v, err := s.Balance(t.Context(), account)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testRecords(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	u, c := mustCard(t, s, "reader", auth.Student)
	topUp(t, s, c.ID, 1000)
	for i := range 5 {
		if _, _, err := pay(s, u, c, int64(100+i), "", noExternal(t)); err != nil {
			t.Fatal(err)
		}
	}
	var all []payments.Record
	before := int64(0)
	for {
		page, err := s.Records(ctx, c.ID, before, 4)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 4 {
			break
		}
		before = page[len(page)-1].ID
	}
	if len(all) != 6 {
		t.Fatalf("%d records, want 6", len(all))
	}
	if all[5].Kind != ledger.KindTopUp || all[5].Amount != 1000 || all[5].Balance != 1000 {
		t.Errorf("the oldest record: %+v", all[5])
	}
	want := int64(1000)
	for i := 4; i >= 0; i-- {
		r := all[i]
		want -= int64(100 + 4 - i)
		if r.Kind != ledger.KindPayment || r.Amount != -int64(100+4-i) || r.Balance != want || r.Payment == 0 || r.Merchant != "canteen" {
			t.Errorf("record %d: %+v, want a payment of %d leaving %d", i, r, 100+4-i, want)
		}
	}
}

// testReaderKeys: a till's Idempotency-Keys are its own, apart from
// people's and other readers', and purged with them.
func testReaderKeys(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	till, other := unique("till"), unique("till")
	for _, r := range []string{till, other} {
		if err := s.SetReaderToken(ctx, r, []byte(unique("hash-"+r))); err != nil {
			t.Fatal(err)
		}
	}
	u := mustCreate(t, s, "keyholder", auth.Student)
	at := time.Now().Add(-time.Minute)
	req := func(reader string, body string) idempotency.Request {
		return idempotency.Request{UserID: u.ID, Reader: reader, Key: "k-1", Hash: idempotency.Hash("POST", "/api/v1/pos/charge", []byte(body)), At: at}
	}
	for _, r := range []idempotency.Request{req(till, "a"), req(other, "a"), req("", "a")} {
		if a, err := s.ClaimIdempotencyKey(ctx, r); a != nil || err != nil {
			t.Fatalf("claiming k-1 of reader %q: %+v %v; each owner's key is its own", r.Reader, a, err)
		}
	}
	answer := idempotency.Answer{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"status":"paid"}`)}
	if err := s.FinishIdempotencyKey(ctx, req(till, "a"), answer); err != nil {
		t.Fatal(err)
	}
	if a, err := s.ClaimIdempotencyKey(ctx, req(till, "a")); err != nil || a == nil || string(a.Body) != `{"status":"paid"}` {
		t.Errorf("the till's key again: %+v %v, want its answer", a, err)
	}
	if _, err := s.ClaimIdempotencyKey(ctx, req(till, "b")); !errors.Is(err, idempotency.ErrMismatch) {
		t.Errorf("the till's key with another body: %v, want ErrMismatch", err)
	}
	if a, err := s.ClaimIdempotencyKey(ctx, req(other, "a")); !errors.Is(err, idempotency.ErrInFlight) || a != nil {
		t.Errorf("the other till's key, still running: %+v %v, want ErrInFlight", a, err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, req(other, "a")); err != nil {
		t.Errorf("releasing the other till's key: %v", err)
	}
	if _, err := s.ClaimIdempotencyKey(ctx, idempotency.Request{Reader: unique("no-such-till"), Key: "k", Hash: "h", At: at}); err == nil {
		t.Error("a key of a reader with no token was claimed")
	}
	n, err := s.PurgeIdempotencyKeys(ctx, time.Now())
	if err != nil || n < 2 {
		t.Errorf("purged %d keys (%v), want the till's and the person's", n, err)
	}
	if a, err := s.ClaimIdempotencyKey(ctx, req(till, "b")); a != nil || err != nil {
		t.Errorf("the till's key after the purge: %+v %v; want it new", a, err)
	}
}

// testPayMany: a batch pays what its wallets cover, in one transaction,
// each payment with its ledger transaction, balance after it, record and
// audit entry; it replays a reference paid before, and leaves to Pay a
// wallet short, a frozen card, a lost physical card, an unknown card, a
// reference twice or none.
func testPayMany(t *testing.T, s PaymentsStore) {
	ctx := t.Context()
	ua, a := mustCard(t, s, "batch-a", auth.Student)
	ub, b := mustCard(t, s, "batch-b", auth.Staff)
	uf, f := mustCard(t, s, "batch-frozen", auth.Student)
	ul, l := mustCard(t, s, "batch-lost", auth.Student)
	topUp(t, s, a.ID, 1000)
	topUp(t, s, b.ID, 500)
	topUp(t, s, f.ID, 1000)
	topUp(t, s, l.ID, 1000)
	if _, err := s.ChangeCard(ctx, access.CardChange{Card: f.ID, Freeze: access.FrozenAdmin, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeCard(ctx, access.CardChange{Card: l.ID, Lost: true, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	before, _, err := pay(s, ua, a, 100, unique("before"), noExternal(t))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	of := func(u auth.User, c access.Card, amount int64, merchant, ref string) payments.Payment {
		return payments.Payment{Card: c.ID, UserID: u.ID, Subject: u.Email, Reader: "till-1", Merchant: merchant, Amount: amount,
			Description: "lunch", Reference: ref, At: at}
	}
	r1 := unique("r1")
	ps := []payments.Payment{
		of(ua, a, 300, "canteen", r1),            // 0: paid, 600 left
		of(ub, b, 600, "canteen", unique("r2")),  // 1: short: alone
		of(ua, a, 200, "cafe", unique("r3")),     // 2: paid, 400 left
		of(uf, f, 100, "canteen", unique("r4")),  // 3: frozen: alone
		of(ua, a, 100, "canteen", r1),            // 4: r1 again: alone
		of(ub, b, 100, "cafe", unique("r5")),     // 5: paid, 400 left
		of(ul, l, 100, "canteen", unique("r6")),  // 6: physical, lost: alone
		of(ua, a, 100, "canteen", ""),            // 7: no reference: alone
		of(ua, a, 100, "canteen", "x"),           // 8: set below: replayed
		of(ua, a, 100, "canteen", unique("r9")),  // 9: unknown card: alone
		of(ua, a, 0, "canteen", unique("r10")),   // 10: no amount: alone
		of(ul, l, 100, "canteen", unique("r11")), // 11: the code of a card whose physical card is lost: paid
	}
	ps[6].Physical = true
	ps[8].Reference = before.Reference
	ps[9].Card = 1 << 40
	out, err := s.PayMany(ctx, ps)
	if err != nil || len(out) != len(ps) {
		t.Fatalf("PayMany: %d answers, %v", len(out), err)
	}
	paid := map[int]int64{0: 600, 2: 400, 5: 400, 11: 900} // index -> balance after
	ids := map[int64]bool{}
	for i, o := range out {
		want, isPaid := paid[i]
		switch {
		case i == 8:
			if !o.Replayed || o.Alone || o.Payment.ID != before.ID || o.Payment.Amount != 100 {
				t.Errorf("%d, a reference paid before: %+v, want payment %d replayed", i, o, before.ID)
			}
		case isPaid:
			p := o.Payment
			if o.Alone || o.Replayed || p.ID == 0 || p.Tx == 0 || ids[p.ID] || p.Balance != want || p.Source != payments.SourceWallet || p.Amount != ps[i].Amount {
				t.Errorf("%d: %+v, want paid leaving %d", i, o, want)
			}
			ids[p.ID] = true
			got, found, err := s.PaymentByReference(ctx, ps[i].Reference)
			if err != nil || !found || got.ID != p.ID || got.Balance != want || got.Merchant != ps[i].Merchant {
				t.Errorf("%d by its reference: %+v %v %v", i, got, found, err)
			}
		default:
			if !o.Alone || o.Replayed {
				t.Errorf("%d: %+v, want left to Pay", i, o)
			}
		}
	}
	for _, c := range []struct {
		card access.Card
		want int64
	}{{a, 400}, {b, 400}, {f, 1000}, {l, 900}} {
		if w := walletOf(t, s, c.card.ID); w.Balance != c.want {
			t.Errorf("card %d: balance %d, want %d", c.card.ID, w.Balance, c.want)
		}
	}
	rs, err := s.Records(ctx, a.ID, 0, 10)
	if err != nil || len(rs) != 4 || rs[0].Amount != -200 || rs[0].Balance != 400 || rs[1].Amount != -300 || rs[1].Balance != 600 || rs[0].Payment != out[2].Payment.ID {
		t.Errorf("a's records: %+v %v", rs, err)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: ua.Email, Kind: audit.Payment})
	if err != nil || len(es) != 3 {
		t.Errorf("a's payments in the audit log: %d %v, want 3", len(es), err)
	}
	for _, m := range []struct {
		id   string
		want int64
	}{{"canteen", 100 + 300 + 100}, {"cafe", 200 + 100}} {
		if v, err := s.Balance(ctx, ledger.Merchant(m.id)); err != nil || v != m.want {
			t.Errorf("merchant %s: %d %v, want %d", m.id, v, err, m.want)
		}
	}
	// Pay decides what was left to it.
	if p, replayed, err := s.Pay(ctx, ps[4], noExternal(t)); err != nil || !replayed || p.ID != out[0].Payment.ID {
		t.Errorf("r1 again: %+v %v %v, want payment %d replayed", p, replayed, err, out[0].Payment.ID)
	}
	if _, _, err := s.Pay(ctx, ps[1], noExternal(t)); !errors.Is(err, payments.ErrInsufficientFunds) {
		t.Errorf("b short: %v", err)
	}
	if _, _, err := s.Pay(ctx, ps[3], noExternal(t)); !errors.Is(err, payments.ErrCardFrozen) {
		t.Errorf("the frozen card: %v", err)
	}
	if _, _, err := s.Pay(ctx, ps[6], noExternal(t)); !errors.Is(err, payments.ErrCardLost) {
		t.Errorf("the lost physical card: %v", err)
	}
	// A batch of nothing to pay, and one its wallet cannot cover at all.
	if out, err := s.PayMany(ctx, ps[7:8]); err != nil || len(out) != 1 || !out[0].Alone {
		t.Errorf("a batch of one without a reference: %+v %v", out, err)
	}
	if out, err := s.PayMany(ctx, []payments.Payment{of(ub, b, 401, "cafe", unique("r12"))}); err != nil || len(out) != 1 || !out[0].Alone {
		t.Errorf("a batch of one short: %+v %v", out, err)
	}
	verifyLedger(t, s)
}

// testConcurrentBatches: batches paying from the same wallets to the same
// merchants at once, in different orders, neither deadlock nor overdraw:
// each wallet ends at what was put in less what was paid, every payment
// once, and the ledger verifies.
func testConcurrentBatches(t *testing.T, s PaymentsStore) {
	type holder struct {
		u auth.User
		c access.Card
	}
	hs := make([]holder, 5)
	for i := range hs {
		hs[i].u, hs[i].c = mustCard(t, s, fmt.Sprintf("batcher-%d", i), auth.Student)
		topUp(t, s, hs[i].c.ID, 5000)
	}
	merchants := []string{"canteen", "cafe", "shop"}
	var mu sync.Mutex
	paid := map[int64]int64{}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for round := range 8 {
				var ps []payments.Payment
				for k := range 7 {
					h := hs[(g+k*(round+1))%len(hs)]
					ps = append(ps, payments.Payment{Card: h.c.ID, UserID: h.u.ID, Subject: h.u.Email, Reader: "till-1",
						Merchant: merchants[(g+k+round)%len(merchants)], Amount: int64(50 + 10*k), Reference: unique("batch"), At: time.Now()})
				}
				out, err := s.PayMany(context.Background(), ps)
				if err != nil {
					t.Errorf("PayMany: %v", err)
					return
				}
				mu.Lock()
				for i, o := range out {
					if !o.Alone && !o.Replayed {
						paid[ps[i].Card] += ps[i].Amount
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, h := range hs {
		if w := walletOf(t, s, h.c.ID); w.Balance != 5000-paid[h.c.ID] || w.Balance < 0 {
			t.Errorf("%s: balance %d, want 5000 less %d paid", h.u.Email, w.Balance, paid[h.c.ID])
		}
	}
	verifyLedger(t, s)
}
