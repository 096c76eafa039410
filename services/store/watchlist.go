package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/visitor"
)

// The visitors' watchlist: entries unique by kind and value, bounded in
// all; a match writes its audit entry and its alerts together.

const watchColumns = `w.id, w.kind, w.value, w.note, COALESCE(u.email, ''), w.created FROM watchlist w LEFT JOIN users u ON u.id = w.added_by`

func scanWatch(r row) (visitor.Watch, error) {
	var w visitor.Watch
	return w, r.Scan(&w.ID, &w.Kind, &w.Value, &w.Note, &w.AddedBy, timeOf{&w.Created})
}

// AddWatch stores a watchlist entry.
func (db *DB) AddWatch(ctx context.Context, w visitor.Watch, addedBy int64, e func(visitor.Watch) audit.Entry) (visitor.Watch, error) {
	w.Created = stamp(w.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM watchlist").Scan(&n); err != nil {
			return err
		}
		if n >= visitor.MaxWatchlist {
			return served{visitor.ErrWatchFull}
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM watchlist WHERE kind = $1 AND value = $2)", w.Kind, w.Value).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return served{visitor.ErrWatchExists}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO watchlist (kind, value, note, added_by, created) VALUES ($1, $2, $3, NULLIF($4, 0), $5) RETURNING id`,
			w.Kind, w.Value, w.Note, addedBy, db.d.Time(w.Created)).Scan(&w.ID)
		if db.d.IsUnique(err) {
			return served{visitor.ErrWatchExists}
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(email), '') FROM users WHERE id = $1", addedBy).Scan(&w.AddedBy); err != nil {
			return err
		}
		_, err = db.AppendTx(ctx, tx, e(w))
		return err
	})
	return w, db.fail(err, "watchlist entry")
}

// Watchlist lists entries, newest first.
func (db *DB) Watchlist(ctx context.Context, before int64, limit int) ([]visitor.Watch, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+watchColumns+" WHERE w.id < $1 ORDER BY w.id DESC LIMIT $2", below(before), limit)
	ws, err := list(rows, err, scanWatch)
	return ws, db.fail(err, "watchlist")
}

// RemoveWatch deletes an entry.
func (db *DB) RemoveWatch(ctx context.Context, id int64, e func(visitor.Watch) audit.Entry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		w, err := scanWatch(tx.QueryRowContext(ctx, "SELECT "+watchColumns+" WHERE w.id = $1", id))
		if noRows(err) {
			return served{visitor.ErrNoWatch}
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM watchlist WHERE id = $1", id); err != nil {
			return err
		}
		_, err = db.AppendTx(ctx, tx, e(w))
		return err
	})
	return db.fail(err, "watchlist entry %d", id)
}

// WatchMatch is the entries matching any of keys, by id.
func (db *DB) WatchMatch(ctx context.Context, keys []visitor.WatchKey) ([]visitor.Watch, error) {
	byKind := map[string][]string{}
	var kinds []string
	for _, k := range keys {
		if _, ok := byKind[k.Kind]; !ok {
			kinds = append(kinds, k.Kind)
		}
		byKind[k.Kind] = append(byKind[k.Kind], k.Value)
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	var conds []string
	var args []any
	for _, kind := range kinds {
		args = append(args, kind)
		c := "(w.kind = " + db.param(len(args)) + " AND w.value IN ("
		for i, v := range byKind[kind] {
			args = append(args, v)
			if i > 0 {
				c += ", "
			}
			c += db.param(len(args))
		}
		conds = append(conds, c+"))")
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT "+watchColumns+" WHERE "+strings.Join(conds, " OR ")+" ORDER BY w.id", args...)
	ws, err := list(rows, err, scanWatch)
	return ws, db.fail(err, "watchlist")
}

// WatchHit records a match and alerts security.
func (db *DB) WatchHit(ctx context.Context, e audit.Entry, alert func(to string) visitor.Job) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if alert != nil && db.HasQueue() {
			rows, err := tx.QueryContext(ctx, `SELECT DISTINCT u.email FROM users u LEFT JOIN duties d ON d.user_id = u.id AND d.duty = 'security'
				WHERE (d.user_id IS NOT NULL OR u.role = 'admin') AND u.email LIKE '%@%' AND NOT u.disabled ORDER BY u.email LIMIT $1`, visitor.MaxAlerted)
			tos, err := list(rows, err, func(r row) (string, error) {
				var s string
				return s, r.Scan(&s)
			})
			if err != nil {
				return err
			}
			for _, to := range tos {
				j := alert(to)
				if err := db.EnqueueTx(ctx, tx, j.Kind, j.Args); err != nil {
					return err
				}
			}
		}
		_, err := db.AppendTx(ctx, tx, e)
		return err
	})
	return db.fail(err, "watchlist match")
}
