package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/postgres/pgtest"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// auditEngine is a store for the audit tests: the flags that name it,
// its database for tampering, and the statement that turns its
// append-only triggers off (as someone holding the database can).
type auditEngine struct {
	args []string
	raw  *sql.DB
	off  string
}

// auditEngines runs f on a fresh SQLite data folder, and on a fresh
// PostgreSQL schema when CAMPUS_TEST_DATABASE_URL is set (through
// CAMPUS_DATABASE_URL, as an operator would).
func auditEngines(t *testing.T, f func(t *testing.T, e auditEngine)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := sqlite.OpenDir(dir); err != nil { // made and migrated
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite", sqlite.DataFile(dir))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		f(t, auditEngine{args: []string{"--data-dir", dir}, raw: raw,
			off: "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"})
	})
	t.Run("postgresql", func(t *testing.T) {
		base := os.Getenv("CAMPUS_TEST_DATABASE_URL")
		if base == "" {
			t.Skip("set CAMPUS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run this on PostgreSQL")
		}
		u := pgtest.SchemaOf(t, base)
		t.Setenv("CAMPUS_DATABASE_URL", u)
		raw, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		f(t, auditEngine{args: []string{"--data-dir", t.TempDir()}, raw: raw, off: "ALTER TABLE audit_log DISABLE TRIGGER USER"})
	})
}

// recordSome makes the log's first three entries: a sign-in (1), a
// wrong password (2), a duty granted (3).
func recordSome(t *testing.T, args []string) {
	t.Helper()
	if code, _, errs := campusRunIn(t, "correct horse\n", append([]string{"users", "add", "--role", "staff", "--email", "guard@example.edu"}, args...)...); code != exitOK {
		t.Fatalf("users add: %d %s", code, errs)
	}
	db, err := openStore(args[1])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := auth.New(db, auth.Options{})
	if _, err := svc.Login(t.Context(), "guard@example.edu", "correct horse", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	svc.Login(t.Context(), "guard@example.edu", "wrong horse", "192.0.2.1")
	if code, _, errs := campusRunIn(t, "", append([]string{"users", "grant", "guard@example.edu", "security"}, args...)...); code != exitOK {
		t.Fatalf("users grant: %d %s", code, errs)
	}
}

func TestAuditVerify(t *testing.T) {
	auditEngines(t, func(t *testing.T, e auditEngine) {
		code, out, errs := campusRunIn(t, "", append([]string{"audit", "verify"}, e.args...)...)
		if code != exitOK || !strings.Contains(out, `"entries":0`) {
			t.Fatalf("an empty log: exit %d\n%s%s", code, out, errs)
		}
		recordSome(t, e.args)
		code, out, errs = campusRunIn(t, "", append([]string{"audit", "verify"}, e.args...)...)
		var v verifiedJSON
		if code != exitOK || json.Unmarshal([]byte(out), &v) != nil || !v.OK || v.Entries != 3 || v.Seconds <= 0 {
			t.Fatalf("audit verify: exit %d\n%s%s", code, out, errs)
		}
		if !strings.Contains(errs, "3 entries verified in") || !strings.Contains(errs, v.HeadHash.String()) {
			t.Errorf("audit verify says: %s", errs)
		}
	})
}

// TestAuditVerifyTampered: an entry changed or removed behind the log's
// back (its triggers turned off, as the database's owner can) fails
// verify, which names it.
func TestAuditVerifyTampered(t *testing.T) {
	for _, tc := range []struct {
		name, stmt string
		entry      int64
		says       string
	}{
		{"edited", "UPDATE audit_log SET decision = 'allow' WHERE id = 2", 2, "entry 2 (signin_failed): its contents do not match its hash: it was changed"},
		{"deleted", "DELETE FROM audit_log WHERE id = 2", 2, "entry 2: missing: the entry before is entry 1; entry 3 (duty_granted) comes next"},
		{"last deleted", "DELETE FROM audit_log WHERE id = 3", 3, "entry 3: missing: the entry before is entry 2, and the log's head is entry 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auditEngines(t, func(t *testing.T, e auditEngine) {
				recordSome(t, e.args)
				if _, err := e.raw.Exec(tc.stmt); err == nil {
					t.Fatalf("%s went through the triggers", tc.stmt)
				}
				for _, stmt := range append(strings.Split(e.off, "; "), tc.stmt) {
					if _, err := e.raw.Exec(stmt); err != nil {
						t.Fatalf("%s: %v", stmt, err)
					}
				}
				code, out, errs := campusRunIn(t, "", append([]string{"audit", "verify"}, e.args...)...)
				if code != exitFail || !strings.Contains(errs, "campus audit verify: "+tc.says) {
					t.Errorf("audit verify: exit %d, said %q, want 1 and %q", code, errs, tc.says)
				}
				var f faultJSON
				if err := json.Unmarshal([]byte(out), &f); err != nil || f.OK || f.Entry != tc.entry {
					t.Errorf("audit verify printed %s (%v)", out, err)
				}
			})
		})
	}
}

func TestAuditUsage(t *testing.T) {
	for _, args := range [][]string{{"audit"}, {"audit", "check"}, {"audit", "verify", "extra"}} {
		if code, _, errs := campusRunIn(t, "", append(args, "--data-dir", filepath.Join(t.TempDir(), "d"))...); code != exitUsage || !strings.Contains(errs, "usage: campus audit verify") {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
}
