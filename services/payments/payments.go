// Package payments owns the money on the campus card, over the
// double-entry ledger (services/ledger): the wallet of each card and its
// top-ups through external payment providers (behind one interface, with
// a sandbox that behaves as a real one does), payments at tills (the
// card's code or physical card, checked as at a gate), password-free
// payments that fall back to a linked external account, refunds by
// finance, dormitory bills, and the holder's records. It declares the
// store it needs (Store); services/store keeps it on both engines, in
// the same transactions as the ledger's postings, so that no money is
// lost, made or taken twice.
package payments

import (
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/ledger"
)

// Sources of a payment: the card's wallet, or the linked external
// account (password-free, when the wallet cannot cover it).
const (
	SourceWallet   = "wallet"
	SourceExternal = "external"
)

// Statuses of a top-up and of a mandate.
const (
	Pending   = "pending"
	Succeeded = "succeeded"
	Failed    = "failed"
	Active    = "active"
)

// Statuses of a bill.
const (
	Unpaid = "unpaid"
	Paid   = "paid"
)

// Bounds, in fen unless said.
const (
	MinTopUp = 100     // ¥1
	MaxTopUp = 100_000 // ¥1,000 a top-up, as the campus card centre takes
	// MaxPendingTopUps bounds the top-ups a card has pending in a day
	// (each waits on its provider): a stranger cannot grow the table.
	MaxPendingTopUps = 20
	// MaxPendingMandates bounds a card's mandates waiting on a provider.
	MaxPendingMandates = 5
	// MaxCharge is the most a till charges at once.
	MaxCharge = 100_000
	// MaxPasswordFreeLimit is the highest limit a person may set for one
	// password-free payment (¥200, WeChat Pay's own ceiling for small
	// password-free payments).
	MaxPasswordFreeLimit = 20_000
	// DailyExternalLimit is how much password-free payments may charge
	// an external account in a day (Asia/Shanghai), whatever the limit
	// per payment.
	DailyExternalLimit = 50_000
	// MaxDescription is a charge's description, in bytes.
	MaxDescription = 200
	// MaxBillAmount is the most one bill asks.
	MaxBillAmount = 1_000_000
)

// Shanghai is the campus's time zone: days, for the daily limit and bill
// periods, are its.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// DayStart is the start of t's day in Asia/Shanghai.
func DayStart(t time.Time) time.Time {
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
}

// Errors of payments. Each problem a person can meet is an *Error that
// says which and why, in English and Chinese.
var (
	ErrInvalid   = errors.New("payments: invalid")
	ErrNotFound  = errors.New("payments: not found")
	ErrForbidden = errors.New("payments: not allowed")
	ErrConflict  = errors.New("payments: conflict")
	// ErrInsufficientFunds is a payment neither the wallet nor a
	// password-free external account covers.
	ErrInsufficientFunds = errors.New("payments: insufficient funds")
	// ErrSignature is a provider's notification whose signature does
	// not verify.
	ErrSignature = errors.New("payments: notification not signed by the provider")
)

// Error is one of the errors above with its code for clients
// ("insufficient_funds", "frozen" ...), the field at fault, and words
// for people.
type Error struct {
	Kind  error
	Code  string
	Field string
	En    string
	Zh    string
}

func (e *Error) Error() string { return "payments: " + e.En }
func (e *Error) Unwrap() error { return e.Kind }

// DetailIn is the reason in a language: Simplified Chinese for "zh...".
func (e *Error) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return e.Zh
	}
	return e.En
}

// ProblemCode names the problem for a client.
func (e *Error) ProblemCode() string { return e.Code }

// FieldName is the field at fault, if any.
func (e *Error) FieldName() string { return e.Field }

// Invalid is ErrInvalid naming a field, with words in English and
// Chinese (formats of args).
func Invalid(field, en, zh string, args ...any) *Error { return invalid(field, en, zh, args...) }

// Conflict is ErrConflict with a code and words.
func Conflict(code, en, zh string) *Error {
	return &Error{Kind: ErrConflict, Code: code, En: en, Zh: zh}
}

func invalid(field, en, zh string, args ...any) *Error {
	return &Error{Kind: ErrInvalid, Field: field, En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

// Codes of refused payments.
const (
	CodeInsufficient = "insufficient_funds"
	CodeFrozen       = "frozen"
	CodeLost         = "lost"
	CodeNotPermitted = "not_permitted"
)

// The refusals of a card that may not pay.
var (
	ErrCardFrozen = &Error{Kind: ErrForbidden, Code: CodeFrozen, En: "the card is frozen: it cannot pay until it is unfrozen", Zh: "校园卡已冻结，解冻前不能付款"}
	ErrCardLost   = &Error{Kind: ErrForbidden, Code: CodeLost, En: "this physical card is reported lost: it cannot pay", Zh: "该实体卡已挂失，不能付款"}
)

// Insufficient is a payment not covered, saying (en, zh) why the
// external account did not cover it either.
func Insufficient(en, zh string) *Error {
	return &Error{Kind: ErrInsufficientFunds, Code: CodeInsufficient,
		En: "the balance does not cover this payment" + en, Zh: "余额不足以支付" + zh}
}

// checkText says what is wrong with text a person sends for field, if
// anything (services.TextProblem).
func checkText(field, v string) error {
	if en, zh := services.TextProblem(v); en != "" {
		return &Error{Kind: ErrInvalid, Field: field, En: field + " " + en, Zh: field + " " + zh}
	}
	return nil
}

// checkAmount says what is wrong with an amount in fen of field.
func checkAmount(field string, v, least, most int64) error {
	if v < least || v > most {
		return invalid(field, "%s must be %d to %d fen (got %d)", "%s 须为 %d 至 %d 分（现为 %d）", field, least, most, v)
	}
	return nil
}

// Wallet is a card's balance and payment settings.
type Wallet struct {
	Card    int64
	Balance int64
	// PasswordFree is on with Limit fen a payment, charging the external
	// account of Mandate (at its Provider) when the balance cannot pay.
	PasswordFree bool
	Limit        int64
	Mandate      string
	Provider     string
}

// TopUp is money asked of a provider for a wallet.
type TopUp struct {
	ID          string
	Card        int64
	Provider    string
	Amount      int64
	Status      string
	ProviderTxn string
	Created     time.Time
}

// Mandate is a person's consent at a provider that their external account
// may be charged for password-free payments.
type Mandate struct {
	ID       string
	Card     int64
	Provider string
	Status   string
	Created  time.Time
}

// Payment is money paid to a merchant: from the wallet, or the external
// account of a password-free mandate.
type Payment struct {
	ID          int64
	Tx          int64
	Card        int64
	UserID      int64  // the holder, for the audit log
	Subject     string // the holder's account name, for the audit log
	Reader      string // the till; "" for a bill
	Merchant    string
	Amount      int64
	Source      string
	Provider    string
	ProviderTxn string
	Description string
	Refunded    int64
	// Reference names the payment for its caller (a till's
	// Idempotency-Key): a reference pays once.
	Reference string
	// Physical says the physical card paid: a lost one may not.
	Physical bool
	At       time.Time
	// Balance is the wallet's balance after the payment.
	Balance int64
}

// Refund gives back part or all of a payment.
type Refund struct {
	Tx      int64
	Payment int64
	Amount  int64
	By      int64
	At      time.Time
	Balance int64 // the wallet's after it
	// Source is where it went back to: the wallet, or (external) the
	// provider's account of ProviderTxn.
	Source      string
	Provider    string
	ProviderTxn string
}

// Record is one movement of a holder's money, as their records list it.
type Record struct {
	ID       int64
	Tx       int64
	Kind     string
	Source   string
	Amount   int64 // signed: money in is positive
	Balance  int64 // the wallet's after it
	Merchant string
	Reader   string
	Payment  int64
	At       time.Time
}

// Bill is what a dormitory resident owes for a period's water and
// electricity in a room.
type Bill struct {
	ID                             int64
	UserID                         int64
	Email                          string // the resident's, as imported
	Room                           string // the unit's id
	Period                         string // "2026-11"
	WaterFrom, WaterTo             float64
	ElectricityFrom, ElectricityTo float64
	Amount                         int64
	Status                         string
	Source                         string // how it was paid
	Appeal                         string
	Created                        time.Time
	Line                           int // the line of the import it came from
}

// Merchant is who takes a till's payments: the place it stands in.
type Merchant struct {
	ID    string // the unit's id
	Name  geo.Labels
	Place geo.Labels // "Canteen, E 1/F"
}

// Account is the ledger's address of a merchant.
func (m Merchant) Account() string { return ledger.Merchant(m.ID) }

// Utilities is the merchant bills are paid to.
const Utilities = "utilities"
