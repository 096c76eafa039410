package access

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Fingerprints are enrolled at the lock and never leave it: the engine
// opens an enrolment for a holder, the lock reports whether it enrolled
// the finger, and from then on the lock reports a match by the
// enrolment's id, which names the holder. A holder's deletion reaches
// the lock as a command it fetches and confirms.

// FingerprintID is the fingerprint a lock matched, as its check names it
// (Check.Fingerprint): an enrolment id. Anything else where the number
// belongs (a string, a fraction, a number out of range) reads as -1, a
// fingerprint no one holds, so that a malformed credential is a deny,
// not a 400.
type FingerprintID int64

// UnmarshalJSON reads an id, or -1 for anything that is not one.
func (f *FingerprintID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = 0
		return nil
	}
	var n json.Number
	if json.Unmarshal(b, &n) == nil {
		if id, err := strconv.ParseInt(string(n), 10, 64); err == nil && id > 0 {
			*f = FingerprintID(id)
			return nil
		}
	}
	*f = -1
	return nil
}

// Enrol opens an enrolment of u's fingerprint at lock readerID: u must
// hold a current grant of it, and carry a card (made now if need be).
// The lock then takes the finger and reports (ReportEnrolment).
func (s *Service) Enrol(ctx context.Context, u auth.User, readerID string) (Fingerprint, error) {
	_, l, err := s.lock(readerID)
	if err != nil {
		return Fingerprint{}, err
	}
	if err := s.resident(ctx, u, l); err != nil {
		return Fingerprint{}, err
	}
	if _, err := s.Card(ctx, u); err != nil {
		return Fingerprint{}, err
	}
	return s.store.OpenEnrolment(ctx, Fingerprint{Reader: l.Reader, UserID: u.ID, Status: EnrolmentPending, Created: s.now()})
}

// ReportEnrolment is lock r's result (Enrolled or Failed) of its
// enrolment id; ErrNotFound for an enrolment of another reader.
func (s *Service) ReportEnrolment(ctx context.Context, r *geo.Reader, id int64, status string) (Fingerprint, error) {
	if r.Kind != geo.ReaderLock {
		return Fingerprint{}, fmt.Errorf("%w (reader %q is not a lock)", ErrNotFound, r.ID)
	}
	if status != Enrolled && status != EnrolmentFailed {
		return Fingerprint{}, fieldError("status", "status 须为 enrolled 或 failed", "must be enrolled or failed, not %q", status)
	}
	return s.store.ReportEnrolment(ctx, r.ID, id, status, s.now())
}

// Fingerprints are u's fingerprints at lock readerID, oldest first (an
// enrolment pending longer than EnrolmentTimeout reads as failed).
func (s *Service) Fingerprints(ctx context.Context, u auth.User, readerID string) ([]Fingerprint, error) {
	_, l, err := s.lock(readerID)
	if err != nil {
		return nil, err
	}
	fs, err := s.store.Fingerprints(ctx, l.Reader, u.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i := range fs {
		if fs[i].Status == EnrolmentPending && now.Sub(fs[i].Created) > EnrolmentTimeout {
			fs[i].Status = EnrolmentFailed
		}
	}
	return fs, nil
}

// DeleteFingerprint deletes u's fingerprint id at lock readerID: the
// lock is told to erase it (LockCommands) unless it never held it.
func (s *Service) DeleteFingerprint(ctx context.Context, u auth.User, readerID string, id int64) error {
	_, l, err := s.lock(readerID)
	if err != nil {
		return err
	}
	return s.store.DeleteFingerprint(ctx, l.Reader, u.ID, id, s.now())
}

// LockCommands are what lock r is to carry out, oldest first.
func (s *Service) LockCommands(ctx context.Context, r *geo.Reader) ([]LockCommand, error) {
	if r.Kind != geo.ReaderLock {
		return []LockCommand{}, nil
	}
	return s.store.LockCommands(ctx, r.ID, MaxCommands)
}

// CommandDone is lock r's confirmation that it carried out command id.
func (s *Service) CommandDone(ctx context.Context, r *geo.Reader, id int64) error {
	return s.store.CommandDone(ctx, r.ID, id, s.now())
}

// fingerprintHolder is whom fingerprint id matched at lock r names: its
// enrolled holder, or no one (ReasonUnknown: not a lock, an id never
// enrolled there, a failed or deleted one).
func (s *Service) fingerprintHolder(ctx context.Context, r *geo.Reader, id FingerprintID) (int64, string) {
	if r.Kind != geo.ReaderLock || id <= 0 {
		return 0, ReasonUnknown
	}
	u, err := s.store.FingerprintHolder(ctx, r.ID, int64(id))
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			s.log.Error("access: reading a fingerprint's holder", "reader", r.ID, "err", err)
		}
		return 0, ReasonUnknown
	}
	return u, ""
}
