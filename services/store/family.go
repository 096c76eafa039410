package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

const familyColumns = "id, sponsor_id, phone, name, status, created, decided, COALESCE(user_id, 0)"

func scanFamily(r row) (auth.FamilyApplication, error) {
	var a auth.FamilyApplication
	err := r.Scan(&a.ID, &a.SponsorID, &a.Phone, &a.Name, &a.Status, timeOf{&a.Created}, maybeTimeOf{&a.Decided}, &a.UserID)
	return a, err
}

// CreateFamilyApplication stores a pending application: auth.ErrNotFound
// if there is no sponsor account, auth.ErrFamilyAccount if the phone's
// account is a family account, auth.ErrFamilyPending if the phone has a
// pending application (a unique index allows one).
func (db *DB) CreateFamilyApplication(ctx context.Context, a auth.FamilyApplication) (auth.FamilyApplication, error) {
	a.Created, a.Status, a.Decided, a.UserID = stamp(a.Created), auth.Pending, nil, 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var family bool
		err := tx.QueryRowContext(ctx, "SELECT role = $1 FROM users WHERE email = $2", string(auth.Family), "tel:"+a.Phone).Scan(&family)
		switch {
		case err == nil && family:
			return served{auth.ErrFamilyAccount}
		case err != nil && !noRows(err):
			return err
		}
		err = tx.QueryRowContext(ctx,
			"INSERT INTO family_applications (sponsor_id, phone, name, status, created) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			a.SponsorID, a.Phone, a.Name, string(a.Status), db.d.Time(a.Created)).Scan(&a.ID)
		switch {
		case db.d.IsForeignKey(err):
			return served{fmt.Errorf("%w (user %d)", auth.ErrNotFound, a.SponsorID)}
		case db.d.IsUnique(err):
			return served{auth.ErrFamilyPending}
		}
		return err
	})
	return a, db.fail(err, "family application")
}

// FamilyApplications lists applications by id: one sponsor's, or all when
// sponsorID is 0.
func (db *DB) FamilyApplications(ctx context.Context, sponsorID int64) ([]auth.FamilyApplication, error) {
	rows, err := db.sql.QueryContext(ctx,
		"SELECT "+familyColumns+" FROM family_applications WHERE $1 = 0 OR sponsor_id = $1 ORDER BY id", sponsorID)
	as, err := list(rows, err, scanFamily)
	if err != nil {
		return nil, db.errorf("family applications: %w", err)
	}
	return as, nil
}

// DecideFamilyApplication approves or rejects a pending application, as
// the admin by, in one transaction with its audit entry; approving makes
// "tel:"+phone a family account of the sponsor, unless it is another's
// (auth.ErrFamilyAccount).
func (db *DB) DecideFamilyApplication(ctx context.Context, id int64, approve bool, by int64, now time.Time) (auth.FamilyApplication, error) {
	var a auth.FamilyApplication
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanFamily(tx.QueryRowContext(ctx, "SELECT "+familyColumns+" FROM family_applications WHERE id = $1"+db.d.ForUpdate, id))
		if noRows(err) {
			return served{fmt.Errorf("%w (family application %d)", auth.ErrNotFound, id)}
		}
		if err != nil {
			return err
		}
		if a.Status != auth.Pending {
			return served{fmt.Errorf("%w (family application %d is %s)", auth.ErrConflict, id, a.Status)}
		}
		now = stamp(now)
		a.Status, a.Decided = auth.Rejected, &now
		if approve {
			a.Status = auth.Approved
			var other bool
			err := tx.QueryRowContext(ctx, "SELECT role = $1 AND sponsor_id IS DISTINCT FROM $2 FROM users WHERE email = $3"+db.d.ForUpdate,
				string(auth.Family), a.SponsorID, "tel:"+a.Phone).Scan(&other)
			switch {
			case err == nil && other:
				return served{auth.ErrFamilyAccount}
			case err != nil && !noRows(err):
				return err
			}
			err = tx.QueryRowContext(ctx, `INSERT INTO users (email, role, password_hash, disabled, created, sponsor_id) VALUES ($1, $2, '', false, $3, $4)
				ON CONFLICT (email) DO UPDATE SET role = excluded.role, sponsor_id = excluded.sponsor_id RETURNING id`,
				"tel:"+a.Phone, string(auth.Family), db.d.Time(now), a.SponsorID).Scan(&a.UserID)
			if err != nil {
				return fmt.Errorf("family account: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE family_applications SET status = $1, decided = $2, user_id = NULLIF($3, 0) WHERE id = $4",
			string(a.Status), db.d.Time(now), a.UserID, id)
		if err != nil {
			return err
		}
		if _, err = db.AppendTx(ctx, tx, familyEntry(a, by)); err != nil {
			return err
		}
		return db.mailSponsor(ctx, tx, a)
	})
	return a, db.fail(err, "family application %d", id)
}

// mailSponsor writes the mail that tells the staff member how their
// application was decided to the outbox, in the decision's transaction.
// A store without a queue (the command-line tool, tests of the store
// alone) sends none; campusd always has one.
func (db *DB) mailSponsor(ctx context.Context, tx *sql.Tx, a auth.FamilyApplication) error {
	if !db.HasQueue() {
		return nil
	}
	var to string
	if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", a.SponsorID).Scan(&to); err != nil {
		return fmt.Errorf("the sponsor's email: %w", err)
	}
	if strings.HasPrefix(to, "tel:") {
		return nil // a phone account has no mailbox
	}
	return db.EnqueueTx(ctx, tx, "mail", auth.FamilyDecidedMail(a, to))
}

// familyEntry is the audit entry of application a decided by the admin
// by: about the phone's account, with the application, its sponsor and
// the account it made.
func familyEntry(a auth.FamilyApplication, by int64) audit.Entry {
	e := audit.Entry{At: *a.Decided, Actor: by, Subject: "tel:" + a.Phone, Kind: audit.FamilyDecided, Decision: audit.Reject,
		Detail: audit.Detail(map[string]int64{"application": a.ID, "sponsor": a.SponsorID})}
	if a.Status == auth.Approved {
		e.Decision = audit.Approve
		e.Detail = audit.Detail(map[string]int64{"application": a.ID, "sponsor": a.SponsorID, "account": a.UserID})
	}
	return e
}
