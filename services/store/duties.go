package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// dutiesOf scans the list of an account's duties ("desk,lab", or NULL).
type dutiesOf struct{ s *auth.DutySet }

func (d dutiesOf) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d.s = 0
	case string:
		*d.s = auth.DutySetOf(v)
	case []byte:
		*d.s = auth.DutySetOf(string(v))
	default:
		return fmt.Errorf("duties stored as %T", v)
	}
	return nil
}

// SetDuty grants or revokes a duty of the account c.Email, and records
// it in the audit log in the same transaction (audit.DutyGranted or
// audit.DutyRevoked, about the account, as c.By). It reports whether
// anything changed: granting a duty held, or revoking one not held,
// changes and records nothing. auth.ErrNotFound if there is no account.
func (db *DB) SetDuty(ctx context.Context, c auth.DutyChange) (bool, error) {
	var changed bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE email = $1", c.Email).Scan(&id)
		if noRows(err) {
			return served{fmt.Errorf("%w (user %s)", auth.ErrNotFound, c.Email)}
		}
		if err != nil {
			return err
		}
		c.At = stamp(c.At)
		var res sql.Result
		e := audit.Entry{At: c.At, Actor: c.By, Subject: c.Email, Kind: audit.DutyGranted, Decision: audit.Grant,
			Reason: c.Reason, Detail: audit.Detail(map[string]auth.Duty{"duty": c.Duty})}
		if c.Grant {
			res, err = tx.ExecContext(ctx, "INSERT INTO duties (user_id, duty, granted_at, granted_by) VALUES ($1, $2, $3, NULLIF($4, 0)) ON CONFLICT DO NOTHING",
				id, string(c.Duty), db.d.Time(c.At), c.By)
		} else {
			e.Kind, e.Decision = audit.DutyRevoked, audit.Revoke
			res, err = tx.ExecContext(ctx, "DELETE FROM duties WHERE user_id = $1 AND duty = $2", id, string(c.Duty))
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		changed = true
		_, err = db.AppendTx(ctx, tx, e)
		return err
	})
	if err != nil {
		return false, db.fail(err, "duty %s of %s", c.Duty, c.Email)
	}
	return changed, nil
}
