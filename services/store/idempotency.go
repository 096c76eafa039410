package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/idempotency"
)

var _ idempotency.Store = (*DB)(nil)

// A key, as kept: the request it was first used for, and its answer once
// done.

// keyOwner is whose keys a request's are: a person's (idempotency_keys,
// by account) or a reader's (reader_idempotency_keys, by reader id).
type keyOwner struct {
	table, column string
	id            any
	// lock is the row that makes the owner's claims take turns.
	lock string
	max  int
	// daily counts the keys a day at a time, in reader_key_days, instead
	// of counting the live keys at each claim.
	daily bool
}

func ownerOf(r idempotency.Request) keyOwner {
	if r.Reader != "" {
		return keyOwner{"reader_idempotency_keys", "reader", r.Reader, "SELECT 1 FROM reader_tokens WHERE reader = $1", idempotency.MaxPerReader, true}
	}
	return keyOwner{"idempotency_keys", "user_id", r.UserID, "SELECT 1 FROM users WHERE id = $1", idempotency.MaxPerPerson, false}
}

func (o keyOwner) kept() string {
	return "SELECT request_hash, state, status, headers, body, created FROM " + o.table + " WHERE " + o.column + " = $1 AND key = $2"
}

type kept struct {
	hash    string
	running bool
	answer  idempotency.Answer
	created time.Time
}

func scanKept(r row) (kept, error) {
	var k kept
	var state string
	var status sql.NullInt64
	var headers sql.NullString
	err := r.Scan(&k.hash, &state, &status, &headers, &k.answer.Body, timeOf{&k.created})
	if err != nil {
		return kept{}, err
	}
	k.running = state == "running"
	k.answer.Status = int(status.Int64)
	if headers.Valid {
		if err := json.Unmarshal([]byte(headers.String), &k.answer.Header); err != nil {
			return kept{}, fmt.Errorf("headers kept: %w", err)
		}
	}
	return k, nil
}

// decide says what a claim at of request r gets from k, when k decides
// it: the kept answer, or ErrMismatch, or ErrInFlight. It does not decide
// when k expired (the key is new again) or was abandoned (running for
// Lease or longer: the claim takes it over).
func (k kept) decide(r idempotency.Request, at time.Time) (a *idempotency.Answer, decided bool, err error) {
	switch {
	case !at.Before(k.created.Add(idempotency.TTL)):
		return nil, false, nil
	case k.hash != r.Hash:
		return nil, true, fmt.Errorf("%w (key %q)", idempotency.ErrMismatch, r.Key)
	case !k.running:
		a := k.answer
		return &a, true, nil
	case at.Before(k.created.Add(idempotency.Lease)):
		return nil, true, fmt.Errorf("%w (key %q)", idempotency.ErrInFlight, r.Key)
	}
	return nil, false, nil
}

// ClaimIdempotencyKey claims r.Key of r.UserID (or r.Reader) for the request r, or
// answers what the key holds (see idempotency.Store).
//
// A retry mostly finds its key decided (answered, running, or used for
// another request), so the key is read first, off the write turn. A claim
// then locks the person's account row (on SQLite the writer holds the
// database), so one person's claims take turns: of concurrent claims of
// one key one wins and the others find it running, and the count of
// live keys against idempotency.MaxPerPerson holds.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, r idempotency.Request) (*idempotency.Answer, error) {
	if err := idempotency.CheckKey(r.Key); err != nil {
		return nil, err
	}
	if r.At.IsZero() {
		return nil, db.errorf("claiming idempotency key %q: a request without its time", r.Key)
	}
	at := stamp(r.At)
	o := ownerOf(r)
	k, err := scanKept(db.sql.QueryRowContext(ctx, o.kept(), o.id, r.Key))
	switch {
	case err == nil:
		if a, decided, err := k.decide(r, at); decided {
			return a, err
		}
	case !noRows(err):
		return nil, db.errorf("idempotency key %q: %w", r.Key, err)
	}
	var answer *idempotency.Answer
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, o.lock+db.d.ForUpdate, o.id).Scan(&one)
		if noRows(err) {
			return fmt.Errorf("no %s %v", o.column, o.id)
		}
		if err != nil {
			return err
		}
		k, err := scanKept(tx.QueryRowContext(ctx, o.kept(), o.id, r.Key))
		isNew := noRows(err)
		if err != nil && !isNew {
			return err
		}
		if !isNew {
			a, decided, err := k.decide(r, at)
			if decided {
				answer = a
				if err != nil {
					return served{err}
				}
				return nil
			}
			isNew = !at.Before(k.created.Add(idempotency.TTL)) // expired; else abandoned, and counted
		}
		if isNew && o.daily {
			// A till's keys are counted a day at a time (UTC): one row
			// per till and day, not a count of thousands of keys per
			// charge.
			day := at.Unix() / 86400
			var n int
			err := tx.QueryRowContext(ctx, `INSERT INTO reader_key_days (reader, day, n) VALUES ($1, $2, 1)
				ON CONFLICT (reader, day) DO UPDATE SET n = reader_key_days.n + 1 RETURNING n`, o.id, day).Scan(&n)
			if err != nil {
				return err
			}
			if n > o.max {
				return served{&idempotency.LimitError{Until: time.Unix((day+1)*86400, 0).UTC()}}
			}
		} else if isNew {
			var n int
			var oldest *time.Time
			err := tx.QueryRowContext(ctx, "SELECT count(*), min(created) FROM "+o.table+" WHERE "+o.column+" = $1 AND created > $2",
				o.id, db.d.Time(at.Add(-idempotency.TTL))).Scan(&n, maybeTimeOf{&oldest})
			if err != nil {
				return err
			}
			if n >= o.max && oldest != nil {
				return served{&idempotency.LimitError{Until: oldest.Add(idempotency.TTL)}}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO `+o.table+` (`+o.column+`, key, request_hash, state, created) VALUES ($1, $2, $3, 'running', $4)
			ON CONFLICT (`+o.column+`, key) DO UPDATE SET request_hash = excluded.request_hash, state = 'running',
				status = NULL, headers = NULL, body = NULL, created = excluded.created`,
			o.id, r.Key, r.Hash, db.d.Time(at))
		return err
	})
	return answer, db.fail(err, "claiming idempotency key %q", r.Key)
}

// FinishIdempotencyKey keeps a, the answer to the claimed request r: its
// status, headers and body (at most idempotency.MaxBody bytes).
func (db *DB) FinishIdempotencyKey(ctx context.Context, r idempotency.Request, a idempotency.Answer) error {
	if len(a.Body) > idempotency.MaxBody {
		return db.errorf("idempotency key %q: an answer of %d bytes, more than the %d kept", r.Key, len(a.Body), idempotency.MaxBody)
	}
	header, err := json.Marshal(a.Header)
	if err != nil {
		return db.errorf("idempotency key %q: headers: %w", r.Key, err)
	}
	o := ownerOf(r)
	return db.held(ctx, r, "finishing", `UPDATE `+o.table+` SET state = 'done', status = $4, headers = $5, body = $6
		WHERE `+o.column+` = $1 AND key = $2 AND created = $3 AND state = 'running'`, a.Status, string(header), a.Body)
}

// ReleaseIdempotencyKey deletes the claim of r, keeping nothing.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, r idempotency.Request) error {
	o := ownerOf(r)
	return db.held(ctx, r, "releasing",
		"DELETE FROM "+o.table+" WHERE "+o.column+" = $1 AND key = $2 AND created = $3 AND state = 'running'")
}

// held runs query, which changes the claim of r ($1 to $3; args follow),
// on the write turn: idempotency.ErrNotHeld when it changed nothing.
func (db *DB) held(ctx context.Context, r idempotency.Request, doing, query string, args ...any) error {
	w, unlock := db.writing()
	defer unlock()
	res, err := w.ExecContext(ctx, query, append([]any{ownerOf(r).id, r.Key, db.t(r.At)}, args...)...)
	if err != nil {
		return db.errorf("%s idempotency key %q: %w", doing, r.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.errorf("%s idempotency key %q: %w", doing, r.Key, err)
	}
	if n == 0 {
		return fmt.Errorf("%w (key %q)", idempotency.ErrNotHeld, r.Key)
	}
	return nil
}

// PurgeIdempotencyKeys deletes the keys first used before before, and
// says how many there were. A periodic job calls it with now minus
// idempotency.TTL; keys that old answer nothing any more.
func (db *DB) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	w, unlock := db.writing()
	defer unlock()
	if _, err := w.ExecContext(ctx, "DELETE FROM reader_key_days WHERE day < $1", before.Unix()/86400-1); err != nil {
		return 0, db.errorf("purging idempotency keys: %w", err)
	}
	var all int64
	for _, table := range []string{"idempotency_keys", "reader_idempotency_keys"} {
		res, err := w.ExecContext(ctx, "DELETE FROM "+table+" WHERE created < $1", db.t(before))
		if err != nil {
			return 0, db.errorf("purging idempotency keys: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, db.errorf("purging idempotency keys: %w", err)
		}
		all += n
	}
	return all, nil
}
