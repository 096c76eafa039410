package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/migrations"
	"github.com/campusnav/engine/services/store"
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
	fsys := storetest.MigrationsUpto(t, migrationFS, len(ms), "CREATE TABLE good (x INTEGER) STRICT;", "CREATE TABLE half (x INTEGER) STRICT;\nINSERT INTO nowhere VALUES (1);")
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

// BenchmarkAuthenticate: a signed-in request's session lookup, with the
// session cache and without.
func BenchmarkAuthenticate(b *testing.B) {
	storetest.BenchAuthenticate(b, openTemp(b))
}

// upgrade makes a database file at an old schema version, for
// storetest.Engine.
func upgrade(t *testing.T, version int) (*store.DB, func() *store.DB) {
	path := filepath.Join(t.TempDir(), FileName)
	raw, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(t.Context(), raw, storetest.MigrationsUpto(t, migrationFS, version)); err != nil {
		t.Fatal(err)
	}
	old := store.New(raw, Dialect)
	t.Cleanup(func() { old.Close() })
	return old, func() *store.DB {
		d, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d.DB
	}
}

// TestStore runs the conformance suite on this engine.
func TestStore(t *testing.T) {
	storetest.All(t, "sqlite", func(t *testing.T) *store.DB { return openTemp(t).DB }, upgrade)
}

// BenchmarkSignIn: what password and phone sign-ins cost the store.
func BenchmarkSignIn(b *testing.B) { storetest.BenchSignIn(b, openTemp(b)) }

// BenchmarkAuthState: the shared sign-in state's operations one by one.
func BenchmarkAuthState(b *testing.B) { storetest.BenchAuthState(b, openTemp(b)) }

// TestRelaxedWritesLeaveFull: the sign-in state written with relaxed
// commits (limit buckets, sign-ins begun) gives its connection back to
// the pool waiting for the disk again, so every other write does.
func TestRelaxedWritesLeaveFull(t *testing.T) {
	d := openTemp(t)
	ctx := t.Context()
	b := auth.Bucket{Kind: "login-account", Limit: auth.Limit{N: 5, Per: time.Minute}, Max: 100}
	for i := range 20 {
		b.Key = fmt.Sprint("k", i%3)
		if _, err := d.Attempt(ctx, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := d.PutSSOFlow(ctx, auth.SSOFlow{State: fmt.Sprint("s", i), Nonce: "n", Verifier: "v", Expires: time.Now().Add(time.Minute)}, 100); err != nil {
			t.Fatal(err)
		}
	}
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
		var sync int
		if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
			t.Errorf("connection %d after relaxed writes: synchronous=%d (%v), want 2 (FULL)", i, sync, err)
		}
	}
}
