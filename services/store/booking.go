package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/booking"
)

var _ booking.Store = (*DB)(nil)

// Bookings: the store looks for a live booking in the way inside the
// transaction that writes (to name it in the answer), and the engine's
// own guarantee (the exclusion constraint, the triggers) refuses an
// overlap that slips between the two on PostgreSQL.

const (
	bookingFields  = "id, space, user_id, start_at, end_at, title, status, created"
	bookingColumns = bookingFields + " FROM bookings"
)

func scanBooking(r row) (booking.Booking, error) {
	var b booking.Booking
	return b, r.Scan(&b.ID, &b.Space, &b.UserID, timeOf{&b.Start}, timeOf{&b.End}, &b.Title, &b.Status, timeOf{&b.Created})
}

// inTheWay is the live booking of space, other than id, that overlaps
// [start, end), if any: a *booking.ConflictError naming it.
func (db *DB) inTheWay(ctx context.Context, q querier, space string, id int64, start, end time.Time) error {
	b, err := scanBooking(q.QueryRowContext(ctx, "SELECT "+bookingColumns+` WHERE space = $1 AND id <> $2
		AND status IN ('confirmed', 'pending') AND start_at < $4 AND $3 < end_at ORDER BY start_at LIMIT 1`,
		space, id, db.d.Time(start), db.d.Time(end)))
	switch {
	case noRows(err):
		return nil
	case err != nil:
		return err
	}
	return served{&booking.ConflictError{Space: space, Start: b.Start, End: b.End}}
}

// overlapped is the answer to a write the engine refused as an overlap:
// the booking in the way, read again.
func (db *DB) overlapped(ctx context.Context, err error, space string, id int64, start, end time.Time) error {
	if err == nil || db.d.IsOverlap == nil || !db.d.IsOverlap(err) {
		return err
	}
	if c := db.inTheWay(ctx, db.sql, space, id, start, end); c != nil {
		return c
	}
	return served{&booking.ConflictError{Space: space, Start: start, End: end}}
}

// Book stores a live booking unless it overlaps one.
func (db *DB) Book(ctx context.Context, b booking.Booking) (booking.Booking, error) {
	if err := booking.CheckInterval(b.Start, b.End); err != nil {
		return b, err
	}
	if !booking.Live(b.Status) {
		return b, fmt.Errorf("%w: a new booking is confirmed or pending, not %q", booking.ErrInvalid, b.Status)
	}
	b.Start, b.End, b.Created = stamp(b.Start), stamp(b.End), stamp(b.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.inTheWay(ctx, tx, b.Space, 0, b.Start, b.End); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO bookings (space, user_id, start_at, end_at, title, status, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			b.Space, b.UserID, db.d.Time(b.Start), db.d.Time(b.End), b.Title, b.Status, db.d.Time(b.Created)).Scan(&b.ID)
	})
	err = db.overlapped(ctx, err, b.Space, 0, b.Start, b.End)
	if err != nil && db.d.IsForeignKey(err) {
		return b, fmt.Errorf("%w (account %d)", booking.ErrNotFound, b.UserID)
	}
	return b, db.fail(err, "booking %s", b.Space)
}

// MoveBooking moves a person's live booking.
func (db *DB) MoveBooking(ctx context.Context, id, userID int64, start, end time.Time) (booking.Booking, error) {
	if err := booking.CheckInterval(start, end); err != nil {
		return booking.Booking{}, err
	}
	start, end = stamp(start), stamp(end)
	var b booking.Booking
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBooking(tx.QueryRowContext(ctx, "SELECT "+bookingColumns+" WHERE id = $1 AND user_id = $2 AND status IN ('confirmed', 'pending')"+db.d.ForUpdate, id, userID))
		if noRows(err) {
			return served{fmt.Errorf("%w (booking %d)", booking.ErrNotFound, id)}
		}
		if err != nil {
			return err
		}
		if err := db.inTheWay(ctx, tx, b.Space, id, start, end); err != nil {
			return err
		}
		b.Start, b.End = start, end
		_, err = tx.ExecContext(ctx, "UPDATE bookings SET start_at = $2, end_at = $3 WHERE id = $1", id, db.d.Time(start), db.d.Time(end))
		return err
	})
	err = db.overlapped(ctx, err, b.Space, id, start, end)
	return b, db.fail(err, "moving booking %d", id)
}

// EndBooking cancels or releases a live booking.
func (db *DB) EndBooking(ctx context.Context, id, userID int64, status string) (booking.Booking, error) {
	if status != booking.Cancelled && status != booking.Released {
		return booking.Booking{}, fmt.Errorf("%w: a booking ends cancelled or released, not %q", booking.ErrInvalid, status)
	}
	var b booking.Booking
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBooking(tx.QueryRowContext(ctx, "UPDATE bookings SET status = $3 WHERE id = $1 AND (CAST($2 AS bigint) = 0 OR user_id = $2) AND status IN ('confirmed', 'pending') RETURNING "+
			bookingFields, id, userID, status))
		if noRows(err) {
			return served{fmt.Errorf("%w (booking %d)", booking.ErrNotFound, id)}
		}
		return err
	})
	return b, db.fail(err, "ending booking %d", id)
}

// SpaceBookings are a space's live bookings overlapping [from, to).
func (db *DB) SpaceBookings(ctx context.Context, space string, from, to time.Time) ([]booking.Booking, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+bookingColumns+` WHERE space = $1 AND status IN ('confirmed', 'pending')
		AND start_at < $3 AND $2 < end_at ORDER BY start_at`, space, db.t(from), db.t(to))
	bs, err := list(rows, err, scanBooking)
	return bs, db.fail(err, "reading bookings of %s", space)
}

// UserBookings are a person's bookings, newest first.
func (db *DB) UserBookings(ctx context.Context, userID, before int64, limit int) ([]booking.Booking, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+bookingColumns+" WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3", userID, below(before), limit)
	bs, err := list(rows, err, scanBooking)
	return bs, db.fail(err, "reading bookings")
}
