package storetest

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/migrations"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/store"
)

// All runs the whole conformance suite on an engine: every service's
// store contract, then Engine. Each engine's tests call it once, so a
// suite added here runs on both.
func All(t *testing.T, engine string, newStore func(t *testing.T) *store.DB, up Upgrade) {
	t.Run("Auth", func(t *testing.T) { Auth(t, func(t *testing.T) auth.Store { return newStore(t) }) })
	t.Run("Places", func(t *testing.T) { Places(t, func(t *testing.T) PlacesStore { return newStore(t) }) })
	t.Run("Text", func(t *testing.T) { Text(t, func(t *testing.T) PlacesStore { return newStore(t) }) })
	t.Run("WeChat", func(t *testing.T) { WeChat(t, func(t *testing.T) WeChatStore { return newStore(t) }) })
	t.Run("Idempotency", func(t *testing.T) { Idempotency(t, func(t *testing.T) IdempotencyStore { return newStore(t) }) })
	t.Run("AuthState", func(t *testing.T) { AuthState(t, func(t *testing.T) StateStore { return newStore(t) }) })
	t.Run("Duties", func(t *testing.T) { Duties(t, func(t *testing.T) auth.Store { return newStore(t) }) })
	t.Run("Access", func(t *testing.T) { Access(t, func(t *testing.T) AccessStore { return newStore(t) }) })
	t.Run("Locks", func(t *testing.T) { Locks(t, func(t *testing.T) AccessStore { return newStore(t) }) })
	t.Run("Ledger", func(t *testing.T) { Ledger(t, func(t *testing.T) ledger.Store { return newStore(t) }) })
	t.Run("Payments", func(t *testing.T) { Payments(t, func(t *testing.T) PaymentsStore { return newStore(t) }) })
	t.Run("Bookings", func(t *testing.T) { Bookings(t, func(t *testing.T) BookingStore { return newStore(t) }) })
	t.Run("Courses", func(t *testing.T) { Courses(t, func(t *testing.T) CourseStore { return newStore(t) }) })
	t.Run("Labs", func(t *testing.T) { Labs(t, func(t *testing.T) LabStore { return newStore(t) }) })
	t.Run("Counselling", func(t *testing.T) { Counselling(t, func(t *testing.T) CounsellingStore { return newStore(t) }) })
	t.Run("Calendars", func(t *testing.T) { Calendars(t, func(t *testing.T) CalendarStore { return newStore(t) }) })
	t.Run("Repairs", func(t *testing.T) { Repairs(t, newStore) })
	t.Run("Visits", func(t *testing.T) { Visits(t, newStore) })
	t.Run("Tours", func(t *testing.T) { Tours(t, newStore) })
	t.Run("Shares", func(t *testing.T) { Shares(t, newStore) })
	t.Run("Engine", func(t *testing.T) { Engine(t, engine, newStore, up) })
}

// Upgrade makes a database of an engine at an old schema version, as an
// older program left it: old is the store over it then, and upgrade
// applies the rest of the migrations (opening it as the program does)
// and returns the store at the newest version.
type Upgrade func(t *testing.T, version int) (old *store.DB, upgrade func() *store.DB)

// Engine runs what every engine must do beyond the services' contracts:
// its errors, the service over it, migrations of old data. newStore
// makes a fresh store; name is the engine's, which no service error may
// show.
func Engine(t *testing.T, name string, newStore func(t *testing.T) *store.DB, up Upgrade) {
	t.Run("Times", func(t *testing.T) { testTimes(t, newStore(t)) })
	t.Run("AuthService", func(t *testing.T) { testAuthService(t, newStore(t)) })
	t.Run("ErrorText", func(t *testing.T) { testErrorText(t, newStore(t), name) })
	t.Run("ApproveOthersFamily", func(t *testing.T) { testApproveOthersFamily(t, newStore(t)) })
	t.Run("FamilyPendingMigration", func(t *testing.T) { testFamilyPendingMigration(t, up) })
	t.Run("PlacesCountMigration", func(t *testing.T) { testPlacesCountMigration(t, up) })
}

// testAuthService signs in through the service, on the store.
func testAuthService(t *testing.T, d *store.DB) {
	ctx := t.Context()
	svc := auth.New(d, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	ada := email("Ada")
	if _, err := svc.AddUser(ctx, strings.ToUpper(ada[:1])+ada[1:], "correct horse", auth.Staff); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, ada, "correct horse", auth.Staff); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("second AddUser: %v, want ErrConflict", err)
	}
	sess, err := svc.Login(ctx, ada, "correct horse", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := svc.Authenticate(ctx, sess.Token); err != nil || u.Email != ada {
		t.Fatalf("Authenticate: %+v, %v", u, err)
	}
	if err := svc.Disable(ctx, ada); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, sess.Token); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("Authenticate after Disable: %v, want ErrUnauthorized", err)
	}
	var n int
	d.SQL().QueryRowContext(ctx, "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1", ada).Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions left after disabling the account", n)
	}
}

// testErrorText: a service's errors say nothing of the engine, as web
// shows their text to clients.
func testErrorText(t *testing.T, d *store.DB, engine string) {
	ctx := t.Context()
	a := email("a")
	u, _ := d.CreateUser(ctx, auth.User{Email: a, Role: auth.Staff}, "h")
	_, errConflict := d.CreateUser(ctx, auth.User{Email: a, Role: auth.Staff}, "h")
	_, errPlace := d.GetPlace(ctx, u.ID, 1<<40)
	_, _, errUser := d.UserByEmail(ctx, email("nobody"))
	errSession := d.CreateSession(ctx, tokenHash(), 1<<40, time.Now().Add(time.Hour))
	for _, c := range []struct {
		err    error
		prefix string
	}{
		{errConflict, "auth: already exists ("},
		{errPlace, "places: not found ("},
		{errUser, "auth: not found ("},
		{errSession, "auth: not found ("},
	} {
		low := ""
		if c.err != nil {
			low = strings.ToLower(c.err.Error())
		}
		if c.err == nil || !strings.HasPrefix(c.err.Error(), c.prefix) || strings.Contains(low, engine) || strings.Contains(low, "sqlstate") {
			t.Errorf("error %q, want it to start %q and not name %s", c.err, c.prefix, engine)
		}
	}
}

// testApproveOthersFamily: approving an application for a phone that
// became another staff member's family account meanwhile is
// ErrFamilyAccount and changes nothing. (Applying checks first; this is
// the race past it.)
func testApproveOthersFamily(t *testing.T, d *store.DB) {
	ctx := t.Context()
	a := mustCreate(t, d, "a", auth.Staff)
	b := mustCreate(t, d, "b", auth.Staff)
	ph := phone()
	first, err := d.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: a.ID, Phone: ph, Name: "Mei"})
	if err != nil {
		t.Fatal(err)
	}
	insert := func() (int64, error) {
		var id int64
		err := d.SQL().QueryRowContext(ctx, "INSERT INTO family_applications (sponsor_id, phone, name, status, created) VALUES ($1, $2, 'Mei', 'pending', $3) RETURNING id",
			b.ID, ph, d.Dialect().Time(time.Now().UTC())).Scan(&id)
		return id, err
	}
	if _, err := insert(); err == nil {
		t.Fatal("two pending applications for one phone were stored")
	}
	if _, err := d.DecideFamilyApplication(ctx, first.ID, true, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	// b's application, made as a's was being approved.
	late, err := insert()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.DecideFamilyApplication(ctx, late, true, 0, time.Now()); !errors.Is(err, auth.ErrFamilyAccount) {
		t.Errorf("approving for another's family account: %v, want ErrFamilyAccount", err)
	}
	if u, _, _ := d.UserByEmail(ctx, "tel:"+ph); u.SponsorID != a.ID {
		t.Errorf("the family account changed sponsor: %+v", u)
	}
}

// testFamilyPendingMigration: a phone with several applications pending,
// made before migration 3, keeps the first pending; the others are
// rejected, and the rule holds from then on.
func testFamilyPendingMigration(t *testing.T, up Upgrade) {
	old, upgrade := up(t, 2)
	ctx := t.Context()
	a := mustCreate(t, old, "a", auth.Staff)
	b := mustCreate(t, old, "b", auth.Staff)
	ph, other := phone(), phone()
	var ids []int64
	for _, sp := range []int64{a.ID, b.ID, a.ID} {
		app, err := old.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: sp, Phone: ph, Name: "Mei"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, app.ID)
	}
	lan, err := old.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: b.ID, Phone: other, Name: "Lan"})
	if err != nil {
		t.Fatal(err)
	}
	d := upgrade()
	all, err := d.FamilyApplications(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]auth.FamilyStatus{}
	for _, x := range all {
		status[x.ID] = x.Status
		if x.Status == auth.Rejected && x.Decided == nil {
			t.Errorf("application %d rejected without a decision time", x.ID)
		}
	}
	if status[ids[0]] != auth.Pending || status[ids[1]] != auth.Rejected || status[ids[2]] != auth.Rejected || status[lan.ID] != auth.Pending {
		t.Errorf("after migration 3: %v (first %v, other %d)", status, ids, lan.ID)
	}
	if _, err := d.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: b.ID, Phone: ph, Name: "Mei"}); !errors.Is(err, auth.ErrFamilyPending) {
		t.Errorf("a second pending application after migration 3: %v, want ErrFamilyPending", err)
	}
}

// testPlacesCountMigration: an account that kept more places than the
// cap before migration 4 counted them keeps them all, and is counted
// right from then on.
func testPlacesCountMigration(t *testing.T, up Upgrade) {
	old, upgrade := up(t, 3)
	ctx := t.Context()
	u := mustCreate(t, old, "keeper", auth.Staff)
	for i := range places.MaxPerPerson + 1 {
		if _, err := old.SQL().ExecContext(ctx, "INSERT INTO places (user_id, name, lon, lat, ordinal, created) VALUES ($1, $2, 113.4786, 22.8955, 0, $3)",
			u.ID, "p"+string(rune('a'+i%26)), old.Dialect().Time(time.Now().UTC())); err != nil {
			t.Fatal(err)
		}
	}
	OverTheCap(t, upgrade(), u.ID)
}

// testTimes: times come back in UTC, to the microsecond.
func testTimes(t *testing.T, d *store.DB) {
	at := time.Date(2025, 9, 1, 16, 30, 15, 123456789, time.FixedZone("CST", 8*3600))
	u, err := d.CreateUser(t.Context(), auth.User{Email: email("times"), Role: auth.Staff, Created: at}, "h")
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := d.UserByEmail(t.Context(), u.Email)
	if err != nil {
		t.Fatal(err)
	}
	want := at.Truncate(time.Microsecond).UTC()
	if !got.Created.Equal(want) || got.Created.Location() != time.UTC || !u.Created.Equal(want) {
		t.Errorf("created %v (returned %v), want %v in UTC", got.Created, u.Created, want)
	}
}

// MigrationsUpto is an engine's migrations (fsys) up to version n, then
// extra: a schema as an older program left it, or with a test's own
// migration after it.
func MigrationsUpto(t testing.TB, fsys fs.FS, n int, extra ...string) fstest.MapFS {
	t.Helper()
	out, err := migrations.Upto(fsys, n, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
