package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/campusnav/engine/services/auth"
)

// userColumns are the columns scanUser reads, in order.
const userColumns = "u.id, u.email, u.role, (u.disabled OR COALESCE(sp.disabled, false)), u.created, COALESCE(u.sponsor_id, 0)"

// sponsorJoin joins a user u to its sponsor sp, for userColumns.
const sponsorJoin = " LEFT JOIN users sp ON sp.id = u.sponsor_id"

// scanUser reads a row of userColumns, then extra.
func scanUser(row pgx.Row, extra ...any) (auth.User, error) {
	var u auth.User
	var role string
	dest := append([]any{&u.ID, &u.Email, &role, &u.Disabled, &u.Created, &u.SponsorID}, extra...)
	if err := row.Scan(dest...); err != nil {
		return auth.User{}, err
	}
	u.Role = auth.Role(role)
	u.Created = u.Created.UTC()
	return u, nil
}

// CreateUser stores a new account; auth.ErrConflict if the email is taken.
// A zero u.Created is the present.
func (d *DB) CreateUser(ctx context.Context, u auth.User, passwordHash string) (auth.User, error) {
	u.Created = stamp(u.Created)
	err := d.pool.QueryRow(ctx,
		"INSERT INTO users (email, role, password_hash, disabled, created) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		u.Email, string(u.Role), passwordHash, u.Disabled, u.Created).Scan(&u.ID)
	if isUnique(err) {
		return auth.User{}, fmt.Errorf("%w (user %s)", auth.ErrConflict, u.Email)
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("postgres: adding user: %w", err)
	}
	return u, nil
}

// UserByEmail returns an account and its password hash; auth.ErrNotFound.
func (d *DB) UserByEmail(ctx context.Context, email string) (auth.User, string, error) {
	var hash string
	row := d.pool.QueryRow(ctx, "SELECT "+userColumns+", u.password_hash FROM users u"+sponsorJoin+" WHERE u.email = $1", email)
	u, err := scanUser(row, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.User{}, "", fmt.Errorf("%w (user %s)", auth.ErrNotFound, email)
	}
	if err != nil {
		return auth.User{}, "", fmt.Errorf("postgres: user %s: %w", email, err)
	}
	return u, hash, nil
}

// ListUsers returns every account, by email (byte order: the column is
// COLLATE "C").
func (d *DB) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+userColumns+" FROM users u"+sponsorJoin+" ORDER BY u.email")
	if err != nil {
		return nil, fmt.Errorf("postgres: listing users: %w", err)
	}
	defer rows.Close()
	us := []auth.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing users: %w", err)
	}
	return us, nil
}

// SetDisabled disables or enables an account; auth.ErrNotFound. Disabling
// ends the account's sessions, in the same transaction.
func (d *DB) SetDisabled(ctx context.Context, email string, disabled bool) error {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: user %s: %w", email, err)
	}
	defer tx.Rollback(ctx)
	var id int64
	err = tx.QueryRow(ctx, "UPDATE users SET disabled = $1 WHERE email = $2 RETURNING id", disabled, email).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w (user %s)", auth.ErrNotFound, email)
	}
	if err != nil {
		return fmt.Errorf("postgres: user %s: %w", email, err)
	}
	if disabled {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1 OR user_id IN (SELECT id FROM users WHERE sponsor_id = $1)", id); err != nil {
			return fmt.Errorf("postgres: user %s: ending sessions: %w", email, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: user %s: %w", email, err)
	}
	return nil
}

// CreateSession stores a session by the hash of its token; auth.ErrNotFound
// if there is no account userID, auth.ErrConflict if the hash is stored.
func (d *DB) CreateSession(ctx context.Context, tokenHash string, userID int64, expires time.Time) error {
	_, err := d.pool.Exec(ctx,
		"INSERT INTO sessions (token_hash, user_id, expires) VALUES ($1, $2, $3)",
		tokenHash, userID, micros(expires))
	switch {
	case isForeignKey(err):
		return fmt.Errorf("%w (user %d)", auth.ErrNotFound, userID)
	case isUnique(err):
		return fmt.Errorf("%w (session)", auth.ErrConflict)
	case err != nil:
		return fmt.Errorf("postgres: session: %w", err)
	}
	return nil
}

// SessionUser returns the account of a session that expires after now,
// and when it expires; auth.ErrNotFound.
func (d *DB) SessionUser(ctx context.Context, tokenHash string, now time.Time) (auth.User, time.Time, error) {
	row := d.pool.QueryRow(ctx,
		"SELECT "+userColumns+", s.expires FROM sessions s JOIN users u ON u.id = s.user_id"+sponsorJoin+" WHERE s.token_hash = $1 AND s.expires > $2",
		tokenHash, micros(now))
	var expires time.Time
	u, err := scanUser(row, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.User{}, time.Time{}, fmt.Errorf("%w (session)", auth.ErrNotFound)
	}
	if err != nil {
		return auth.User{}, time.Time{}, fmt.Errorf("postgres: session: %w", err)
	}
	return u, expires.UTC(), nil
}

// DeleteSession ends a session; no error if there is none.
func (d *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := d.pool.Exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("postgres: ending session: %w", err)
	}
	return nil
}
