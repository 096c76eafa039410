package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/postgres/pgtest"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/migrations"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/storetest"
)

// openFresh opens the store on a fresh schema, closed before the schema is
// dropped.
func openFresh(t testing.TB) *DB {
	t.Helper()
	u := pgtest.Schema(t)
	d, err := Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestSearchPath checks that the tables are made in the URL's schema, not
// in public.
func TestSearchPath(t *testing.T) {
	u := pgtest.Schema(t)
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
	u := pgtest.Schema(t)
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
	u := pgtest.Schema(t)
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
	fsys := storetest.MigrationsUpto(t, migrationFS, len(ms), "CREATE TABLE good (x INTEGER);", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
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

// BenchmarkAuthenticate: a signed-in request's session lookup, with the
// session cache and without.
func BenchmarkAuthenticate(b *testing.B) {
	storetest.BenchAuthenticate(b, openFresh(b))
}

// upgrade makes a database at an old schema version, on a fresh schema,
// for storetest.Engine.
func upgrade(t *testing.T, version int) (*store.DB, func() *store.DB) {
	u := pgtest.Schema(t)
	pool, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(t.Context(), pool, storetest.MigrationsUpto(t, migrationFS, version)); err != nil {
		t.Fatal(err)
	}
	old := store.New(stdlib.OpenDBFromPool(pool), Dialect)
	t.Cleanup(func() { old.Close(); pool.Close() })
	return old, func() *store.DB {
		d, err := Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d.DB
	}
}

// TestStore runs the conformance suite on this engine.
func TestStore(t *testing.T) {
	storetest.All(t, "postgres", func(t *testing.T) *store.DB { return openFresh(t).DB }, upgrade)
}

// BenchmarkSignIn: what password and phone sign-ins cost the store.
func BenchmarkSignIn(b *testing.B) { storetest.BenchSignIn(b, openFresh(b)) }

// BenchmarkAuthState: the shared sign-in state's operations one by one.
func BenchmarkAuthState(b *testing.B) { storetest.BenchAuthState(b, openFresh(b)) }
