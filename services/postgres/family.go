package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/campusnav/engine/services/auth"
)

const familyColumns = "id, sponsor_id, phone, name, status, created, decided, COALESCE(user_id, 0)"

func scanFamily(row pgx.Row) (auth.FamilyApplication, error) {
	var a auth.FamilyApplication
	var status string
	if err := row.Scan(&a.ID, &a.SponsorID, &a.Phone, &a.Name, &status, &a.Created, &a.Decided, &a.UserID); err != nil {
		return a, err
	}
	a.Status, a.Created = auth.FamilyStatus(status), a.Created.UTC()
	if a.Decided != nil {
		t := a.Decided.UTC()
		a.Decided = &t
	}
	return a, nil
}

// CreateFamilyApplication stores a pending application: auth.ErrNotFound
// if there is no sponsor account, auth.ErrFamilyAccount if the phone's
// account is a family account, auth.ErrFamilyPending if the phone has a
// pending application (a unique index allows one).
func (d *DB) CreateFamilyApplication(ctx context.Context, a auth.FamilyApplication) (auth.FamilyApplication, error) {
	a.Created, a.Status, a.Decided, a.UserID = stamp(a.Created), auth.Pending, nil, 0
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return a, fmt.Errorf("postgres: family application: %w", err)
	}
	defer tx.Rollback(ctx)
	var family bool
	err = tx.QueryRow(ctx, "SELECT role = $1 FROM users WHERE email = $2", string(auth.Family), "tel:"+a.Phone).Scan(&family)
	switch {
	case err == nil && family:
		return a, auth.ErrFamilyAccount
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return a, fmt.Errorf("postgres: family application: %w", err)
	}
	err = tx.QueryRow(ctx,
		"INSERT INTO family_applications (sponsor_id, phone, name, status, created) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		a.SponsorID, a.Phone, a.Name, string(a.Status), a.Created).Scan(&a.ID)
	switch {
	case isForeignKey(err):
		return a, fmt.Errorf("%w (user %d)", auth.ErrNotFound, a.SponsorID)
	case isUnique(err):
		return a, auth.ErrFamilyPending
	case err != nil:
		return a, fmt.Errorf("postgres: family application: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return a, fmt.Errorf("postgres: family application: %w", err)
	}
	return a, nil
}

// FamilyApplications lists applications by id: one sponsor's, or all when
// sponsorID is 0.
func (d *DB) FamilyApplications(ctx context.Context, sponsorID int64) ([]auth.FamilyApplication, error) {
	rows, err := d.pool.Query(ctx,
		"SELECT "+familyColumns+" FROM family_applications WHERE $1 = 0 OR sponsor_id = $1 ORDER BY id", sponsorID)
	if err != nil {
		return nil, fmt.Errorf("postgres: family applications: %w", err)
	}
	defer rows.Close()
	as := []auth.FamilyApplication{}
	for rows.Next() {
		a, err := scanFamily(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: family applications: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: family applications: %w", err)
	}
	return as, nil
}

// DecideFamilyApplication approves or rejects a pending application, in
// one transaction; approving makes "tel:"+phone a family account of the
// sponsor, unless it is another's (auth.ErrFamilyAccount).
func (d *DB) DecideFamilyApplication(ctx context.Context, id int64, approve bool, now time.Time) (auth.FamilyApplication, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return auth.FamilyApplication{}, fmt.Errorf("postgres: family application %d: %w", id, err)
	}
	defer tx.Rollback(ctx)
	a, err := scanFamily(tx.QueryRow(ctx, "SELECT "+familyColumns+" FROM family_applications WHERE id = $1 FOR UPDATE", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("%w (family application %d)", auth.ErrNotFound, id)
	}
	if err != nil {
		return a, fmt.Errorf("postgres: family application %d: %w", id, err)
	}
	if a.Status != auth.Pending {
		return a, fmt.Errorf("%w (family application %d is %s)", auth.ErrConflict, id, a.Status)
	}
	now = stamp(now)
	a.Status, a.Decided = auth.Rejected, &now
	if approve {
		a.Status = auth.Approved
		var other bool
		err := tx.QueryRow(ctx, "SELECT role = $1 AND sponsor_id IS DISTINCT FROM $2 FROM users WHERE email = $3 FOR UPDATE",
			string(auth.Family), a.SponsorID, "tel:"+a.Phone).Scan(&other)
		switch {
		case err == nil && other:
			return a, auth.ErrFamilyAccount
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return a, fmt.Errorf("postgres: family application %d: %w", id, err)
		}
		err = tx.QueryRow(ctx, `INSERT INTO users (email, role, password_hash, disabled, created, sponsor_id) VALUES ($1, $2, '', false, $3, $4)
			ON CONFLICT (email) DO UPDATE SET role = excluded.role, sponsor_id = excluded.sponsor_id RETURNING id`,
			"tel:"+a.Phone, string(auth.Family), now, a.SponsorID).Scan(&a.UserID)
		if err != nil {
			return a, fmt.Errorf("postgres: family account for application %d: %w", id, err)
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE family_applications SET status = $1, decided = $2, user_id = NULLIF($3, 0) WHERE id = $4",
		string(a.Status), now, a.UserID, id); err != nil {
		return a, fmt.Errorf("postgres: family application %d: %w", id, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return a, fmt.Errorf("postgres: family application %d: %w", id, err)
	}
	return a, nil
}
