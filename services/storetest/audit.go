package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// AuditStore is a store of accounts with an audit log: services/store's
// DB on either engine.
type AuditStore interface {
	auth.Store
	AppendTx(ctx context.Context, tx *sql.Tx, e audit.Entry) (audit.Entry, error)
	AuditHead(ctx context.Context) (audit.Head, error)
	VerifyAudit(ctx context.Context) (audit.Head, error)
	AuditEntries(ctx context.Context, q audit.Query) ([]audit.Entry, error)
	SQL() *sql.DB
}

// Tamper runs stmt (with args, $1 placeholders) on s as an attacker with
// the database in hand would: around the triggers that keep the audit
// log append-only. Each engine knows its own way.
type Tamper func(t *testing.T, s AuditStore, stmt string, args ...any)

// Audit runs the contract of the audit log on stores made by newStore,
// one per subtest; tamper changes a store's log behind its back.
func Audit(t *testing.T, newStore func(t *testing.T) AuditStore, tamper Tamper) {
	tests := []struct {
		name string
		run  func(t *testing.T, s AuditStore)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"Invalid", testAppendInvalid},
		{"Concurrent", testAppendConcurrent},
		{"InTransaction", testAppendTx},
		{"NeverChanged", testNeverChanged},
		{"Query", testAuditQuery},
		{"Recorded", testRecorded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
	third := func([]audit.Entry) []any { return []any{3} }
	for _, tc := range []struct {
		name, stmt string
		args       func(es []audit.Entry) []any
		id         int64
		kind, says string
	}{
		{"Edited", "UPDATE audit_log SET decision = 'allow' WHERE id = $1", third, 3, audit.SignInFailed, "was changed"},
		{"Relinked", "UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE id = 1) WHERE id = $1 + 1", third, 4, audit.SignIn, "was changed"},
		{"Deleted", "DELETE FROM audit_log WHERE id = $1", third, 3, "", "missing: the entry before is entry 2; entry 4 (signin) comes next"},
		{"TwoDeleted", "DELETE FROM audit_log WHERE id = $1 OR id - 1 = $1", third, 3, "", "missing, to entry 4: the entry before is entry 2; entry 5 (signin_failed) comes next"},
		{"FirstDeleted", "DELETE FROM audit_log WHERE id = $1 - 2", third, 1, "", "missing: the log has no entries before; entry 2 (signin) comes next"},
		{"LastDeleted", "DELETE FROM audit_log WHERE id = $1 + 2", third, 5, "", "missing: the entry before is entry 4, and the log's head is entry 5"},
		{"Copied", `INSERT INTO audit_log (id, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash)
			SELECT 6, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash FROM audit_log WHERE id = $1`, third, 6, "", "after the head (entry 5)"},
		{"CopiedBefore", `INSERT INTO audit_log (id, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash)
			SELECT 0, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash FROM audit_log WHERE id = $1`, third, 0, "", "put in before the first entry"},
		// An entry made as the log would, but not through it: the head
		// did not move.
		// (at is entry 5's, copied, as the engines store times apart.)
		{"PutIn", "INSERT INTO audit_log (" + auditColumns + ") SELECT $1, at, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM audit_log WHERE id = 5", func(es []audit.Entry) []any {
			e := sample("intruder", 1)
			e.At = es[4].At
			e = e.Chain(es[4].ID, es[4].Hash)
			return []any{e.ID, e.Actor, e.Subject, e.Kind, e.Place, e.Decision, e.Reason, string(e.Detail), e.PrevHash[:], e.Hash[:]}
		}, 6, "", "after the head"},
	} {
		t.Run("Tampered/"+tc.name, func(t *testing.T) {
			s := newStore(t)
			es := appendSome(t, s, "tampered", 5)
			if _, err := s.VerifyAudit(t.Context()); err != nil {
				t.Fatalf("before: %v", err)
			}
			tamper(t, s, tc.stmt, tc.args(es)...)
			_, err := s.VerifyAudit(t.Context())
			var f *audit.Fault
			if !errors.As(err, &f) {
				t.Fatalf("VerifyAudit after the change: %v, want a *audit.Fault", err)
			}
			if f.ID != tc.id || f.Kind != tc.kind || !strings.Contains(f.Problem, tc.says) {
				t.Errorf("fault %v, want entry %d (%q) saying %q", f, tc.id, tc.kind, tc.says)
			}
		})
	}
}

// auditColumns are the audit log's columns, in the order of tampering
// inserts.
const auditColumns = "id, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash"

// sample is an entry about subject: a refusal for odd i, a sign-in for
// even, at a time apart for each i.
func sample(subject string, i int) audit.Entry {
	e := audit.Entry{At: created.Add(time.Duration(i) * time.Minute), Actor: int64(i + 1), Subject: subject, Kind: audit.SignIn,
		Place: "192.0.2.1", Decision: audit.Allow, Reason: "right password, 正确", Detail: audit.Detail(map[string]int{"i": i})}
	if i%2 == 0 {
		e.Kind, e.Decision, e.Detail = audit.SignInFailed, audit.Deny, nil
	}
	return e
}

// appendSome appends n samples about subject (unique), and returns them
// as stored.
func appendSome(t *testing.T, s auth.Store, subject string, n int) []audit.Entry {
	t.Helper()
	subject = unique(subject)
	es := make([]audit.Entry, n)
	for i := range es {
		e, err := s.Append(t.Context(), sample(subject, i))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		es[i] = e
	}
	return es
}

// sameEntry says how got differs from want ("" when it does not).
func sameEntry(got, want audit.Entry) string {
	switch {
	case got.ID != want.ID || !got.At.Equal(want.At) || got.Actor != want.Actor || got.Subject != want.Subject || got.Kind != want.Kind ||
		got.Place != want.Place || got.Decision != want.Decision || got.Reason != want.Reason || string(got.Detail) != string(want.Detail):
		return fmt.Sprintf("%+v, want %+v", got, want)
	case got.PrevHash != want.PrevHash || got.Hash != want.Hash:
		return fmt.Sprintf("hashes %v %v, want %v %v", got.PrevHash, got.Hash, want.PrevHash, want.Hash)
	}
	return ""
}

func testAppendAndRead(t *testing.T, s AuditStore) {
	ctx := t.Context()
	start, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	es := appendSome(t, s, "reader", 4)
	for i, e := range es {
		want := sample(e.Subject, i)
		if e.ID != start.ID+int64(i)+1 || !sameTime(e.At, want.At) || e.At.Location() != time.UTC || e.Hash != e.Sum() {
			t.Errorf("entry %d as appended: %+v", i, e)
		}
		if i > 0 && e.PrevHash != es[i-1].Hash {
			t.Errorf("entry %d does not chain to the one before", i)
		}
	}
	if start.ID == 0 && es[0].PrevHash != audit.Zero {
		t.Errorf("the first entry's prev_hash %v, want zero", es[0].PrevHash)
	}
	got, err := s.AuditEntries(ctx, audit.Query{Subject: es[0].Subject})
	if err != nil || len(got) != 4 {
		t.Fatalf("AuditEntries: %d %v", len(got), err)
	}
	for i := range got {
		if d := sameEntry(got[i], es[3-i]); d != "" {
			t.Errorf("entry read back (newest first, %d): %s", i, d)
		}
	}
	head, err := s.VerifyAudit(ctx)
	if err != nil || head.ID != es[3].ID || head.Hash != es[3].Hash {
		t.Errorf("VerifyAudit: %+v %v, want the last entry", head, err)
	}
	// Now, when an entry has no time.
	e, err := s.Append(ctx, audit.Entry{Kind: "test", Decision: audit.Allow})
	if err != nil || time.Since(e.At) > time.Minute || e.At.After(time.Now()) {
		t.Errorf("an entry without a time: %v %v, want now", e.At, err)
	}
}

func testAppendInvalid(t *testing.T, s AuditStore) {
	ctx := t.Context()
	before, _ := s.AuditHead(ctx)
	for _, e := range []audit.Entry{
		{Kind: "Sign In", Decision: audit.Allow},
		{Kind: audit.SignIn},
		{Kind: audit.SignIn, Decision: audit.Allow, Subject: "a\x00b"},
		{Kind: audit.SignIn, Decision: audit.Allow, Detail: []byte("[1,2]")},
	} {
		if _, err := s.Append(ctx, e); !errors.Is(err, audit.ErrInvalid) {
			t.Errorf("Append(%+v): %v, want audit.ErrInvalid", e, err)
		}
	}
	if after, _ := s.AuditHead(ctx); after != before {
		t.Errorf("the head moved from %d to %d on refused entries", before.ID, after.ID)
	}
}

// testAppendConcurrent: appends at once take turns on the head, so the
// chain has no gaps or forks.
func testAppendConcurrent(t *testing.T, s AuditStore) {
	ctx := t.Context()
	before, _ := s.AuditHead(ctx)
	subject := unique("crowd")
	const n = 40
	race(t, "Append", n, nil, func(i int) error {
		_, err := s.Append(ctx, sample(subject, i))
		return err
	})
	head, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	if head.ID != before.ID+n {
		t.Errorf("head at %d after %d appends from %d", head.ID, n, before.ID)
	}
	got, err := s.AuditEntries(ctx, audit.Query{Subject: subject})
	if err != nil || len(got) != n {
		t.Errorf("AuditEntries: %d %v, want %d", len(got), err, n)
	}
}

// testAppendTx: an entry appended in a transaction commits with it, or
// not at all.
func testAppendTx(t *testing.T, s AuditStore) {
	ctx := t.Context()
	subject := unique("tx")
	run := func(commit bool) {
		t.Helper()
		tx, err := s.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := s.AppendTx(ctx, tx, sample(subject, 1)); err != nil {
			t.Fatalf("AppendTx: %v", err)
		}
		if commit {
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(false)
	if got, _ := s.AuditEntries(ctx, audit.Query{Subject: subject}); len(got) != 0 {
		t.Errorf("an entry of a transaction rolled back is in the log: %+v", got)
	}
	run(true)
	if got, _ := s.AuditEntries(ctx, audit.Query{Subject: subject}); len(got) != 1 {
		t.Errorf("%d entries of a transaction committed, want 1", len(got))
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}
}

// testNeverChanged: the database itself refuses to change or remove an
// entry, or to put one in that does not follow the head.
func testNeverChanged(t *testing.T, s AuditStore) {
	ctx := t.Context()
	es := appendSome(t, s, "kept", 2)
	for _, stmt := range []string{
		"UPDATE audit_log SET reason = 'nothing' WHERE id = $1",
		"DELETE FROM audit_log WHERE id = $1",
		"DELETE FROM audit_head WHERE last_id >= $1",
		`INSERT INTO audit_log (id, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash)
			SELECT id + 100, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash FROM audit_log WHERE id = $1`,
		`INSERT INTO audit_log (id, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash)
			SELECT id + 2, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash FROM audit_log WHERE id = $1`,
	} {
		if _, err := s.SQL().ExecContext(ctx, stmt, es[0].ID); err == nil {
			t.Errorf("the database let %q through", strings.Fields(stmt)[0]+" "+strings.Fields(stmt)[1]+" ...")
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}
}

func testAuditQuery(t *testing.T, s AuditStore) {
	ctx := t.Context()
	es := appendSome(t, s, "query", 10) // at created + i minutes
	subject := es[0].Subject
	ids := func(q audit.Query) []int64 {
		t.Helper()
		q.Subject = subject
		got, err := s.AuditEntries(ctx, q)
		if err != nil {
			t.Fatalf("AuditEntries(%+v): %v", q, err)
		}
		var out []int64
		for _, e := range got {
			out = append(out, e.ID-es[0].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    audit.Query
		want string
	}{
		{"all", audit.Query{}, "[9 8 7 6 5 4 3 2 1 0]"},
		{"kind", audit.Query{Kind: audit.SignIn}, "[9 7 5 3 1]"},
		{"from", audit.Query{From: created.Add(7 * time.Minute)}, "[9 8 7]"},
		{"to", audit.Query{To: created.Add(2 * time.Minute)}, "[1 0]"},
		{"from to", audit.Query{From: created.Add(3 * time.Minute), To: created.Add(6 * time.Minute)}, "[5 4 3]"},
		{"limit", audit.Query{Limit: 3}, "[9 8 7]"},
		{"before", audit.Query{Before: es[5].ID, Limit: 3}, "[4 3 2]"},
		{"all of them", audit.Query{Kind: audit.SignInFailed, Before: es[5].ID, From: created.Add(time.Minute), Limit: 1}, "[4]"},
	} {
		if got := fmt.Sprint(ids(tc.q)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got, _ := s.AuditEntries(ctx, audit.Query{Subject: unique("nobody")}); got == nil || len(got) != 0 {
		t.Errorf("no entries: %#v, want []", got)
	}
}

// testRecorded: what the store decides in a transaction is recorded in
// it: family decisions and duty changes, and nothing of what failed.
func testRecorded(t *testing.T, s AuditStore) {
	ctx := t.Context()
	staff := mustCreate(t, s, "sam", auth.Staff)
	admin := mustCreate(t, s, "root", auth.Admin)
	ph := phone()
	a := mustApply(t, s, staff, ph)
	if _, err := s.DecideFamilyApplication(ctx, a.ID, true, admin.ID, created); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideFamilyApplication(ctx, a.ID, false, admin.ID, created); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("deciding twice: %v", err)
	}
	got, err := s.AuditEntries(ctx, audit.Query{Subject: "tel:" + ph})
	if err != nil || len(got) != 1 {
		t.Fatalf("family entries: %+v %v, want 1", got, err)
	}
	d, _, _ := s.UserByEmail(ctx, "tel:"+ph)
	want := fmt.Sprintf(`{"account":%d,"application":%d,"sponsor":%d}`, d.ID, a.ID, staff.ID)
	if e := got[0]; e.Kind != audit.FamilyDecided || e.Decision != audit.Approve || e.Actor != admin.ID || !sameTime(e.At, created) || string(e.Detail) != want {
		t.Errorf("family entry: %+v, detail want %s", e, want)
	}

	c := auth.DutyChange{Email: staff.Email, Duty: auth.Lab, Grant: true, By: admin.ID, At: created, Reason: "by an admin"}
	for range 2 {
		if _, err := s.SetDuty(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	c.Grant = false
	if _, err := s.SetDuty(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err = s.AuditEntries(ctx, audit.Query{Subject: staff.Email})
	if err != nil || len(got) != 2 {
		t.Fatalf("duty entries: %+v %v, want 2 (a grant again changes nothing)", got, err)
	}
	if r, g := got[0], got[1]; g.Kind != audit.DutyGranted || g.Decision != audit.Grant || r.Kind != audit.DutyRevoked || r.Decision != audit.Revoke ||
		g.Actor != admin.ID || g.Reason != "by an admin" || string(g.Detail) != `{"duty":"lab"}` {
		t.Errorf("duty entries: %+v", got)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}
}
