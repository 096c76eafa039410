package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/campusnav/engine/services/visitor"
)

// Visitors at the gates: a decision writes who entered or left with its
// audit entry in one transaction.

// GateVisits are the visits of one credential whose window overlaps
// [q.From, q.To].
func (db *DB) GateVisits(ctx context.Context, q visitor.GateQuery) ([]visitor.Visit, error) {
	from, to := db.t(q.From), db.t(q.To)
	var rows *sql.Rows
	var err error
	switch {
	case q.Visit != 0:
		rows, err = db.sql.QueryContext(ctx, "SELECT "+visitColumns+" WHERE v.id = $1 AND v.ends >= $2 AND v.starts <= $3", q.Visit, from, to)
	case q.IDHash != nil:
		rows, err = db.sql.QueryContext(ctx, "SELECT "+visitColumns+` WHERE v.id IN (SELECT p.visit_id FROM visit_people p WHERE p.id_hash = $1)
			AND v.ends >= $2 AND v.starts <= $3 ORDER BY v.starts, v.id LIMIT 20`, q.IDHash, from, to)
	default:
		rows, err = db.sql.QueryContext(ctx, "SELECT "+visitColumns+` WHERE v.plate = $1 AND v.ends >= $2 AND v.starts <= $3
			ORDER BY v.starts, v.id LIMIT 20`, q.Plate, from, to)
	}
	vs, err := list(rows, err, scanVisit)
	if err == nil {
		err = db.visitPeople(ctx, db.sql, vs)
	}
	return vs, db.fail(err, "visits at a gate")
}

// RecordGate writes a gate's decision.
func (db *DB) RecordGate(ctx context.Context, r visitor.GateRecord) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		at := db.t(r.At)
		for _, n := range r.People {
			var err error
			if r.Exit {
				_, err = tx.ExecContext(ctx, "UPDATE visit_people SET left_at = $3 WHERE visit_id = $1 AND n = $2", r.Visit, n, at)
			} else {
				_, err = tx.ExecContext(ctx, "UPDATE visit_people SET entered = $3, left_at = NULL, gate = $4 WHERE visit_id = $1 AND n = $2",
					r.Visit, n, at, r.Reader)
			}
			if err != nil {
				return err
			}
		}
		_, err := db.AppendTx(ctx, tx, r.Audit)
		return err
	})
	return db.fail(err, "a gate's decision")
}

// Onsite lists the people on campus: entered since since, not left.
func (db *DB) Onsite(ctx context.Context, since time.Time, before int64, limit int) ([]visitor.Onsite, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+visitFields+", p.n, p.name, p.phone, p.id_kind, p.entered, p.gate"+visitFrom+`
		JOIN visit_people p ON p.visit_id = v.id
		WHERE p.entered IS NOT NULL AND p.left_at IS NULL AND p.entered >= $1 AND v.id * 16 + p.n < $2
		ORDER BY v.id DESC, p.n DESC LIMIT $3`, db.t(since), below(before), limit)
	os, err := list(rows, err, func(r row) (visitor.Onsite, error) {
		var o visitor.Onsite
		v := &o.Visit
		p := &o.Person
		err := r.Scan(&v.ID, &v.VisitorID, &v.Visitor, &v.HostID, &v.Host, &v.Type, &v.Reason, &v.Date, timeOf{&v.From}, timeOf{&v.To},
			&v.Mode, &v.Plate, &v.Place.Ref, &v.Place.Building, &v.Place.Unit, &v.Status, &v.Source, &v.InvitationID, &v.Note,
			&v.DecidedBy, maybeTimeOf{&v.Decided}, timeOf{&v.Created}, &v.Lang, &v.Purged,
			&p.N, &p.Name, &p.Phone, &p.IDKind, maybeTimeOf{&p.Entered}, &p.Gate)
		return o, err
	})
	return os, db.fail(err, "visitors on campus")
}
