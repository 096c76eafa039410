package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/visitor"
)

var _ visitor.Store = (*DB)(nil)

// Visits: a visit and its people are written in one transaction with
// the bounds counted (the visitor's and the host's rows locked, so that
// two at once take turns), its outbox jobs and its audit entries; a
// change locks the visit's row.

const (
	visitFields = `v.id, v.visitor_id, vu.email, v.host_id, hu.email, v.type, v.reason, v.day, v.starts, v.ends,
	v.mode, v.plate, v.place, v.building, v.unit, v.status, v.source, COALESCE(v.invitation_id, 0), v.note,
	COALESCE(v.decided_by, 0), v.decided, v.created, v.lang, v.purged`
	visitFrom    = ` FROM visits v JOIN users vu ON vu.id = v.visitor_id JOIN users hu ON hu.id = v.host_id`
	visitColumns = visitFields + visitFrom
)

func scanVisit(r row) (visitor.Visit, error) {
	var v visitor.Visit
	err := r.Scan(&v.ID, &v.VisitorID, &v.Visitor, &v.HostID, &v.Host, &v.Type, &v.Reason, &v.Date, timeOf{&v.From}, timeOf{&v.To},
		&v.Mode, &v.Plate, &v.Place.Ref, &v.Place.Building, &v.Place.Unit, &v.Status, &v.Source, &v.InvitationID, &v.Note,
		&v.DecidedBy, maybeTimeOf{&v.Decided}, timeOf{&v.Created}, &v.Lang, &v.Purged)
	return v, err
}

// openVisit is the condition that visit v still counts: pending or
// approved.
const openVisit = `v.status IN ('pending', 'approved')`

// CreateVisit stores a new visit within the bounds.
func (db *DB) CreateVisit(ctx context.Context, v visitor.Visit, c visitor.Create) (visitor.Visit, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		v, err = db.createVisitTx(ctx, tx, v, c, true)
		return err
	})
	return v, db.fail(err, "visit")
}

// createVisitTx writes v in tx, its bounds counted at c.Now (the
// visitor's own bounds when visitorBounds), with its jobs and audit
// entries.
func (db *DB) createVisitTx(ctx context.Context, tx *sql.Tx, v visitor.Visit, c visitor.Create, visitorBounds bool) (visitor.Visit, error) {
	now := stamp(c.Now)
	first, second := v.VisitorID, v.HostID
	if second < first {
		first, second = second, first
	}
	for _, id := range []int64{first, second} {
		if err := db.lockUser(ctx, tx, id); err != nil {
			return v, err
		}
	}
	if visitorBounds {
		var pending, upcoming int
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN v.status = 'pending' THEN 1 ELSE 0 END), 0), count(*)
			FROM visits v WHERE v.visitor_id = $1 AND `+openVisit+` AND v.ends > $2`, v.VisitorID, db.d.Time(now)).Scan(&pending, &upcoming)
		if err != nil {
			return v, err
		}
		switch {
		case v.Status == visitor.Pending && pending >= visitor.MaxPendingPerVisitor:
			return v, served{visitor.ErrTooManyPending}
		case upcoming >= visitor.MaxUpcomingPerVisitor:
			return v, served{visitor.ErrTooManyUpcoming}
		}
	}
	if err := db.visitRoom(ctx, tx, v.HostID, 1, now); err != nil {
		return v, err
	}
	v, err := db.insertVisitTx(ctx, tx, v)
	if err != nil {
		return v, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", v.VisitorID).Scan(&v.Visitor); err != nil {
		return v, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", v.HostID).Scan(&v.Host); err != nil {
		return v, err
	}
	return v, db.visitAfter(ctx, tx, v, c.Jobs, c.Audit)
}

// insertVisitTx writes v and its people in tx, and answers it with its
// id and its times as stored.
func (db *DB) insertVisitTx(ctx context.Context, tx *sql.Tx, v visitor.Visit) (visitor.Visit, error) {
	v.Created = stamp(v.Created)
	err := tx.QueryRowContext(ctx, `INSERT INTO visits (visitor_id, host_id, type, reason, day, starts, ends, people, mode, plate,
		place, building, unit, status, source, invitation_id, note, decided_by, decided, created, lang)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULLIF($16, 0), $17, NULLIF($18, 0), $19, $20, $21) RETURNING id`,
		v.VisitorID, v.HostID, v.Type, v.Reason, v.Date, db.t(v.From), db.t(v.To), len(v.People), v.Mode, v.Plate,
		v.Place.Ref, v.Place.Building, v.Place.Unit, v.Status, v.Source, v.InvitationID, v.Note, v.DecidedBy, db.maybeT(v.Decided),
		db.d.Time(v.Created), v.Lang).Scan(&v.ID)
	if err != nil {
		return v, err
	}
	for i := range v.People {
		p := &v.People[i]
		p.N = i
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_people (visit_id, n, name, phone, id_hash, id_kind) VALUES ($1, $2, $3, $4, $5, $6)`,
			v.ID, i, p.Name, p.Phone, p.IDHash, p.IDKind); err != nil {
			return v, err
		}
	}
	v.From, v.To = stamp(v.From), stamp(v.To)
	if v.Decided != nil {
		d := stamp(*v.Decided)
		v.Decided = &d
	}
	return v, nil
}

// visitRoom refuses more visits to host (n of them) beyond the host's
// and the campus's bounds, counting visits not over at now.
func (db *DB) visitRoom(ctx context.Context, tx *sql.Tx, hostID int64, n int, now time.Time) error {
	var host, all int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN v.host_id = $1 THEN 1 ELSE 0 END), 0), count(*)
		FROM visits v WHERE `+openVisit+` AND v.ends > $2`, hostID, db.d.Time(now)).Scan(&host, &all)
	switch {
	case err != nil:
		return err
	case host+n > visitor.MaxUpcomingPerHost:
		return served{visitor.ErrHostFull}
	case all+n > visitor.MaxUpcoming:
		return served{visitor.ErrFull}
	}
	return nil
}

// visitAfter writes what a visit's change causes: its outbox jobs (none
// when the store has no queue) and its audit entries.
func (db *DB) visitAfter(ctx context.Context, tx *sql.Tx, v visitor.Visit, jobs func(visitor.Visit) []visitor.Job, entries func(visitor.Visit) []audit.Entry) error {
	if jobs != nil && db.HasQueue() {
		for _, j := range jobs(v) {
			if err := db.EnqueueTx(ctx, tx, j.Kind, j.Args); err != nil {
				return err
			}
		}
	}
	if entries != nil {
		if es := entries(v); len(es) > 0 {
			if _, err := db.AppendManyTx(ctx, tx, es); err != nil {
				return err
			}
		}
	}
	return nil
}

// Visit is a visit with its people.
func (db *DB) Visit(ctx context.Context, id int64) (visitor.Visit, error) {
	v, err := db.visitTx(ctx, db.sql, id, false)
	return v, db.fail(err, "visit %d", id)
}

// visitTx reads visit id with its people through q, locking its row when
// lock.
func (db *DB) visitTx(ctx context.Context, q querier, id int64, lock bool) (visitor.Visit, error) {
	query := "SELECT " + visitColumns + " WHERE v.id = $1"
	if lock {
		query += db.forUpdateOf("v")
	}
	v, err := scanVisit(q.QueryRowContext(ctx, query, id))
	if noRows(err) {
		return v, served{visitor.ErrNoVisit}
	}
	if err != nil {
		return v, err
	}
	vs := []visitor.Visit{v}
	err = db.visitPeople(ctx, q, vs)
	return vs[0], err
}

// visitPeople reads the people of vs into them.
func (db *DB) visitPeople(ctx context.Context, q querier, vs []visitor.Visit) error {
	if len(vs) == 0 {
		return nil
	}
	at := map[int64]int{}
	params := make([]string, len(vs))
	args := make([]any, len(vs))
	for i, v := range vs {
		at[v.ID] = i
		params[i] = db.param(i + 1)
		args[i] = v.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT visit_id, n, name, phone, id_hash, id_kind, entered, left_at, gate FROM visit_people
		WHERE visit_id IN (`+strings.Join(params, ", ")+`) ORDER BY visit_id, n`, args...)
	type one struct {
		visit int64
		p     visitor.Person
	}
	ps, err := list(rows, err, func(r row) (one, error) {
		var o one
		return o, r.Scan(&o.visit, &o.p.N, &o.p.Name, &o.p.Phone, &o.p.IDHash, &o.p.IDKind, maybeTimeOf{&o.p.Entered}, maybeTimeOf{&o.p.Left}, &o.p.Gate)
	})
	if err != nil {
		return err
	}
	for _, o := range ps {
		v := &vs[at[o.visit]]
		v.People = append(v.People, o.p)
	}
	return nil
}

// Visits lists visits, newest first, with their people.
func (db *DB) Visits(ctx context.Context, q visitor.Query) ([]visitor.Visit, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+visitColumns+` WHERE v.id < $1
		AND (CAST($2 AS bigint) = 0 OR v.visitor_id = $2)
		AND (CAST($3 AS bigint) = 0 OR v.host_id = $3)
		AND ($4 = '' OR v.status = $4)
		ORDER BY v.id DESC LIMIT $5`, below(q.Before), q.VisitorID, q.HostID, q.Status, q.Limit)
	vs, err := list(rows, err, scanVisit)
	if err == nil {
		err = db.visitPeople(ctx, db.sql, vs)
	}
	return vs, db.fail(err, "visits")
}

// ChangeVisit applies a change to visit id, locked.
func (db *DB) ChangeVisit(ctx context.Context, id int64, ch visitor.Change) (visitor.Visit, error) {
	var v visitor.Visit
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if v, err = db.visitTx(ctx, tx, id, true); err != nil {
			return err
		}
		if err := ch.Apply(&v); err != nil {
			return served{err}
		}
		if err := db.saveVisit(ctx, tx, v); err != nil {
			return err
		}
		return db.visitAfter(ctx, tx, v, ch.Jobs, ch.Audit)
	})
	return v, db.fail(err, "visit %d", id)
}

// saveVisit writes what a change may change of v.
func (db *DB) saveVisit(ctx context.Context, tx *sql.Tx, v visitor.Visit) error {
	_, err := tx.ExecContext(ctx, `UPDATE visits SET status = $2, note = $3, decided_by = NULLIF($4, 0), decided = $5,
		place = $6, building = $7, unit = $8 WHERE id = $1`,
		v.ID, v.Status, v.Note, v.DecidedBy, db.maybeT(v.Decided), v.Place.Ref, v.Place.Building, v.Place.Unit)
	return err
}

// HostSummary counts a host's visits and invitations.
func (db *DB) HostSummary(ctx context.Context, hostID int64, now, dayStart, dayEnd time.Time) (visitor.Summary, error) {
	var s visitor.Summary
	n := db.d.Time(stamp(now))
	err := db.sql.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN v.status = 'pending' AND v.ends > $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN v.status = 'approved' AND v.starts < $4 AND v.ends > $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN v.status = 'approved' AND v.ends > $2 THEN 1 ELSE 0 END), 0)
		FROM visits v WHERE v.host_id = $1 AND `+openVisit+` AND v.ends > $5`,
		hostID, n, db.t(dayStart), db.t(dayEnd), db.t(minTime(stamp(now), dayStart))).Scan(&s.Pending, &s.Today, &s.Upcoming)
	if err == nil {
		err = db.sql.QueryRowContext(ctx, "SELECT count(*) FROM invitations WHERE host_id = $1 AND status = 'open' AND expires > $2",
			hostID, n).Scan(&s.OpenInvitations)
	}
	return s, db.fail(err, "visits of host %d", hostID)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// HostCalendar counts a host's visits by day.
func (db *DB) HostCalendar(ctx context.Context, hostID int64, first, last string) ([]visitor.Day, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT v.day,
		COALESCE(SUM(CASE WHEN v.status = 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(v.people), 0)
		FROM visits v WHERE v.host_id = $1 AND v.day BETWEEN $2 AND $3 AND `+openVisit+`
		GROUP BY v.day ORDER BY v.day`, hostID, first, last)
	ds, err := list(rows, err, func(r row) (visitor.Day, error) {
		var d visitor.Day
		return d, r.Scan(&d.Date, &d.Pending, &d.Approved, &d.People)
	})
	return ds, db.fail(err, "calendar of host %d", hostID)
}

// Hosted reports whether host has an approved visit of visitor.
func (db *DB) Hosted(ctx context.Context, hostID, visitorID int64) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM visits WHERE host_id = $1 AND visitor_id = $2 AND status = 'approved'`,
		hostID, visitorID).Scan(&n)
	return n > 0, db.fail(err, "visits of %d hosted by %d", visitorID, hostID)
}

// ActiveVisits lists a visitor's approved visits in their window at t.
func (db *DB) ActiveVisits(ctx context.Context, visitorID int64, at time.Time) ([]visitor.ActiveVisit, error) {
	a := db.t(at)
	rows, err := db.sql.QueryContext(ctx, `SELECT id, building, unit, starts, ends FROM visits
		WHERE visitor_id = $1 AND status = 'approved' AND building <> '' AND starts <= $2 AND ends > $2 ORDER BY starts, id`, visitorID, a)
	as, err := list(rows, err, func(r row) (visitor.ActiveVisit, error) {
		var v visitor.ActiveVisit
		return v, r.Scan(&v.ID, &v.Building, &v.Unit, timeOf{&v.From}, timeOf{&v.To})
	})
	return as, db.fail(err, "active visits of %d", visitorID)
}
