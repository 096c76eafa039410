package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// userColumns are the columns scanUser reads, in order: a family
// account is disabled with its sponsor; its duties are the list on its
// row ("desk,lab", kept by triggers on the duties table), so that the
// session lookup, the hot path, reads no other table for them. (An
// aggregate over the duties table in this query made SQLite's lookup
// take half as long again: BenchmarkAuthenticate/uncached, medians of
// five alternating runs, 82 -> 122 us; with the list, within noise of
// the lookup without duties.)
const userColumns = "u.id, u.email, u.role, (u.disabled OR COALESCE(sp.disabled, false)), u.created, COALESCE(u.sponsor_id, 0), u.duties"

// sponsorJoin joins a user u to its sponsor sp, for userColumns.
const sponsorJoin = " LEFT JOIN users sp ON sp.id = u.sponsor_id"

// scanUser reads a row of userColumns, then extra.
func scanUser(r row, extra ...any) (auth.User, error) {
	var u auth.User
	dest := append([]any{&u.ID, &u.Email, &u.Role, &u.Disabled, timeOf{&u.Created}, &u.SponsorID, dutiesOf{&u.Duties}}, extra...)
	if err := r.Scan(dest...); err != nil {
		return auth.User{}, err
	}
	return u, nil
}

// CreateUser stores a new account; auth.ErrConflict if the email is taken.
// A zero u.Created is the present.
func (db *DB) CreateUser(ctx context.Context, u auth.User, passwordHash string) (auth.User, error) {
	w, unlock := db.writing()
	defer unlock()
	u.Created = stamp(u.Created)
	err := w.QueryRowContext(ctx,
		"INSERT INTO users (email, role, password_hash, disabled, created) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		u.Email, string(u.Role), passwordHash, u.Disabled, db.d.Time(u.Created)).Scan(&u.ID)
	if db.d.IsUnique(err) {
		return auth.User{}, fmt.Errorf("%w (user %s)", auth.ErrConflict, u.Email)
	}
	if err != nil {
		return auth.User{}, db.errorf("adding user: %w", err)
	}
	return u, nil
}

// UserByEmail returns an account and its password hash; auth.ErrNotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (auth.User, string, error) {
	var hash string
	u, err := scanUser(db.sql.QueryRowContext(ctx,
		"SELECT "+userColumns+", u.password_hash FROM users u"+sponsorJoin+" WHERE u.email = $1", email), &hash)
	if noRows(err) {
		return auth.User{}, "", fmt.Errorf("%w (user %s)", auth.ErrNotFound, email)
	}
	if err != nil {
		return auth.User{}, "", db.errorf("user %s: %w", email, err)
	}
	return u, hash, nil
}

// ListUsers returns every account, by email, byte by byte (PostgreSQL's
// column is COLLATE "C").
func (db *DB) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+userColumns+" FROM users u"+sponsorJoin+" ORDER BY u.email")
	us, err := list(rows, err, func(r row) (auth.User, error) { return scanUser(r) })
	if err != nil {
		return nil, db.errorf("listing users: %w", err)
	}
	return us, nil
}

// SetDisabled disables or enables an account; auth.ErrNotFound. Disabling
// ends the account's sessions and its family's, and their live shares
// (with the change log's rows that tell every server), in the same
// transaction.
func (db *DB) SetDisabled(ctx context.Context, email string, disabled bool) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, "UPDATE users SET disabled = $1 WHERE email = $2 RETURNING id", disabled, email).Scan(&id)
		if noRows(err) {
			return served{fmt.Errorf("%w (user %s)", auth.ErrNotFound, email)}
		}
		if err != nil || !disabled {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 OR user_id IN (SELECT id FROM users WHERE sponsor_id = $1)", id)
		if err != nil {
			return err
		}
		return db.endLiveOf(ctx, tx, id, time.Now())
	})
	return db.fail(err, "user %s", email)
}

// CreateSession stores a session by the hash of its token; auth.ErrNotFound
// if there is no account userID, auth.ErrConflict if the hash is stored.
func (db *DB) CreateSession(ctx context.Context, tokenHash string, userID int64, expires time.Time) error {
	w, unlock := db.writing()
	defer unlock()
	_, err := w.ExecContext(ctx,
		"INSERT INTO sessions (token_hash, user_id, expires) VALUES ($1, $2, $3)",
		tokenHash, userID, db.t(expires))
	switch {
	case db.d.IsForeignKey(err):
		return fmt.Errorf("%w (user %d)", auth.ErrNotFound, userID)
	case db.d.IsUnique(err):
		return fmt.Errorf("%w (session)", auth.ErrConflict)
	case err != nil:
		return db.errorf("session: %w", err)
	}
	return nil
}

// SessionUser returns the account of a session that expires after now,
// and when it expires; auth.ErrNotFound.
func (db *DB) SessionUser(ctx context.Context, tokenHash string, now time.Time) (auth.User, time.Time, error) {
	var expires time.Time
	u, err := scanUser(db.sql.QueryRowContext(ctx,
		"SELECT "+userColumns+", s.expires FROM sessions s JOIN users u ON u.id = s.user_id"+sponsorJoin+" WHERE s.token_hash = $1 AND s.expires > $2",
		tokenHash, db.t(now)), timeOf{&expires})
	if noRows(err) {
		return auth.User{}, time.Time{}, fmt.Errorf("%w (session)", auth.ErrNotFound)
	}
	if err != nil {
		return auth.User{}, time.Time{}, db.errorf("session: %w", err)
	}
	return u, expires, nil
}

// DeleteSession ends a session; no error if there is none.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	w, unlock := db.writing()
	defer unlock()
	if _, err := w.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return db.errorf("ending session: %w", err)
	}
	return nil
}

// PurgeSessions deletes the sessions that expired at or before now, and
// says how many there were.
func (db *DB) PurgeSessions(ctx context.Context, now time.Time) (int64, error) {
	w, unlock := db.writing()
	defer unlock()
	res, err := w.ExecContext(ctx, "DELETE FROM sessions WHERE expires <= $1", db.t(now))
	if err != nil {
		return 0, db.errorf("purging sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.errorf("purging sessions: %w", err)
	}
	return n, nil
}
