package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/repair"
)

var _ repair.Store = (*DB)(nil)

// Repairs: a ticket, its first event, its number's year counter and its
// audit entry are written in one transaction; a change locks the
// ticket's row, and writes the change, its event, its duplicates'
// following, its audit entry and its mails together.

const ticketColumns = `t.id, t.number, t.reporter_id, u.email, t.lang, t.category, t.description, t.contact,
	t.unit, t.ref, t.building, t.level, t.floor, t.ordinal, t.lon, t.lat, t.source, t.in_room,
	t.status, t.assignee, COALESCE(t.duplicate_of, 0), t.created, t.completed, t.stars, t.comment,
	(SELECT count(*) FROM repair_tickets d WHERE d.duplicate_of = t.id)
	FROM repair_tickets t JOIN users u ON u.id = t.reporter_id`

// openTicket is the condition that ticket t is open.
const openTicket = `t.status NOT IN ('completed', 'closed')`

func scanTicket(r row) (repair.Ticket, error) {
	var t repair.Ticket
	l := &t.Location
	var ordinal sql.NullInt64
	err := r.Scan(&t.ID, &t.Number, &t.ReporterID, &t.Reporter, &t.Lang, &t.Category, &t.Description, &t.Contact,
		&l.Unit, &l.Ref, &l.Building, &l.Level, &l.Floor, &ordinal, &l.Lon, &l.Lat, &l.Source, &l.Room,
		&t.Status, &t.Assignee, &t.DuplicateOf, timeOf{&t.Created}, maybeTimeOf{&t.Completed}, &t.Stars, &t.Comment, &t.Duplicates)
	if ordinal.Valid {
		o := int(ordinal.Int64)
		l.Ordinal = &o
	}
	return t, err
}

// shanghai is the zone a ticket's number takes its year in.
var shanghai = time.FixedZone("+08:00", 8*3600)

// CreateTicket stores a new ticket, numbered, linked to an open
// original of the same fault if there is one.
func (db *DB) CreateTicket(ctx context.Context, t repair.Ticket) (repair.Ticket, error) {
	t.Created, t.Status, t.Completed, t.Stars, t.Comment, t.Assignee = stamp(t.Created), repair.Submitted, nil, 0, "", ""
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, t.ReporterID); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM repair_tickets t WHERE t.reporter_id = $1 AND "+openTicket, t.ReporterID).Scan(&open); err != nil {
			return err
		}
		if open >= repair.MaxOpen {
			return served{repair.ErrTooMany}
		}
		// The year's number first: its row is where concurrent reports
		// take turns, so the original is looked for after the report
		// before this one committed (on PostgreSQL each statement of a
		// read-committed transaction sees what committed before it): two
		// reports of one fault at once are never both originals.
		year := t.Created.In(shanghai).Year()
		var seq int64
		err := tx.QueryRowContext(ctx, `INSERT INTO repair_numbers (year, last) VALUES ($1, 1)
			ON CONFLICT (year) DO UPDATE SET last = repair_numbers.last + 1 RETURNING last`, year).Scan(&seq)
		if err != nil {
			return err
		}
		if t.DuplicateOf, err = db.original(ctx, tx, t); err != nil {
			return err
		}
		t.Number = fmt.Sprintf("R-%d-%06d", year, seq)
		l := t.Location
		var ordinal any
		if l.Ordinal != nil {
			ordinal = *l.Ordinal
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO repair_tickets (number, reporter_id, lang, category, description, contact,
			unit, ref, building, level, floor, ordinal, lon, lat, source, in_room, status, duplicate_of, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, NULLIF($18, 0), $19) RETURNING id`,
			t.Number, t.ReporterID, t.Lang, t.Category, t.Description, t.Contact, l.Unit, l.Ref, l.Building, l.Level, l.Floor, ordinal,
			l.Lon, l.Lat, l.Source, l.Room, t.Status, t.DuplicateOf, db.d.Time(t.Created)).Scan(&t.ID)
		if err != nil {
			return err
		}
		e := repair.Event{At: t.Created, ActorID: t.ReporterID, To: repair.Submitted}
		if err := db.ticketEvent(ctx, tx, t.ID, e); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", t.ReporterID).Scan(&t.Reporter); err != nil {
			return err
		}
		t.History = []repair.Event{{At: e.At, ActorID: e.ActorID, Actor: t.Reporter, To: e.To}}
		_, err = db.AppendTx(ctx, tx, ticketEntry(t, repair.AuditReported, e))
		return err
	})
	return t, db.fail(err, "repair ticket")
}

// original is the open original ticket of the same fault as t, or 0:
// same category, and in a room the same unit, else within
// repair.DuplicateRadiusM on the same ordinal; none for a personal
// fault.
func (db *DB) original(ctx context.Context, tx *sql.Tx, t repair.Ticket) (int64, error) {
	l := t.Location
	if t.Personal {
		return 0, nil
	}
	if l.Room && l.Unit != "" {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT t.id FROM repair_tickets t WHERE t.category = $1 AND t.unit = $2 AND t.in_room = $3
			AND t.duplicate_of IS NULL AND `+openTicket+` ORDER BY t.id LIMIT 1`, t.Category, l.Unit, true).Scan(&id)
		if noRows(err) {
			return 0, nil
		}
		return id, err
	}
	ordinal := 0
	if l.Ordinal != nil {
		ordinal = *l.Ordinal
	}
	// A box a little larger than the radius at this latitude, then the
	// distance itself.
	dLat := repair.DuplicateRadiusM / 111_000 * 1.5
	dLon := dLat * 2 // |lat| < 60°
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.lon, t.lat FROM repair_tickets t WHERE t.category = $1 AND t.in_room = $2
		AND COALESCE(t.ordinal, 0) = $3 AND t.duplicate_of IS NULL AND `+openTicket+`
		AND t.lon BETWEEN $4 AND $5 AND t.lat BETWEEN $6 AND $7 ORDER BY t.id`,
		t.Category, false, ordinal, l.Lon-dLon, l.Lon+dLon, l.Lat-dLat, l.Lat+dLat)
	type near struct {
		id       int64
		lon, lat float64
	}
	ns, err := list(rows, err, func(r row) (near, error) {
		var n near
		return n, r.Scan(&n.id, &n.lon, &n.lat)
	})
	if err != nil {
		return 0, err
	}
	for _, n := range ns {
		if geo.Distance(orb.Point{l.Lon, l.Lat}, orb.Point{n.lon, n.lat}) <= repair.DuplicateRadiusM {
			return n.id, nil
		}
	}
	return 0, nil
}

// ticketEvent records a transition of ticket id.
func (db *DB) ticketEvent(ctx context.Context, tx *sql.Tx, id int64, e repair.Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO repair_events (ticket_id, at, actor_id, from_status, to_status, note)
		VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6)`, id, db.d.Time(stamp(e.At)), e.ActorID, e.From, e.To, e.Note)
	return err
}

// ticketEntry is the audit entry of event e of ticket t.
func ticketEntry(t repair.Ticket, kind string, e repair.Event) audit.Entry {
	place := t.Location.Unit
	if place == "" {
		place = t.Location.Building
	}
	return audit.Entry{At: e.At, Actor: e.ActorID, Subject: t.Reporter, Kind: kind, Place: place, Decision: e.To,
		Reason: clipBytes(e.Note, audit.MaxReason),
		Detail: audit.Detail(map[string]any{"ticket": t.ID, "number": t.Number, "category": t.Category, "from": e.From})}
}

// clipBytes is s cut to at most n bytes, on a character's boundary.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Ticket is a ticket with its history.
func (db *DB) Ticket(ctx context.Context, id int64) (repair.Ticket, error) {
	t, err := scanTicket(db.sql.QueryRowContext(ctx, "SELECT "+ticketColumns+" WHERE t.id = $1", id))
	if noRows(err) {
		return t, repair.ErrNoTicket
	}
	if err == nil {
		t.History, err = db.ticketHistory(ctx, db.sql, id)
	}
	if err == nil {
		t.Photos, err = db.ticketPhotos(ctx, db.sql, id)
	}
	return t, db.fail(err, "repair ticket %d", id)
}

func (db *DB) ticketHistory(ctx context.Context, q querier, id int64) ([]repair.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.at, COALESCE(e.actor_id, 0), COALESCE(u.email, ''), e.from_status, e.to_status, e.note
		FROM repair_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.ticket_id = $1 ORDER BY e.id`, id)
	return list(rows, err, func(r row) (repair.Event, error) {
		var e repair.Event
		return e, r.Scan(timeOf{&e.At}, &e.ActorID, &e.Actor, &e.From, &e.To, &e.Note)
	})
}

// Tickets lists tickets, newest first.
func (db *DB) Tickets(ctx context.Context, q repair.Query) ([]repair.Ticket, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+ticketColumns+` WHERE t.id < $1
		AND (CAST($2 AS bigint) = 0 OR t.reporter_id = $2)
		AND (CAST($2 AS bigint) <> 0 OR t.duplicate_of IS NULL)
		AND ($3 = '' OR ($3 = 'open' AND `+openTicket+`) OR t.status = $3)
		AND ($4 = '' OR t.category = $4 OR t.category LIKE $5)
		AND ($6 = '' OR t.building = $6)
		ORDER BY t.id DESC LIMIT $7`,
		below(q.Before), q.ReporterID, q.Status, q.Category, q.Category+".%", q.Building, q.Limit)
	ts, err := list(rows, err, scanTicket)
	return ts, db.fail(err, "repair tickets")
}

// CompletedBefore lists completed tickets completed before t.
func (db *DB) CompletedBefore(ctx context.Context, t time.Time, limit int) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id FROM repair_tickets WHERE status = 'completed' AND completed < $1 ORDER BY completed, id LIMIT $2`,
		db.t(t), limit)
	ids, err := list(rows, err, func(r row) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	return ids, db.fail(err, "completed repair tickets")
}

// ChangeTicket applies a change to ticket id.
func (db *DB) ChangeTicket(ctx context.Context, id, actorID int64, ch repair.Change) (repair.Ticket, error) {
	var t repair.Ticket
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanTicket(tx.QueryRowContext(ctx, "SELECT "+ticketColumns+" WHERE t.id = $1"+db.forUpdateOf("t"), id))
		if noRows(err) {
			return served{repair.ErrNoTicket}
		}
		if err != nil {
			return err
		}
		e, err := ch.Apply(&t)
		if err != nil {
			return served{err}
		}
		e.ActorID = actorID
		if err := db.saveTicket(ctx, tx, t); err != nil {
			return err
		}
		if err := db.ticketEvent(ctx, tx, t.ID, e); err != nil {
			return err
		}
		entries := []audit.Entry{ticketEntry(t, ch.Audit, e)}
		if ch.Follow && e.From != e.To {
			more, err := db.follow(ctx, tx, t, e)
			if err != nil {
				return err
			}
			entries = append(entries, more...)
		}
		if ch.UnfreezeCard && t.Status == repair.Completed && t.Category == repair.CampusCard {
			if err := db.unfreezeFor(ctx, tx, &t, e); err != nil {
				return err
			}
		}
		if err := db.ticketMails(ctx, tx, t, ch); err != nil {
			return err
		}
		if _, err := db.AppendManyTx(ctx, tx, entries); err != nil {
			return err
		}
		if t.History, err = db.ticketHistory(ctx, tx, t.ID); err != nil {
			return err
		}
		t.Photos, err = db.ticketPhotos(ctx, tx, t.ID)
		return err
	})
	return t, db.fail(err, "repair ticket %d", id)
}

// unfreezeFor unfreezes the card of t's reporter, if they hold one that
// is frozen, as the card's own unfreeze does (its audit entry with it),
// and says so in t's history: an event after e.
func (db *DB) unfreezeFor(ctx context.Context, tx *sql.Tx, t *repair.Ticket, e repair.Event) error {
	var card int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM cards WHERE user_id = $1 AND status = $2", t.ReporterID, access.Frozen).Scan(&card)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	c, changed, err := db.changeCardTx(ctx, tx, access.CardChange{Card: card, By: e.ActorID, Unfreeze: true, At: e.At})
	if err != nil || !changed {
		return err
	}
	return db.ticketEvent(ctx, tx, t.ID, repair.Event{At: e.At, ActorID: e.ActorID, From: t.Status, To: t.Status,
		Note: fmt.Sprintf("%s %s / %s", repair.CardUnfrozenNote, c.Number, repair.CardUnfrozenNoteZh)})
}

// saveTicket writes what a change may change of t.
func (db *DB) saveTicket(ctx context.Context, tx *sql.Tx, t repair.Ticket) error {
	_, err := tx.ExecContext(ctx, `UPDATE repair_tickets SET status = $2, assignee = $3, completed = $4, stars = $5, comment = $6 WHERE id = $1`,
		t.ID, t.Status, t.Assignee, db.maybeT(t.Completed), t.Stars, t.Comment)
	return err
}

// follow moves the duplicates of t that are not closed as t moved (e),
// each with its own event; their audit entries.
func (db *DB) follow(ctx context.Context, tx *sql.Tx, t repair.Ticket, e repair.Event) ([]audit.Entry, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+ticketColumns+" WHERE t.duplicate_of = $1 AND t.status <> 'closed' ORDER BY t.id", t.ID)
	ds, err := list(rows, err, scanTicket)
	if err != nil {
		return nil, err
	}
	var out []audit.Entry
	for _, d := range ds {
		de := repair.Event{At: e.At, ActorID: e.ActorID, From: d.Status, To: t.Status, Note: "with " + t.Number}
		d.Status, d.Assignee, d.Completed = t.Status, t.Assignee, t.Completed
		if err := db.saveTicket(ctx, tx, d); err != nil {
			return nil, err
		}
		if err := db.ticketEvent(ctx, tx, d.ID, de); err != nil {
			return nil, err
		}
		out = append(out, ticketEntry(d, repair.AuditMoved, de))
	}
	return out, nil
}

// ticketMails writes the change's mails to the outbox: to t's reporter,
// and to the reporters of its duplicates about their own tickets (which
// followed t). A store without a queue sends none.
func (db *DB) ticketMails(ctx context.Context, tx *sql.Tx, t repair.Ticket, ch repair.Change) error {
	if ch.Mail == nil || !db.HasQueue() {
		return nil
	}
	type to struct {
		id          int64
		number      string
		email, lang string
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.number, u.email, t.lang FROM repair_tickets t JOIN users u ON u.id = t.reporter_id
		WHERE t.id = $1 OR t.duplicate_of = $1 ORDER BY t.id`, t.ID)
	tos, err := list(rows, err, func(r row) (to, error) {
		var x to
		return x, r.Scan(&x.id, &x.number, &x.email, &x.lang)
	})
	if err != nil {
		return err
	}
	for _, x := range tos {
		about := t
		about.ID, about.Number = x.id, x.number
		if m, ok := ch.Mail(about, x.email, x.lang); ok {
			if err := db.EnqueueTx(ctx, tx, "mail", m); err != nil {
				return err
			}
		}
	}
	return nil
}
