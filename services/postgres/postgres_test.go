package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/migrations"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/storetest"
)

// urlEnv names the database the tests use. Each test makes a schema of its
// own in it, and drops it afterwards.
const urlEnv = "CAMPUS_TEST_DATABASE_URL"

// freshSchema makes a schema with a random name in the test database, and
// returns the database's URL with that schema as its search_path. The
// schema is dropped when the test ends. It skips the test when urlEnv is
// not set.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(urlEnv)
	if base == "" {
		t.Skipf("%s is not set; to run these tests against PostgreSQL: %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./services/postgres/", urlEnv, urlEnv)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "campustest_" + hex.EncodeToString(b)
	ident := pgx.Identifier{schema}.Sanitize()

	admin, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatalf("connecting to %s: %v", urlEnv, err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(t.Context(), "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})

	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", urlEnv, err)
	}
	return u
}

// withSearchPath returns the database URL or keyword/value string base
// with search_path set to schema (a run-time parameter pgx sends when it
// connects).
func withSearchPath(base, schema string) (string, error) {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// openFresh opens the store on a fresh schema, closed before the schema is
// dropped.
func openFresh(t testing.TB) *DB {
	t.Helper()
	u := freshSchema(t)
	d, err := Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestAuthStore(t *testing.T) {
	storetest.Auth(t, func(t *testing.T) auth.Store { return openFresh(t) })
}

func TestPlacesStore(t *testing.T) {
	storetest.Places(t, func(t *testing.T) interface {
		auth.Store
		places.Store
	} {
		return openFresh(t)
	})
}

// TestText: text no store may keep is refused before the store, as on the
// other store.
func TestText(t *testing.T) {
	storetest.Text(t, func(t *testing.T) interface {
		auth.Store
		places.Store
	} {
		return openFresh(t)
	})
}

// TestSearchPath checks that the tables are made in the URL's schema, not
// in public.
func TestSearchPath(t *testing.T) {
	u := freshSchema(t)
	d, err := Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	want, _ := url.Parse(u)
	var schema string
	if err := d.pool.QueryRow(t.Context(), "SELECT table_schema FROM information_schema.tables WHERE table_name = 'users' AND table_schema = current_schema()").Scan(&schema); err != nil {
		t.Fatalf("users table in the current schema: %v", err)
	}
	if want != nil && schema != want.Query().Get("search_path") {
		t.Errorf("tables in schema %q, want %q", schema, want.Query().Get("search_path"))
	}
}

// TestConcurrentOpen opens one fresh schema from several pools at once, as
// replicas starting together do: the advisory lock lets one migrate and
// the others find it done.
func TestConcurrentOpen(t *testing.T) {
	u := freshSchema(t)
	const n = 4
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), u) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d of %d at once: %v", i+1, n, err)
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	ms, err := migrations.Load(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := dbs[0].pool.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if v, err := dbs[1].Version(t.Context()); err != nil || v != len(ms) || rows != len(ms) {
		t.Errorf("schema version %d (%v) in %d rows, want %d in as many", v, err, rows, len(ms))
	}
	// The lock was given back: a later Open does not wait for it.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d, err := Open(ctx, u)
	if err != nil {
		t.Fatalf("Open after the others: %v", err)
	}
	d.Close()
}

func TestOpenAgain(t *testing.T) {
	u := freshSchema(t)
	d, err := Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	created, err := d.CreateUser(t.Context(), auth.User{Email: "kept@example.edu", Role: auth.Staff}, "h")
	if err != nil {
		t.Fatal(err)
	}
	d.Close()

	d, err = Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open of a migrated schema: %v", err)
	}
	defer d.Close()
	got, _, err := d.UserByEmail(t.Context(), "kept@example.edu")
	if err != nil || got.ID != created.ID {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	if d, err := Open(t.Context(), "postgres://[bad"); err == nil {
		d.Close()
		t.Error("Open of a malformed URL succeeded")
	}
}

// TestNewerSchema refuses a database migrated by a newer program.
func TestNewerSchema(t *testing.T) {
	d := openFresh(t)
	if _, err := d.pool.Exec(t.Context(), "INSERT INTO schema_migrations (version) VALUES (999)"); err != nil {
		t.Fatal(err)
	}
	if err := migrate(t.Context(), d.pool, migrationFS); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("migrate of a newer database: %v, want an error saying it is newer", err)
	}
}

// TestMigrationAtomic checks that a failing migration leaves nothing
// behind, and that the ones before it stay applied.
func TestMigrationAtomic(t *testing.T) {
	d := openFresh(t)
	ctx := t.Context()
	ms, err := migrations.Load(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	good, bad := len(ms)+1, len(ms)+2
	fsys := migrationsWith(t, len(ms), "CREATE TABLE good (x INTEGER);", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
	err = migrate(ctx, d.pool, fsys)
	if name := fmt.Sprintf("%04d_extra.sql", bad); err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("migrate with a bad migration: %v, want an error naming %s", err, name)
	}
	if v, _ := d.Version(ctx); v != good {
		t.Errorf("schema version %d after a failed %d, want %d", v, bad, good)
	}
	var hasHalf, hasGood bool
	d.pool.QueryRow(ctx, "SELECT to_regclass('half') IS NOT NULL, to_regclass('good') IS NOT NULL").Scan(&hasHalf, &hasGood)
	if hasHalf {
		t.Errorf("the failed migration's first statement stayed applied")
	}
	if !hasGood {
		t.Errorf("migration %d was not applied", good)
	}
}

// TestConflictIsTyped checks that a unique violation is recognised by its
// SQLSTATE and becomes auth.ErrConflict, and other errors are not taken
// for one.
func TestConflictIsTyped(t *testing.T) {
	d := openFresh(t)
	ctx := t.Context()
	_, err := d.pool.Exec(ctx, "INSERT INTO users (email, role, password_hash, created) VALUES ('a@b.c', 'staff', 'h', now()), ('a@b.c', 'staff', 'h', now())")
	if !isUnique(err) || isForeignKey(err) {
		t.Errorf("duplicate email: isUnique=%v isForeignKey=%v (%v)", isUnique(err), isForeignKey(err), err)
	}
	_, err = d.pool.Exec(ctx, "INSERT INTO sessions (token_hash, user_id, expires) VALUES ('x', 42, now())")
	if !isForeignKey(err) || isUnique(err) {
		t.Errorf("session of no user: isUnique=%v isForeignKey=%v (%v)", isUnique(err), isForeignKey(err), err)
	}
	_, err = d.pool.Exec(ctx, "INSERT INTO nowhere VALUES (1)")
	if err == nil || isUnique(err) || isForeignKey(err) {
		t.Errorf("a missing table taken for a constraint: %v", err)
	}
	if isUnique(errors.New(`ERROR: duplicate key value violates unique constraint (SQLSTATE 23505)`)) {
		t.Error("an error string taken for a constraint")
	}

	if _, err := d.CreateUser(ctx, auth.User{Email: "dup@example.edu", Role: auth.Staff}, "h"); err != nil {
		t.Fatal(err)
	}
	_, err = d.CreateUser(ctx, auth.User{Email: "dup@example.edu", Role: auth.Staff}, "h")
	if !errors.Is(err, auth.ErrConflict) {
		t.Errorf("CreateUser of a taken email: %v, want auth.ErrConflict", err)
	}
	_, err = d.AddPlace(ctx, places.Place{UserID: 424242, Name: "x", Lon: 113, Lat: 22})
	if !errors.Is(err, places.ErrNotFound) || errors.Is(err, auth.ErrNotFound) {
		t.Errorf("AddPlace of no account: %v, want places.ErrNotFound", err)
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

// TestAuthService signs in through the service, on this store.
func TestAuthService(t *testing.T) {
	d := openFresh(t)
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
	d.pool.QueryRow(ctx, "SELECT count(*) FROM sessions").Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions left after disabling the only account", n)
	}
}

// TestErrorText checks that a service's errors say nothing of PostgreSQL,
// as web shows their text to clients.
func TestErrorText(t *testing.T) {
	d := openFresh(t)
	ctx := t.Context()
	u, _ := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	_, errConflict := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	_, errPlace := d.GetPlace(ctx, u.ID, 42)
	_, _, errUser := d.UserByEmail(ctx, "b@example.edu")
	errSession := d.CreateSession(ctx, "h", u.ID+1000, time.Now().Add(time.Hour))
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
		if c.err == nil || !strings.HasPrefix(c.err.Error(), c.prefix) || strings.Contains(low, "postgres") || strings.Contains(low, "sqlstate") {
			t.Errorf("error %q, want it to start %q and not name PostgreSQL", c.err, c.prefix)
		}
	}
}

// TestTimes checks that times come back in UTC, to the microsecond.
func TestTimes(t *testing.T) {
	d := openFresh(t)
	at := time.Date(2025, 9, 1, 16, 30, 15, 123456789, time.FixedZone("CST", 8*3600))
	u, err := d.CreateUser(t.Context(), auth.User{Email: fmt.Sprintf("t%d@example.edu", at.Unix()), Role: auth.Staff, Created: at}, "h")
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

// TestFamilyPendingMigration: a phone with several applications pending,
// made before migration 3, keeps the first pending; the others are
// rejected, and the rule holds from then on.
func TestFamilyPendingMigration(t *testing.T) {
	d := openFresh(t)
	ctx := t.Context()
	a, _ := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	b, _ := d.CreateUser(ctx, auth.User{Email: "b@example.edu", Role: auth.Staff}, "h")
	// Back to before migration 3.
	if _, err := d.pool.Exec(ctx, "DROP INDEX family_applications_pending_phone; "+before4+"; DELETE FROM schema_migrations WHERE version >= 3"); err != nil {
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
	if err := migrate(ctx, d.pool, migrationFS); err != nil {
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

// TestApproveOthersFamily: approving an application for a phone that became
// another staff member's family account meanwhile is ErrFamilyAccount and
// changes nothing. (Applying checks first; this is the race past it.)
func TestApproveOthersFamily(t *testing.T) {
	d := openFresh(t)
	ctx := t.Context()
	a, _ := d.CreateUser(ctx, auth.User{Email: "a@example.edu", Role: auth.Staff}, "h")
	b, _ := d.CreateUser(ctx, auth.User{Email: "b@example.edu", Role: auth.Staff}, "h")
	first, err := d.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: a.ID, Phone: "+8613900000003", Name: "Mei"})
	if err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO family_applications (sponsor_id, phone, name, status, created) VALUES ($1, $2, 'Mei', 'pending', now()) RETURNING id"
	var late int64
	if err := d.pool.QueryRow(ctx, insert, b.ID, "+8613900000003").Scan(&late); err == nil {
		t.Fatal("two pending applications for one phone were stored")
	}
	if _, err := d.DecideFamilyApplication(ctx, first.ID, true, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	// b's application, made as a's was being approved.
	if err := d.pool.QueryRow(ctx, insert, b.ID, "+8613900000003").Scan(&late); err != nil {
		t.Fatal(err)
	}
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
	storetest.BenchAuthenticate(b, openFresh(b))
}

// TestPlacesCountMigration: migration 4 counts the places each account
// kept before it, so one with more than the cap keeps them all and adds
// none until deletions bring it under the cap.
// before4 takes a database back to before migration 4 (and 5, its
// triggers).
const before4 = before7 + "; DROP TRIGGER places_counted ON places; DROP FUNCTION places_count; ALTER TABLE users DROP COLUMN places_count; DELETE FROM schema_migrations WHERE version >= 4"

// before7 takes a database back to before migration 7 (the audit log and
// duties).
const before7 = "DROP TABLE duties; DROP FUNCTION duties_listed; ALTER TABLE users DROP COLUMN duties; DROP TABLE audit_log; DROP TABLE audit_head; DROP FUNCTION audit_log_append; DROP FUNCTION audit_log_kept; DELETE FROM schema_migrations WHERE version >= 7"

func TestPlacesCountMigration(t *testing.T) {
	d := openFresh(t)
	ctx := t.Context()
	u, _ := d.CreateUser(ctx, auth.User{Email: "keeper@example.edu", Role: auth.Staff}, "h")
	if _, err := d.pool.Exec(ctx, before4); err != nil {
		t.Fatal(err)
	}
	over := places.MaxPerPerson + 1
	if _, err := d.pool.Exec(ctx, `INSERT INTO places (user_id, name, lon, lat, ordinal, created)
		SELECT $1, 'p' || n, 113.4786, 22.8955, 0, now() FROM generate_series(1, $2) n`, u.ID, over); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, d.pool, migrationFS); err != nil {
		t.Fatal(err)
	}
	storetest.OverTheCap(t, d, u.ID)
}
