package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/visitor"
)

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("store: dry run")

// ImportVisits stores an import's visits in one transaction.
func (db *DB) ImportVisits(ctx context.Context, vs []visitor.Visit, c visitor.Create, dryRun bool) ([]visitor.Imported, error) {
	var out []visitor.Imported
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		out = make([]visitor.Imported, len(vs))
		if len(vs) == 0 {
			return nil
		}
		host := vs[0].HostID
		if err := db.lockUser(ctx, tx, host); err != nil {
			return err
		}
		// Duplicates first: the bounds count what is created.
		seen := map[string]int{}
		n := 0
		for i, v := range vs {
			out[i] = visitor.Imported{DuplicateRow: -1}
			if len(v.People) == 0 || v.People[0].IDHash == nil {
				continue
			}
			key := hex.EncodeToString(v.People[0].IDHash) + "/" + v.Date
			if j, dup := seen[key]; dup {
				out[i].DuplicateRow = j
				continue
			}
			seen[key] = i
			err := tx.QueryRowContext(ctx, `SELECT v.id FROM visit_people p JOIN visits v ON v.id = p.visit_id
				WHERE p.id_hash = $1 AND v.day = $2 AND `+openVisit+` ORDER BY v.id LIMIT 1`, v.People[0].IDHash, v.Date).Scan(&out[i].Existing)
			if err != nil && !noRows(err) {
				return err
			}
			if out[i].Existing == 0 {
				n++
			}
		}
		if err := db.visitRoom(ctx, tx, host, n, stamp(c.Now)); err != nil {
			return err
		}
		var hostEmail string
		if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", host).Scan(&hostEmail); err != nil {
			return err
		}
		var entries []audit.Entry
		for i, v := range vs {
			if out[i].DuplicateRow >= 0 || out[i].Existing != 0 {
				continue
			}
			var err error
			if v.VisitorID, err = db.visitorAccount(ctx, tx, v.Visitor, v.Created); err != nil {
				return err
			}
			if v, err = db.insertVisitTx(ctx, tx, v); err != nil {
				return err
			}
			v.Host = hostEmail
			out[i].Visit = v
			if err := db.visitAfter(ctx, tx, v, c.Jobs, nil); err != nil {
				return err
			}
			if c.Audit != nil {
				entries = append(entries, c.Audit(v)...)
			}
		}
		if _, err := db.AppendManyTx(ctx, tx, entries); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return out, db.fail(err, "import of visits")
}

// visitorAccount is the id of the account name ("tel:+86..."), made a
// visitor's account (without a password) in tx if there is none.
func (db *DB) visitorAccount(ctx context.Context, tx *sql.Tx, name string, at time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE email = $1", name).Scan(&id)
	if !noRows(err) {
		return id, err
	}
	err = tx.QueryRowContext(ctx, "INSERT INTO users (email, role, password_hash, disabled, created) VALUES ($1, $2, '', false, $3) RETURNING id",
		name, string(auth.Visitor), db.t(at)).Scan(&id)
	return id, err
}
