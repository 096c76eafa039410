package payments

import (
	"context"
	"time"

	"github.com/campusnav/engine/services/ledger"
)

// Store keeps wallets, top-ups, mandates, payments, refunds, bills and
// the holders' records, each written in the same transaction as the
// ledger postings that move its money. services/storetest checks an
// implementation against it, on both engines.
type Store interface {
	ledger.Store

	// WalletOf is a card's balance and settings (a card never seen has
	// an empty wallet).
	WalletOf(ctx context.Context, card int64) (Wallet, error)

	// AddTopUp stores a pending top-up; ErrConflict (a limit) when the
	// card has MaxPendingTopUps pending since a day before t.Created.
	AddTopUp(ctx context.Context, t TopUp) (TopUp, error)
	// SettleTopUp applies a provider's notice about a top-up, once:
	// succeeded credits the wallet (provider -> wallet, a record, an
	// audit entry) in one transaction; failed marks a pending top-up
	// failed; anything repeated changes nothing; a succeeded after a
	// failed still credits (the money did arrive). An amount that is
	// not the top-up's changes nothing, is audited, and is an *Error
	// (ErrConflict, field amount_fen). ErrNotFound for an unknown id or
	// one of another provider. It answers the top-up after, and whether
	// this notice changed it.
	SettleTopUp(ctx context.Context, provider string, n Notice, at time.Time) (TopUp, bool, error)
	// TopUpByID is a top-up; ErrNotFound.
	TopUpByID(ctx context.Context, id string) (TopUp, error)

	// AddMandate stores a pending mandate; ErrConflict (a limit) when
	// the card has MaxPendingMandates pending.
	AddMandate(ctx context.Context, m Mandate) (Mandate, error)
	// SettleMandate applies a provider's notice about a mandate, once:
	// active links it as the card's external account (replacing any);
	// failed marks a pending one failed. ErrNotFound as SettleTopUp.
	SettleMandate(ctx context.Context, provider string, n Notice, at time.Time) (Mandate, bool, error)
	// MandateByID is a mandate; ErrNotFound.
	MandateByID(ctx context.Context, id string) (Mandate, error)
	// SetPasswordFree turns password-free payments on (with limit fen a
	// payment) or off, audited; on needs an active mandate (an *Error,
	// ErrConflict, code no_external_account).
	SetPasswordFree(ctx context.Context, card, by int64, enabled bool, limit int64, at time.Time) (Wallet, error)

	// Pay pays p.Amount fen from p.Card's wallet to p.Merchant, in one
	// transaction with its payment, record and audit entry. A frozen
	// card (or, p.Physical, a lost physical card) is refused. When the
	// wallet cannot cover it and password-free is on (p.Amount within
	// its limit, and the day's external payments within
	// DailyExternalLimit), external is called, with the wallet's row
	// locked, to charge the external account, and the payment is made
	// from the provider instead (Source external). A reference paid
	// before answers that payment, with replayed true.
	Pay(ctx context.Context, p Payment, external func(ctx context.Context, mandate, provider string) (txn string, err error)) (Payment, bool, error)
	// PayMany pays ps as Pay does each, from the wallet only, all in one
	// transaction: one commit and one turn of the audit log for many
	// payments (the tills' group commit). It answers each, in ps's
	// order: paid, or replayed (its reference paid before), or Alone:
	// left unpaid for Pay to decide, when the wallet cannot cover it
	// (password-free may, or it is refused), its card is missing,
	// frozen or lost, its reference is empty or twice in ps, or it is
	// not well formed. An error is the transaction's: nothing of it was
	// written, and each payment is Pay's to make.
	PayMany(ctx context.Context, ps []Payment) ([]Batched, error)
	// PaymentByReference is the payment made under a reference, if any.
	PaymentByReference(ctx context.Context, ref string) (Payment, bool, error)
	// PaymentByID is a payment; ErrNotFound.
	PaymentByID(ctx context.Context, id int64) (Payment, error)
	// Refund gives back amount fen of payment id (to the wallet, or to
	// the provider for an external payment), with its record and audit
	// entry, in one transaction; the total refunded never passes the
	// amount paid (an *Error, ErrConflict). ErrNotFound.
	Refund(ctx context.Context, id, amount, by int64, at time.Time) (Refund, error)

	// Records are a card's movements, newest first, with ids below
	// before (0: from the newest), at most limit.
	Records(ctx context.Context, card int64, before int64, limit int) ([]Record, error)

	// IssueBills issues bills (each receivable -> utilities) with one
	// audit entry each, all in one transaction: the residents are found
	// by email (an *Error naming the line for one not found), and a
	// bill already issued for the same resident, room and period is
	// skipped. It answers the bills issued.
	IssueBills(ctx context.Context, bs []Bill, by int64, at time.Time) ([]Bill, error)
	// Bills are a person's bills, newest first, with ids below before,
	// at most limit.
	Bills(ctx context.Context, userID int64, before int64, limit int) ([]Bill, error)
	// PayBill pays a person's unpaid bill once, from the wallet or (as
	// Pay) the external account, with its record and audit entry; a
	// paid bill is ErrConflict; ErrNotFound for another's.
	PayBill(ctx context.Context, p Payment, bill int64, source string, external func(ctx context.Context, mandate, provider string) (string, error)) (Bill, Payment, error)
	// AppealBill records a person's appeal of a bill (the repair ticket
	// that carries it comes with repairs); ErrNotFound.
	AppealBill(ctx context.Context, userID, bill int64, reason string, at time.Time) (Bill, error)
}

// Batched is a payment's answer from PayMany.
type Batched struct {
	Payment  Payment
	Replayed bool // paid before, under its reference: Payment is that payment
	Alone    bool // not paid: Pay decides it
}
