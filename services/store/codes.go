package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// Phone codes and single sign-on flows: single use on every replica. A
// use is one UPDATE that spends the row only if it is unspent and
// unexpired, so of two at once (PostgreSQL: the second waits for the
// first's row lock, then finds it spent; SQLite: one writer) one wins.
// The oldest (nearest their end, spent ones first) are evicted beyond
// the cap.

// PutPhoneCode keeps c as its phone's pending code, replacing any, with no
// tries made; at most most codes are kept. also, if not nil, runs in the
// same transaction after the code is stored; its error undoes the code
// and is returned as it is.
func (db *DB) PutPhoneCode(ctx context.Context, c auth.PhoneCode, most int, also func(*sql.Tx) error) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := putCode(ctx, tx, db.t(c.Expires), c, most); err != nil {
			return err
		}
		if also != nil {
			if err := also(tx); err != nil {
				return served{err}
			}
		}
		return nil
	})
	return db.fail(err, "phone code")
}

// putCode replaces c.Phone's code in tx, or adds it (counted, the oldest
// evicted beyond most); expires is c.Expires as stored.
func putCode(ctx context.Context, tx *sql.Tx, expires any, c auth.PhoneCode, most int) error {
	for range 2 {
		res, err := tx.ExecContext(ctx, "UPDATE phone_codes SET mac = $2, expires = $3, tries = 0 WHERE phone = $1", c.Phone, c.MAC, expires)
		if n, err := affected(res, err); err != nil || n > 0 {
			return err
		}
		res, err = tx.ExecContext(ctx, "INSERT INTO phone_codes (phone, mac, expires, tries) VALUES ($1, $2, $3, 0) ON CONFLICT (phone) DO NOTHING",
			c.Phone, c.MAC, expires)
		if n, err := affected(res, err); err != nil || n == 0 {
			if err != nil {
				return err
			}
			continue // added meanwhile: replace it
		}
		return counted(ctx, tx, tableCodes, "", most, func(over int64) (sql.Result, error) {
			return tx.ExecContext(ctx, "DELETE FROM phone_codes WHERE phone IN (SELECT phone FROM phone_codes ORDER BY expires, phone LIMIT $1)", over)
		})
	}
	return errors.New("the phone's code was added and evicted as it was stored, twice")
}

// affected is the number of rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// UsePhoneCode tries mac against phone's pending code at now: true, and
// the code spent, if it is unexpired and unspent and its MAC is mac.
// Otherwise the try is counted, and the maxTries-th spends the code.
func (db *DB) UsePhoneCode(ctx context.Context, phone string, mac []byte, now time.Time, maxTries int) (bool, error) {
	ok := false
	err := db.write(ctx, func(q querier) error {
		if mac != nil {
			var p string
			err := q.QueryRowContext(ctx, "UPDATE phone_codes SET expires = $4 WHERE phone = $1 AND mac = $2 AND expires > $3 RETURNING phone",
				phone, mac, db.t(now), db.t(spentAt)).Scan(&p)
			if !noRows(err) {
				ok = err == nil
				return err
			}
		}
		_, err := q.ExecContext(ctx, `UPDATE phone_codes SET tries = tries + 1,
			expires = CASE WHEN tries + 1 >= $3 THEN $4 ELSE expires END
			WHERE phone = $1 AND expires > $2`, phone, db.t(now), maxTries, db.t(spentAt))
		return err
	})
	return ok, db.fail(err, "phone code")
}

// DropPhoneCode spends phone's pending code if its MAC is mac.
func (db *DB) DropPhoneCode(ctx context.Context, phone string, mac []byte) error {
	err := db.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, "UPDATE phone_codes SET expires = $3 WHERE phone = $1 AND mac = $2", phone, mac, db.t(spentAt))
		return err
	})
	return db.fail(err, "phone code")
}

// PutSSOFlow keeps a sign-in begun; at most most are kept.
func (db *DB) PutSSOFlow(ctx context.Context, f auth.SSOFlow, most int) error {
	err := db.relaxed(ctx, func(conn *sql.Conn) error {
		return txOn(ctx, conn, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO sso_flows (state, nonce, verifier, expires) VALUES ($1, $2, $3, $4)",
				f.State, f.Nonce, f.Verifier, db.t(f.Expires)); err != nil {
				return err
			}
			return counted(ctx, tx, tableFlows, "", most, func(over int64) (sql.Result, error) {
				return tx.ExecContext(ctx, "DELETE FROM sso_flows WHERE state IN (SELECT state FROM sso_flows ORDER BY expires, state LIMIT $1)", over)
			})
		})
	})
	return db.fail(err, "sign-in begun")
}

// TakeSSOFlow returns the flow of state, unexpired at now, and spends it;
// auth.ErrNotFound if there is none, it expired or was taken. The flow
// returned has no Expires (spent, it expired).
func (db *DB) TakeSSOFlow(ctx context.Context, state string, now time.Time) (auth.SSOFlow, error) {
	f := auth.SSOFlow{State: state}
	err := db.write(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, "UPDATE sso_flows SET expires = $3 WHERE state = $1 AND expires > $2 RETURNING nonce, verifier",
			state, db.t(now), db.t(spentAt)).Scan(&f.Nonce, &f.Verifier)
	})
	if noRows(err) {
		return auth.SSOFlow{}, fmt.Errorf("%w (sign-in begun)", auth.ErrNotFound)
	}
	if err != nil {
		return auth.SSOFlow{}, db.errorf("sign-in begun: %w", err)
	}
	return f, nil
}
