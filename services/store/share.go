package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
)

var _ share.Store = (*DB)(nil)

// Live sharing: every change to who sees a share writes its rows of
// live_changes in the same transaction, which every server polls.

const shareColumns = `s.id, s.sharer_id, su.email, COALESCE(s.with_id, 0), COALESCE(wu.email, ''), COALESCE(s.group_id, 0),
	COALESCE(g.name, ''), s.status, s.history, s.created, s.ends, s.accepted, s.ended
	FROM shares s JOIN users su ON su.id = s.sharer_id LEFT JOIN users wu ON wu.id = s.with_id
	LEFT JOIN share_groups g ON g.id = s.group_id`

// liveShare is the condition that share s is live at the parameter $N
// (its end not passed, not ended).
func liveShare(n int) string { return fmt.Sprintf("s.status <> 'ended' AND s.ends > $%d", n) }

func scanShare(r row) (share.Share, error) {
	var s share.Share
	err := r.Scan(&s.ID, &s.SharerID, &s.Sharer, &s.WithID, &s.With, &s.GroupID, &s.Group, &s.Status, &s.History,
		timeOf{&s.Created}, timeOf{&s.Ends}, maybeTimeOf{&s.Accepted}, maybeTimeOf{&s.Ended})
	return s, err
}

// ShareAccount is the enabled account of email.
func (db *DB) ShareAccount(ctx context.Context, email string) (auth.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u"+sponsorJoin+" WHERE u.email = $1", email))
	if noRows(err) || err == nil && u.Disabled {
		return auth.User{}, share.ErrNoPerson
	}
	return u, db.fail(err, "account %s", email)
}

// SameGroup reports whether a and b are in one group.
func (db *DB) SameGroup(ctx context.Context, a, b int64) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM share_members m JOIN share_members o ON o.group_id = m.group_id
		WHERE m.user_id = $1 AND o.user_id = $2`, a, b).Scan(&n)
	return n > 0, db.fail(err, "groups of %d and %d", a, b)
}

// count is the one integer a query answers.
func count(ctx context.Context, tx *sql.Tx, q string, args ...any) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// CreateShare stores a new share within its bounds.
func (db *DB) CreateShare(ctx context.Context, s share.Share) (share.Share, error) {
	s.Created = stamp(s.Created)
	s.Ends = stamp(s.Ends)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, s.SharerID); err != nil {
			return err
		}
		now := db.d.Time(s.Created)
		n, err := count(ctx, tx, "SELECT count(*) FROM shares s WHERE s.sharer_id = $1 AND "+liveShare(2), s.SharerID, now)
		if err != nil {
			return err
		}
		if n >= share.MaxSharesPerPerson {
			return served{share.ErrTooManyShares}
		}
		if n, err = count(ctx, tx, "SELECT count(*) FROM shares s WHERE "+liveShare(1), now); err != nil {
			return err
		}
		if n >= share.MaxShares {
			return served{share.ErrSharesFull}
		}
		if s.WithID != 0 {
			n, err = count(ctx, tx, "SELECT count(*) FROM shares s WHERE s.with_id = $1 AND s.status = 'pending' AND s.ends > $2", s.WithID, now)
			if err != nil {
				return err
			}
			if n >= share.MaxPendingPerPerson {
				return served{share.ErrTooManyPending}
			}
		}
		if s.GroupID != 0 {
			err := tx.QueryRowContext(ctx, `SELECT g.name FROM share_groups g JOIN share_members m ON m.group_id = g.id
				WHERE g.id = $1 AND m.user_id = $2`, s.GroupID, s.SharerID).Scan(&s.Group)
			if noRows(err) {
				return served{share.ErrNoGroup}
			}
			if err != nil {
				return err
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO shares (sharer_id, with_id, group_id, status, history, created, ends)
			VALUES ($1, NULLIF($2, 0), NULLIF($3, 0), $4, $5, $6, $7) RETURNING id`,
			s.SharerID, s.WithID, s.GroupID, s.Status, s.History, now, db.d.Time(s.Ends)).Scan(&s.ID)
		if err != nil {
			return err
		}
		if s.Status == share.Active {
			return db.shareChanged(ctx, tx, s.ID, s.Created)
		}
		return nil
	})
	return s, db.fail(err, "share")
}

// shareChanged writes the change log's row of share id.
func (db *DB) shareChanged(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO live_changes (share_id, at) VALUES ($1, $2)", id, db.t(at))
	return err
}

// Share is share id.
func (db *DB) Share(ctx context.Context, id int64) (share.Share, error) {
	s, err := scanShare(db.sql.QueryRowContext(ctx, "SELECT "+shareColumns+" WHERE s.id = $1", id))
	if noRows(err) {
		return s, share.ErrNoShare
	}
	return s, db.fail(err, "share %d", id)
}

// sharesOf is the condition that share s is userID's ($1) or shown to
// them.
const sharesOf = `(s.sharer_id = $1 OR s.with_id = $1
	OR (s.status = 'active' AND s.group_id IN (SELECT m.group_id FROM share_members m WHERE m.user_id = $1)))`

// Shares lists the live shares by or shown to userID.
func (db *DB) Shares(ctx context.Context, userID int64, now time.Time, before int64, limit int) ([]share.Share, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+shareColumns+" WHERE "+sharesOf+" AND "+liveShare(2)+
		" AND s.id < $3 ORDER BY s.id DESC LIMIT $4", userID, db.t(now), below(before), limit)
	ss, err := list(rows, err, scanShare)
	return ss, db.fail(err, "shares of %d", userID)
}

// LiveShares lists the active live shares by or shown to userID.
func (db *DB) LiveShares(ctx context.Context, userID int64, now time.Time) ([]share.Share, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+shareColumns+" WHERE "+sharesOf+" AND "+liveShare(2)+
		" AND s.status = 'active' ORDER BY s.id", userID, db.t(now))
	ss, err := list(rows, err, scanShare)
	return ss, db.fail(err, "live shares of %d", userID)
}

// lockShare reads live share id in tx, locked; ErrNoShare for none.
func (db *DB) lockShare(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (share.Share, error) {
	s, err := scanShare(tx.QueryRowContext(ctx, "SELECT "+shareColumns+" WHERE s.id = $1 AND "+liveShare(2)+db.forUpdateOf("s"), id, db.t(now)))
	if noRows(err) {
		return s, served{share.ErrNoShare}
	}
	return s, err
}

// AcceptShare makes a pending share to userID active.
func (db *DB) AcceptShare(ctx context.Context, id, userID int64, now time.Time) (share.Share, error) {
	var s share.Share
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if s, err = db.lockShare(ctx, tx, id, now); err != nil {
			return err
		}
		if s.WithID != userID {
			return served{share.ErrNoShare}
		}
		if s.Status == share.Active {
			return nil
		}
		at := stamp(now)
		s.Status, s.Accepted = share.Active, &at
		if _, err := tx.ExecContext(ctx, "UPDATE shares SET status = 'active', accepted = $2 WHERE id = $1", id, db.t(at)); err != nil {
			return err
		}
		return db.shareChanged(ctx, tx, id, at)
	})
	return s, db.fail(err, "share %d", id)
}

// EndShare ends a live share, by its sharer or its person.
func (db *DB) EndShare(ctx context.Context, id, userID int64, now time.Time) (share.Share, error) {
	var s share.Share
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if s, err = db.lockShare(ctx, tx, id, now); err != nil {
			return err
		}
		if s.SharerID != userID && s.WithID != userID {
			return served{share.ErrNoShare}
		}
		at := stamp(now)
		s.Status, s.Ended = share.Ended, &at
		return db.endShares(ctx, tx, "s.id = $1", at, id)
	})
	return s, db.fail(err, "share %d", id)
}

// SetHistory turns the history of live share id, by sharerID, on or off
// (off deletes what it kept).
func (db *DB) SetHistory(ctx context.Context, id, sharerID int64, on bool, now time.Time) (share.Share, error) {
	var s share.Share
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if s, err = db.lockShare(ctx, tx, id, now); err != nil {
			return err
		}
		switch {
		case s.SharerID != sharerID && s.WithID != sharerID:
			return served{share.ErrNoShare}
		case s.SharerID != sharerID:
			return served{share.ErrNotSharer}
		case s.History == on:
			return nil
		}
		s.History = on
		if _, err := tx.ExecContext(ctx, "UPDATE shares SET history = $2 WHERE id = $1", id, on); err != nil {
			return err
		}
		if !on {
			if _, err := tx.ExecContext(ctx, "DELETE FROM share_points WHERE share_id = $1", id); err != nil {
				return err
			}
		}
		return db.shareChanged(ctx, tx, id, stamp(now))
	})
	return s, db.fail(err, "share %d", id)
}

// endShares ends the live shares s where cond holds (with its
// parameters args, from $1), at at: their status, their change rows,
// their histories and alerts.
func (db *DB) endShares(ctx context.Context, tx *sql.Tx, cond string, at time.Time, args ...any) error {
	rows, err := tx.QueryContext(ctx, "SELECT s.id FROM shares s WHERE s.status <> 'ended' AND ("+cond+")", args...)
	ids, err := list(rows, err, func(r row) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		for _, q := range []struct {
			q    string
			args []any
		}{
			{"UPDATE shares SET status = 'ended', ended = $2 WHERE id = $1", []any{id, db.t(at)}},
			{"DELETE FROM share_points WHERE share_id = $1", []any{id}},
			{"DELETE FROM share_alerts WHERE share_id = $1", []any{id}},
			{"INSERT INTO live_changes (share_id, at) VALUES ($1, $2)", []any{id, db.t(at)}},
		} {
			if _, err := tx.ExecContext(ctx, q.q, q.args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// ShareViewers are the people an active live share shows its location
// to.
func (db *DB) ShareViewers(ctx context.Context, id int64, now time.Time) ([]share.Viewer, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT u.id, u.email, u.role FROM shares s JOIN users u ON u.id = s.with_id
		WHERE s.id = $1 AND s.status = 'active' AND s.ends > $2 AND u.disabled = false
		UNION ALL
		SELECT u.id, u.email, u.role FROM shares s JOIN share_members m ON m.group_id = s.group_id JOIN users u ON u.id = m.user_id
		WHERE s.id = $1 AND s.status = 'active' AND s.ends > $2 AND m.user_id <> s.sharer_id AND u.disabled = false`, id, db.t(now))
	vs, err := list(rows, err, func(r row) (share.Viewer, error) {
		var v share.Viewer
		return v, r.Scan(&v.ID, &v.Account, &v.Role)
	})
	return vs, db.fail(err, "viewers of share %d", id)
}
