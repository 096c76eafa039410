package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/migrations"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/storetest"
)

// openTemp opens a fresh database in a temporary folder, closed when the
// test ends.
func openTemp(t testing.TB) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestAuthStore(t *testing.T) {
	storetest.Auth(t, func(t *testing.T) auth.Store { return openTemp(t) })
}

func TestPlacesStore(t *testing.T) {
	storetest.Places(t, func(t *testing.T) interface {
		auth.Store
		places.Store
	} {
		return openTemp(t)
	})
}

// TestText: text no store may keep is refused before the store, as on the
// other store.
func TestText(t *testing.T) {
	storetest.Text(t, func(t *testing.T) interface {
		auth.Store
		places.Store
	} {
		return openTemp(t)
	})
}

// TestPragmas checks the settings of every connection the pool hands out,
// not only the first.
func TestPragmas(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 3 {
		c, err := d.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var mode string
		var sync, fk, busy int
		for _, q := range []struct {
			pragma string
			dest   any
		}{
			{"journal_mode", &mode},
			{"synchronous", &sync},
			{"foreign_keys", &fk},
			{"busy_timeout", &busy},
		} {
			if err := c.QueryRowContext(ctx, "PRAGMA "+q.pragma).Scan(q.dest); err != nil {
				t.Fatalf("connection %d: PRAGMA %s: %v", i, q.pragma, err)
			}
		}
		if mode != "wal" || sync != 2 || fk != 1 || busy != int(busyTimeout.Milliseconds()) {
			t.Errorf("connection %d: journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d; want wal, 2 (FULL), 1, %d",
				i, mode, sync, fk, busy, busyTimeout.Milliseconds())
		}
	}
}

func TestOpenAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := d.CreateUser(t.Context(), auth.User{Email: "kept@example.edu", Role: auth.Staff}, "h")
	if err != nil {
		t.Fatal(err)
	}
	d.Close()

	d, err = Open(path)
	if err != nil {
		t.Fatalf("Open of a migrated file: %v", err)
	}
	defer d.Close()
	got, _, err := d.UserByEmail(t.Context(), "kept@example.edu")
	if err != nil || got.ID != u.ID {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	ms, err := migrations.Load(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := d.db.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if v, err := d.Version(t.Context()); err != nil || v != len(ms) || rows != len(ms) {
		t.Errorf("schema version %d (%v) in %d rows, want %d in as many", v, err, rows, len(ms))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

func TestOpenDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "campus-data")
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatalf("OpenDir of a missing folder: %v", err)
	}
	defer d.Close()
	if d.Path() != DataFile(dir) || DataFile(dir) != filepath.Join(dir, "campus.db") {
		t.Errorf("path %s, DataFile %s", d.Path(), DataFile(dir))
	}
	if _, err := os.Stat(DataFile(dir)); err != nil {
		t.Error(err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", filepath.Join(dir, "what?.db"), filepath.Join(dir, "missing", "campus.db")} {
		if d, err := Open(path); err == nil {
			d.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

// TestNewerSchema refuses a database migrated by a newer program.
func TestNewerSchema(t *testing.T) {
	d := openTemp(t)
	if _, err := d.db.Exec("INSERT INTO schema_migrations (version, applied) VALUES (999, 0)"); err != nil {
		t.Fatal(err)
	}
	if err := migrate(t.Context(), d.db, migrationFS); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("migrate of a newer database: %v, want an error saying it is newer", err)
	}
}

// TestMigrationAtomic checks that a failing migration leaves nothing
// behind, and that the ones before it stay applied.
func TestMigrationAtomic(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	ms, err := migrations.Load(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	good, bad := len(ms)+1, len(ms)+2
	fsys := migrationsWith(t, len(ms), "CREATE TABLE good (x INTEGER) STRICT;", "CREATE TABLE half (x INTEGER) STRICT;\nINSERT INTO nowhere VALUES (1);")
	err = migrate(ctx, d.db, fsys)
	if name := fmt.Sprintf("%04d_extra.sql", bad); err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("migrate with a bad migration: %v, want an error naming %s", err, name)
	}
	if v, _ := d.Version(ctx); v != good {
		t.Errorf("schema version %d after a failed %d, want %d", v, bad, good)
	}
	var n int
	d.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").Scan(&n)
	if n != 0 {
		t.Errorf("the failed migration's first statement stayed applied")
	}
	d.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'good'").Scan(&n)
	if n != 1 {
		t.Errorf("migration %d was not applied", good)
	}
}

// TestConflictIsTyped checks that a unique violation is recognised by the
// driver's error code, and other errors are not taken for one.
func TestConflictIsTyped(t *testing.T) {
	d := openTemp(t)
	_, err := d.db.Exec("INSERT INTO users (email, role, password_hash, created) VALUES ('a@b.c', 'staff', 'h', 0), ('a@b.c', 'staff', 'h', 0)")
	if !isUnique(err) || isForeignKey(err) {
		t.Errorf("duplicate email: isUnique=%v isForeignKey=%v (%v)", isUnique(err), isForeignKey(err), err)
	}
	_, err = d.db.Exec("INSERT INTO sessions (token_hash, user_id, expires) VALUES ('x', 42, 0)")
	if !isForeignKey(err) || isUnique(err) {
		t.Errorf("session of no user: isUnique=%v isForeignKey=%v (%v)", isUnique(err), isForeignKey(err), err)
	}
	_, err = d.db.Exec("INSERT INTO nowhere VALUES (1)")
	if _, ok := constraint(err); ok || err == nil {
		t.Errorf("a missing table taken for a constraint: %v", err)
	}
	if _, ok := constraint(errors.New("UNIQUE constraint failed")); ok {
		t.Error("an error string taken for a constraint")
	}
}

// migrationsWith returns the store's migrations up to version upTo, then
// the SQL of extra as the next ones, NNNN_extra.sql.
func migrationsWith(t *testing.T, upTo int, extra ...string) fstest.MapFS {
	t.Helper()
	ms, err := migrations.Load(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, m := range ms[:upTo] {
		fsys["migrations/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	for i, sql := range extra {
		fsys[fmt.Sprintf("migrations/%04d_extra.sql", upTo+i+1)] = &fstest.MapFile{Data: []byte(sql)}
	}
	return fsys
}

// TestTwoHandles writes through two handles on one file at once, as the
// server and the command-line tool do: writers wait for each other.
func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		for j, d := range []*DB{a, b} {
			wg.Go(func() {
				_, err := d.CreateUser(t.Context(), auth.User{Email: fmt.Sprintf("u%d-%d@example.edu", j, i), Role: auth.Staff}, "h")
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("CreateUser: %v", err)
		}
	}
	if us, _ := b.ListUsers(t.Context()); len(us) != 40 {
		t.Errorf("%d accounts, want 40", len(us))
	}
}

// TestAuthService signs in through the service, on this store.
func TestAuthService(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	svc := auth.New(d, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if _, err := svc.AddUser(ctx, "Ada@Example.edu", "correct horse", auth.Staff); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, "ada@example.edu", "correct horse", auth.Staff); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("second AddUser: %v, want ErrConflict", err)
	}
	sess, err := svc.Login(ctx, "ada@example.edu", "correct horse", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := svc.Authenticate(ctx, sess.Token); err != nil || u.Email != "ada@example.edu" {
		t.Fatalf("Authenticate: %+v, %v", u, err)
	}
	if err := svc.Disable(ctx, "ada@example.edu"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, sess.Token); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("Authenticate after Disable: %v, want ErrUnauthorized", err)
	}
	var n int
	d.db.QueryRow("SELECT count(*) FROM sessions").Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions left after disabling the only account", n)
	}
}

// TestErrorText checks that a service's errors say nothing of SQLite, as
// web shows their text to clients.
func TestErrorText(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	u, _ := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	_, errConflict := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	_, errPlace := d.GetPlace(ctx, u.ID, 42)
	_, _, errUser := d.UserByEmail(ctx, "b@example.edu")
	for _, c := range []struct {
		err    error
		prefix string
	}{
		{errConflict, "auth: already exists ("},
		{errPlace, "places: not found ("},
		{errUser, "auth: not found ("},
	} {
		if c.err == nil || !strings.HasPrefix(c.err.Error(), c.prefix) || strings.Contains(strings.ToLower(c.err.Error()), "sqlite") {
			t.Errorf("error %q, want it to start %q and not name SQLite", c.err, c.prefix)
		}
	}
}

// TestFamilyPendingMigration: a phone with several applications pending,
// made before migration 3, keeps the first pending; the others are
// rejected, and the rule holds from then on.
func TestFamilyPendingMigration(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	a, _ := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	b, _ := d.CreateUser(ctx, auth.User{Email: "b@example.edu", Role: auth.Staff}, "h")
	// Back to before migration 3.
	if _, err := d.db.Exec("DROP INDEX family_applications_pending_phone; " + before4 + "; DELETE FROM schema_migrations WHERE version >= 3"); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, sp := range []int64{a.ID, b.ID, a.ID} {
		app, err := d.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: sp, Phone: "+8613900000001", Name: "Mei"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, app.ID)
	}
	other, _ := d.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: b.ID, Phone: "+8613900000002", Name: "Lan"})
	if err := migrate(ctx, d.db, migrationFS); err != nil {
		t.Fatal(err)
	}
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
	if status[ids[0]] != auth.Pending || status[ids[1]] != auth.Rejected || status[ids[2]] != auth.Rejected || status[other.ID] != auth.Pending {
		t.Errorf("after migration 3: %v (first %v, other %d)", status, ids, other.ID)
	}
	if _, err := d.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: b.ID, Phone: "+8613900000001", Name: "Mei"}); !errors.Is(err, auth.ErrFamilyPending) {
		t.Errorf("a second pending application after migration 3: %v, want ErrFamilyPending", err)
	}
}

// before4 takes a database back to before migration 4 (and 5, its
// triggers; and the later ones, before7).
const before4 = before7 + "; DROP TRIGGER places_counted; DROP TRIGGER places_uncounted; ALTER TABLE users DROP COLUMN places_count; DELETE FROM schema_migrations WHERE version >= 4"

// before7 takes a database back to before migration 7 (the audit log and
// duties; their triggers go with their tables).
const before7 = "DROP TABLE duties; ALTER TABLE users DROP COLUMN duties; DROP TABLE audit_log; DROP TABLE audit_head; DELETE FROM schema_migrations WHERE version >= 7"

// TestPlacesCountMigration: accounts that kept more places than the cap
// before it existed keep them, and are counted right.
func TestPlacesCountMigration(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	u, _ := d.CreateUser(ctx, auth.User{Email: "keeper@example.edu", Role: auth.Staff}, "h")
	if _, err := d.db.Exec(before4); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
		INSERT INTO places (user_id, name, lon, lat, ordinal, created) SELECT $1, 'p' || i, 113.4786, 22.8955, 0, 0 FROM n`,
		u.ID, places.MaxPerPerson+1); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, d.db, migrationFS); err != nil {
		t.Fatal(err)
	}
	storetest.OverTheCap(t, d, u.ID)
}

// TestApproveOthersFamily: approving an application for a phone that became
// another staff member's family account meanwhile is ErrFamilyAccount and
// changes nothing. (Applying checks first; this is the race past it.)
func TestApproveOthersFamily(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	a, _ := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	b, _ := d.CreateUser(ctx, auth.User{Email: "b@example.edu", Role: auth.Staff}, "h")
	first, err := d.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: a.ID, Phone: "+8613900000003", Name: "Mei"})
	if err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO family_applications (sponsor_id, phone, name, status, created) VALUES (?, ?, 'Mei', 'pending', 0)"
	if _, err := d.db.Exec(insert, b.ID, "+8613900000003"); err == nil {
		t.Fatal("two pending applications for one phone were stored")
	}
	if _, err := d.DecideFamilyApplication(ctx, first.ID, true, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	// b's application, made as a's was being approved.
	res, err := d.db.Exec(insert, b.ID, "+8613900000003")
	if err != nil {
		t.Fatal(err)
	}
	late, _ := res.LastInsertId()
	if _, err := d.DecideFamilyApplication(ctx, late, true, 0, time.Now()); !errors.Is(err, auth.ErrFamilyAccount) {
		t.Errorf("approving for another's family account: %v, want ErrFamilyAccount", err)
	}
	if u, _, _ := d.UserByEmail(ctx, "tel:+8613900000003"); u.SponsorID != a.ID {
		t.Errorf("the family account changed sponsor: %+v", u)
	}
}

// BenchmarkAuthenticate: a signed-in request's session lookup, with the
// session cache and without.
func BenchmarkAuthenticate(b *testing.B) {
	storetest.BenchAuthenticate(b, openTemp(b))
}
