package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// Locks runs the contract of access.LockStore (the smart locks' PINs,
// lock-outs, fingerprint enrolments and commands) on stores made by
// newStore.
func Locks(t *testing.T, newStore func(t *testing.T) AccessStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s AccessStore)
	}{
		{"PINs", testPINs},
		{"PINHolders", testPINHolders},
		{"LockOut", testLockOut},
		{"LockOutRace", testLockOutRace},
		{"Enrolments", testEnrolments},
		{"EnrolmentBounds", testEnrolmentBounds},
		{"DeleteAndCommands", testDeleteAndCommands},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// resident makes an account with a grant of target current at now.
func resident(t *testing.T, s AccessStore, name, target string, now time.Time) auth.User {
	t.Helper()
	u := mustCreate(t, s, name, auth.Student)
	grant(t, s, u, target, now.Add(-time.Hour), now.Add(24*time.Hour))
	return u
}

func grant(t *testing.T, s AccessStore, u auth.User, target string, from, to time.Time) access.Grant {
	t.Helper()
	g, err := s.AddGrant(t.Context(), u.Email, access.Grant{Target: target, From: from, To: to, Created: from})
	if err != nil {
		t.Fatalf("AddGrant: %v", err)
	}
	return g
}

// kindsAt counts the audit entries of each kind at place.
func kindsAt(t *testing.T, s AccessStore, place string) map[string]int {
	t.Helper()
	es, err := s.AuditEntries(t.Context(), audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range es {
		if e.Place == place {
			n[e.Kind]++
		}
	}
	return n
}

func testPINs(t *testing.T, s AccessStore) {
	ctx := t.Context()
	now := time.Now().Truncate(time.Microsecond)
	l := access.Lock{Reader: unique("lock"), Unit: unique("room")}
	a := resident(t, s, "a", l.Reader, now) // a grant of the lock
	b := resident(t, s, "b", l.Unit, now)   // of its room
	c := mustCreate(t, s, "c", auth.Student)
	grant(t, s, c, l.Unit, now.Add(time.Hour), now.Add(2*time.Hour)) // not yet
	d := resident(t, s, "d", unique("other-room"), now)
	// d's PIN is forgotten as c sets theirs: d holds no grant of the lock.
	for _, u := range []auth.User{a, b, d, c} {
		if err := s.SetPIN(ctx, l, access.PIN{UserID: u.ID, Subject: u.Email, Hash: "hash-" + u.Email, At: now}); err != nil {
			t.Fatalf("SetPIN(%s): %v", u.Email, err)
		}
	}
	ps, err := s.PINs(ctx, l, now)
	if err != nil || len(ps) != 2 || ps[0].UserID != min(a.ID, b.ID) || ps[1].UserID != max(a.ID, b.ID) {
		t.Fatalf("PINs: %+v %v, want a's and b's (c's grant starts later, d's is of another room)", ps, err)
	}
	for _, p := range ps {
		if want := map[int64]string{a.ID: "hash-" + a.Email, b.ID: "hash-" + b.Email}[p.UserID]; p.Hash != want {
			t.Errorf("PIN of %d: hash %q, want %q", p.UserID, p.Hash, want)
		}
	}
	if ps, _ := s.PINs(ctx, l, now.Add(90*time.Minute)); len(ps) != 3 {
		t.Errorf("PINs once c's grant started: %d, want 3", len(ps))
	}
	// Changing a PIN replaces it.
	if err := s.SetPIN(ctx, l, access.PIN{UserID: a.ID, Subject: a.Email, Hash: "new", At: now}); err != nil {
		t.Fatal(err)
	}
	ps, _ = s.PINs(ctx, l, now)
	for _, p := range ps {
		if p.UserID == a.ID && p.Hash != "new" {
			t.Errorf("a's PIN after the change: %q", p.Hash)
		}
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: a.Email, Kind: audit.LockPINSet})
	if err != nil || len(es) != 2 || es[0].Reason != "PIN changed" || es[1].Reason != "PIN set" || es[0].Place != l.Reader || es[0].Actor != a.ID {
		t.Errorf("a's PIN entries: %+v %v", es, err)
	}
	// Setting a PIN forgot those of holders who left (d as c set theirs;
	// c, whose grant is not current yet, as a changed theirs).
	if k := kindsAt(t, s, l.Reader); k[audit.LockPINRemoved] != 2 || k[audit.LockPINSet] != 5 {
		t.Errorf("audit at the lock: %v, want 2 %s and 5 %s", k, audit.LockPINRemoved, audit.LockPINSet)
	}
	if ps, _ := s.PINs(ctx, l, now.Add(90*time.Minute)); len(ps) != 2 {
		t.Errorf("PINs after the holders who left were forgotten: %d, want 2 (c's PIN went too)", len(ps))
	}
	// A lock without a unit: grants of its reader only.
	bare := access.Lock{Reader: unique("bare-lock")}
	if err := s.SetPIN(ctx, bare, access.PIN{UserID: a.ID, Subject: a.Email, Hash: "x", At: now}); err != nil {
		t.Fatal(err)
	}
	if ps, err := s.PINs(ctx, bare, now); err != nil || len(ps) != 0 {
		t.Errorf("PINs at a lock a holds no grant of: %+v %v", ps, err)
	}
	if err := s.SetPIN(ctx, l, access.PIN{UserID: 1 << 40, Subject: "nobody", Hash: "x", At: now}); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("SetPIN(no account): %v, want ErrNotFound", err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

func testPINHolders(t *testing.T, s AccessStore) {
	ctx := t.Context()
	now := time.Now().Truncate(time.Microsecond)
	l := access.Lock{Reader: unique("lock"), Unit: unique("room")}
	var us []auth.User
	for range access.MaxPINHolders + 1 {
		us = append(us, resident(t, s, "holder", l.Unit, now))
	}
	for _, u := range us[:access.MaxPINHolders] {
		if err := s.SetPIN(ctx, l, access.PIN{UserID: u.ID, Subject: u.Email, Hash: "h", At: now}); err != nil {
			t.Fatal(err)
		}
	}
	last := us[access.MaxPINHolders]
	err := s.SetPIN(ctx, l, access.PIN{UserID: last.ID, Subject: last.Email, Hash: "h", At: now})
	if !errors.Is(err, access.ErrConflict) {
		t.Errorf("a PIN beyond %d holders: %v, want ErrConflict", access.MaxPINHolders, err)
	}
	if err := s.SetPIN(ctx, l, access.PIN{UserID: us[0].ID, Subject: us[0].Email, Hash: "h2", At: now}); err != nil {
		t.Errorf("a holder changing their PIN at a full lock: %v", err)
	}
	if ps, _ := s.PINs(ctx, l, now); len(ps) != access.MaxPINHolders {
		t.Errorf("PINs: %d, want %d", len(ps), access.MaxPINHolders)
	}
}

func testLockOut(t *testing.T, s AccessStore) {
	ctx := t.Context()
	r := unique("lock")
	at := time.Now().Truncate(time.Microsecond)
	if until, err := s.LockedUntil(ctx, r); err != nil || !until.IsZero() {
		t.Fatalf("LockedUntil(a lock never seen): %v %v", until, err)
	}
	fail := func(at time.Time) time.Time {
		t.Helper()
		until, err := s.PINFailed(ctx, r, at)
		if err != nil {
			t.Fatal(err)
		}
		return until
	}
	for i := range access.MaxPINFailures - 1 {
		if until := fail(at.Add(time.Duration(i) * time.Second)); !until.IsZero() {
			t.Fatalf("wrong PIN %d: locked out until %v", i+1, until)
		}
	}
	fifth := at.Add(10 * time.Second)
	until := fail(fifth)
	if !sameTime(until, fifth.Add(access.PINLockout)) {
		t.Fatalf("wrong PIN %d: locked out until %v, want %v", access.MaxPINFailures, until, fifth.Add(access.PINLockout))
	}
	if got, err := s.LockedUntil(ctx, r); err != nil || !sameTime(got, until) {
		t.Errorf("LockedUntil: %v %v, want %v", got, err, until)
	}
	// Wrong PINs while locked out do not count, nor lengthen it.
	for i := range 10 {
		if got := fail(fifth.Add(time.Duration(i) * time.Second)); !sameTime(got, until) {
			t.Errorf("a wrong PIN while locked out: until %v, want %v", got, until)
		}
	}
	// After it, the count starts from 0; a right PIN sets it back to 0.
	after := until.Add(time.Second)
	for i := range access.MaxPINFailures - 1 {
		if got := fail(after.Add(time.Duration(i) * time.Millisecond)); !got.Before(after) {
			t.Fatalf("wrong PIN %d after the lock-out: locked out again until %v", i+1, got)
		}
	}
	if err := s.PINMatched(ctx, r); err != nil {
		t.Fatal(err)
	}
	for i := range access.MaxPINFailures - 1 {
		if got := fail(after.Add(time.Second + time.Duration(i)*time.Millisecond)); !got.Before(after) {
			t.Fatalf("wrong PIN %d after a right one: locked out until %v", i+1, got)
		}
	}
	if got := fail(after.Add(2 * time.Second)); !got.After(after) {
		t.Errorf("the %dth wrong PIN in a row did not lock out", access.MaxPINFailures)
	}
	if err := s.PINMatched(ctx, unique("lock")); err != nil {
		t.Errorf("PINMatched(a lock never seen): %v", err)
	}
	if k := kindsAt(t, s, r); k[audit.LockLockedOut] != 2 {
		t.Errorf("lock-out entries: %v, want 2", k)
	}
}

// testLockOutRace counts 3*MaxPINFailures wrong PINs at one lock at
// once: one lock-out, whatever the engine's locking.
func testLockOutRace(t *testing.T, s AccessStore) {
	r := unique("lock")
	at := time.Now().Truncate(time.Microsecond)
	var mu sync.Mutex
	locked := 0
	race(t, "PINFailed", 3*access.MaxPINFailures, errDenied, func(int) error {
		until, err := s.PINFailed(t.Context(), r, at)
		if err == nil && !until.IsZero() {
			mu.Lock()
			locked++
			mu.Unlock()
		}
		return err
	})
	if k := kindsAt(t, s, r); k[audit.LockLockedOut] != 1 {
		t.Errorf("%d lock-outs from concurrent wrong PINs, want 1", k[audit.LockLockedOut])
	}
	if want := 2*access.MaxPINFailures + 1; locked != want {
		t.Errorf("%d answers said locked out, want %d (the 5th and all after it)", locked, want)
	}
}

func testEnrolments(t *testing.T, s AccessStore) {
	ctx := t.Context()
	r, other := unique("lock"), unique("lock")
	u := mustCreate(t, s, "finger", auth.Staff)
	at := time.Now().Truncate(time.Microsecond)
	f, err := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: u.ID, Created: at})
	if err != nil || f.ID == 0 || f.Status != access.EnrolmentPending || !sameTime(f.Created, at) {
		t.Fatalf("OpenEnrolment: %+v %v", f, err)
	}
	if _, err := s.FingerprintHolder(ctx, r, f.ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("the holder of a pending enrolment: %v, want ErrNotFound", err)
	}
	if _, err := s.ReportEnrolment(ctx, other, f.ID, access.Enrolled, at); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("another lock's report: %v, want ErrNotFound", err)
	}
	got, err := s.ReportEnrolment(ctx, r, f.ID, access.Enrolled, at.Add(time.Minute))
	if err != nil || got.Status != access.Enrolled || got.ID != f.ID || got.UserID != u.ID {
		t.Fatalf("ReportEnrolment: %+v %v", got, err)
	}
	if _, err := s.ReportEnrolment(ctx, r, f.ID, access.Enrolled, at.Add(2*time.Minute)); err != nil {
		t.Errorf("the same report again: %v", err)
	}
	if _, err := s.ReportEnrolment(ctx, r, f.ID, access.EnrolmentFailed, at.Add(2*time.Minute)); !errors.Is(err, access.ErrConflict) {
		t.Errorf("failed after enrolled: %v, want ErrConflict", err)
	}
	if id, err := s.FingerprintHolder(ctx, r, f.ID); err != nil || id != u.ID {
		t.Errorf("FingerprintHolder: %d %v, want %d", id, err, u.ID)
	}
	if _, err := s.FingerprintHolder(ctx, other, f.ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("the fingerprint at another lock: %v, want ErrNotFound", err)
	}
	// A failed one is listed until the holder opens another.
	bad, _ := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: u.ID, Created: at})
	if _, err := s.ReportEnrolment(ctx, r, bad.ID, access.EnrolmentFailed, at); err != nil {
		t.Fatal(err)
	}
	fs, err := s.Fingerprints(ctx, r, u.ID)
	if err != nil || len(fs) != 2 || fs[0].ID != f.ID || fs[0].Status != access.Enrolled || fs[1].Status != access.EnrolmentFailed {
		t.Errorf("Fingerprints: %+v %v", fs, err)
	}
	// An enrolment pending longer than EnrolmentTimeout cannot be
	// enrolled; it fails when the next enrolment opens at the lock.
	late, _ := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: u.ID, Created: at})
	after := at.Add(access.EnrolmentTimeout + time.Second)
	if _, err := s.ReportEnrolment(ctx, r, late.ID, access.Enrolled, after); !errors.Is(err, access.ErrConflict) {
		t.Errorf("enrolled after the timeout: %v, want ErrConflict", err)
	}
	v := mustCreate(t, s, "next", auth.Staff)
	if _, err := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: v.ID, Created: after}); err != nil {
		t.Fatal(err)
	}
	fs, _ = s.Fingerprints(ctx, r, u.ID)
	if len(fs) != 2 || fs[1].ID != late.ID || fs[1].Status != access.EnrolmentFailed {
		t.Errorf("after the timeout: %+v, want the enrolled one and the late one failed (the failed one went as the late one opened)", fs)
	}
	if late.ID <= bad.ID {
		t.Errorf("enrolment id %d reused after %d: a lock knows fingerprints by id", late.ID, bad.ID)
	}
	// The holder's next enrolment forgets their failed ones.
	if _, err := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: u.ID, Created: after}); err != nil {
		t.Fatal(err)
	}
	fs, _ = s.Fingerprints(ctx, r, u.ID)
	if len(fs) != 2 || fs[0].ID != f.ID || fs[1].Status != access.EnrolmentPending {
		t.Errorf("after another enrolment: %+v, want the enrolled one and the new one", fs)
	}
	// Results and time-outs are in the audit log.
	es, err := s.AuditEntries(ctx, audit.Query{Subject: u.Email, Kind: audit.FingerprintEnrolled})
	if err != nil || len(es) != 3 || es[0].Decision != audit.Deny || es[2].Decision != audit.Allow || es[2].Place != r {
		t.Errorf("enrolment entries: %+v %v, want enrolled, failed, timed out", es, err)
	}
	if _, err := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: 1 << 40, Created: at}); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("OpenEnrolment(no account): %v, want ErrNotFound", err)
	}
}

func testEnrolmentBounds(t *testing.T, s AccessStore) {
	ctx := t.Context()
	r := unique("lock")
	at := time.Now().Truncate(time.Microsecond)
	u, v := mustCreate(t, s, "many", auth.Staff), mustCreate(t, s, "other", auth.Staff)
	open := func(who auth.User) (access.Fingerprint, error) {
		return s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: who.ID, Created: at})
	}
	var pending []access.Fingerprint
	for range access.MaxPendingEnrolments {
		f, err := open(u)
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, f)
	}
	if _, err := open(v); !errors.Is(err, access.ErrConflict) {
		t.Errorf("an enrolment beyond %d pending at a lock: %v, want ErrConflict", access.MaxPendingEnrolments, err)
	}
	// Concurrent openings at a lock with one place left: one wins.
	if _, err := s.ReportEnrolment(ctx, r, pending[0].ID, access.Enrolled, at); err != nil {
		t.Fatal(err)
	}
	won := race(t, "OpenEnrolment", 8, access.ErrConflict, func(int) error { _, err := open(v); return err })
	if won != 1 {
		t.Errorf("%d of 8 concurrent enrolments opened with one place left, want 1", won)
	}
	for _, f := range pending[1:] {
		if _, err := s.ReportEnrolment(ctx, r, f.ID, access.Enrolled, at); err != nil {
			t.Fatal(err)
		}
	}
	for range access.MaxFingerprints - access.MaxPendingEnrolments {
		f, err := open(u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReportEnrolment(ctx, r, f.ID, access.Enrolled, at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := open(u); !errors.Is(err, access.ErrConflict) {
		t.Errorf("a fingerprint beyond %d a person: %v, want ErrConflict", access.MaxFingerprints, err)
	}
	// One being deleted still counts until the lock confirms it.
	if err := s.DeleteFingerprint(ctx, r, u.ID, pending[0].ID, at); err != nil {
		t.Fatal(err)
	}
	if _, err := open(u); !errors.Is(err, access.ErrConflict) {
		t.Errorf("with one being deleted: %v, want ErrConflict", err)
	}
	cs, err := s.LockCommands(ctx, r, access.MaxCommands)
	if err != nil || len(cs) != 1 {
		t.Fatalf("LockCommands: %+v %v", cs, err)
	}
	if err := s.CommandDone(ctx, r, cs[0].ID, at); err != nil {
		t.Fatal(err)
	}
	if _, err := open(u); err != nil {
		t.Errorf("once the lock erased one: %v", err)
	}
}

func testDeleteAndCommands(t *testing.T, s AccessStore) {
	ctx := t.Context()
	r, other := unique("lock"), unique("lock")
	at := time.Now().Truncate(time.Microsecond)
	u, v := mustCreate(t, s, "owner", auth.Student), mustCreate(t, s, "stranger", auth.Student)
	f, _ := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: u.ID, Created: at})
	if _, err := s.ReportEnrolment(ctx, r, f.ID, access.Enrolled, at); err != nil {
		t.Fatal(err)
	}
	failed, _ := s.OpenEnrolment(ctx, access.Fingerprint{Reader: r, UserID: u.ID, Created: at})
	if _, err := s.ReportEnrolment(ctx, r, failed.ID, access.EnrolmentFailed, at); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFingerprint(ctx, r, v.ID, f.ID, at); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("deleting another's fingerprint: %v, want ErrNotFound", err)
	}
	if err := s.DeleteFingerprint(ctx, other, u.ID, f.ID, at); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("deleting at another lock: %v, want ErrNotFound", err)
	}
	for range 2 { // the second changes nothing
		if err := s.DeleteFingerprint(ctx, r, u.ID, f.ID, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.FingerprintHolder(ctx, r, f.ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("a deleted fingerprint still names its holder: %v", err)
	}
	if err := s.DeleteFingerprint(ctx, r, u.ID, failed.ID, at); err != nil {
		t.Fatal(err)
	}
	fs, _ := s.Fingerprints(ctx, r, u.ID)
	if len(fs) != 1 || fs[0].ID != f.ID || fs[0].Status != access.FingerprintDeleting {
		t.Errorf("Fingerprints after deleting: %+v, want the enrolled one deleting, the failed one gone", fs)
	}
	cs, err := s.LockCommands(ctx, r, access.MaxCommands)
	if err != nil || len(cs) != 1 || cs[0].Kind != access.CommandDeleteFingerprint || cs[0].Fingerprint != f.ID || !sameTime(cs[0].Created, at.Add(time.Minute)) {
		t.Fatalf("LockCommands: %+v %v, want one delete_fingerprint of %d", cs, err, f.ID)
	}
	if cs, _ := s.LockCommands(ctx, other, access.MaxCommands); len(cs) != 0 {
		t.Errorf("another lock's commands: %+v", cs)
	}
	if err := s.CommandDone(ctx, other, cs[0].ID, at); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("another lock confirming: %v, want ErrNotFound", err)
	}
	if err := s.CommandDone(ctx, r, cs[0].ID, at.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.CommandDone(ctx, r, cs[0].ID, at); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("confirming twice: %v, want ErrNotFound", err)
	}
	if cs, _ := s.LockCommands(ctx, r, access.MaxCommands); len(cs) != 0 {
		t.Errorf("commands after done: %+v", cs)
	}
	if fs, _ := s.Fingerprints(ctx, r, u.ID); len(fs) != 0 {
		t.Errorf("fingerprints after the lock erased it: %+v", fs)
	}
	k := kindsAt(t, s, r)
	if k[audit.FingerprintDeleted] != 2 || k[audit.FingerprintRemoved] != 1 || k[audit.FingerprintEnrolled] != 2 {
		t.Errorf("audit at the lock: %v", k)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
