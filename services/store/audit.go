package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/campusnav/engine/services/audit"
)

// The audit log (services/audit says what an entry is and how it
// chains). Entries are appended in the transaction of what they record,
// and never changed: triggers refuse UPDATE and DELETE on both engines,
// and refuse an INSERT that does not follow the head (audit_head, one
// row: the last entry's id and hash), which the same trigger moves on.
// Appends are serialised on the head: PostgreSQL locks its row (FOR
// UPDATE) until the appending transaction ends; SQLite has one writer.
// So ids are 1, 2, 3 ... without gaps, and each entry carries the hash
// of the one before.

// auditColumns are the columns scanEntry reads, in order.
const auditColumns = "id, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash"

// Append appends e to the audit log in a transaction of its own, and
// returns it as stored: its id, its time (now when e.At is zero) and its
// hashes. An entry the log does not take is audit.ErrInvalid.
func (db *DB) Append(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = db.AppendTx(ctx, tx, e)
		return err
	})
	return e, db.fail(err, "audit log")
}

// AppendTx appends e to the audit log in tx, so that a decision and its
// record commit together, or neither does. On PostgreSQL it locks the
// log's head until tx ends, so append last in a transaction, close to
// its commit; on SQLite, tx must hold the write turn (begin it with the
// store's own transactions). An entry the log does not take is
// audit.ErrInvalid, passed through a transaction as served.
func (db *DB) AppendTx(ctx context.Context, tx *sql.Tx, e audit.Entry) (audit.Entry, error) {
	es, err := db.AppendManyTx(ctx, tx, []audit.Entry{e})
	if err != nil {
		return audit.Entry{}, err
	}
	return es[0], nil
}

// AppendManyTx appends es to the audit log in tx, in order, with one
// read of the head and one INSERT per auditChunk entries (the triggers
// check each row against the head as the row before moved it). It
// answers the entries as stored. As AppendTx: on PostgreSQL the head
// stays locked until tx ends; on SQLite tx holds the write turn.
func (db *DB) AppendManyTx(ctx context.Context, tx *sql.Tx, es []audit.Entry) ([]audit.Entry, error) {
	if len(es) == 0 {
		return nil, nil
	}
	out := make([]audit.Entry, len(es))
	for i, e := range es {
		c, err := e.Check()
		if err != nil {
			return nil, served{err}
		}
		out[i] = c
	}
	var last int64
	var prev []byte
	if err := tx.QueryRowContext(ctx, "SELECT last_id, hash FROM audit_head WHERE one = 1"+db.d.ForUpdate).Scan(&last, &prev); err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	var ph audit.Hash
	if len(prev) != len(ph) {
		return nil, fmt.Errorf("audit head: a hash of %d bytes", len(prev))
	}
	copy(ph[:], prev)
	for i := range out {
		out[i].At = stamp(out[i].At)
		out[i] = out[i].Chain(last, ph)
		last, ph = out[i].ID, out[i].Hash
	}
	for from := 0; from < len(out); from += auditChunk {
		part := out[from:min(from+auditChunk, len(out))]
		var q strings.Builder
		q.WriteString("INSERT INTO audit_log (" + auditColumns + ") VALUES ")
		args := make([]any, 0, 11*len(part))
		for i, e := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(db.placeholders(len(args), 11))
			var detail any
			if e.Detail != nil {
				detail = string(e.Detail)
			}
			args = append(args, e.ID, db.d.Time(e.At), e.Actor, e.Subject, e.Kind, e.Place, e.Decision, e.Reason, detail, e.PrevHash[:], e.Hash[:])
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return nil, fmt.Errorf("appending to the audit log: %w", err)
		}
	}
	return out, nil
}

// auditChunk is how many entries one INSERT appends.
const auditChunk = 64

// placeholders is "($n+1, ..., $n+k)", in the engine's way (param).
func (db *DB) placeholders(n, k int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range k {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(db.param(n + i + 1))
	}
	b.WriteByte(')')
	return b.String()
}

// scanEntry reads a row of auditColumns from *sql.Rows (its hashes are
// sql.RawBytes, which a *sql.Row does not take).
func scanEntry(r row) (audit.Entry, error) {
	var e audit.Entry
	var detail sql.NullString
	var prev, hash sql.RawBytes
	if err := r.Scan(&e.ID, timeOf{&e.At}, &e.Actor, &e.Subject, &e.Kind, &e.Place, &e.Decision, &e.Reason, &detail, &prev, &hash); err != nil {
		return audit.Entry{}, err
	}
	if detail.Valid {
		e.Detail = []byte(detail.String)
	}
	// A hash of the wrong length is kept as far as it goes: it will not
	// verify, which is what a verifier should hear, not a read error.
	copy(e.PrevHash[:], prev)
	copy(e.Hash[:], hash)
	return e, nil
}

// AuditHead is the end of the audit log: its last entry's id and hash.
func (db *DB) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	var hash []byte
	if err := db.sql.QueryRowContext(ctx, "SELECT last_id, hash FROM audit_head WHERE one = 1").Scan(&h.ID, &hash); err != nil {
		return audit.Head{}, db.errorf("audit head: %w", err)
	}
	copy(h.Hash[:], hash)
	return h, nil
}

// VerifyAudit checks the audit log: every entry's hash and links
// (audit.Verifier), ids without gaps from 1, and that the log ends at
// its head. It reads the head, and whether any entry lies outside 1 to
// the head, in one snapshot; entries appended meanwhile lie after it and
// are left for the next time, never mistaken for entries put in. A long
// log is read in parts at once (verifyParts), each in constant memory.
// It returns the head verified, or the first bad entry as an
// *audit.Fault. A log changed by someone who could bypass the triggers
// (a database superuser, the owner of the SQLite file) fails here,
// unless they rewrote the chain from the change to the end, head
// included: compare the head with a copy kept elsewhere to catch that.
func (db *DB) VerifyAudit(ctx context.Context) (audit.Head, error) {
	head, stray, err := db.auditBounds(ctx)
	if err != nil {
		return audit.Head{}, err
	}
	if stray.Valid && stray.Int64 < 1 {
		return audit.Head{}, &audit.Fault{ID: stray.Int64, Problem: "put in before the first entry"}
	}
	if err := db.verifyParts(ctx, head); err != nil {
		return audit.Head{}, err
	}
	if stray.Valid {
		return audit.Head{}, &audit.Fault{ID: stray.Int64, Problem: fmt.Sprintf("after the head (entry %d): put in, not appended", head.ID)}
	}
	return head, nil
}

// auditBounds reads, in one snapshot, the head and the first entry
// outside 1 to the head, if any (NULL for none).
func (db *DB) auditBounds(ctx context.Context) (audit.Head, sql.NullInt64, error) {
	var head audit.Head
	var stray sql.NullInt64
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return head, stray, db.errorf("reading the audit log: %w", err)
	}
	defer tx.Rollback()
	var hash []byte
	if err := tx.QueryRowContext(ctx, "SELECT last_id, hash FROM audit_head WHERE one = 1").Scan(&head.ID, &hash); err != nil {
		return head, stray, db.errorf("audit head: %w", err)
	}
	copy(head.Hash[:], hash)
	err = tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT max(id) FROM audit_log WHERE id < 1), (SELECT min(id) FROM audit_log WHERE id > $1))`,
		head.ID).Scan(&stray)
	if err != nil {
		return head, stray, db.errorf("reading the audit log: %w", err)
	}
	return head, stray, nil
}

// partSize is the fewest entries worth a part of their own, and
// maxParts the most parts read at once: a part a processor. (Variables
// for the tests, which verify small logs in many parts.)
var (
	partSize = int64(100_000)
	maxParts = min(runtime.GOMAXPROCS(0), 8)
)

// verifyParts verifies entries 1 to head.ID, in parts read at once, one
// a processor (a part's reading, on its connection, and its hashing
// overlap with the others'). Each part starts from the stored hash of
// the entry before it, which the part before checks. Entries 1 to the
// head never change once appended, so the parts need no common
// snapshot. The first fault of the lowest part that has one is the
// log's first: a part's faults lie within it.
func (db *DB) verifyParts(ctx context.Context, head audit.Head) error {
	n := max(1, min(int64(maxParts), head.ID/partSize))
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		from, through := head.ID*i/n, head.ID*(i+1)/n // entries from+1 to through
		wg.Go(func() {
			errs[i] = db.verifyPart(ctx, from, through, i == n-1, head)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// verifyPart verifies entries from+1 to through, streaming them in id
// order, in constant memory; the last part ends at the head.
func (db *DB) verifyPart(ctx context.Context, from, through int64, last bool, head audit.Head) error {
	v := audit.From(0, audit.Zero)
	if from > 0 {
		var prev []byte
		err := db.sql.QueryRowContext(ctx, "SELECT hash FROM audit_log WHERE id = $1", from).Scan(&prev)
		if err != nil && !noRows(err) { // a missing entry before is the part before's fault
			return db.errorf("reading the audit log at entry %d: %w", from, err)
		}
		var h audit.Hash
		copy(h[:], prev)
		v = audit.From(from, h)
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE id > $1 AND id <= $2 ORDER BY id", from, through)
	if err != nil {
		return db.errorf("reading the audit log after entry %d: %w", from, err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return db.errorf("reading the audit log after entry %d: %w", lastID(&v), err)
		}
		if err := v.Next(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return db.errorf("reading the audit log after entry %d: %w", lastID(&v), err)
	}
	if last {
		return v.End(head.ID, head.Hash)
	}
	return v.Through(through)
}

// AuditEntries returns the entries q selects, newest first.
func (db *DB) AuditEntries(ctx context.Context, q audit.Query) ([]audit.Entry, error) {
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Subject != "" {
		arg("subject = $%d", q.Subject)
	}
	if q.Kind != "" {
		arg("kind = $%d", q.Kind)
	}
	if !q.From.IsZero() {
		arg("at >= $%d", db.t(q.From))
	}
	if !q.To.IsZero() {
		arg("at < $%d", db.t(q.To))
	}
	if q.Before > 0 {
		arg("id < $%d", q.Before)
	}
	if q.Limit <= 0 || q.Limit > audit.MaxLimit {
		q.Limit = audit.MaxLimit
	}
	query := "SELECT " + auditColumns + " FROM audit_log"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, q.Limit)
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := db.sql.QueryContext(ctx, query, args...)
	es, err := list(rows, err, scanEntry)
	if err != nil {
		return nil, db.errorf("audit entries: %w", err)
	}
	return es, nil
}

// lastID is the id of the last entry v checked.
func lastID(v *audit.Verifier) int64 {
	id, _ := v.Last()
	return id
}
