package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
)

// The smart locks' state (access.LockStore): PINs, the wrong-PIN count
// and lock-out of each lock, fingerprint enrolments and the commands
// locks fetch. Writes about one lock take its lock_state row first (FOR
// UPDATE on PostgreSQL), so that replicas counting wrong PINs or opening
// enrolments at one lock queue rather than both pass a bound.

var _ access.LockStore = (*DB)(nil)

// lockRow takes lock reader's state row in tx, making it if need be, and
// reads it: the wrong PINs in a row and the lock-out's end (nil: none).
func (db *DB) lockRow(ctx context.Context, tx *sql.Tx, reader string) (int, *time.Time, error) {
	if _, err := tx.ExecContext(ctx, "INSERT INTO lock_state (reader) VALUES ($1) ON CONFLICT (reader) DO NOTHING", reader); err != nil {
		return 0, nil, err
	}
	var failures int
	var until *time.Time
	err := tx.QueryRowContext(ctx, "SELECT failures, locked_until FROM lock_state WHERE reader = $1"+db.d.ForUpdate, reader).
		Scan(&failures, maybeTimeOf{&until})
	return failures, until, err
}

// LockedUntil is when a lock's keypad takes PINs again; zero if it is not
// locked out.
func (db *DB) LockedUntil(ctx context.Context, reader string) (time.Time, error) {
	var until *time.Time
	err := db.sql.QueryRowContext(ctx, "SELECT locked_until FROM lock_state WHERE reader = $1", reader).Scan(maybeTimeOf{&until})
	if noRows(err) || (err == nil && until == nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, db.errorf("reading lock %s's lock-out: %w", reader, err)
	}
	return *until, nil
}

// unitOr is a lock's unit, or its reader again when it locks no unit:
// the second target of its holders' grants.
func unitOr(l access.Lock) string {
	if l.Unit == "" {
		return l.Reader
	}
	return l.Unit
}

// currentGrant is the SQL condition that the holder of the row of table
// (its user_id) holds a grant of $1 or $2 current at $3.
func currentGrant(table string) string {
	return "EXISTS (SELECT 1 FROM access_grants g WHERE g.user_id = " + table + ".user_id AND g.target IN ($1, $2) AND g.valid_from <= $3 AND g.valid_to > $3)"
}

// PINs are the PINs at a lock of holders with a current grant of it.
func (db *DB) PINs(ctx context.Context, l access.Lock, at time.Time) ([]access.PIN, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT lock_pins.user_id, lock_pins.hash, lock_pins.changed FROM lock_pins WHERE reader = $1 AND "+
		currentGrant("lock_pins")+" ORDER BY user_id LIMIT $4", l.Reader, unitOr(l), db.t(at), access.MaxPINHolders)
	ps, err := list(rows, err, func(r row) (access.PIN, error) {
		var p access.PIN
		err := r.Scan(&p.UserID, &p.Hash, timeOf{&p.At})
		return p, err
	})
	return ps, db.fail(err, "reading lock %s's PINs", l.Reader)
}

// SetPIN stores a holder's PIN at a lock, forgetting those of holders
// who left, with its audit entries.
func (db *DB) SetPIN(ctx context.Context, l access.Lock, p access.PIN) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := db.lockRow(ctx, tx, l.Reader); err != nil {
			return err
		}
		at := db.t(p.At)
		// The holders who no longer hold a grant of the lock lose their PINs.
		rows, err := tx.QueryContext(ctx, "SELECT lock_pins.user_id, u.email FROM lock_pins JOIN users u ON u.id = lock_pins.user_id WHERE lock_pins.reader = $1 AND lock_pins.user_id <> $4 AND NOT "+
			currentGrant("lock_pins"), l.Reader, unitOr(l), at, p.UserID)
		type gone struct {
			id      int64
			subject string
		}
		left, err := list(rows, err, func(r row) (gone, error) {
			var g gone
			err := r.Scan(&g.id, &g.subject)
			return g, err
		})
		if err != nil {
			return err
		}
		var entries []audit.Entry
		for _, g := range left {
			if _, err := tx.ExecContext(ctx, "DELETE FROM lock_pins WHERE reader = $1 AND user_id = $2", l.Reader, g.id); err != nil {
				return err
			}
			entries = append(entries, audit.Entry{At: p.At, Subject: g.subject, Kind: audit.LockPINRemoved, Place: l.Reader,
				Decision: audit.Revoke, Reason: "the holder no longer holds a grant of the lock"})
		}
		var others, own int
		if err := tx.QueryRowContext(ctx, "SELECT count(CASE WHEN user_id <> $2 THEN 1 END), count(CASE WHEN user_id = $2 THEN 1 END) FROM lock_pins WHERE reader = $1",
			l.Reader, p.UserID).Scan(&others, &own); err != nil {
			return err
		}
		if own == 0 && others >= access.MaxPINHolders {
			return served{&access.Conflict{
				En: fmt.Sprintf("lock %s keeps the PINs of %d holders already, the most it may", l.Reader, others),
				Zh: fmt.Sprintf("门锁 %s 已保存 %d 位住户的 PIN，已达上限", l.Reader, others)}}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lock_pins (reader, user_id, hash, created, changed) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (reader, user_id) DO UPDATE SET hash = excluded.hash, changed = excluded.changed`, l.Reader, p.UserID, p.Hash, at); err != nil {
			return err
		}
		reason := "PIN set"
		if own > 0 {
			reason = "PIN changed"
		}
		entries = append(entries, audit.Entry{At: p.At, Actor: p.UserID, Subject: p.Subject, Kind: audit.LockPINSet, Place: l.Reader,
			Decision: audit.Grant, Reason: reason})
		_, err = db.AppendManyTx(ctx, tx, entries)
		return err
	})
	if db.d.IsForeignKey(err) {
		return fmt.Errorf("%w (account %d)", access.ErrNotFound, p.UserID)
	}
	return db.fail(err, "setting a PIN at lock %s", l.Reader)
}

// PINFailed counts a wrong PIN at a lock, locking it out at the
// MaxPINFailures-th in a row.
func (db *DB) PINFailed(ctx context.Context, reader string, at time.Time) (time.Time, error) {
	var until time.Time
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		failures, locked, err := db.lockRow(ctx, tx, reader)
		if err != nil {
			return err
		}
		if locked != nil && at.Before(*locked) {
			until = *locked
			return nil
		}
		failures++
		if failures < access.MaxPINFailures {
			_, err := tx.ExecContext(ctx, "UPDATE lock_state SET failures = $2 WHERE reader = $1", reader, failures)
			return err
		}
		until = stamp(at.Add(access.PINLockout))
		if _, err := tx.ExecContext(ctx, "UPDATE lock_state SET failures = 0, locked_until = $2 WHERE reader = $1", reader, db.d.Time(until)); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"wrong_pins": failures, "until": until})
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Kind: audit.LockLockedOut, Place: reader, Decision: audit.Deny,
			Reason: fmt.Sprintf("%d wrong PINs in a row", failures), Detail: detail})
		return err
	})
	return until, db.fail(err, "counting a wrong PIN at lock %s", reader)
}

// PINMatched sets a lock's wrong-PIN count back to 0.
func (db *DB) PINMatched(ctx context.Context, reader string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE lock_state SET failures = 0 WHERE reader = $1 AND failures > 0", reader)
		return err
	})
	return db.fail(err, "resetting lock %s's wrong PINs", reader)
}
