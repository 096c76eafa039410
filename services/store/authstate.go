package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"time"
)

// The sign-in state every replica shares (auth.State): limit buckets
// (limits.go), phone codes and single sign-on flows (codes.go), and
// secret keys (here).
//
// Strangers grow these tables, so each is capped (per kind for the
// buckets) by the Max of the call that adds a row: adding one beyond the
// cap evicts the oldest. Counting rows at every add would cost a scan, so
// auth_counts keeps each table's (and kind's) count. A transaction that
// adds a row inserts it, then takes the count's row (raising it) and
// evicts under it, so adds of one table take turns there (on SQLite the
// one writer does that anyway) and the cap holds exactly. The purge takes
// the counts first, then deletes. Neither waits for the other in a
// circle: a row being added is nobody else's to see until it commits,
// and the other writers of these rows (an attempt, a use, a code
// replaced) take no count.
//
// Rows used up are not deleted on the way (that would take the count
// too): a spent code or flow gets the time spentAt as its expiry, which
// is past on every replica's clock whatever its skew, and a refilled
// bucket a tat of 0; they answer nothing, are evicted first (codes,
// flows) and are deleted by PurgeAuthState.

// spentAt is the expiry of a spent code or flow: the Unix epoch.
var spentAt = time.Unix(0, 0).UTC()

// Counted tables, as auth_counts names them.
const (
	tableBuckets = "limit_buckets"
	tableCodes   = "phone_codes"
	tableFlows   = "sso_flows"
)

// counted counts a row just added to table's rows of kind ("" for a
// table not counted by kind), taking the count's row for tx, and if that
// makes more than most, evicts the excess with evict (which deletes at
// most over rows, the oldest, and says how many it did).
func counted(ctx context.Context, tx *sql.Tx, table, kind string, most int, evict func(over int64) (sql.Result, error)) error {
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO auth_counts (tbl, kind, n) VALUES ($1, $2, 1)
		ON CONFLICT (tbl, kind) DO UPDATE SET n = auth_counts.n + 1 RETURNING n`, table, kind).Scan(&n)
	if err != nil {
		return err
	}
	over := n - int64(max(most, 1))
	if over <= 0 {
		return nil
	}
	res, err := evict(over)
	if err != nil {
		return err
	}
	gone, err := res.RowsAffected()
	if err != nil || gone == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE auth_counts SET n = n - $3 WHERE tbl = $1 AND kind = $2", table, kind, gone)
	return err
}

// Key returns the secret key kept under name, keeping fresh under it first
// if there is none.
func (db *DB) Key(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	w, unlock := db.writing()
	defer unlock()
	if _, err := w.ExecContext(ctx, "INSERT INTO auth_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, fresh); err != nil {
		return nil, db.errorf("key %s: %w", name, err)
	}
	var key []byte
	if err := w.QueryRowContext(ctx, "SELECT key FROM auth_keys WHERE name = $1", name).Scan(&key); err != nil {
		return nil, db.errorf("key %s: %w", name, err)
	}
	return key, nil
}

// PurgeAuthState deletes the sign-in state that answers nothing any more
// at now: limit buckets full again, codes and flows expired or spent. It
// says how many rows it deleted. Run it now and then (every minute or
// so): the caps hold without it, but a purged table leaves its cap to
// what is live.
func (db *DB) PurgeAuthState(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, p := range []struct {
		table, purge, recount string
		arg                   any
	}{
		{tableBuckets, "DELETE FROM limit_buckets WHERE tat <= $1",
			"UPDATE auth_counts SET n = (SELECT count(*) FROM limit_buckets b WHERE b.kind = auth_counts.kind) WHERE tbl = $1",
			stamp(now).UnixMicro()},
		{tableCodes, "DELETE FROM phone_codes WHERE expires <= $1",
			"UPDATE auth_counts SET n = (SELECT count(*) FROM phone_codes) WHERE tbl = $1", db.t(now)},
		{tableFlows, "DELETE FROM sso_flows WHERE expires <= $1",
			"UPDATE auth_counts SET n = (SELECT count(*) FROM sso_flows) WHERE tbl = $1", db.t(now)},
	} {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			// The counts first, as every add does.
			if _, err := tx.ExecContext(ctx, "UPDATE auth_counts SET n = n WHERE tbl = $1", p.table); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, p.purge, p.arg)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
			_, err = tx.ExecContext(ctx, p.recount, p.table)
			return err
		})
		if err != nil {
			return total, db.fail(err, "purging %s", p.table)
		}
	}
	return total, nil
}

// querier is what runs a statement: a *sql.DB, *sql.Conn or *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs f, one statement or a few that need no transaction, on the
// write turn.
func (db *DB) write(ctx context.Context, f func(q querier) error) error {
	w, unlock := db.writing()
	defer unlock()
	return f(w)
}

// relaxed runs f on the write turn, on a connection of its own whose
// commits do not wait for the disk (Dialect.Relax): for state whose last
// changes a crash may lose, as a restart of one process lost it all
// before it was shared. Limit buckets are (a crash gives back a few
// attempts) and sign-ins begun (they start again); a spent code or flow
// is not (a crash would make it usable again), nor a code (its message
// may be enqueued with it). The connection is discarded if it cannot be
// set back.
func (db *DB) relaxed(ctx context.Context, f func(conn *sql.Conn) error) error {
	w, unlock := db.writing()
	defer unlock()
	conn, err := w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.d.Relax == "" {
		return f(conn)
	}
	if _, err := conn.ExecContext(ctx, db.d.Relax); err != nil {
		return err
	}
	ferr := f(conn)
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), db.d.Unrelax); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn }) // not back in the pool relaxed
		return errors.Join(ferr, err)
	}
	return ferr
}

// txOn runs f in a transaction on conn, and commits it if f returns nil.
func txOn(ctx context.Context, conn *sql.Conn, f func(*sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}
