package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/share"
)

// Groups of live sharing: a member joining, leaving or removed writes
// the change rows of the group's live shares (their viewers changed).

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
