package access

import (
	"context"
	"encoding/json"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/card"
)

// Store keeps cards, keys, devices, grants, readers' tokens and every
// decision. services/storetest checks an implementation against it.
type Store interface {
	// CardOf returns the card of account userID, making it at the first
	// call for holder with a physical number from number (called again while the
	// number is taken). ErrNotFound if there is no such account.
	CardOf(ctx context.Context, userID int64, holder string, number func() string) (Card, error)
	// CardByID is a card; ErrNotFound.
	CardByID(ctx context.Context, id int64) (Card, error)
	// ChangeCard freezes, unfreezes, or marks the physical card lost or
	// found, and records it in the audit log, in one transaction; it
	// answers the card as changed. Unfreezing revokes the card's
	// devices (a copied phone key must not outlive the freeze).
	ChangeCard(ctx context.Context, ch CardChange) (Card, error)

	// SigningKeys are the keys codes are signed with, newest first.
	SigningKeys(ctx context.Context) ([]StoredKey, error)
	// AddSigningKey stores a new key.
	AddSigningKey(ctx context.Context, k StoredKey) error
	// AddDevice registers a phone's key for a card, revoking the
	// card's oldest devices beyond max; it answers the device with its
	// id.
	AddDevice(ctx context.Context, d Device, max int) (Device, error)

	// Decide loads what attempts need (their cards, the codes' earlier
	// uses, devices, grants), calls decide for each in turn, in one
	// transaction, and writes what it says together with one audit
	// entry each: all of them or none.
	Decide(ctx context.Context, attempts []*Attempt, decide func(*State, *Attempt) Effect) error
	// History is a card's decisions, newest first, with ids below
	// before (0: from the newest), at most limit.
	History(ctx context.Context, cardID int64, before int64, limit int) ([]Use, error)
	// PurgeCodes forgets the single-use records of codes used before t.
	PurgeCodes(ctx context.Context, t time.Time) (int64, error)

	// AddGrant stores a grant to the account with email person (audit
	// logged); ErrNotFound for no such account, ErrInvalid when the
	// person holds MaxGrantsPerPerson current grants already.
	AddGrant(ctx context.Context, person string, g Grant) (Grant, error)
	// Grants are the grants of the account with email person that have
	// not ended by now; ErrNotFound for no such account.
	Grants(ctx context.Context, person string, now time.Time) ([]Grant, error)
	// DeleteGrant ends a grant (audit logged); ErrNotFound.
	DeleteGrant(ctx context.Context, id int64, by int64) error

	// SetReaderToken stores the hash of reader's token, replacing any.
	SetReaderToken(ctx context.Context, reader string, hash []byte) error
	// ReaderOfToken is the reader whose token hashes to hash; ErrReader.
	ReaderOfToken(ctx context.Context, hash []byte) (string, error)
	// RevokeReader deletes reader's token; false if it had none.
	RevokeReader(ctx context.Context, reader string) (bool, error)

	LockStore
}

// LockStore keeps the smart locks' PINs, wrong-PIN counts and lock-outs,
// fingerprint enrolments and the commands locks fetch. Every PIN change,
// enrolment result and deletion is written with its audit entry in one
// transaction. Bounds (MaxPINHolders, MaxPendingEnrolments,
// MaxFingerprints, EnrolmentTimeout, MaxPINFailures, PINLockout) are the
// package's; the store applies them.
type LockStore interface {
	// LockedUntil is when lock reader's keypad takes PINs again; zero
	// when it is not locked out (nor ever was).
	LockedUntil(ctx context.Context, reader string) (time.Time, error)
	// PINs are the PINs set at lock l by holders that still hold a grant
	// of l's reader or unit current at at, by holder id, at most
	// MaxPINHolders.
	PINs(ctx context.Context, l Lock, at time.Time) ([]PIN, error)
	// SetPIN stores p, replacing its holder's PIN at l, with its audit
	// entry; it first forgets the PINs at l of holders with no current
	// grant of l. ErrConflict when MaxPINHolders others keep one there.
	SetPIN(ctx context.Context, l Lock, p PIN) error
	// PINFailed counts a wrong PIN at lock reader at time at; the
	// MaxPINFailures-th in a row locks its keypad out until
	// at+PINLockout (audit logged) and the count starts again from 0. A
	// wrong PIN while locked out is not counted. It answers until when
	// the keypad is locked out (zero: it is not).
	PINFailed(ctx context.Context, reader string, at time.Time) (time.Time, error)
	// PINMatched sets lock reader's count of wrong PINs back to 0.
	PINMatched(ctx context.Context, reader string) error

	// OpenEnrolment opens a pending enrolment of f.UserID's fingerprint
	// at lock f.Reader at f.Created, answering it with its id. Pending
	// enrolments there older than EnrolmentTimeout fail first (audit
	// logged), and the holder's failed ones there are forgotten.
	// ErrConflict when MaxPendingEnrolments are pending at the lock, or
	// the holder has MaxFingerprints there (pending, enrolled or being
	// deleted).
	OpenEnrolment(ctx context.Context, f Fingerprint) (Fingerprint, error)
	// ReportEnrolment is lock reader's result of enrolment id at at:
	// Enrolled or Failed (audit logged). The same result again changes
	// nothing; ErrNotFound for no such enrolment of that lock;
	// ErrConflict for one decided otherwise, being deleted, or pending
	// longer than EnrolmentTimeout (it fails then).
	ReportEnrolment(ctx context.Context, reader string, id int64, status string, at time.Time) (Fingerprint, error)
	// Fingerprints are userID's fingerprints at lock reader, oldest first.
	Fingerprints(ctx context.Context, reader string, userID int64) ([]Fingerprint, error)
	// DeleteFingerprint deletes userID's fingerprint id at lock reader
	// (audit logged): a failed enrolment goes at once; any other waits,
	// FingerprintDeleting, for the lock to confirm the command
	// (CommandDone) it is given. Deleting one being deleted changes
	// nothing; ErrNotFound for no such fingerprint of userID there.
	DeleteFingerprint(ctx context.Context, reader string, userID, id int64, at time.Time) error
	// FingerprintHolder is whose enrolled fingerprint id at lock reader
	// is; ErrNotFound for one not enrolled there.
	FingerprintHolder(ctx context.Context, reader string, id int64) (int64, error)
	// LockCommands are lock reader's pending commands, oldest first, at
	// most limit.
	LockCommands(ctx context.Context, reader string, limit int) ([]LockCommand, error)
	// CommandDone is lock reader's confirmation of its command id at at:
	// the command goes, and the fingerprint it deleted (audit logged).
	// ErrNotFound for no such pending command of that lock.
	CommandDone(ctx context.Context, reader string, id int64, at time.Time) error
}

// CardChange is a change of a card's status by its holder, an operator
// or a decision.
type CardChange struct {
	Card   int64
	By     int64  // the account acting; 0 for the system
	Freeze string // a Frozen* reason: freeze (a frozen card stays frozen for its first reason)
	// Unfreeze, Lost and Found are the other changes; one per change.
	Unfreeze, Lost, Found bool
	At                    time.Time
}

// StoredKey is a signing key as kept.
type StoredKey struct {
	Key     card.SigningKey
	Created time.Time
}

// Device is a phone that signs its own codes.
type Device struct {
	ID        int64
	Card      int64
	PublicKey []byte
	Created   time.Time
	Expires   time.Time
	Revoked   bool
}

// Use is one decision at a reader, as its card's history keeps it.
type Use struct {
	ID         int64
	At         time.Time
	Reader     string
	Credential string
	Decision   string
	Reason     string
}

// CodeKey names one code: its card, step and nonce.
type CodeKey struct {
	Card  int64
	Step  int64
	Nonce uint64
}

// CodeUse is a code's first use.
type CodeUse struct {
	CodeKey
	Reader   string
	At       time.Time
	Decision string
	Reason   string
	Floors   []int
	// Ref is the attempt's Check.Ref ("" for none).
	Ref string
}

// State is what a batch of attempts reads and changes, loaded by the
// store in its transaction. decide changes cards in place and adds the
// codes it uses; the store writes what changed.
type State struct {
	Cards    map[int64]*Card  // by id
	ByNumber map[string]*Card // by physical number
	ByUser   map[int64]*Card  // by account
	Codes    map[CodeKey]*CodeUse
	Devices  map[int64]Device
	// Grants reads an account's grants not ended, in the transaction:
	// asked only when the policy alone does not open the reader.
	Grants func(userID int64) ([]Grant, error)
	// Loaded are the cards as loaded, to tell what decide changed.
	Loaded map[int64]Card
	// Changed are the cards decide changed; NewCodes the codes it used
	// for the first time.
	Changed  map[int64]bool
	NewCodes []*CodeUse
}

// CardOf is the card an attempt names, by its code, its physical
// number or its PIN's holder; nil for none loaded.
func (st *State) CardOf(a *Attempt) *Card {
	switch {
	case a.Claims != nil:
		return st.Cards[a.Claims.Card]
	case a.Number != "":
		return st.ByNumber[a.Number]
	case a.UserID != 0:
		return st.ByUser[a.UserID]
	}
	return nil
}

// Attempt is one credential at a reader on its way to a decision.
type Attempt struct {
	At         time.Time
	Reader     *geo.Reader
	Credential string
	Claims     *card.Claims // a code's, its signature verified
	Number     string       // a physical card's number
	UserID     int64        // whom a PIN or fingerprint names
	Floor      *int
	Ref        string // Check.Ref
	// Reason is a deny decided before the store (forged, expired,
	// unknown, locked_out); "" for the store's state to decide.
	Reason string
	// Result is the answer, once decided.
	Result Result
	// Card is the card the attempt was about (nil: none identified);
	// Freeze, a reason the card was frozen for by this attempt.
	Card *Card
}

// Effect is what a decision asks the store to do beyond its use and
// audit entry: freeze the card, and why.
type Effect struct {
	Freeze string
	// Err is a failure to read what the decision needed: the store
	// abandons the batch.
	Err error
}

// Result is the answer to a reader.
type Result struct {
	Decision string  `json:"decision"`
	Reason   string  `json:"reason"`
	Person   *Person `json:"person"`
	// Floors are a lift's: those the person may ride to, [] for none;
	// nil (left out of the answer) at other readers.
	Floors []int `json:"floors,omitempty"`
	// Card, UserID and Subject are the card decided about and its
	// holder (0 and "" for none identified), for the services that act
	// on a decision (a till's payment); never sent to the reader.
	Card    int64  `json:"-"`
	UserID  int64  `json:"-"`
	Subject string `json:"-"`
	// Repeat says the code was used at this reader moments ago
	// (RetryWindow), or under the same Check.Ref (Again), and this is
	// that decision again: a gate opens again; a till must not charge
	// again, unless Again: its own charge retried, which pays once.
	Repeat bool `json:"-"`
	// Again says this is the attempt of the same Check.Ref again (a
	// till's charge retried after its answer was lost), at any time.
	Again bool `json:"-"`
}

// MarshalJSON writes a lift's floors even when there are none.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	if r.Floors == nil || len(r.Floors) > 0 {
		return json.Marshal(plain(r))
	}
	return json.Marshal(struct {
		plain
		Floors []int `json:"floors"`
	}{plain(r), r.Floors})
}

// Person is who a reader shows.
type Person struct {
	Name string `json:"name"`
	Role string `json:"role"`
}
