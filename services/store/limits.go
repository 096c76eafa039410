package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// Limit buckets are kept as GCRA (the generic cell rate algorithm, the
// token bucket told by one number): a bucket of N attempts refilling one
// every interval = Per/N holds its state as tat, the time it will be full
// again, in microseconds since the Unix epoch (an integer on both
// engines, as the statement that takes an attempt does arithmetic on
// it). An attempt at now is allowed when max(tat, now) + interval is
// within N intervals of now, and then moves tat there; a refused attempt
// leaves tat as it is, as x/time/rate's buckets did. So one statement
// takes an attempt, atomically on both engines (PostgreSQL locks the row;
// SQLite has one writer).

// takeAttempt takes an attempt from bucket (kind $1, key $2) at now ($3 as
// stored, $4 in microseconds), of interval $5 and window $6 (N
// intervals), and answers whether it was allowed. Every attempt sets
// used, refused ones too, so a bucket under attack is never the least
// recently used.
const takeAttempt = `UPDATE limit_buckets SET used = $3,
	allowed = (CASE WHEN tat > $4 THEN tat ELSE $4 END) + $5 <= $4 + $6,
	tat = CASE WHEN (CASE WHEN tat > $4 THEN tat ELSE $4 END) + $5 <= $4 + $6
		THEN (CASE WHEN tat > $4 THEN tat ELSE $4 END) + $5 ELSE tat END
	WHERE kind = $1 AND key = $2
	RETURNING allowed`

// gcra is the interval and window of l, in microseconds.
func gcra(l auth.Limit) (interval, window int64) {
	n := int64(max(l.N, 1))
	interval = max(l.Per.Microseconds()/n, 1)
	return interval, interval * n
}

// Attempt takes one attempt from bucket b at now: true if there was one.
// A bucket not kept is full: it is added, and the least recently used of
// its kind evicted beyond b.Max.
func (db *DB) Attempt(ctx context.Context, b auth.Bucket, now time.Time) (bool, error) {
	interval, window := gcra(b.Limit)
	at := stamp(now).UnixMicro()
	args := []any{b.Kind, b.Key, db.t(now), at, interval, window}
	var ok bool
	err := db.relaxed(ctx, func(conn *sql.Conn) error {
		for range 3 {
			err := conn.QueryRowContext(ctx, takeAttempt, args...).Scan(&ok)
			if !noRows(err) {
				return err
			}
			added := false
			err = txOn(ctx, conn, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, `INSERT INTO limit_buckets (kind, key, tat, used, allowed) VALUES ($1, $2, $3, $4, true)
					ON CONFLICT (kind, key) DO NOTHING`, b.Kind, b.Key, at+interval, db.t(now))
				if n, err := affected(res, err); err != nil || n == 0 {
					return err // added meanwhile: take from it
				}
				added = true
				return counted(ctx, tx, tableBuckets, b.Kind, b.Max, func(over int64) (sql.Result, error) {
					return tx.ExecContext(ctx, `DELETE FROM limit_buckets WHERE kind = $1 AND key IN
						(SELECT key FROM limit_buckets WHERE kind = $1 ORDER BY used, key LIMIT $2)`, b.Kind, over)
				})
			})
			if err != nil || added {
				ok = added
				return err
			}
		}
		return errors.New("the bucket was added and evicted as it was asked for, three times")
	})
	return ok, db.fail(err, "limit %s", b.Kind)
}

// Refill makes bucket b full again.
func (db *DB) Refill(ctx context.Context, b auth.Bucket) error {
	err := db.relaxed(ctx, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "UPDATE limit_buckets SET tat = 0 WHERE kind = $1 AND key = $2", b.Kind, b.Key)
		return err
	})
	return db.fail(err, "limit %s", b.Kind)
}
