package access_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// lockVenue is the real campus with readers of our own: two smart locks
// on offices and a door reader (the archive gains its readers elsewhere).
func lockVenue(t testing.TB) (v *geo.Venue, lock, other, door *geo.Reader) {
	t.Helper()
	loadCampus(t)
	var offices []*geo.Unit
	for _, u := range campus.Units {
		if u.Category == "office" && u.Level != nil {
			offices = append(offices, u)
		}
		if len(offices) == 2 {
			break
		}
	}
	if len(offices) < 2 {
		t.Fatal("the campus has fewer than two offices")
	}
	reader := func(id, kind string, u *geo.Unit) *geo.Reader {
		return &geo.Reader{Base: geo.Base{ID: id}, Kind: kind, Guards: u, Level: u.Level, Ordinal: u.Level.Ordinal,
			Building: u.Level.Building(), Name: geo.Labels{"en": "Reader " + id}}
	}
	lock, other = reader("lock-test-1", geo.ReaderLock, offices[0]), reader("lock-test-2", geo.ReaderLock, offices[1])
	door = reader("door-test-1", geo.ReaderDoor, offices[0])
	cp := *campus
	cp.Readers = []*geo.Reader{lock, other, door}
	return &cp, lock, other, door
}

// clock is a settable clock for the service.
type lockClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lockClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *lockClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type lockFixture struct {
	svc               *access.Service
	db                *sqlite.DB
	clock             *lockClock
	lock, other, door *geo.Reader
	admin             auth.User
}

func newLockFixture(t *testing.T) *lockFixture {
	t.Helper()
	v, lock, other, door := lockVenue(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &lockClock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	svc, err := access.New(db, v, nil, access.Config{Now: c.now,
		PINParams: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	f := &lockFixture{svc: svc, db: db, clock: c, lock: lock, other: other, door: door}
	f.admin = f.user(t, "admin", auth.Admin)
	return f
}

func (f *lockFixture) user(t *testing.T, name string, role auth.Role) auth.User {
	t.Helper()
	u, err := f.db.CreateUser(t.Context(), auth.User{Email: name + "@campus.example.edu", Role: role}, "x")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// resident is an account of role with a grant of target for a year.
func (f *lockFixture) resident(t *testing.T, name string, role auth.Role, target string) auth.User {
	t.Helper()
	u := f.user(t, name, role)
	now := f.clock.now()
	if _, err := f.svc.Grant(t.Context(), f.admin, access.GrantRequest{Person: u.Email, Target: target,
		From: now.Add(-time.Hour), To: now.Add(300 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return u
}

func unitOf(r *geo.Reader) string { return r.Guards.(*geo.Unit).ID }

func (f *lockFixture) checkAt(t *testing.T, r *geo.Reader, c access.Check) access.Result {
	t.Helper()
	c.Reader = r.ID
	res, err := f.svc.Check(t.Context(), r, c)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCheckPIN(t *testing.T) {
	for _, c := range []struct {
		pin string
		ok  bool
	}{
		{"482913", true}, {"1357924", true}, {"20240611", true}, {"123457", true}, {"909090", true},
		{"", false}, {"48291", false}, {"482913571", false}, {"48a913", false}, {"482 91", false},
		{"١٢٣٤٥٦", false}, {"000000", false}, {"7777777", false}, {"123456", false}, {"0123456", false},
		{"01234567", false}, {"987654", false}, {"76543210", false}, {"-12345", false},
	} {
		err := access.CheckPIN(c.pin)
		if (err == nil) != c.ok {
			t.Errorf("CheckPIN(%q) = %v, want ok %v", c.pin, err, c.ok)
			continue
		}
		var fe *access.FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Field != "pin" || fe.DetailIn("zh") == fe.DetailIn("en")) {
			t.Errorf("CheckPIN(%q): %v, want a FieldError naming pin in English and Chinese", c.pin, err)
		}
	}
}

func FuzzCheckPIN(f *testing.F) {
	for _, s := range []string{"482913", "123456", "000000", "98765432", "12a456", "", "١٢٣٤٥٦"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pin string) {
		if access.CheckPIN(pin) != nil {
			return
		}
		if len(pin) < access.MinPIN || len(pin) > access.MaxPIN {
			t.Fatalf("%q accepted: %d characters", pin, len(pin))
		}
		same, run := true, true
		for i := range len(pin) {
			if pin[i] < '0' || pin[i] > '9' {
				t.Fatalf("%q accepted: not digits", pin)
			}
			if i > 0 {
				same = same && pin[i] == pin[0]
				d := int(pin[i]) - int(pin[i-1])
				run = run && d == int(pin[1])-int(pin[0]) && (d == 1 || d == -1)
			}
		}
		if same || run {
			t.Fatalf("%q accepted: all one digit or a straight run", pin)
		}
	})
}

func TestSetPIN(t *testing.T) {
	f := newLockFixture(t)
	ctx := t.Context()
	res := f.resident(t, "ada", auth.Staff, unitOf(f.lock))
	stranger := f.user(t, "eve", auth.Student)
	visitor := f.resident(t, "vic", auth.Visitor, f.lock.ID)
	for _, c := range []struct {
		name   string
		u      auth.User
		reader string
		pin    string
		want   error
		field  string
	}{
		{"unknown reader", res, "no-such-reader", "482913", access.ErrNotFound, ""},
		{"not a lock", res, f.door.ID, "482913", access.ErrNotFound, ""},
		{"not a resident", stranger, f.lock.ID, "482913", access.ErrForbidden, ""},
		{"not a resident, bad PIN", stranger, f.lock.ID, "123456", access.ErrForbidden, ""},
		{"another lock", res, f.other.ID, "482913", access.ErrForbidden, ""},
		{"no card for visitors", visitor, f.lock.ID, "482913", access.ErrForbidden, ""},
		{"short", res, f.lock.ID, "48291", access.ErrInvalid, "pin"},
		{"a run", res, f.lock.ID, "987654", access.ErrInvalid, "pin"},
		{"one digit", res, f.lock.ID, "555555", access.ErrInvalid, "pin"},
		{"good", res, f.lock.ID, "482913", nil, ""},
		{"changed", res, f.lock.ID, "51739264", nil, ""},
	} {
		err := f.svc.SetPIN(ctx, c.u, c.reader, c.pin)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		var fe *access.FieldError
		if c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field) {
			t.Errorf("%s: %v, want a FieldError naming %s", c.name, err, c.field)
		}
	}
	// Setting a PIN made the holder's card, and both changes are in the
	// audit log, hash and all kept out of it.
	var cards int
	if err := f.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM cards WHERE user_id = $1", res.ID).Scan(&cards); err != nil || cards != 1 {
		t.Errorf("%d cards made for the PIN's holder (%v), want 1", cards, err)
	}
	es, err := f.db.AuditEntries(ctx, audit.Query{Subject: res.Email, Kind: audit.LockPINSet})
	if err != nil || len(es) != 2 || es[0].Reason != "PIN changed" {
		t.Errorf("PIN entries: %+v %v", es, err)
	}
	for _, e := range es {
		if b, _ := json.Marshal(e); strings.Contains(string(b), "482913") || strings.Contains(string(b), "51739264") || strings.Contains(string(b), "argon2id") {
			t.Errorf("an audit entry tells the PIN or its hash: %s", b)
		}
	}
}

func TestPINAtTheLock(t *testing.T) {
	f := newLockFixture(t)
	ctx := t.Context()
	ada := f.resident(t, "ada", auth.Staff, unitOf(f.lock))
	bo := f.resident(t, "bo", auth.Student, f.lock.ID)
	if err := f.svc.SetPIN(ctx, ada, f.lock.ID, "482913"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetPIN(ctx, bo, f.lock.ID, "7351902"); err != nil {
		t.Fatal(err)
	}
	pin := func(p string) access.Result { return f.checkAt(t, f.lock, access.Check{PIN: p}) }
	if r := pin("482913"); r.Decision != access.Allow || r.Person == nil || r.Person.Name != "ada" {
		t.Fatalf("ada's PIN: %+v", r)
	}
	if r := pin("7351902"); r.Decision != access.Allow || r.Person == nil || r.Person.Name != "bo" || r.Person.Role != "student" {
		t.Fatalf("bo's PIN: %+v", r)
	}
	// A PIN opens only its own lock: at another it is wrong (and counts).
	if r := f.checkAt(t, f.other, access.Check{PIN: "482913"}); r.Decision != access.Deny || r.Reason != access.ReasonUnknown {
		t.Errorf("ada's PIN at another lock: %+v", r)
	}
	// A PIN at a reader that is not a lock names no one.
	if r := f.checkAt(t, f.door, access.Check{PIN: "482913"}); r.Reason != access.ReasonUnknown {
		t.Errorf("a PIN at a door: %+v", r)
	}
	// Four wrong and a right one: the count starts again.
	for range access.MaxPINFailures - 1 {
		if r := pin("111222"); r.Decision != access.Deny || r.Reason != access.ReasonUnknown || r.Person != nil {
			t.Fatalf("a wrong PIN: %+v", r)
		}
	}
	if r := pin("482913"); r.Decision != access.Allow {
		t.Fatalf("the right PIN after 4 wrong: %+v", r)
	}
	// Five wrong (malformed ones count too) lock it out for 5 minutes,
	// right PIN or not.
	for _, p := range []string{"111222", "12", "abcdef", "999998", "123456"} {
		if r := pin(p); r.Reason != access.ReasonUnknown {
			t.Fatalf("wrong PIN %q: %+v", p, r)
		}
	}
	if r := pin("482913"); r.Decision != access.Deny || r.Reason != access.ReasonLockedOut || r.Person != nil {
		t.Fatalf("the right PIN once locked out: %+v", r)
	}
	f.clock.add(access.PINLockout - time.Second)
	if r := pin("7351902"); r.Reason != access.ReasonLockedOut {
		t.Fatalf("a second before the lock-out ends: %+v", r)
	}
	// Other locks are not locked out.
	if err := f.svc.SetPIN(ctx, f.resident(t, "cy", auth.Staff, f.other.ID), f.other.ID, "246810"); err != nil {
		t.Fatal(err)
	}
	if r := f.checkAt(t, f.other, access.Check{PIN: "246810"}); r.Decision != access.Allow {
		t.Errorf("another lock while this one is locked out: %+v", r)
	}
	f.clock.add(2 * time.Second)
	if r := pin("482913"); r.Decision != access.Allow {
		t.Fatalf("the right PIN after the lock-out: %+v", r)
	}
	// The count started from 0: four wrong do not lock it again.
	for range access.MaxPINFailures - 1 {
		pin("111222")
	}
	if r := pin("7351902"); r.Decision != access.Allow {
		t.Errorf("after 4 wrong past the lock-out: %+v", r)
	}
	// Every decision is in the audit log, and the lock-out too.
	entries, err := f.db.AuditEntries(ctx, audit.Query{Kind: audit.LockLockedOut})
	if err != nil || len(entries) != 1 || entries[0].Place != f.lock.ID {
		t.Errorf("lock-out entries: %+v %v", entries, err)
	}
	decisions, err := f.db.AuditEntries(ctx, audit.Query{Kind: audit.Access})
	if err != nil || len(decisions) != 23 {
		t.Errorf("%d access entries (%v), want 23 (every check)", len(decisions), err)
	}
	if _, err := f.db.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

func TestPINGoesThroughTheDecision(t *testing.T) {
	f := newLockFixture(t)
	ctx := t.Context()
	ada := f.resident(t, "ada", auth.Staff, unitOf(f.lock))
	if err := f.svc.SetPIN(ctx, ada, f.lock.ID, "482913"); err != nil {
		t.Fatal(err)
	}
	// A frozen card opens nothing, by PIN either.
	c, err := f.svc.Card(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetFrozen(ctx, f.admin, c.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := f.checkAt(t, f.lock, access.Check{PIN: "482913"}); r.Decision != access.Deny || r.Reason != access.ReasonFrozen || r.Person == nil {
		t.Errorf("a frozen card's PIN: %+v", r)
	}
	if _, err := f.svc.SetFrozen(ctx, f.admin, c.ID, false); err != nil {
		t.Fatal(err)
	}
	// A resident who left: their grant ended, their PIN names no one.
	gs, err := f.svc.Grants(ctx, f.admin, ada.Email)
	if err != nil || len(gs) != 1 {
		t.Fatalf("grants: %+v %v", gs, err)
	}
	if err := f.svc.EndGrant(ctx, f.admin, gs[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := f.checkAt(t, f.lock, access.Check{PIN: "482913"}); r.Decision != access.Deny || r.Reason != access.ReasonUnknown {
		t.Errorf("the PIN of a resident who left: %+v", r)
	}
	if err := f.svc.SetPIN(ctx, ada, f.lock.ID, "482913"); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("setting a PIN after leaving: %v, want ErrForbidden", err)
	}
	// The history of the card shows the PIN's decisions.
	h, err := f.svc.History(ctx, ada, 0, 10)
	if err != nil || len(h) != 1 || h[0].Credential != access.CredentialPIN || h[0].Reader != f.lock.ID {
		t.Errorf("history: %+v %v", h, err)
	}
}

func TestFingerprints(t *testing.T) {
	f := newLockFixture(t)
	ctx := t.Context()
	ada := f.resident(t, "ada", auth.Staff, unitOf(f.lock))
	stranger := f.user(t, "eve", auth.Student)
	if _, err := f.svc.Enrol(ctx, stranger, f.lock.ID); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("a stranger's enrolment: %v, want ErrForbidden", err)
	}
	if _, err := f.svc.Enrol(ctx, ada, f.door.ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("an enrolment at a door: %v, want ErrNotFound", err)
	}
	e, err := f.svc.Enrol(ctx, ada, f.lock.ID)
	if err != nil || e.Status != access.EnrolmentPending {
		t.Fatalf("Enrol: %+v %v", e, err)
	}
	fp := func(r *geo.Reader, id int64) access.Result {
		return f.checkAt(t, r, access.Check{Fingerprint: access.FingerprintID(id)})
	}
	if r := fp(f.lock, e.ID); r.Reason != access.ReasonUnknown {
		t.Errorf("a pending fingerprint: %+v", r)
	}
	for _, r := range []*geo.Reader{f.other, f.door} {
		if _, err := f.svc.ReportEnrolment(ctx, r, e.ID, access.Enrolled); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("%s reporting another lock's enrolment: %v, want ErrNotFound", r.ID, err)
		}
	}
	if _, err := f.svc.ReportEnrolment(ctx, f.lock, e.ID, "maybe"); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("a report of status maybe: %v, want ErrInvalid", err)
	}
	if got, err := f.svc.ReportEnrolment(ctx, f.lock, e.ID, access.Enrolled); err != nil || got.Status != access.Enrolled {
		t.Fatalf("ReportEnrolment: %+v %v", got, err)
	}
	if r := fp(f.lock, e.ID); r.Decision != access.Allow || r.Person == nil || r.Person.Name != "ada" {
		t.Errorf("ada's fingerprint: %+v", r)
	}
	if r := fp(f.other, e.ID); r.Reason != access.ReasonUnknown {
		t.Errorf("ada's fingerprint id at another lock: %+v", r)
	}
	h, _ := f.svc.History(ctx, ada, 0, 10)
	if len(h) != 1 || h[0].Credential != access.CredentialFingerprint {
		t.Errorf("history: %+v", h)
	}
	// A malformed fingerprint is a deny, not an error.
	var c access.Check
	if err := json.Unmarshal([]byte(`{"reader": "lock-test-1", "fingerprint": "one"}`), &c); err != nil || c.Fingerprint != -1 {
		t.Fatalf("a fingerprint that is no number: %+v %v", c, err)
	}
	if r := f.checkAt(t, f.lock, c); r.Decision != access.Deny || r.Reason != access.ReasonUnknown {
		t.Errorf("a malformed fingerprint: %+v", r)
	}
	// At most 3 pending at a lock.
	bo := f.resident(t, "bo", auth.Student, f.lock.ID)
	for range access.MaxPendingEnrolments {
		if _, err := f.svc.Enrol(ctx, bo, f.lock.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Enrol(ctx, ada, f.lock.ID); !errors.Is(err, access.ErrConflict) {
		t.Errorf("a 4th pending enrolment: %v, want ErrConflict", err)
	}
	// Pending ones time out: listed as failed, and no longer in the way.
	f.clock.add(access.EnrolmentTimeout + time.Minute)
	list, err := f.svc.Fingerprints(ctx, bo, f.lock.ID)
	if err != nil || len(list) != 3 || list[0].Status != access.EnrolmentFailed {
		t.Errorf("bo's after the timeout: %+v %v", list, err)
	}
	if _, err := f.svc.Enrol(ctx, ada, f.lock.ID); err != nil {
		t.Errorf("an enrolment once the others timed out: %v", err)
	}
	// Deleting: the fingerprint stops naming ada at once, and the lock
	// is told.
	if err := f.svc.DeleteFingerprint(ctx, bo, f.lock.ID, e.ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("bo deleting ada's: %v, want ErrNotFound", err)
	}
	if err := f.svc.DeleteFingerprint(ctx, ada, f.lock.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if r := fp(f.lock, e.ID); r.Decision != access.Deny || r.Reason != access.ReasonUnknown {
		t.Errorf("a deleted fingerprint: %+v", r)
	}
	if cs, err := f.svc.LockCommands(ctx, f.other); err != nil || len(cs) != 0 {
		t.Errorf("another lock's commands: %+v %v", cs, err)
	}
	cs, err := f.svc.LockCommands(ctx, f.lock)
	if err != nil || len(cs) != 1 || cs[0].Fingerprint != e.ID || cs[0].Kind != access.CommandDeleteFingerprint {
		t.Fatalf("commands: %+v %v", cs, err)
	}
	if err := f.svc.CommandDone(ctx, f.other, cs[0].ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("another lock's done: %v, want ErrNotFound", err)
	}
	if err := f.svc.CommandDone(ctx, f.lock, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ := f.svc.LockCommands(ctx, f.lock); len(cs) != 0 {
		t.Errorf("commands after done: %+v", cs)
	}
}

// TestLockOutSharedByReplicas: two services over one store (two
// replicas) count wrong PINs at a lock together.
func TestLockOutSharedByReplicas(t *testing.T) {
	f := newLockFixture(t)
	ctx := context.Background()
	v, _, _, _ := lockVenue(t)
	second, err := access.New(f.db, v, nil, access.Config{Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(second.Close)
	ada := f.resident(t, "ada", auth.Staff, f.lock.ID)
	if err := f.svc.SetPIN(ctx, ada, f.lock.ID, "482913"); err != nil {
		t.Fatal(err)
	}
	for i := range access.MaxPINFailures {
		svc := []*access.Service{f.svc, second}[i%2]
		if _, err := svc.Check(ctx, f.lock, access.Check{Reader: f.lock.ID, PIN: "000111"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, svc := range []*access.Service{f.svc, second} {
		if r, err := svc.Check(ctx, f.lock, access.Check{Reader: f.lock.ID, PIN: "482913"}); err != nil || r.Reason != access.ReasonLockedOut {
			t.Errorf("after 5 wrong PINs across replicas: %+v %v", r, err)
		}
	}
}
