// Package ledger owns the campus card's money as double entry, after
// Formance's ledger: accounts named by address, transactions of postings
// (each a move of a positive amount in fen from a source account to a
// destination account), never changed once written (a correction is a
// new transaction, a refund), so that every transaction sums to zero and
// every balance is the sum of its account's postings. Accounts that hold
// people's money (wallets) and merchants' takings may never go below
// zero; the outside world, the external payment providers and the bills
// receivable may (money comes from them). This package checks and
// applies transactions to balances in memory; the store keeps them, with
// constraints and locks that give the same guarantees under concurrency
// (the issue of payments, in progress).
package ledger

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Account addresses.
const (
	World      = "world"            // where top-ups come from and refunds go back to, outside the campus
	Receivable = "bills:receivable" // what residents owe for bills issued
)

// Wallet is the address of a person's card wallet.
func Wallet(card int64) string { return fmt.Sprintf("wallet:%d", card) }

// Merchant is the address of a merchant's takings (a canteen, the café).
func Merchant(id string) string { return "merchant:" + id }

// Provider is the address of an external payment provider's account
// (WeChat Pay, a bank): what it has paid in on the campus's behalf.
func Provider(id string) string { return "provider:" + id }

// Overdraft reports whether an account may go below zero: only those
// money comes from (the world, the providers, the bills receivable).
func Overdraft(account string) bool {
	return account == World || account == Receivable || strings.HasPrefix(account, "provider:")
}

// Posting moves Amount fen from Source to Destination.
type Posting struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Amount      int64  `json:"amount_fen"`
}

// Errors of the ledger.
var (
	ErrInvalid           = errors.New("ledger: invalid transaction")
	ErrInsufficientFunds = errors.New("ledger: insufficient funds")
)

// MaxAmount bounds one posting: ten million yuan, far beyond a campus's
// payment and far from int64's end, so no sum of a transaction's
// postings can overflow.
const MaxAmount = 1_000_000_000

// MaxPostings bounds a transaction's postings.
const MaxPostings = 16

// Check says what is wrong with a transaction's postings, if anything:
// at least one, at most MaxPostings, each a positive amount up to
// MaxAmount between two different, well-formed accounts.
func Check(ps []Posting) error {
	if len(ps) == 0 || len(ps) > MaxPostings {
		return fmt.Errorf("%w: %d postings (1 to %d)", ErrInvalid, len(ps), MaxPostings)
	}
	for i, p := range ps {
		switch {
		case p.Amount <= 0 || p.Amount > MaxAmount:
			return fmt.Errorf("%w: posting %d: amount %d fen is not 1 to %d", ErrInvalid, i, p.Amount, int64(MaxAmount))
		case !wellFormed(p.Source):
			return fmt.Errorf("%w: posting %d: source %q is not an account", ErrInvalid, i, p.Source)
		case !wellFormed(p.Destination):
			return fmt.Errorf("%w: posting %d: destination %q is not an account", ErrInvalid, i, p.Destination)
		case p.Source == p.Destination:
			return fmt.Errorf("%w: posting %d: from %s to itself", ErrInvalid, i, p.Source)
		}
	}
	return nil
}

// wellFormed accepts World, Receivable and kind:name addresses of
// letters, digits and - _ . after the colon.
func wellFormed(a string) bool {
	if a == World || a == Receivable {
		return true
	}
	kind, name, ok := strings.Cut(a, ":")
	if !ok || name == "" || len(a) > 128 {
		return false
	}
	switch kind {
	case "wallet", "merchant", "provider":
	default:
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Balances are accounts' balances in fen.
type Balances map[string]int64

// Apply applies a transaction's postings to b, in order, all or none:
// ErrInsufficientFunds (naming the account) if an account that may not
// go below zero would, ErrInvalid if the postings are not valid.
func (b Balances) Apply(ps []Posting) error {
	if err := Check(ps); err != nil {
		return err
	}
	next := map[string]int64{}
	get := func(a string) int64 {
		if v, ok := next[a]; ok {
			return v
		}
		return b[a]
	}
	for _, p := range ps {
		from := get(p.Source) - p.Amount
		if from < 0 && !Overdraft(p.Source) {
			return fmt.Errorf("%w: %s holds %d fen, %d asked", ErrInsufficientFunds, p.Source, get(p.Source), p.Amount)
		}
		if from < -math.MaxInt64/2 {
			return fmt.Errorf("%w: %s would overflow", ErrInvalid, p.Source)
		}
		next[p.Source] = from
		to := get(p.Destination) + p.Amount
		if to > math.MaxInt64/2 {
			return fmt.Errorf("%w: %s would overflow", ErrInvalid, p.Destination)
		}
		next[p.Destination] = to
	}
	for a, v := range next {
		b[a] = v
	}
	return nil
}

// Sum is the sum of all balances: zero in a ledger whose transactions
// each sum to zero.
func (b Balances) Sum() int64 {
	var s int64
	for _, v := range b {
		s += v
	}
	return s
}
