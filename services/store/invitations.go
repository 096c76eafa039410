package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/campusnav/engine/services/visitor"
)

// Invitations: a host's open invitations are counted under the host's
// row lock; accepting one locks it and makes its visit in the same
// transaction, so a code is used once.

const invitationColumns = `i.id, i.host_id, u.email, i.code_hash, i.name, i.phone, i.type, i.reason, i.day, i.starts, i.ends,
	i.place, i.building, i.unit, i.status, i.expires,
	COALESCE((SELECT v.id FROM visits v WHERE v.invitation_id = i.id ORDER BY v.id LIMIT 1), 0), i.created, i.purged
	FROM invitations i JOIN users u ON u.id = i.host_id`

func scanInvitation(r row) (visitor.Invitation, error) {
	var i visitor.Invitation
	err := r.Scan(&i.ID, &i.HostID, &i.Host, &i.CodeHash, &i.Name, &i.Phone, &i.Type, &i.Reason, &i.Date, timeOf{&i.From}, timeOf{&i.To},
		&i.Place.Ref, &i.Place.Building, &i.Place.Unit, &i.Status, timeOf{&i.Expires}, &i.VisitID, timeOf{&i.Created}, &i.Purged)
	return i, err
}

// CreateInvitation stores a new invitation within the bounds.
func (db *DB) CreateInvitation(ctx context.Context, inv visitor.Invitation, now time.Time, jobs func(visitor.Invitation) []visitor.Job) (visitor.Invitation, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, inv.HostID); err != nil {
			return err
		}
		var host, all int
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN host_id = $1 THEN 1 ELSE 0 END), 0), count(*)
			FROM invitations WHERE status = 'open' AND expires > $2`, inv.HostID, db.t(now)).Scan(&host, &all)
		switch {
		case err != nil:
			return err
		case host >= visitor.MaxOpenInvitations:
			return served{visitor.ErrTooManyInvitations}
		case all >= visitor.MaxOpenInvitationsAll:
			return served{visitor.ErrFull}
		}
		inv.Created, inv.From, inv.To, inv.Expires = stamp(inv.Created), stamp(inv.From), stamp(inv.To), stamp(inv.Expires)
		err = tx.QueryRowContext(ctx, `INSERT INTO invitations (host_id, code_hash, name, phone, type, reason, day, starts, ends,
			place, building, unit, status, expires, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			inv.HostID, inv.CodeHash, inv.Name, inv.Phone, inv.Type, inv.Reason, inv.Date, db.d.Time(inv.From), db.d.Time(inv.To),
			inv.Place.Ref, inv.Place.Building, inv.Place.Unit, inv.Status, db.d.Time(inv.Expires), db.d.Time(inv.Created)).Scan(&inv.ID)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", inv.HostID).Scan(&inv.Host); err != nil {
			return err
		}
		if jobs != nil && db.HasQueue() {
			for _, j := range jobs(inv) {
				if err := db.EnqueueTx(ctx, tx, j.Kind, j.Args); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return inv, db.fail(err, "invitation")
}

// Invitations lists a host's invitations, newest first.
func (db *DB) Invitations(ctx context.Context, hostID, before int64, limit int) ([]visitor.Invitation, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+invitationColumns+" WHERE i.host_id = $1 AND i.id < $2 ORDER BY i.id DESC LIMIT $3",
		hostID, below(before), limit)
	is, err := list(rows, err, scanInvitation)
	return is, db.fail(err, "invitations of %d", hostID)
}

// AcceptInvitation makes the visit of an invitation, once.
func (db *DB) AcceptInvitation(ctx context.Context, codeHash []byte, accept func(visitor.Invitation) (visitor.Visit, visitor.Create, error)) (visitor.Visit, error) {
	var v visitor.Visit
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		inv, err := scanInvitation(tx.QueryRowContext(ctx, "SELECT "+invitationColumns+" WHERE i.code_hash = $1"+db.forUpdateOf("i"), codeHash))
		if noRows(err) {
			return served{visitor.ErrNoInvitation}
		}
		if err != nil {
			return err
		}
		nv, c, err := accept(inv)
		if err != nil {
			return served{err}
		}
		if v, err = db.createVisitTx(ctx, tx, nv, c, true); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE invitations SET status = 'accepted' WHERE id = $1", inv.ID)
		return err
	})
	return v, db.fail(err, "invitation")
}

// ChangeInvitation applies a change to a host's invitation and its
// visit.
func (db *DB) ChangeInvitation(ctx context.Context, id, hostID int64, ch visitor.InvitationChange) (visitor.Invitation, error) {
	var inv visitor.Invitation
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		inv, err = scanInvitation(tx.QueryRowContext(ctx, "SELECT "+invitationColumns+" WHERE i.id = $1 AND i.host_id = $2"+db.forUpdateOf("i"), id, hostID))
		if noRows(err) {
			return served{visitor.ErrNoInvitation}
		}
		if err != nil {
			return err
		}
		var v *visitor.Visit
		if inv.VisitID != 0 {
			got, err := db.visitTx(ctx, tx, inv.VisitID, true)
			if err != nil {
				return err
			}
			v = &got
		}
		if err := ch.Apply(&inv, v); err != nil {
			return served{err}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invitations SET status = $2 WHERE id = $1", inv.ID, inv.Status); err != nil {
			return err
		}
		if v != nil {
			if err := db.saveVisit(ctx, tx, *v); err != nil {
				return err
			}
		}
		if ch.Jobs != nil && db.HasQueue() {
			for _, j := range ch.Jobs(inv, v) {
				if err := db.EnqueueTx(ctx, tx, j.Kind, j.Args); err != nil {
					return err
				}
			}
		}
		if ch.Audit != nil {
			if es := ch.Audit(inv, v); len(es) > 0 {
				if _, err := db.AppendManyTx(ctx, tx, es); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return inv, db.fail(err, "invitation %d", id)
}
