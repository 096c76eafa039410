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

// Fingerprint enrolments at locks and the commands locks fetch (the rest
// of access.LockStore). The fingerprints themselves stay in the locks.

// fingerprintOf is one enrolment with its holder's email, as a write
// reads it (locked, on PostgreSQL).
type fingerprintOf struct {
	access.Fingerprint
	subject string
}

func (db *DB) fingerprintTx(ctx context.Context, tx *sql.Tx, where string, args ...any) (fingerprintOf, error) {
	var f fingerprintOf
	err := tx.QueryRowContext(ctx, "SELECT f.id, f.reader, f.user_id, f.status, f.created, u.email FROM lock_fingerprints f JOIN users u ON u.id = f.user_id WHERE "+
		where+db.forUpdateOf("f"), args...).Scan(&f.ID, &f.Reader, &f.UserID, &f.Status, timeOf{&f.Created}, &f.subject)
	return f, err
}

func enrolmentEntry(f fingerprintOf, at time.Time, decision, reason string) audit.Entry {
	detail, _ := json.Marshal(map[string]any{"fingerprint": f.ID})
	return audit.Entry{At: at, Subject: f.subject, Kind: audit.FingerprintEnrolled, Place: f.Reader,
		Decision: decision, Reason: reason, Detail: detail}
}

// expireEnrolments fails the enrolments pending at a lock for longer
// than access.EnrolmentTimeout at at, with their audit entries.
func (db *DB) expireEnrolments(ctx context.Context, tx *sql.Tx, reader string, at time.Time) error {
	cutoff := db.t(at.Add(-access.EnrolmentTimeout))
	rows, err := tx.QueryContext(ctx, `SELECT f.id, f.reader, f.user_id, f.status, f.created, u.email FROM lock_fingerprints f JOIN users u ON u.id = f.user_id
		WHERE f.reader = $1 AND f.status = 'pending' AND f.created < $2`, reader, cutoff)
	stale, err := list(rows, err, func(r row) (fingerprintOf, error) {
		var f fingerprintOf
		err := r.Scan(&f.ID, &f.Reader, &f.UserID, &f.Status, timeOf{&f.Created}, &f.subject)
		return f, err
	})
	if err != nil || len(stale) == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE lock_fingerprints SET status = 'failed', decided = $3 WHERE reader = $1 AND status = 'pending' AND created < $2",
		reader, cutoff, db.t(at)); err != nil {
		return err
	}
	entries := make([]audit.Entry, len(stale))
	for i, f := range stale {
		entries[i] = enrolmentEntry(f, at, audit.Deny, "timed out: the lock did not report")
	}
	_, err = db.AppendManyTx(ctx, tx, entries)
	return err
}

// OpenEnrolment opens a pending enrolment at a lock, within the bounds.
func (db *DB) OpenEnrolment(ctx context.Context, f access.Fingerprint) (access.Fingerprint, error) {
	f.Status, f.Created = access.EnrolmentPending, stamp(f.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := db.lockRow(ctx, tx, f.Reader); err != nil {
			return err
		}
		if err := db.expireEnrolments(ctx, tx, f.Reader, f.Created); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM lock_fingerprints WHERE reader = $1 AND user_id = $2 AND status = 'failed'", f.Reader, f.UserID); err != nil {
			return err
		}
		var pending, held int
		if err := tx.QueryRowContext(ctx, `SELECT count(CASE WHEN status = 'pending' THEN 1 END), count(CASE WHEN user_id = $2 AND status <> 'failed' THEN 1 END)
			FROM lock_fingerprints WHERE reader = $1`, f.Reader, f.UserID).Scan(&pending, &held); err != nil {
			return err
		}
		switch {
		case pending >= access.MaxPendingEnrolments:
			return served{&access.Conflict{
				En: fmt.Sprintf("%d enrolments are pending at lock %s already: try again once the lock has reported", pending, f.Reader),
				Zh: fmt.Sprintf("门锁 %s 已有 %d 个待录入的指纹，请等门锁回报后再试", f.Reader, pending)}}
		case held >= access.MaxFingerprints:
			return served{&access.Conflict{
				En: fmt.Sprintf("you keep %d fingerprints at lock %s already, the most a person may: delete one first", held, f.Reader),
				Zh: fmt.Sprintf("你在门锁 %s 已有 %d 枚指纹，已达上限，请先删除一枚", f.Reader, held)}}
		}
		return tx.QueryRowContext(ctx, "INSERT INTO lock_fingerprints (reader, user_id, status, created) VALUES ($1, $2, 'pending', $3) RETURNING id",
			f.Reader, f.UserID, db.d.Time(f.Created)).Scan(&f.ID)
	})
	if db.d.IsForeignKey(err) {
		return access.Fingerprint{}, fmt.Errorf("%w (account %d)", access.ErrNotFound, f.UserID)
	}
	return f, db.fail(err, "opening an enrolment at lock %s", f.Reader)
}

// ReportEnrolment records a lock's result of one of its enrolments.
func (db *DB) ReportEnrolment(ctx context.Context, reader string, id int64, status string, at time.Time) (access.Fingerprint, error) {
	var f fingerprintOf
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		f, err = db.fingerprintTx(ctx, tx, "f.id = $1 AND f.reader = $2", id, reader)
		if noRows(err) {
			return served{fmt.Errorf("%w (enrolment %d of lock %s)", access.ErrNotFound, id, reader)}
		}
		switch {
		case err != nil:
			return err
		case f.Status == status:
			return nil
		case f.Status != access.EnrolmentPending:
			return served{&access.Conflict{En: fmt.Sprintf("enrolment %d is %s already", id, f.Status),
				Zh: fmt.Sprintf("指纹录入 %d 已是 %s 状态", id, f.Status)}}
		case status == access.Enrolled && at.Sub(f.Created) > access.EnrolmentTimeout:
			return served{&access.Conflict{En: fmt.Sprintf("enrolment %d timed out (pending over %v): the holder opens a new one", id, access.EnrolmentTimeout),
				Zh: fmt.Sprintf("指纹录入 %d 已超时（超过 %v 未回报），请持有人重新发起", id, access.EnrolmentTimeout)}}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE lock_fingerprints SET status = $2, decided = $3 WHERE id = $1", id, status, db.t(at)); err != nil {
			return err
		}
		f.Status = status
		decision := audit.Allow
		if status != access.Enrolled {
			decision = audit.Deny
		}
		_, err = db.AppendTx(ctx, tx, enrolmentEntry(f, at, decision, "the lock reported "+status))
		return err
	})
	return f.Fingerprint, db.fail(err, "recording enrolment %d", id)
}

// Fingerprints are a holder's at a lock, oldest first.
func (db *DB) Fingerprints(ctx context.Context, reader string, userID int64) ([]access.Fingerprint, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id, reader, user_id, status, created FROM lock_fingerprints WHERE reader = $1 AND user_id = $2 ORDER BY id", reader, userID)
	fs, err := list(rows, err, func(r row) (access.Fingerprint, error) {
		var f access.Fingerprint
		err := r.Scan(&f.ID, &f.Reader, &f.UserID, &f.Status, timeOf{&f.Created})
		return f, err
	})
	return fs, db.fail(err, "reading fingerprints at lock %s", reader)
}

// DeleteFingerprint deletes a holder's fingerprint at a lock: a failed
// one at once, any other by a command to the lock.
func (db *DB) DeleteFingerprint(ctx context.Context, reader string, userID, id int64, at time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		f, err := db.fingerprintTx(ctx, tx, "f.id = $1 AND f.reader = $2 AND f.user_id = $3", id, reader, userID)
		if noRows(err) {
			return served{fmt.Errorf("%w (fingerprint %d at lock %s)", access.ErrNotFound, id, reader)}
		}
		if err != nil || f.Status == access.FingerprintDeleting {
			return err
		}
		e := audit.Entry{At: at, Actor: userID, Subject: f.subject, Kind: audit.FingerprintDeleted, Place: reader, Decision: audit.Revoke}
		if f.Status == access.EnrolmentFailed {
			if _, err := tx.ExecContext(ctx, "DELETE FROM lock_fingerprints WHERE id = $1", id); err != nil {
				return err
			}
			e.Reason = "deleted by its holder; the lock never held it"
		} else {
			if _, err := tx.ExecContext(ctx, "UPDATE lock_fingerprints SET status = 'deleting' WHERE id = $1", id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO lock_commands (reader, kind, fingerprint, created) VALUES ($1, $2, $3, $4)",
				reader, access.CommandDeleteFingerprint, id, db.t(at)); err != nil {
				return err
			}
			e.Reason = "deleted by its holder (was " + f.Status + "); the lock is told to erase it"
		}
		e.Detail, _ = json.Marshal(map[string]any{"fingerprint": id})
		_, err = db.AppendTx(ctx, tx, e)
		return err
	})
	return db.fail(err, "deleting fingerprint %d", id)
}

// FingerprintHolder is whose enrolled fingerprint at a lock id is.
func (db *DB) FingerprintHolder(ctx context.Context, reader string, id int64) (int64, error) {
	var u int64
	err := db.sql.QueryRowContext(ctx, "SELECT user_id FROM lock_fingerprints WHERE id = $1 AND reader = $2 AND status = 'enrolled'", id, reader).Scan(&u)
	if noRows(err) {
		return 0, fmt.Errorf("%w (fingerprint %d at lock %s)", access.ErrNotFound, id, reader)
	}
	return u, db.fail(err, "reading fingerprint %d", id)
}

// LockCommands are a lock's pending commands, oldest first.
func (db *DB) LockCommands(ctx context.Context, reader string, limit int) ([]access.LockCommand, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id, reader, kind, fingerprint, created FROM lock_commands WHERE reader = $1 ORDER BY id LIMIT $2", reader, limit)
	cs, err := list(rows, err, func(r row) (access.LockCommand, error) {
		var c access.LockCommand
		err := r.Scan(&c.ID, &c.Reader, &c.Kind, &c.Fingerprint, timeOf{&c.Created})
		return c, err
	})
	return cs, db.fail(err, "reading lock %s's commands", reader)
}

// CommandDone removes a command the lock carried out, and the
// fingerprint it erased.
func (db *DB) CommandDone(ctx context.Context, reader string, id int64, at time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var fp int64
		err := tx.QueryRowContext(ctx, "SELECT fingerprint FROM lock_commands WHERE id = $1 AND reader = $2"+db.d.ForUpdate, id, reader).Scan(&fp)
		if noRows(err) {
			return served{fmt.Errorf("%w (command %d of lock %s)", access.ErrNotFound, id, reader)}
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM lock_commands WHERE id = $1", id); err != nil {
			return err
		}
		subject := ""
		f, err := db.fingerprintTx(ctx, tx, "f.id = $1", fp)
		switch {
		case err == nil:
			subject = f.subject
			if _, err := tx.ExecContext(ctx, "DELETE FROM lock_fingerprints WHERE id = $1 AND status = 'deleting'", fp); err != nil {
				return err
			}
		case !noRows(err):
			return err
		}
		detail, _ := json.Marshal(map[string]any{"fingerprint": fp, "command": id})
		_, err = db.AppendTx(ctx, tx, audit.Entry{At: at, Subject: subject, Kind: audit.FingerprintRemoved, Place: reader,
			Decision: audit.Revoke, Reason: "the lock erased the fingerprint", Detail: detail})
		return err
	})
	return db.fail(err, "confirming command %d", id)
}
