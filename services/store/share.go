package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/audit"
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

// CreateGroup stores a new group and its owner's membership.
func (db *DB) CreateGroup(ctx context.Context, g share.Group) (share.Group, error) {
	g.Created = stamp(g.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, g.OwnerID); err != nil {
			return err
		}
		for _, b := range []struct {
			q   string
			max int
			err error
			arg []any
		}{
			{"SELECT count(*) FROM share_groups WHERE owner_id = $1", share.MaxGroupsOwned, share.ErrTooManyOwned, []any{g.OwnerID}},
			{"SELECT count(*) FROM share_members WHERE user_id = $1", share.MaxGroupsJoined, share.ErrTooManyJoined, []any{g.OwnerID}},
			{"SELECT count(*) FROM share_groups", share.MaxGroups, share.ErrGroupsFull, nil},
		} {
			n, err := count(ctx, tx, b.q, b.arg...)
			if err != nil {
				return err
			}
			if n >= b.max {
				return served{b.err}
			}
		}
		err := tx.QueryRowContext(ctx, "INSERT INTO share_groups (name, owner_id, code, created) VALUES ($1, $2, $3, $4) RETURNING id",
			g.Name, g.OwnerID, g.Code, db.t(g.Created)).Scan(&g.ID)
		if db.d.IsUnique(err) {
			return served{fmt.Errorf("%w (invite code)", share.ErrConflict)}
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO share_members (group_id, user_id, joined) VALUES ($1, $2, $3)", g.ID, g.OwnerID, db.t(g.Created))
		if err != nil {
			return err
		}
		g, err = db.groupIn(ctx, tx, g.ID)
		return err
	})
	return g, db.fail(err, "group")
}

// groupIn reads group id with its members through q.
func (db *DB) groupIn(ctx context.Context, q querier, id int64) (share.Group, error) {
	var g share.Group
	err := q.QueryRowContext(ctx, `SELECT g.id, g.name, g.owner_id, u.email, g.code, g.created FROM share_groups g
		JOIN users u ON u.id = g.owner_id WHERE g.id = $1`, id).Scan(&g.ID, &g.Name, &g.OwnerID, &g.Owner, &g.Code, timeOf{&g.Created})
	if noRows(err) {
		return g, served{share.ErrNoGroup}
	}
	if err != nil {
		return g, err
	}
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.email, u.role, m.joined FROM share_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = $1 ORDER BY m.joined, u.id`, id)
	g.Members, err = list(rows, err, func(r row) (share.Member, error) {
		var m share.Member
		return m, r.Scan(&m.ID, &m.Account, &m.Role, timeOf{&m.Joined})
	})
	return g, err
}

// Group is group id with its members.
func (db *DB) Group(ctx context.Context, id int64) (share.Group, error) {
	g, err := db.groupIn(ctx, db.sql, id)
	return g, db.fail(err, "group %d", id)
}

// Groups lists userID's groups.
func (db *DB) Groups(ctx context.Context, userID int64) ([]share.Group, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT group_id FROM share_members WHERE user_id = $1 ORDER BY group_id", userID)
	ids, err := list(rows, err, func(r row) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	out := []share.Group{}
	for _, id := range ids {
		if err != nil {
			break
		}
		var g share.Group
		if g, err = db.groupIn(ctx, db.sql, id); err == nil {
			out = append(out, g)
		}
	}
	return out, db.fail(err, "groups of %d", userID)
}

// groupShares writes the change rows of the active live shares of group
// id: their viewers changed.
func (db *DB) groupShares(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO live_changes (share_id, at)
		SELECT s.id, $2 FROM shares s WHERE s.group_id = $1 AND s.status = 'active' AND s.ends > $2`, id, db.t(at))
	return err
}

// JoinGroup adds userID to the group of code.
func (db *DB) JoinGroup(ctx context.Context, code string, userID int64, now time.Time) (share.Group, error) {
	var g share.Group
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM share_groups WHERE code = $1"+db.d.ForUpdate, code).Scan(&id)
		if noRows(err) {
			return served{share.ErrNoCode}
		}
		if err != nil {
			return err
		}
		in, err := count(ctx, tx, "SELECT count(*) FROM share_members WHERE group_id = $1 AND user_id = $2", id, userID)
		if err != nil {
			return err
		}
		if in == 0 {
			for _, b := range []struct {
				q   string
				max int
				err error
				arg int64
			}{
				{"SELECT count(*) FROM share_members WHERE group_id = $1", share.MaxMembers, share.ErrGroupFull, id},
				{"SELECT count(*) FROM share_members WHERE user_id = $1", share.MaxGroupsJoined, share.ErrTooManyJoined, userID},
			} {
				n, err := count(ctx, tx, b.q, b.arg)
				if err != nil {
					return err
				}
				if n >= b.max {
					return served{b.err}
				}
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO share_members (group_id, user_id, joined) VALUES ($1, $2, $3)", id, userID, db.t(now)); err != nil {
				return err
			}
			if err := db.groupShares(ctx, tx, id, now); err != nil {
				return err
			}
		}
		g, err = db.groupIn(ctx, tx, id)
		return err
	})
	return g, db.fail(err, "joining a group")
}

// LeaveGroup takes userID out of group id.
func (db *DB) LeaveGroup(ctx context.Context, id, userID int64, now time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.leave(ctx, tx, id, userID, now) })
	return db.fail(err, "leaving group %d", id)
}

// leave takes userID out of group id in tx: their shares to it end, their
// alerts on its shares go, and its other shares are told; the owner
// leaving closes the group.
func (db *DB) leave(ctx context.Context, tx *sql.Tx, id, userID int64, now time.Time) error {
	var owner int64
	err := tx.QueryRowContext(ctx, `SELECT g.owner_id FROM share_groups g JOIN share_members m ON m.group_id = g.id
		WHERE g.id = $1 AND m.user_id = $2`+db.forUpdateOf("g"), id, userID).Scan(&owner)
	if noRows(err) {
		return served{share.ErrNoGroup}
	}
	if err != nil {
		return err
	}
	at := stamp(now)
	if owner == userID {
		if err := db.endShares(ctx, tx, "s.group_id = $1", at, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM share_groups WHERE id = $1", id)
		return err
	}
	if err := db.endShares(ctx, tx, "s.group_id = $1 AND s.sharer_id = $2", at, id, userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM share_alerts WHERE viewer_id = $2
		AND share_id IN (SELECT s.id FROM shares s WHERE s.group_id = $1)`, id, userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM share_members WHERE group_id = $1 AND user_id = $2", id, userID); err != nil {
		return err
	}
	return db.groupShares(ctx, tx, id, at)
}

// RemoveMember takes member out of group id, as its owner asks.
func (db *DB) RemoveMember(ctx context.Context, id, ownerID, member int64, now time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT g.owner_id FROM share_groups g JOIN share_members m ON m.group_id = g.id
			WHERE g.id = $1 AND m.user_id = $2`, id, ownerID).Scan(&owner)
		switch {
		case noRows(err):
			return served{share.ErrNoGroup}
		case err != nil:
			return err
		case owner != ownerID:
			return served{&share.Error{Kind: share.ErrForbidden, En: "only the group's owner removes members", Zh: "只有群组创建者可以移除成员"}}
		case member == ownerID:
			return served{&share.Error{Kind: share.ErrInvalid, Field: "member", En: "the owner leaves the group instead", Zh: "创建者请直接退出群组"}}
		}
		err = db.leave(ctx, tx, id, member, now)
		if errorsIsNoGroup(err) {
			return served{&share.Error{Kind: share.ErrNotFound, Field: "member", En: "no such member", Zh: "没有该成员"}}
		}
		return err
	})
	return db.fail(err, "removing from group %d", id)
}

func errorsIsNoGroup(err error) bool {
	s, ok := err.(served)
	return ok && s.error == share.ErrNoGroup
}

// AddPoint adds a point to a share's history.
func (db *DB) AddPoint(ctx context.Context, id int64, p share.Point) error {
	var ordinal any
	if p.Ordinal != nil {
		ordinal = *p.Ordinal
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO share_points (share_id, at, lon, lat, ordinal, level, building, accuracy_m)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, db.t(p.At), p.Lon, p.Lat, ordinal, p.Level, p.Building, p.AccuracyM)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM share_points WHERE share_id = $1 AND id <=
			(SELECT id FROM share_points WHERE share_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, id, share.MaxTrackPoints)
		return err
	})
	return db.fail(err, "point of share %d", id)
}

// Track lists a share's history.
func (db *DB) Track(ctx context.Context, id int64, after int64, limit int) ([]share.Point, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, at, lon, lat, ordinal, level, building, accuracy_m FROM share_points
		WHERE share_id = $1 AND id > $2 ORDER BY id LIMIT $3`, id, after, limit)
	ps, err := list(rows, err, func(r row) (share.Point, error) {
		var p share.Point
		var o sql.NullInt64
		err := r.Scan(&p.ID, timeOf{&p.At}, &p.Lon, &p.Lat, &o, &p.Level, &p.Building, &p.AccuracyM)
		if o.Valid {
			n := int(o.Int64)
			p.Ordinal = &n
		}
		return p, err
	})
	return ps, db.fail(err, "track of share %d", id)
}

const alertColumns = "id, share_id, viewer_id, place, on_event, created FROM share_alerts"

func scanAlert(r row) (share.Alert, error) {
	var a share.Alert
	return a, r.Scan(&a.ID, &a.ShareID, &a.ViewerID, &a.Place, &a.On, timeOf{&a.Created})
}

// AddAlert stores an alert within its bounds.
func (db *DB) AddAlert(ctx context.Context, a share.Alert) (share.Alert, error) {
	a.Created = stamp(a.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, a.ViewerID); err != nil {
			return err
		}
		got, err := scanAlert(tx.QueryRowContext(ctx, "SELECT "+alertColumns+" WHERE share_id = $1 AND viewer_id = $2 AND place = $3 AND on_event = $4",
			a.ShareID, a.ViewerID, a.Place, a.On))
		if err == nil {
			a = got
			return nil
		}
		if !noRows(err) {
			return err
		}
		for _, b := range []struct {
			q   string
			max int
			err error
			arg []any
		}{
			{"SELECT count(*) FROM share_alerts WHERE viewer_id = $1", share.MaxAlertsPerViewer, share.ErrTooManyAlerts, []any{a.ViewerID}},
			{"SELECT count(*) FROM share_alerts", share.MaxAlerts, share.ErrAlertsFull, nil},
		} {
			n, err := count(ctx, tx, b.q, b.arg...)
			if err != nil {
				return err
			}
			if n >= b.max {
				return served{b.err}
			}
		}
		err = tx.QueryRowContext(ctx, "INSERT INTO share_alerts (share_id, viewer_id, place, on_event, created) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			a.ShareID, a.ViewerID, a.Place, a.On, db.t(a.Created)).Scan(&a.ID)
		if err != nil {
			return err
		}
		return db.shareChanged(ctx, tx, a.ShareID, a.Created)
	})
	return a, db.fail(err, "alert")
}

// Alerts lists the alerts on a share.
func (db *DB) Alerts(ctx context.Context, id int64) ([]share.Alert, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+alertColumns+" WHERE share_id = $1 ORDER BY id", id)
	as, err := list(rows, err, scanAlert)
	return as, db.fail(err, "alerts of share %d", id)
}

// NewTicket stores a socket ticket.
func (db *DB) NewTicket(ctx context.Context, hash string, userID int64, now, expires time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM live_tickets WHERE expires <= $1", db.t(now)); err != nil {
			return err
		}
		n, err := count(ctx, tx, "SELECT count(*) FROM live_tickets WHERE user_id = $1", userID)
		if err != nil {
			return err
		}
		if n >= share.MaxTicketsPerPerson {
			return served{share.ErrTooManyTickets}
		}
		if n, err = count(ctx, tx, "SELECT count(*) FROM live_tickets"); err != nil {
			return err
		}
		if n >= share.MaxTickets {
			return served{share.ErrTooManyTickets}
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO live_tickets (hash, user_id, expires) VALUES ($1, $2, $3)", hash, userID, db.t(expires))
		if db.d.IsForeignKey(err) {
			return served{fmt.Errorf("%w (account %d)", share.ErrNotFound, userID)}
		}
		return err
	})
	return db.fail(err, "ticket")
}

// RedeemTicket uses a ticket once.
func (db *DB) RedeemTicket(ctx context.Context, hash string, now time.Time) (auth.User, error) {
	var u auth.User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var expires time.Time
		err := tx.QueryRowContext(ctx, "DELETE FROM live_tickets WHERE hash = $1 RETURNING user_id, expires", hash).Scan(&id, timeOf{&expires})
		if noRows(err) {
			return served{share.ErrNoTicket}
		}
		if err != nil {
			return err
		}
		if !now.Before(expires) {
			return served{share.ErrNoTicket}
		}
		u, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u"+sponsorJoin+" WHERE u.id = $1", id))
		if noRows(err) || err == nil && u.Disabled {
			return served{share.ErrNoTicket}
		}
		return err
	})
	return u, db.fail(err, "ticket")
}

// Changes lists the change log after an id.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]share.Change, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id, COALESCE(share_id, 0), COALESCE(user_id, 0) FROM live_changes WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
	cs, err := list(rows, err, func(r row) (share.Change, error) {
		var c share.Change
		return c, r.Scan(&c.ID, &c.ShareID, &c.UserID)
	})
	return cs, db.fail(err, "live changes")
}

// LastChange is the id of the change log's newest row.
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, "SELECT COALESCE(max(id), 0) FROM live_changes").Scan(&id)
	return id, db.fail(err, "live changes")
}

// RecordViews records first sights of shares with their audit entries.
func (db *DB) RecordViews(ctx context.Context, vs []share.Viewed) error {
	if len(vs) == 0 {
		return nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var es []audit.Entry
		for _, v := range vs {
			var sharer string
			err := tx.QueryRowContext(ctx, `INSERT INTO share_views (share_id, viewer_id, at)
				SELECT CAST($1 AS bigint), CAST($2 AS bigint), CAST($3 AS `+db.d.TimeType+`)
				WHERE EXISTS (SELECT 1 FROM shares WHERE id = $1) AND EXISTS (SELECT 1 FROM users WHERE id = $2)
				ON CONFLICT DO NOTHING RETURNING share_id`, v.ShareID, v.ViewerID, db.t(v.At)).Scan(new(int64))
			if noRows(err) {
				continue // seen already, or the share or the viewer is gone
			}
			if err != nil {
				return err
			}
			err = tx.QueryRowContext(ctx, "SELECT u.email FROM shares s JOIN users u ON u.id = s.sharer_id WHERE s.id = $1", v.ShareID).Scan(&sharer)
			if err != nil {
				return err
			}
			es = append(es, audit.Entry{At: stamp(v.At), Actor: v.ViewerID, Subject: sharer, Kind: share.AuditViewed, Decision: "viewed",
				Detail: audit.Detail(map[string]any{"share": v.ShareID})})
		}
		_, err := db.AppendManyTx(ctx, tx, es)
		return err
	})
	return db.fail(err, "views of shares")
}

// sharesKept is how long an ended share's row is kept (its audited views
// refer to it).
const sharesKept = 30 * 24 * time.Hour

// EndExpired ends the shares whose end has passed, and forgets expired
// tickets, old changes and long-ended shares.
func (db *DB) EndExpired(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT s.id, s.ends FROM shares s WHERE s.status <> 'ended' AND s.ends <= $1 ORDER BY s.ends LIMIT $2", db.t(now), limit)
		type ended struct {
			id   int64
			ends time.Time
		}
		es, err := list(rows, err, func(r row) (ended, error) {
			var e ended
			return e, r.Scan(&e.id, timeOf{&e.ends})
		})
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := db.endShares(ctx, tx, "s.id = $1", e.ends, e.id); err != nil {
				return err
			}
		}
		n = len(es)
		for _, q := range []struct {
			q string
			t time.Time
		}{
			{"DELETE FROM live_tickets WHERE expires <= $1", now},
			{"DELETE FROM live_changes WHERE at < $1", now.Add(-keep)},
			{"DELETE FROM shares WHERE status = 'ended' AND ended < $1", now.Add(-sharesKept)},
		} {
			if _, err := tx.ExecContext(ctx, q.q, db.t(q.t)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, db.fail(err, "ending expired shares")
}

// endLiveOf ends, in tx, the live shares by or to account id and its
// family accounts, and writes the change rows of those accounts: a disabled account's shares end at
// once, on every server.
func (db *DB) endLiveOf(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	users := "SELECT u.id FROM users u WHERE u.id = $1 OR u.sponsor_id = $1"
	if err := db.endShares(ctx, tx, "s.sharer_id IN ("+users+") OR s.with_id IN ("+users+")", at, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO live_changes (user_id, at) SELECT u.id, $1 FROM users u WHERE u.id = $2 OR u.sponsor_id = $2", db.t(at), id)
	return err
}
