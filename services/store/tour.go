package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/tour"
)

var _ tour.Store = (*DB)(nil)

// Tours: a booking locks its booker's row (their bounds are counted by
// one writer at a time), makes its slot's row if it is the first, and
// takes its places with one conditional UPDATE of that row (booked +
// people within the capacity), so that concurrent bookings of a slot
// take turns on the row and never overfill it (PostgreSQL re-checks the
// condition on the row as the booking before left it; SQLite has one
// writer). The booking, its audit entry and its text message commit
// with it. A cancel gives the places back the same way.

const tourBookingColumns = `b.id, b.slot, s.tour, s.starts, s.ends, b.user_id, u.email, b.people, b.lang, b.created, b.cancelled
	FROM tour_bookings b JOIN tour_slots s ON s.id = b.slot JOIN users u ON u.id = b.user_id`

func scanTourBooking(r row) (tour.Booking, error) {
	var b tour.Booking
	err := r.Scan(&b.ID, &b.Slot, &b.Tour, timeOf{&b.Start}, timeOf{&b.End}, &b.UserID, &b.Account, &b.People, &b.Lang,
		timeOf{&b.Created}, maybeTimeOf{&b.Cancelled})
	b.Status = tour.Booked
	if b.Cancelled != nil {
		b.Status = tour.Cancelled
	}
	return b, err
}

// BookTour stores a booking with the places it takes.
func (db *DB) BookTour(ctx context.Context, r tour.BookRequest) (tour.Booking, error) {
	b := r.Booking
	b.Created, b.Start, b.End, b.Status, b.Cancelled = stamp(b.Created), stamp(b.Start), stamp(b.End), tour.Booked, nil
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, b.UserID); err != nil {
			return err
		}
		var upcoming, recent int
		var mine bool
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM tour_bookings b JOIN tour_slots s ON s.id = b.slot WHERE b.user_id = $1 AND b.cancelled IS NULL AND s.starts > $2),
			(SELECT count(*) FROM tour_bookings b WHERE b.user_id = $1 AND b.created > $3),
			EXISTS (SELECT 1 FROM tour_bookings b WHERE b.user_id = $1 AND b.slot = $4 AND b.cancelled IS NULL)`,
			b.UserID, db.d.Time(b.Created), db.t(b.Created.Add(-tour.RecentWindow)), b.Slot).Scan(&upcoming, &recent, &mine)
		switch {
		case err != nil:
			return err
		case mine:
			return served{tour.ErrAlreadyBooked}
		case upcoming >= tour.MaxUpcoming:
			return served{tour.ErrTooManyUpcoming}
		case recent >= tour.MaxRecent:
			return served{tour.ErrTooManyRecent}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tour_slots (id, tour, starts, ends, capacity, booked) VALUES ($1, $2, $3, $4, $5, 0)
			ON CONFLICT (id) DO NOTHING`, b.Slot, b.Tour, db.d.Time(b.Start), db.d.Time(b.End), r.Capacity); err != nil {
			return err
		}
		var booked int
		err = tx.QueryRowContext(ctx, `UPDATE tour_slots SET booked = booked + $2, capacity = $3 WHERE id = $1 AND booked + $2 <= $3
			RETURNING booked`, b.Slot, b.People, r.Capacity).Scan(&booked)
		if noRows(err) {
			if err := tx.QueryRowContext(ctx, "SELECT booked FROM tour_slots WHERE id = $1", b.Slot).Scan(&booked); err != nil {
				return err
			}
			return served{tour.ErrFull(max(0, r.Capacity-booked))}
		}
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO tour_bookings (slot, user_id, people, lang, created) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			b.Slot, b.UserID, b.People, b.Lang, db.d.Time(b.Created)).Scan(&b.ID)
		if err != nil {
			if db.d.IsUnique(err) {
				return served{tour.ErrAlreadyBooked}
			}
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", b.UserID).Scan(&b.Account); err != nil {
			return err
		}
		return db.tourDone(ctx, tx, b, tour.AuditBooked, r.Text)
	})
	return b, db.fail(err, "tour booking")
}

// tourDone writes what a booking or cancel b causes: its audit entry
// (kind) and its text message (text, when set and a queue is).
func (db *DB) tourDone(ctx context.Context, tx *sql.Tx, b tour.Booking, kind string, text func(tour.Booking) (tour.Text, bool)) error {
	at := b.Created
	if b.Cancelled != nil {
		at = *b.Cancelled
	}
	e := audit.Entry{At: at, Actor: b.UserID, Subject: b.Account, Kind: kind, Place: b.Slot, Decision: b.Status,
		Detail: audit.Detail(map[string]any{"booking": b.ID, "tour": b.Tour, "start": b.Start, "people": b.People})}
	if _, err := db.AppendTx(ctx, tx, e); err != nil {
		return err
	}
	if text == nil || !db.HasQueue() {
		return nil
	}
	if t, ok := text(b); ok {
		return db.EnqueueTx(ctx, tx, tour.KindText, t)
	}
	return nil
}

// CancelTour cancels a booking before its slot starts.
func (db *DB) CancelTour(ctx context.Context, id, userID int64, now time.Time, text func(tour.Booking) (tour.Text, bool)) (tour.Booking, error) {
	var b tour.Booking
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanTourBooking(tx.QueryRowContext(ctx, "SELECT "+tourBookingColumns+" WHERE b.id = $1 AND b.user_id = $2"+db.forUpdateOf("b"), id, userID))
		switch {
		case noRows(err):
			return served{tour.ErrNoBooking}
		case err != nil:
			return err
		case b.Cancelled != nil:
			return served{tour.ErrCancelledAlready}
		case !b.Start.After(now):
			return served{tour.ErrStarted}
		}
		at := stamp(now)
		b.Cancelled, b.Status = &at, tour.Cancelled
		if _, err := tx.ExecContext(ctx, "UPDATE tour_bookings SET cancelled = $2 WHERE id = $1", b.ID, db.d.Time(at)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE tour_slots SET booked = booked - $2 WHERE id = $1", b.Slot, b.People); err != nil {
			return err
		}
		return db.tourDone(ctx, tx, b, tour.AuditCancelled, text)
	})
	return b, db.fail(err, "tour booking %d", id)
}

// TourBookings lists a person's bookings, newest first.
func (db *DB) TourBookings(ctx context.Context, userID, before int64, limit int) ([]tour.Booking, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+tourBookingColumns+" WHERE b.user_id = $1 AND b.id < $2 ORDER BY b.id DESC LIMIT $3",
		userID, below(before), limit)
	bs, err := list(rows, err, scanTourBooking)
	return bs, db.fail(err, "tour bookings")
}

// TourBooked is the people booked per slot starting in [from, to).
func (db *DB) TourBooked(ctx context.Context, from, to time.Time) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id, booked FROM tour_slots WHERE starts >= $1 AND starts < $2 AND booked > 0",
		db.t(from), db.t(to))
	type slot struct {
		id     string
		booked int
	}
	ss, err := list(rows, err, func(r row) (slot, error) {
		var s slot
		return s, r.Scan(&s.id, &s.booked)
	})
	if err != nil {
		return nil, db.fail(err, "tour slots")
	}
	out := make(map[string]int, len(ss))
	for _, s := range ss {
		out[s.id] = s.booked
	}
	return out, nil
}

// PurgeTours deletes the bookings, then the slots, of slots started
// before t.
func (db *DB) PurgeTours(ctx context.Context, t time.Time, limit int) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = affected(tx.ExecContext(ctx, `DELETE FROM tour_bookings WHERE id IN (SELECT b.id FROM tour_bookings b
			JOIN tour_slots s ON s.id = b.slot WHERE s.starts < $1 ORDER BY b.id LIMIT $2)`, db.t(t), limit))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tour_slots WHERE starts < $1
			AND NOT EXISTS (SELECT 1 FROM tour_bookings b WHERE b.slot = tour_slots.id)`, db.t(t))
		return err
	})
	return int(n), db.fail(err, "purging tours")
}
