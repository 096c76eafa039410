package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/auth"
)

const familyColumns = "id, sponsor_id, phone, name, status, created, decided, COALESCE(user_id, 0)"

func scanFamily(row interface{ Scan(...any) error }) (auth.FamilyApplication, error) {
	var a auth.FamilyApplication
	var created int64
	var decided sql.NullInt64
	if err := row.Scan(&a.ID, &a.SponsorID, &a.Phone, &a.Name, &a.Status, &created, &decided, &a.UserID); err != nil {
		return a, err
	}
	a.Created = fromMicros(created)
	if decided.Valid {
		t := fromMicros(decided.Int64)
		a.Decided = &t
	}
	return a, nil
}

// CreateFamilyApplication stores a pending application: auth.ErrNotFound
// if there is no sponsor account, auth.ErrFamilyAccount if the phone's
// account is a family account, auth.ErrFamilyPending if the phone has a
// pending application (a unique index allows one).
func (d *DB) CreateFamilyApplication(ctx context.Context, a auth.FamilyApplication) (auth.FamilyApplication, error) {
	unlock := d.writing()
	defer unlock()
	a.Created, a.Status, a.Decided, a.UserID = stamp(a.Created), auth.Pending, nil, 0
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return a, fmt.Errorf("sqlite: family application: %w", err)
	}
	defer tx.Rollback()
	var family bool
	err = tx.QueryRowContext(ctx, "SELECT role = ? FROM users WHERE email = ?", string(auth.Family), "tel:"+a.Phone).Scan(&family)
	switch {
	case err == nil && family:
		return a, auth.ErrFamilyAccount
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return a, fmt.Errorf("sqlite: family application: %w", err)
	}
	res, err := tx.ExecContext(ctx,
		"INSERT INTO family_applications (sponsor_id, phone, name, status, created) VALUES (?, ?, ?, ?, ?)",
		a.SponsorID, a.Phone, a.Name, string(a.Status), micros(a.Created))
	switch {
	case isForeignKey(err):
		return a, fmt.Errorf("%w (user %d)", auth.ErrNotFound, a.SponsorID)
	case isUnique(err):
		return a, auth.ErrFamilyPending
	case err != nil:
		return a, fmt.Errorf("sqlite: family application: %w", err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return a, fmt.Errorf("sqlite: family application: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return a, fmt.Errorf("sqlite: family application: %w", err)
	}
	return a, nil
}

// FamilyApplications lists applications by id: one sponsor's, or all when
// sponsorID is 0.
func (d *DB) FamilyApplications(ctx context.Context, sponsorID int64) ([]auth.FamilyApplication, error) {
	rows, err := d.db.QueryContext(ctx,
		"SELECT "+familyColumns+" FROM family_applications WHERE ? = 0 OR sponsor_id = ? ORDER BY id", sponsorID, sponsorID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: family applications: %w", err)
	}
	defer rows.Close()
	as := []auth.FamilyApplication{}
	for rows.Next() {
		a, err := scanFamily(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: family applications: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: family applications: %w", err)
	}
	return as, nil
}

// DecideFamilyApplication approves or rejects a pending application, in
// one transaction; approving makes "tel:"+phone a family account of the
// sponsor, unless it is another's (auth.ErrFamilyAccount).
func (d *DB) DecideFamilyApplication(ctx context.Context, id int64, approve bool, now time.Time) (auth.FamilyApplication, error) {
	unlock := d.writing()
	defer unlock()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return auth.FamilyApplication{}, fmt.Errorf("sqlite: family application %d: %w", id, err)
	}
	defer tx.Rollback()
	a, err := scanFamily(tx.QueryRowContext(ctx, "SELECT "+familyColumns+" FROM family_applications WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("%w (family application %d)", auth.ErrNotFound, id)
	}
	if err != nil {
		return a, fmt.Errorf("sqlite: family application %d: %w", id, err)
	}
	if a.Status != auth.Pending {
		return a, fmt.Errorf("%w (family application %d is %s)", auth.ErrConflict, id, a.Status)
	}
	now = stamp(now)
	a.Status, a.Decided = auth.Rejected, &now
	if approve {
		a.Status = auth.Approved
		var other bool
		err := tx.QueryRowContext(ctx, "SELECT role = ? AND sponsor_id IS NOT ? FROM users WHERE email = ?",
			string(auth.Family), a.SponsorID, "tel:"+a.Phone).Scan(&other)
		switch {
		case err == nil && other:
			return a, auth.ErrFamilyAccount
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return a, fmt.Errorf("sqlite: family application %d: %w", id, err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO users (email, role, password_hash, disabled, created, sponsor_id) VALUES (?, ?, '', 0, ?, ?)
			ON CONFLICT (email) DO UPDATE SET role = excluded.role, sponsor_id = excluded.sponsor_id RETURNING id`,
			"tel:"+a.Phone, string(auth.Family), micros(now), a.SponsorID).Scan(&a.UserID)
		if err != nil {
			return a, fmt.Errorf("sqlite: family account for application %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE family_applications SET status = ?, decided = ?, user_id = NULLIF(?, 0) WHERE id = ?",
		string(a.Status), micros(now), a.UserID, id); err != nil {
		return a, fmt.Errorf("sqlite: family application %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return a, fmt.Errorf("sqlite: family application %d: %w", id, err)
	}
	return a, nil
}
