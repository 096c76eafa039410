package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Smart locks (seeds §14, §15): a lock is a reader of kind lock, on an
// office or a dormitory room. Its holders, the people with a current
// grant of its reader or of the unit it locks, set a PIN of their own
// there and enrol fingerprints at it; a PIN or a fingerprint at the lock
// then names its holder, and the decision goes the way of every other
// credential (policy, grants, a frozen card, impossible travel, audit).

// Bounds of the locks' state.
const (
	// MaxPINFailures wrong PINs in a row at a lock lock its keypad out
	// for PINLockout; a right PIN sets the count back to 0.
	MaxPINFailures = 5
	PINLockout     = 5 * time.Minute
	// MaxPINHolders is how many holders keep a PIN at one lock: every
	// PIN typed is checked against each (a slow hash each), so a lock
	// keeps few. A dormitory room or an office has fewer residents.
	MaxPINHolders = 8
	// MaxPendingEnrolments are open at one lock at once; one pending
	// longer than EnrolmentTimeout fails.
	MaxPendingEnrolments = 3
	EnrolmentTimeout     = 10 * time.Minute
	// MaxFingerprints is how many fingerprints a person keeps at one
	// lock (pending, enrolled or being deleted).
	MaxFingerprints = 10
	// MaxCommands is the most commands a lock fetches at once.
	MaxCommands = 100
)

// A fingerprint's status.
const (
	EnrolmentPending    = "pending"  // opened; the lock has not reported
	Enrolled            = "enrolled" // the lock holds it: it names its holder
	EnrolmentFailed     = "failed"   // the lock could not enrol it, or it timed out
	FingerprintDeleting = "deleting" // deleted by its holder; the lock has not confirmed
)

// CommandDeleteFingerprint is the command that makes a lock erase a
// fingerprint.
const CommandDeleteFingerprint = "delete_fingerprint"

// Lock names a lock for the store: its reader's id and the id of the
// unit it locks ("" if it locks no unit), the targets of its holders'
// grants.
type Lock struct {
	Reader, Unit string
}

// PIN is one holder's PIN at a lock, as stored: its slow hash.
type PIN struct {
	UserID  int64
	Subject string // the holder's email (the audit log's subject)
	Hash    string // argon2id, PHC string (auth.HashSecret)
	At      time.Time
}

// Fingerprint is an enrolment of a holder's fingerprint at a lock: the
// lock keeps the fingerprint, the engine its id, owner and status.
type Fingerprint struct {
	ID      int64     `json:"id"`
	Reader  string    `json:"-"`
	UserID  int64     `json:"-"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
}

// LockCommand is what a lock fetches and carries out: erase a
// fingerprint.
type LockCommand struct {
	ID          int64     `json:"id"`
	Reader      string    `json:"-"`
	Kind        string    `json:"kind"`
	Fingerprint int64     `json:"fingerprint"`
	Created     time.Time `json:"created"`
}

// lock is the venue's lock id; ErrNotFound for no reader, or one that is
// not a lock.
func (s *Service) lock(id string) (*geo.Reader, Lock, error) {
	r, ok := s.readers[id]
	if !ok || r.Kind != geo.ReaderLock {
		return nil, Lock{}, fmt.Errorf("%w (no lock %q)", ErrNotFound, id)
	}
	return r, lockOf(r), nil
}

func lockOf(r *geo.Reader) Lock {
	l := Lock{Reader: r.ID}
	if u, ok := r.Guards.(*geo.Unit); ok && u != nil {
		l.Unit = u.ID
	}
	return l
}

// resident is nil when u holds a grant of lock l current now (a resident
// of its room, an occupant of its office), else a Forbidden.
func (s *Service) resident(ctx context.Context, u auth.User, l Lock) error {
	now := s.now()
	gs, err := s.store.Grants(ctx, u.Email, now)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	for _, g := range gs {
		if (g.Target == l.Reader || (l.Unit != "" && g.Target == l.Unit)) && !now.Before(g.From) && now.Before(g.To) {
			return nil
		}
	}
	return &Forbidden{En: "only the residents or occupants of its room manage lock " + l.Reader,
		Zh: "只有房间的住户或使用人可以管理门锁 " + l.Reader}
}

// SetPIN sets or changes u's own PIN at lock readerID: 6-8 digits, not
// all the same nor a straight run. It is kept as a slow hash; u's card is
// made if u has none (a PIN names its holder's card).
func (s *Service) SetPIN(ctx context.Context, u auth.User, readerID, pin string) error {
	_, l, err := s.lock(readerID)
	if err != nil {
		return err
	}
	if err := s.resident(ctx, u, l); err != nil {
		return err
	}
	if err := CheckPIN(pin); err != nil {
		return err
	}
	if _, err := s.Card(ctx, u); err != nil {
		return err
	}
	h, err := auth.HashSecret(s.pinParams, pin)
	if err != nil {
		return err
	}
	return s.store.SetPIN(ctx, l, PIN{UserID: u.ID, Subject: u.Email, Hash: h, At: s.now()})
}

// lockPIN is whom a PIN at lock r names at at (the hook s.pins): a lock
// locked out answers ReasonLockedOut and checks nothing; a PIN matching a
// current holder's answers that holder and sets the wrong count back to
// 0; anything else is ReasonUnknown, and counts towards the lock-out.
func (s *Service) lockPIN(ctx context.Context, r *geo.Reader, pin string, at time.Time) (int64, string) {
	if r.Kind != geo.ReaderLock {
		return 0, ReasonUnknown
	}
	until, err := s.store.LockedUntil(ctx, r.ID)
	if err != nil {
		s.log.Error("access: reading a lock's lock-out", "reader", r.ID, "err", err)
		return 0, ReasonUnknown
	}
	if at.Before(until) {
		return 0, ReasonLockedOut
	}
	if CheckPIN(pin) == nil {
		pins, err := s.store.PINs(ctx, lockOf(r), at)
		if err != nil {
			s.log.Error("access: reading a lock's PINs", "reader", r.ID, "err", err)
			return 0, ReasonUnknown
		}
		for _, p := range pins {
			if ok, _ := auth.VerifySecret(p.Hash, pin); ok {
				if err := s.store.PINMatched(ctx, r.ID); err != nil {
					s.log.Error("access: resetting a lock's wrong PINs", "reader", r.ID, "err", err)
				}
				return p.UserID, ""
			}
		}
	}
	if _, err := s.store.PINFailed(ctx, r.ID, at); err != nil {
		s.log.Error("access: counting a wrong PIN", "reader", r.ID, "err", err)
	}
	return 0, ReasonUnknown
}
