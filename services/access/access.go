// Package access owns the campus card as an identity and what it opens:
// each person's card (valid or frozen, and the physical card), the keys
// its codes are signed with and the phones that sign their own, the
// readers placed in the venue and their credentials, the policy of
// access.json with the grants that add to it per person, and the
// decision at a reader: a code's signature, step and single use, a card
// used where only a copy could be (replayed, impossible travel), the
// policy by role, time and place, every decision recorded in the audit
// log with the single-use record in one transaction; and the smart
// locks: each holder's PIN (a slow hash) and a lock's lock-out after wrong
// PINs, fingerprint enrolments (the fingerprints stay in the lock) and the
// commands a lock fetches. The code's bytes are services/card's; the SQL
// is services/store's, behind Store.
package access

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// A card's status.
const (
	Valid  = "valid"
	Frozen = "frozen"
	Lost   = "lost" // the physical card's
)

// Why a card was frozen (Card.FrozenReason).
const (
	FrozenReplayed   = "replayed"
	FrozenTravel     = "impossible_travel"
	FrozenCapture    = "screen_capture"
	FrozenAdmin      = "admin"
	CaptureShot      = "screenshot"
	CaptureRecording = "recording"
)

// Decisions and their reasons, as a reader is answered.
const (
	Allow = "allow"
	Deny  = "deny"

	ReasonOK           = "ok"
	ReasonExpired      = "expired"
	ReasonReplayed     = "replayed"
	ReasonForged       = "forged"
	ReasonFrozen       = "frozen"
	ReasonLost         = "lost"
	ReasonNotPermitted = "not_permitted"
	ReasonOutsideHours = "outside_hours"
	ReasonTravel       = "impossible_travel"
	ReasonLockedOut    = "locked_out"
	ReasonUnknown      = "unknown"
)

// Credentials a reader reads.
const (
	CredentialCode        = "code"
	CredentialCard        = "card"
	CredentialPIN         = "pin"
	CredentialFingerprint = "fingerprint"
)

// Card is a person's campus card as stored.
type Card struct {
	ID           int64
	UserID       int64
	Holder       string    // the name a reader shows
	Role         auth.Role // the holder's
	Subject      string    // the holder's email, or tel:+86...: the audit log's subject
	Status       string    // Valid or Frozen
	FrozenReason string    // "" unless frozen
	Number       string    // the physical card's number
	Physical     string    // Valid or Lost
	LastStep     int64     // the newest code step used
	LastAt       time.Time // the last use at a reader; zero: never
	LastReader   string
	Created      time.Time
}

// View is a card as its holder reads it (GET /card).
type View struct {
	CardID       int64        `json:"card_id"`
	Status       string       `json:"status"`
	FrozenReason *string      `json:"frozen_reason"`
	Physical     PhysicalView `json:"physical"`
}

// PhysicalView is the physical card.
type PhysicalView struct {
	Number string `json:"number"`
	Status string `json:"status"`
}

// View is c as its holder reads it.
func (c Card) View() View {
	v := View{CardID: c.ID, Status: c.Status, Physical: PhysicalView{Number: c.Number, Status: c.Physical}}
	if c.FrozenReason != "" {
		r := c.FrozenReason
		v.FrozenReason = &r
	}
	return v
}

// Errors of the service.
var (
	ErrNotFound  = errors.New("access: not found")
	ErrInvalid   = errors.New("access: invalid")
	ErrForbidden = errors.New("access: not allowed")
	// ErrConflict is a request the state refuses: a bound reached, an
	// enrolment decided already.
	ErrConflict = errors.New("access: conflict")
	// ErrTooMany is a reader asking more often than ReaderRate.
	ErrTooMany = errors.New("access: this reader asks too often; wait a second")
	// ErrReader is a reader's credential that does not hold: no token,
	// a revoked one, or one of another reader.
	ErrReader = errors.New("access: not this reader's credential")
)

// FieldError is an invalid request: it names the field at fault.
type FieldError struct {
	Field  string
	Reason string
	zh     string
}

func (e *FieldError) Error() string { return "access: invalid " + e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// DetailIn says what is wrong, in Simplified Chinese for "zh...".
func (e *FieldError) DetailIn(lang string) string {
	if geo.IsChinese(lang) && e.zh != "" {
		return e.zh
	}
	return e.Field + ": " + e.Reason
}

func fieldError(field, zh, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), zh: zh}
}

// Forbidden is ErrForbidden saying why, in English and Chinese.
type Forbidden struct{ En, Zh string }

func (e *Forbidden) Error() string { return "access: " + e.En }
func (e *Forbidden) Unwrap() error { return ErrForbidden }

// DetailIn says why, in Simplified Chinese for "zh...".
func (e *Forbidden) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return e.Zh
	}
	return e.En
}

// Conflict is ErrConflict saying why, in English and Chinese.
type Conflict struct{ En, Zh string }

func (e *Conflict) Error() string { return "access: " + e.En }
func (e *Conflict) Unwrap() error { return ErrConflict }

// DetailIn says why, in Simplified Chinese for "zh...".
func (e *Conflict) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return e.Zh
	}
	return e.En
}

// HasCard reports whether a role carries a campus card: staff, students
// and family. Visitors and tourists get none (a visitor's pass comes as
// a grant), nor do operators' admin accounts.
func HasCard(r auth.Role) bool {
	return r == auth.Staff || r == auth.Student || r == auth.Family
}

// holderName is the name a reader shows for an account without one of
// its own: the part of the email before the @, or a phone's last four
// digits.
func holderName(subject string) string {
	if tel, ok := strings.CutPrefix(subject, "tel:"); ok {
		if len(tel) > 4 {
			return "…" + tel[len(tel)-4:]
		}
		return tel
	}
	name, _, _ := strings.Cut(subject, "@")
	return name
}
