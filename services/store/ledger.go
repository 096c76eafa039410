package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/campusnav/engine/services/ledger"
)

var _ ledger.Store = (*DB)(nil)

// Commit writes a ledger transaction: the accounts it touches made if
// new, locked in address order, checked and moved, with the transaction
// and its postings (each with both balances after it), in one
// transaction.
func (db *DB) Commit(ctx context.Context, t ledger.Transaction) (ledger.Transaction, bool, error) {
	if err := ledger.CheckTransaction(t); err != nil {
		return ledger.Transaction{}, false, err
	}
	t.At = stamp(t.At)
	var replayed bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if t.Reference != "" {
			first, found, err := db.byReference(ctx, tx, t.Reference)
			if err != nil || found {
				t, replayed = first, found
				return err
			}
		}
		var err error
		t, _, err = db.commitIn(ctx, tx, t)
		return err
	})
	if err != nil && t.Reference != "" && db.d.IsUnique(err) {
		// The same reference, committed meanwhile by another: its answer.
		first, found, rerr := db.byReference(ctx, db.sql, t.Reference)
		if rerr == nil && found {
			return first, true, nil
		}
	}
	if errors.Is(err, ledger.ErrInsufficientFunds) || errors.Is(err, ledger.ErrInvalid) {
		return ledger.Transaction{}, false, err
	}
	return t, replayed, db.fail(err, "committing a %s", t.Kind)
}

// commitIn writes t in tx (its reference, if any, not looked up: the
// caller did), answering it with its id and the balances after it of the
// accounts it moved. Nothing is written when it is refused
// (ledger.ErrInsufficientFunds, served), so tx may go on.
func (db *DB) commitIn(ctx context.Context, tx *sql.Tx, t ledger.Transaction) (ledger.Transaction, ledger.Balances, error) {
	accounts := t.Accounts()
	var rows []string
	var args []any
	for _, a := range accounts {
		rows = append(rows, db.placeholders(len(args), 2))
		args = append(args, a, ledger.Overdraft(a))
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ledger_accounts (address, overdraft) VALUES "+strings.Join(rows, ", ")+" ON CONFLICT (address) DO NOTHING", args...); err != nil {
		return t, nil, fmt.Errorf("making accounts: %w", err)
	}
	ps := make([]string, len(accounts))
	args = args[:0]
	for i, a := range accounts {
		ps[i] = db.param(i + 1)
		args = append(args, a)
	}
	q, err := tx.QueryContext(ctx, "SELECT address, balance_fen FROM ledger_accounts WHERE address IN ("+strings.Join(ps, ", ")+") ORDER BY address"+db.d.ForUpdate, args...)
	type bal struct {
		a string
		v int64
	}
	got, err := list(q, err, func(r row) (bal, error) {
		var b bal
		return b, r.Scan(&b.a, &b.v)
	})
	if err != nil {
		return t, nil, fmt.Errorf("locking accounts: %w", err)
	}
	b := ledger.Balances{}
	for _, x := range got {
		b[x.a] = x.v
	}
	before := ledger.Balances{}
	for a, v := range b {
		before[a] = v
	}
	if err := b.Apply(t.Postings); err != nil {
		return t, nil, served{err}
	}
	err = tx.QueryRowContext(ctx, "INSERT INTO ledger_transactions (kind, reference, at) VALUES ($1, $2, $3) RETURNING id",
		t.Kind, nullable(t.Reference), db.d.Time(t.At)).Scan(&t.ID)
	if err != nil {
		return t, nil, fmt.Errorf("writing the transaction: %w", err)
	}
	running := before
	rows, args = rows[:0], args[:0]
	for n, p := range t.Postings {
		running[p.Source] -= p.Amount
		running[p.Destination] += p.Amount
		rows = append(rows, db.placeholders(len(args), 7))
		args = append(args, t.ID, n, p.Source, p.Destination, p.Amount, running[p.Source], running[p.Destination])
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ledger_postings (tx_id, n, source, destination, amount_fen, source_balance_fen, destination_balance_fen) VALUES "+strings.Join(rows, ", "), args...); err != nil {
		return t, nil, fmt.Errorf("writing postings: %w", err)
	}
	for _, a := range accounts {
		if _, err := tx.ExecContext(ctx, "UPDATE ledger_accounts SET balance_fen = $2 WHERE address = $1", a, b[a]); err != nil {
			return t, nil, fmt.Errorf("updating %s: %w", a, err)
		}
	}
	return t, b, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// byReference is the transaction committed under a reference, if any.
func (db *DB) byReference(ctx context.Context, q querier, ref string) (ledger.Transaction, bool, error) {
	var t ledger.Transaction
	var r sql.NullString
	err := q.QueryRowContext(ctx, "SELECT id, kind, reference, at FROM ledger_transactions WHERE reference = $1", ref).Scan(&t.ID, &t.Kind, &r, timeOf{&t.At})
	if noRows(err) {
		return ledger.Transaction{}, false, nil
	}
	if err != nil {
		return ledger.Transaction{}, false, err
	}
	t.Reference = r.String
	rows, err := q.QueryContext(ctx, "SELECT source, destination, amount_fen FROM ledger_postings WHERE tx_id = $1 ORDER BY n", t.ID)
	t.Postings, err = list(rows, err, func(r row) (ledger.Posting, error) {
		var p ledger.Posting
		return p, r.Scan(&p.Source, &p.Destination, &p.Amount)
	})
	return t, true, err
}

// Balance is an account's balance, 0 for one never used.
func (db *DB) Balance(ctx context.Context, account string) (int64, error) {
	var v int64
	err := db.sql.QueryRowContext(ctx, "SELECT balance_fen FROM ledger_accounts WHERE address = $1", account).Scan(&v)
	if noRows(err) {
		return 0, nil
	}
	return v, db.fail(err, "reading a balance")
}

// VerifyLedger replays every posting in order, in one snapshot, and
// compares each posting's kept balances and, at the end, the accounts'.
func (db *DB) VerifyLedger(ctx context.Context) error {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return db.errorf("verifying the ledger: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT tx_id, source, destination, amount_fen, source_balance_fen, destination_balance_fen FROM ledger_postings ORDER BY tx_id, n")
	if err != nil {
		return db.errorf("verifying the ledger: %w", err)
	}
	b := ledger.Balances{}
	var fault *ledger.Fault
	for rows.Next() {
		var id, amount, sb, dbal int64
		var s, d string
		if err := rows.Scan(&id, &s, &d, &amount, &sb, &dbal); err != nil {
			rows.Close()
			return db.errorf("verifying the ledger: %w", err)
		}
		b[s] -= amount
		b[d] += amount
		switch {
		case fault != nil:
		case b[s] != sb:
			fault = &ledger.Fault{Tx: id, Account: s, Kept: sb, Rebuilt: b[s]}
		case b[d] != dbal:
			fault = &ledger.Fault{Tx: id, Account: d, Kept: dbal, Rebuilt: b[d]}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return db.errorf("verifying the ledger: %w", err)
	}
	if fault != nil {
		return fault
	}
	rows, err = tx.QueryContext(ctx, "SELECT address, balance_fen FROM ledger_accounts ORDER BY address")
	if err != nil {
		return db.errorf("verifying the ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var v int64
		if err := rows.Scan(&a, &v); err != nil {
			return db.errorf("verifying the ledger: %w", err)
		}
		if v != b[a] {
			return &ledger.Fault{Account: a, Kept: v, Rebuilt: b[a]}
		}
	}
	return rows.Err()
}
