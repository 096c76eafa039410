package ledger

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Kinds of transaction.
const (
	KindTopUp   = "topup"
	KindPayment = "payment"
	KindBill    = "bill"
	KindRefund  = "refund"
)

// Transaction is postings committed together, all or none.
type Transaction struct {
	ID   int64
	Kind string
	// Reference, if not empty, names the transaction for its caller (an
	// idempotency key, a provider's notification): a reference commits
	// once, and committing it again answers the first transaction.
	Reference string
	At        time.Time
	Postings  []Posting
}

// CheckTransaction says what is wrong with t, if anything.
func CheckTransaction(t Transaction) error {
	if !slices.Contains([]string{KindTopUp, KindPayment, KindBill, KindRefund}, t.Kind) {
		return fmt.Errorf("%w: kind %q is not topup, payment, bill or refund", ErrInvalid, t.Kind)
	}
	if len(t.Reference) > 255 {
		return fmt.Errorf("%w: a reference of %d bytes (at most 255)", ErrInvalid, len(t.Reference))
	}
	return Check(t.Postings)
}

// Accounts are the accounts t moves money between, sorted: the order
// a store locks them in, so that concurrent transactions never deadlock.
func (t Transaction) Accounts() []string {
	var as []string
	for _, p := range t.Postings {
		as = append(as, p.Source, p.Destination)
	}
	slices.Sort(as)
	return slices.Compact(as)
}

// Store keeps the ledger. services/storetest checks an implementation.
type Store interface {
	// Commit writes t: its postings applied to the balances in one
	// transaction, all or none (ErrInsufficientFunds naming the account,
	// ErrInvalid). A reference committed before answers the transaction
	// it committed, and replayed true; nothing is done twice.
	Commit(ctx context.Context, t Transaction) (tx Transaction, replayed bool, err error)
	// Balance is an account's balance; 0 for one never used.
	Balance(ctx context.Context, account string) (int64, error)
	// VerifyLedger rebuilds every balance from the postings, and each
	// posting's balances after it, and compares them with what is kept:
	// nil, or a *Fault naming the first difference.
	VerifyLedger(ctx context.Context) error
}

// Fault is the first place a ledger's kept balances differ from its
// postings.
type Fault struct {
	Tx      int64 // the transaction (0: the accounts' balances at the end)
	Account string
	Kept    int64 // the balance kept
	Rebuilt int64 // the balance its postings give
}

func (f *Fault) Error() string {
	if f.Tx == 0 {
		return fmt.Sprintf("ledger: account %s keeps %d fen, its postings give %d", f.Account, f.Kept, f.Rebuilt)
	}
	return fmt.Sprintf("ledger: transaction %d: %s's balance after it is kept as %d fen, its postings give %d", f.Tx, f.Account, f.Kept, f.Rebuilt)
}
