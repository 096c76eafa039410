// Package audit owns the audit log's entries: what an entry records (who
// decided what about whom, where, why and when), the canonical encoding
// its hash is taken over, the chain that ties each entry to the one
// before, and the verification of a stream of entries. It keeps nothing
// and knows no SQL: services/store appends entries and reads them back.
//
// The chain is Formance's ledger log's idea (formancehq/ledger: each log's
// hash is a SHA-256 over the previous log's hash and the log), with two
// changes: the fields are length-prefixed bytes rather than JSON, so no
// two entries encode alike whatever their text holds, and ids come from
// the chain's head rather than a sequence, so they have no gaps unless
// one was removed.
package audit

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Hash is a SHA-256 digest: an entry's hash, or the one before it.
type Hash [32]byte

// String is the hash in lower-case hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText writes the hash in hex, for JSON.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads a hash in hex.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 2*len(h) {
		return fmt.Errorf("audit: a hash is %d hex digits, got %d", 2*len(h), len(b))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// Kinds of entry. A kind is lower-case letters, digits and underscores;
// services add their own (access, payment, approval) as they come.
const (
	SignIn        = "signin"         // someone signed in
	SignInFailed  = "signin_failed"  // a sign-in was refused
	FamilyDecided = "family_decided" // an admin decided a family application
	DutyGranted   = "duty_granted"   // an operator was given a duty
	DutyRevoked   = "duty_revoked"   // an operator lost a duty
	Access        = "access"         // a reader's decision on a credential
	CardFrozen    = "card_frozen"    // a card was frozen (reason: why)
	CardUnfrozen  = "card_unfrozen"  // a card was unfrozen
	CardLost      = "card_lost"      // a physical card was reported lost
	CardFound     = "card_found"     // a physical card was found again
	GrantAdded    = "access_granted" // a person was granted access to a place
	GrantEnded    = "access_ended"   // a grant was ended

	LockPINSet          = "lock_pin_set"          // a holder set or changed their PIN at a lock
	LockPINRemoved      = "lock_pin_removed"      // a PIN was forgotten: its holder no longer holds a grant of the lock
	LockLockedOut       = "lock_locked_out"       // a lock's keypad was locked out after wrong PINs
	FingerprintEnrolled = "fingerprint_enrolment" // a lock reported an enrolment (allow: enrolled; deny: failed, timed out)
	FingerprintDeleted  = "fingerprint_deleted"   // a holder deleted a fingerprint (the lock is told)
	FingerprintRemoved  = "fingerprint_removed"   // a lock confirmed it erased a fingerprint

	TopUp         = "topup"          // a provider's notice of a top-up (allow: credited; deny: refused, reason why)
	Payment       = "payment"        // a payment from a wallet or an external account
	Refund        = "refund"         // finance gave back part of a payment
	MandateLinked = "mandate_linked" // an external account was linked (allow) or its mandate failed (deny)
	PasswordFree  = "password_free"  // password-free payments turned on (grant) or off (revoke)
	BillIssued    = "bill_issued"    // finance issued a bill
	BillPaid      = "bill_paid"      // a resident paid a bill
	BillAppealed  = "bill_appealed"  // a resident appealed a bill
)

// Decisions an entry records.
const (
	Allow   = "allow"
	Deny    = "deny"
	Approve = "approve"
	Reject  = "reject"
	Grant   = "grant"
	Revoke  = "revoke"
)

// Entry is one record of the audit log. ID, PrevHash and Hash are the
// log's to give (Chain); the rest is the caller's.
type Entry struct {
	// ID numbers the entries from 1, without gaps.
	ID int64 `json:"id"`
	// At is when the decision was made, kept to the microsecond.
	At time.Time `json:"at"`
	// Actor is the account that decided or acted (an admin, the person
	// signing in); 0 for none: the system, the command line, or someone
	// unknown.
	Actor int64 `json:"actor"`
	// Subject is who the entry is about: an account's name as the
	// accounts table keeps it (an email, or "tel:+86..." for a phone
	// account), or what was given for one that does not exist (the email
	// a failed sign-in typed). Empty when it is about no one.
	Subject string `json:"subject"`
	// Kind is what happened: SignIn, FamilyDecided ...
	Kind string `json:"kind"`
	// Place is where: a client's address, a reader's id, a unit's id;
	// empty for nowhere in particular.
	Place string `json:"place"`
	// Decision is what was decided: Allow, Deny, Approve ...
	Decision string `json:"decision"`
	// Reason says why, for people.
	Reason string `json:"reason"`
	// Detail is a small JSON object of whatever else the kind records
	// (the method of a sign-in, the duty granted); nil for none. It is
	// kept and hashed as compact JSON (Check compacts it).
	Detail json.RawMessage `json:"detail"`
	// PrevHash is the hash of the entry before (Zero for the first);
	// Hash is this entry's (Sum).
	PrevHash Hash `json:"prev_hash"`
	Hash     Hash `json:"hash"`
}

// Zero is the hash before the first entry: 32 zero bytes.
var Zero Hash

// Bounds of an entry's fields, in bytes.
const (
	MaxKind   = 64   // Kind and Decision
	MaxText   = 320  // Subject and Place
	MaxReason = 1000 // Reason
	MaxDetail = 4096 // Detail
)

// ErrInvalid is an entry the log does not take (Check says why).
var ErrInvalid = errors.New("audit: invalid entry")

// Chain gives e the place after prev in the log: prev's id plus one,
// prev's hash before it, and its own hash. prevID is 0 and prev Zero for
// the first entry. At is kept to the microsecond, in UTC.
func (e Entry) Chain(prevID int64, prev Hash) Entry {
	e.ID, e.PrevHash = prevID+1, prev
	e.At = e.At.Truncate(time.Microsecond).UTC()
	e.Hash = e.Sum()
	return e
}
