package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// PurgeVisits deletes the personal data of visits (and invitations)
// that ended before t: names, phones, ID hashes, plates. The rows stay,
// with their counts, days and hosts.
func (db *DB) PurgeVisits(ctx context.Context, t time.Time, limit int) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id FROM visits WHERE NOT purged AND ends < $1 ORDER BY ends, id LIMIT $2"+db.d.ForUpdate, db.t(t), limit)
		ids, err := list(rows, err, func(r row) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		n = len(ids)
		params := make([]string, len(ids))
		args := make([]any, len(ids))
		for i, id := range ids {
			params[i], args[i] = db.param(i+1), id
		}
		in := "(" + strings.Join(params, ", ") + ")"
		if _, err := tx.ExecContext(ctx, "UPDATE visit_people SET name = '', phone = '', id_hash = NULL WHERE visit_id IN "+in, args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE visits SET plate = '', purged = true WHERE id IN "+in, args...); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE invitations SET name = '', phone = '', purged = true
			WHERE id IN (SELECT id FROM invitations WHERE NOT purged AND ends < $1 ORDER BY ends LIMIT $2)`, db.t(t), limit)
		return err
	})
	return n, db.fail(err, "visitors' personal data")
}
