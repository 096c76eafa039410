package access_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/card"
	"github.com/campusnav/engine/services/sqlite"
)

var (
	campusOnce sync.Once
	campus     *geo.Venue
	graph      *routing.Graph
)

func loadCampus(t testing.TB) (*geo.Venue, *routing.Graph) {
	t.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		campus, graph = v, routing.Build(v)
	})
	return campus, graph
}

// clock is a settable time.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock    { c := &clock{}; c.Set(t); return c }
func shanghai(s string) time.Time    { t, _ := time.Parse(time.RFC3339, s); return t }
func reader(t *testing.T, id string) *geo.Reader {
	t.Helper()
	for _, r := range campus.Readers {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no reader %s", id)
	return nil
}

// fixture is the access service over a fresh SQLite store and the real
// campus, on a clock the test sets (a Wednesday, 10:00 in Shanghai).
type fixture struct {
	svc   *access.Service
	db    *sqlite.DB
	clock *clock
	users map[auth.Role]auth.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	v, g := loadCampus(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, clock: newClock(shanghai("2026-11-25T10:00:00+08:00")), users: map[auth.Role]auth.User{}}
	f.svc, err = access.New(db, v, g, access.Config{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.svc.Close)
	for _, r := range []auth.Role{auth.Staff, auth.Student, auth.Family, auth.Visitor, auth.Admin} {
		u, err := db.CreateUser(t.Context(), auth.User{Email: string(r) + "@hkust-gz.edu.cn", Role: r, Created: f.clock.Now()}, "x")
		if err != nil {
			t.Fatal(err)
		}
		f.users[r] = u
	}
	return f
}

// Readers of the campus the tests use, by kind and place.
const (
	gate2  = "2a355b84-a35b-59a8-af90-1aa85dccc1ee" // Gate 2 turnstile 1
	gate2b = "ab6ddbe1-2e69-5225-8019-0c41b1f10c2a" // Gate 2 turnstile 2
	gate5  = "003a832a-5e04-5740-b18f-7c3ac6f335fd" // Gate 5 turnstile 1
)

func (f *fixture) code(t *testing.T, r auth.Role) string {
	t.Helper()
	c, err := f.svc.Code(t.Context(), f.users[r])
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}

func (f *fixture) check(t *testing.T, readerID string, c access.Check) access.Result {
	t.Helper()
	c.Reader = readerID
	res, err := f.svc.Check(t.Context(), reader(t, readerID), c)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) card(t *testing.T, r auth.Role) access.Card {
	t.Helper()
	c, err := f.svc.Card(t.Context(), f.users[r])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func want(t *testing.T, what string, got access.Result, decision, reason string) {
	t.Helper()
	if got.Decision != decision || got.Reason != reason {
		t.Errorf("%s: %s %s, want %s %s", what, got.Decision, got.Reason, decision, reason)
	}
}

func TestNoCardForVisitors(t *testing.T) {
	f := newFixture(t)
	for _, r := range []auth.Role{auth.Visitor, auth.Tourist, auth.Admin} {
		if _, err := f.svc.Card(t.Context(), auth.User{ID: f.users[auth.Visitor].ID, Role: r}); !errors.Is(err, access.ErrForbidden) {
			t.Errorf("%s: card %v, want ErrForbidden", r, err)
		}
		if _, err := f.svc.Code(t.Context(), auth.User{ID: f.users[auth.Visitor].ID, Role: r}); !errors.Is(err, access.ErrForbidden) {
			t.Errorf("%s: code %v, want ErrForbidden", r, err)
		}
	}
	c := f.card(t, auth.Student)
	if again := f.card(t, auth.Student); again.ID != c.ID || c.Status != access.Valid || len(c.Number) != 10 {
		t.Errorf("card %+v then %+v", c, again)
	}
}

func TestCodeSingleUse(t *testing.T) {
	f := newFixture(t)
	code := f.code(t, auth.Staff)
	want(t, "first use at gate 2", f.check(t, gate2, access.Check{Code: code}), access.Allow, access.ReasonOK)
	f.clock.Add(3 * time.Second)
	res := f.check(t, gate2, access.Check{Code: code})
	want(t, "the same code at the same reader 3 s later (scanning again)", res, access.Allow, access.ReasonOK)
	if res.Person == nil || res.Person.Role != "staff" || res.Person.Name != "staff" {
		t.Errorf("person %+v", res.Person)
	}
	if c := f.card(t, auth.Staff); c.Status != access.Valid {
		t.Fatalf("a second scan froze the card: %+v", c)
	}
	f.clock.Add(3 * time.Second)
	want(t, "the same code at the same reader 6 s later", f.check(t, gate2, access.Check{Code: code}), access.Deny, access.ReasonReplayed)
	c := f.card(t, auth.Staff)
	if c.Status != access.Frozen || c.FrozenReason != access.FrozenReplayed {
		t.Errorf("card after a replay: %+v", c)
	}
	want(t, "a fresh code of a frozen card", f.check(t, gate2, access.Check{Code: f.code(t, auth.Staff)}), access.Deny, access.ReasonFrozen)
	want(t, "the physical card of a frozen card", f.check(t, gate2, access.Check{CardNumber: c.Number}), access.Deny, access.ReasonFrozen)
}

func TestCodeAtAnotherReaderFreezes(t *testing.T) {
	f := newFixture(t)
	code := f.code(t, auth.Student)
	want(t, "first use", f.check(t, gate2, access.Check{Code: code}), access.Allow, access.ReasonOK)
	f.clock.Add(time.Second)
	want(t, "the same code at the next turnstile", f.check(t, gate2b, access.Check{Code: code}), access.Deny, access.ReasonReplayed)
	if c := f.card(t, auth.Student); c.FrozenReason != access.FrozenReplayed {
		t.Errorf("card %+v, want frozen (replayed)", c)
	}
}

// TestConcurrentCopies: 100 readers check one code at once; exactly one
// opens, and the card is frozen.
func TestConcurrentCopies(t *testing.T) {
	f := newFixture(t)
	code := f.code(t, auth.Staff)
	var doors []*geo.Reader
	for _, r := range campus.Readers {
		if r.Kind == geo.ReaderPrinter {
			doors = append(doors, r)
		}
	}
	if len(doors) < 100 {
		t.Fatalf("%d readers", len(doors))
	}
	var allowed, replayed atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, r := range doors[:100] {
		wg.Go(func() {
			<-start
			res, err := f.svc.Check(t.Context(), r, access.Check{Reader: r.ID, Code: code})
			if err != nil {
				t.Error(err)
				return
			}
			switch res.Reason {
			case access.ReasonOK:
				allowed.Add(1)
			case access.ReasonReplayed:
				replayed.Add(1)
			default:
				t.Errorf("%s: %s", r.Kind, res.Reason)
			}
		})
	}
	close(start)
	wg.Wait()
	if allowed.Load() != 1 || replayed.Load() != 99 {
		t.Errorf("%d allowed, %d replayed; want 1 and 99", allowed.Load(), replayed.Load())
	}
	if c := f.card(t, auth.Staff); c.Status != access.Frozen {
		t.Errorf("card %+v, want frozen", c)
	}
	// Every decision is in the audit log, and the log verifies.
	es, err := f.db.AuditEntries(t.Context(), audit.Query{Subject: "staff@hkust-gz.edu.cn", Kind: audit.Access, Limit: 500})
	if err != nil || len(es) != 100 {
		t.Errorf("%d access entries (%v), want 100", len(es), err)
	}
	if _, err := f.db.VerifyAudit(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestForgedCodes(t *testing.T) {
	f := newFixture(t)
	good := f.code(t, auth.Staff)
	raw, err := base64.RawURLEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := card.NewSigningKey()
	c := f.card(t, auth.Staff)
	step := card.StepOf(f.clock.Now())
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x40
		return base64.RawURLEncoding.EncodeToString(b)
	}
	cases := []struct {
		name, code, reason string
	}{
		{"truncated", good[:len(good)-10], access.ReasonForged},
		{"a bit flipped in the card", flip(10), access.ReasonForged},
		{"a bit flipped in the signature", flip(len(raw) - 3), access.ReasonForged},
		{"signed by another key", other.Code(c.ID, step, 42), access.ReasonForged},
		{"not base64", "!!!!", access.ReasonForged},
		{"empty bytes", "AA", access.ReasonForged},
	}
	for _, tc := range cases {
		want(t, tc.name, f.check(t, gate2, access.Check{Code: tc.code}), access.Deny, tc.reason)
	}
	want(t, "no credential", f.check(t, gate2, access.Check{}), access.Deny, access.ReasonUnknown)
	want(t, "an unknown card number", f.check(t, gate2, access.Check{CardNumber: "0000000000"}), access.Deny, access.ReasonUnknown)
	if got := f.card(t, auth.Staff); got.Status != access.Valid {
		t.Errorf("forgeries froze the card: %+v", got)
	}
	// Expired and future: a code made 2 minutes ago, one made 2 minutes ahead.
	old := f.code(t, auth.Staff)
	f.clock.Add(2 * time.Minute)
	want(t, "a code 2 minutes old", f.check(t, gate2, access.Check{Code: old}), access.Deny, access.ReasonExpired)
	f.clock.Add(2 * time.Minute)
	future := f.code(t, auth.Staff)
	f.clock.Add(-2 * time.Minute)
	want(t, "a code of 2 minutes ahead", f.check(t, gate2, access.Check{Code: future}), access.Deny, access.ReasonForged)
	f.clock.Add(-2 * time.Minute)
	want(t, "the good code, still good", f.check(t, gate2, access.Check{Code: good}), access.Allow, access.ReasonOK)
}

func TestOlderStepIsReplayed(t *testing.T) {
	f := newFixture(t)
	older := f.code(t, auth.Student)
	f.clock.Add(card.StepSeconds * time.Second)
	newer := f.code(t, auth.Student)
	want(t, "the newer code", f.check(t, gate2, access.Check{Code: newer}), access.Allow, access.ReasonOK)
	f.clock.Add(20 * time.Second)
	want(t, "an unused code of an older step", f.check(t, gate5, access.Check{Code: older}), access.Deny, access.ReasonReplayed)
}

func TestLostCard(t *testing.T) {
	f := newFixture(t)
	u := f.users[auth.Student]
	c, err := f.svc.Physical(t.Context(), u, true)
	if err != nil || c.Physical != access.Lost {
		t.Fatalf("lost: %+v %v", c, err)
	}
	want(t, "a lost card", f.check(t, gate2, access.Check{CardNumber: c.Number}), access.Deny, access.ReasonLost)
	f.clock.Add(time.Minute)
	want(t, "the phone's code while the card is lost", f.check(t, gate2, access.Check{Code: f.code(t, auth.Student)}), access.Allow, access.ReasonOK)
	if _, err := f.svc.Physical(t.Context(), u, false); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	want(t, "found again", f.check(t, gate2, access.Check{CardNumber: c.Number}), access.Allow, access.ReasonOK)
}

func TestImpossibleTravel(t *testing.T) {
	f := newFixture(t)
	want(t, "gate 2", f.check(t, gate2, access.Check{Code: f.code(t, auth.Staff)}), access.Allow, access.ReasonOK)
	f.clock.Add(20 * time.Second)
	want(t, "gate 5, 20 s later", f.check(t, gate5, access.Check{Code: f.code(t, auth.Staff)}), access.Deny, access.ReasonTravel)
	if c := f.card(t, auth.Staff); c.FrozenReason != access.FrozenTravel {
		t.Errorf("card %+v, want frozen (impossible_travel)", c)
	}

	// A walk: gate 2 to gate 5 at walking pace is allowed.
	rt, err := graph.Route(campus.View(geo.Student), routing.Request{From: "G2", To: "G5", Profile: routing.Walk})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "gate 2", f.check(t, gate2, access.Check{Code: f.code(t, auth.Student)}), access.Allow, access.ReasonOK)
	f.clock.Add(time.Duration(rt.DurationS) * time.Second)
	want(t, "gate 5 after the walk", f.check(t, gate5, access.Check{Code: f.code(t, auth.Student)}), access.Allow, access.ReasonOK)
	// Running it, at twice walking pace, is fine too; three times and more is not.
	f.clock.Add(time.Duration(rt.DurationS/2) * time.Second)
	want(t, "back to gate 2 running", f.check(t, gate2, access.Check{Code: f.code(t, auth.Student)}), access.Allow, access.ReasonOK)
}

func TestPolicyByRoleAndHours(t *testing.T) {
	f := newFixture(t)
	var c3Door, c3Lift, lock *geo.Reader
	for _, r := range campus.Readers {
		switch {
		case c3Door == nil && r.Kind == geo.ReaderDoor && r.AtEntrance() && r.Building != nil && r.Building.Ref == "C3":
			c3Door = r
		case c3Lift == nil && r.Kind == geo.ReaderElevator && r.Building != nil && r.Building.Ref == "C3":
			c3Lift = r
		case lock == nil && r.Kind == geo.ReaderLock && r.Building != nil && r.Building.Ref == "C3":
			lock = r
		}
	}
	if c3Door == nil || c3Lift == nil || lock == nil {
		t.Fatal("no C3 door, lift or lock")
	}
	step := func(d time.Duration) { f.clock.Add(d) }
	want(t, "student at a C3 door at 10:00", f.check(t, c3Door.ID, access.Check{Code: f.code(t, auth.Student)}), access.Allow, access.ReasonOK)
	step(time.Minute)
	six := 5
	res := f.check(t, c3Lift.ID, access.Check{Code: f.code(t, auth.Student), Floor: &six})
	want(t, "student to C3 6/F", res, access.Allow, access.ReasonOK)
	if len(res.Floors) < 8 {
		t.Errorf("floors %v", res.Floors)
	}
	step(time.Minute)
	want(t, "student at an office lock, no grant", f.check(t, lock.ID, access.Check{Code: f.code(t, auth.Student)}), access.Deny, access.ReasonNotPermitted)
	// A grant of the lock's room opens it.
	if _, err := f.svc.Grant(t.Context(), f.users[auth.Admin], access.GrantRequest{Person: "student@hkust-gz.edu.cn",
		Target: lock.Guards.Common().ID, From: f.clock.Now().Add(-time.Hour), To: f.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	step(time.Minute)
	want(t, "student at the lock with a grant", f.check(t, lock.ID, access.Check{Code: f.code(t, auth.Student)}), access.Allow, access.ReasonOK)
	// At 23:30 the teaching building is closed to students, open to staff.
	f.clock.Set(shanghai("2026-11-25T23:30:00+08:00"))
	want(t, "student at 23:30", f.check(t, c3Door.ID, access.Check{Code: f.code(t, auth.Student)}), access.Deny, access.ReasonOutsideHours)
	want(t, "staff at 23:30", f.check(t, c3Door.ID, access.Check{Code: f.code(t, auth.Staff)}), access.Allow, access.ReasonOK)
	// Family may not use printers.
	var printer *geo.Reader
	for _, r := range campus.Readers {
		if r.Kind == geo.ReaderPrinter && r.Building != nil && r.Building.Ref == "C3" {
			printer = r
			break
		}
	}
	step(time.Hour)
	want(t, "family at a printer", f.check(t, printer.ID, access.Check{Code: f.code(t, auth.Family)}), access.Deny, access.ReasonNotPermitted)
}

func TestDeviceCodes(t *testing.T) {
	f := newFixture(t)
	pub, priv, _ := ed25519.GenerateKey(nil)
	reg, err := f.svc.RegisterDevice(t.Context(), f.users[auth.Staff], base64.RawURLEncoding.EncodeToString(pub))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := base64.RawURLEncoding.DecodeString(reg.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	offline := func(nonce uint64) string {
		c, err := card.DeviceCode(cert, priv, card.StepOf(f.clock.Now()), nonce)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want(t, "a phone's own code", f.check(t, gate2, access.Check{Code: offline(1)}), access.Allow, access.ReasonOK)
	// A certificate the server did not sign: a key of its own.
	other, _ := card.NewSigningKey()
	parsed, err := card.ParseCertificate(cert)
	if err != nil {
		t.Fatal(err)
	}
	parsed.Key = other.ID
	forged, err := card.DeviceCode(other.Certify(parsed), priv, card.StepOf(f.clock.Now()), 2)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Second)
	want(t, "a certificate signed by another key", f.check(t, gate2, access.Check{Code: forged}), access.Deny, access.ReasonForged)
	if _, err := f.svc.RegisterDevice(t.Context(), f.users[auth.Staff], "not a key"); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("a bad key: %v", err)
	}
	// Unfreezing revokes the phone: its codes are refused after.
	if _, err := f.svc.SetFrozen(t.Context(), f.users[auth.Admin], f.card(t, auth.Staff).ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetFrozen(t.Context(), f.users[auth.Admin], f.card(t, auth.Staff).ID, false); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	want(t, "a revoked phone", f.check(t, gate2, access.Check{Code: offline(3)}), access.Deny, access.ReasonForged)
	if _, err := f.svc.SetFrozen(t.Context(), f.users[auth.Student], 1, true); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("a student freezing: %v", err)
	}
}

func TestCaptureFreezes(t *testing.T) {
	f := newFixture(t)
	c, err := f.svc.Capture(t.Context(), f.users[auth.Family], access.CaptureShot)
	if err != nil || c.FrozenReason != access.FrozenCapture {
		t.Fatalf("capture: %+v %v", c, err)
	}
	want(t, "after a screenshot", f.check(t, gate2, access.Check{Code: f.code(t, auth.Family)}), access.Deny, access.ReasonFrozen)
	if _, err := f.svc.Capture(t.Context(), f.users[auth.Family], "photo"); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("kind photo: %v", err)
	}
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		f.check(t, gate2, access.Check{Code: f.code(t, auth.Student)})
		f.clock.Add(time.Minute)
	}
	h, err := f.svc.History(t.Context(), f.users[auth.Student], 0, 2)
	if err != nil || len(h) != 2 || h[0].Reader != gate2 || h[0].Decision != access.Allow {
		t.Fatalf("history %+v %v", h, err)
	}
	rest, err := f.svc.History(t.Context(), f.users[auth.Student], h[1].ID, 10)
	if err != nil || len(rest) != 1 {
		t.Errorf("the next page: %+v %v", rest, err)
	}
}

// TestBadgeDoorsByGrantOnly: a badge reader inside a building (a server
// room, a lab) is no entrance: the teaching buildings' rule does not
// open it; a grant does.
func TestBadgeDoorsByGrantOnly(t *testing.T) {
	f := newFixture(t)
	var inner *geo.Reader
	for _, r := range campus.Readers {
		if r.Kind == geo.ReaderDoor && !r.AtEntrance() && r.Building != nil && r.Building.Ref == "C3" {
			inner = r
			break
		}
	}
	if inner == nil {
		t.Skip("no badge door inside C3")
	}
	want(t, "staff at a badge door inside C3", f.check(t, inner.ID, access.Check{Code: f.code(t, auth.Staff)}), access.Deny, access.ReasonNotPermitted)
	if _, err := f.svc.Grant(t.Context(), f.users[auth.Admin], access.GrantRequest{Person: "staff@hkust-gz.edu.cn",
		Target: inner.ID, From: f.clock.Now(), To: f.clock.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	want(t, "with a grant of the reader", f.check(t, inner.ID, access.Check{Code: f.code(t, auth.Staff)}), access.Allow, access.ReasonOK)
}

func TestResultJSON(t *testing.T) {
	for _, c := range []struct {
		r    access.Result
		want string
	}{
		{access.Result{Decision: "deny", Reason: "not_permitted", Floors: []int{}}, `{"decision":"deny","reason":"not_permitted","person":null,"floors":[]}`},
		{access.Result{Decision: "allow", Reason: "ok", Floors: []int{0, 5}}, `{"decision":"allow","reason":"ok","person":null,"floors":[0,5]}`},
		{access.Result{Decision: "allow", Reason: "ok"}, `{"decision":"allow","reason":"ok","person":null}`},
	} {
		b, err := json.Marshal(c.r)
		if err != nil || string(b) != c.want {
			t.Errorf("%+v: %s %v, want %s", c.r, b, err, c.want)
		}
	}
}

// TestReaderRate: a reader asking more than ReaderRate a second (bursts
// of ReaderBurst) is refused, and nothing is recorded for it.
func TestReaderRate(t *testing.T) {
	f := newFixture(t)
	refused := 0
	for range access.ReaderBurst + 5 {
		_, err := f.svc.Check(t.Context(), reader(t, gate5), access.Check{Reader: gate5, Code: "AQE"})
		switch {
		case errors.Is(err, access.ErrTooMany):
			refused++
		case err != nil:
			t.Fatal(err)
		}
	}
	if refused < 4 || refused > 5 {
		t.Errorf("%d of %d checks refused, want about 5", refused, access.ReaderBurst+5)
	}
	es, err := f.db.AuditEntries(t.Context(), audit.Query{Kind: audit.Access, Limit: 500})
	if err != nil || len(es) != access.ReaderBurst+5-refused {
		t.Errorf("%d access entries (%v), want one for each check answered", len(es), err)
	}
}
