package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/campusnav/engine/services/booking"
)

var _ booking.Store = (*DB)(nil)

// Bookings: the store looks for a live booking in the way inside the
// transaction that writes (to name it in the answer), and the engine's
// own guarantee (the exclusion constraint, the triggers) refuses an
// overlap that slips between the two on PostgreSQL.

const (
	bookingFields  = "id, space, user_id, start_at, end_at, title, status, created, checkin_by, checked_in, scan"
	bookingColumns = bookingFields + " FROM bookings"
)

func scanBooking(r row) (booking.Booking, error) {
	var b booking.Booking
	return b, r.Scan(&b.ID, &b.Space, &b.UserID, timeOf{&b.Start}, timeOf{&b.End}, &b.Title, &b.Status, timeOf{&b.Created},
		maybeTimeOf{&b.CheckinBy}, maybeTimeOf{&b.CheckedIn}, &b.Scan)
}

// maybeT is the value stored for a time that may be NULL.
func (db *DB) maybeT(t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.d.Time(stamp(*t))
}

// stampAt stamps a time that may be nil.
func stampAt(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
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
	b.CheckinBy, b.CheckedIn, b.Scan = stampAt(b.CheckinBy), nil, ""
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.inTheWay(ctx, tx, b.Space, 0, b.Start, b.End); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO bookings (space, user_id, start_at, end_at, title, status, created, checkin_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			b.Space, b.UserID, db.d.Time(b.Start), db.d.Time(b.End), b.Title, b.Status, db.d.Time(b.Created), db.maybeT(b.CheckinBy)).Scan(&b.ID)
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
		if b.CheckinBy != nil {
			by := start.Add(booking.CheckinAfter)
			b.CheckinBy = &by
		}
		_, err = tx.ExecContext(ctx, "UPDATE bookings SET start_at = $2, end_at = $3, checkin_by = $4 WHERE id = $1",
			id, db.d.Time(start), db.d.Time(end), db.maybeT(b.CheckinBy))
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

// GetBooking is a booking by id.
func (db *DB) GetBooking(ctx context.Context, id int64) (booking.Booking, error) {
	b, err := scanBooking(db.sql.QueryRowContext(ctx, "SELECT "+bookingColumns+" WHERE id = $1", id))
	if noRows(err) {
		return b, fmt.Errorf("%w (booking %d)", booking.ErrNotFound, id)
	}
	return b, db.fail(err, "reading booking %d", id)
}

// longestBooking bounds how long a booking is, so that a question about
// an interval reads the index on start_at from a bounded place.
const longestBooking = 8 * 24 * time.Hour

// BookingsBetween are the live bookings that overlap [from, to).
func (db *DB) BookingsBetween(ctx context.Context, from, to time.Time) ([]booking.Booking, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+bookingColumns+` WHERE start_at < $2 AND start_at > $3 AND $1 < end_at
		AND status IN ('confirmed', 'pending') ORDER BY space, start_at`, db.t(from), db.t(to), db.t(from.Add(-longestBooking)))
	bs, err := list(rows, err, scanBooking)
	return bs, db.fail(err, "reading bookings")
}

// Held are the intervals live bookings hold of spaces, read with the
// space's index when spaces are named (one IN list, at most a few
// hundred), else by start.
func (db *DB) Held(ctx context.Context, from, to time.Time, spaces []string) ([]booking.Held, error) {
	args := []any{db.t(from), db.t(to), db.t(from.Add(-longestBooking))}
	q := `SELECT space, start_at, end_at FROM bookings WHERE start_at < $2 AND start_at > $3 AND $1 < end_at
		AND status IN ('confirmed', 'pending')`
	if spaces != nil {
		if len(spaces) == 0 {
			return []booking.Held{}, nil
		}
		if db.d.TextArray != nil {
			q += " AND space = ANY($4)"
			args = append(args, db.d.TextArray(spaces))
			spaces = nil
		}
	}
	if len(spaces) > 0 {
		var in strings.Builder
		for i, sp := range spaces {
			if i > 0 {
				in.WriteString(", ")
			}
			fmt.Fprintf(&in, "$%d", len(args)+1)
			args = append(args, sp)
		}
		q += " AND space IN (" + in.String() + ")"
	}
	// A day's holds are planned for the day asked about: a generic
	// plan, blind to it, reads every booking of the week by start.
	rows, err := db.sql.QueryContext(ctx, q+" ORDER BY space, start_at", append(slices.Clip(db.d.PlanEach), args...)...)
	hs, err := list(rows, err, func(r row) (booking.Held, error) {
		var h booking.Held
		return h, r.Scan(&h.Space, timeOf{&h.Start}, timeOf{&h.End})
	})
	return hs, db.fail(err, "reading bookings")
}

// LiveCount counts a person's live bookings that end after t.
func (db *DB) LiveCount(ctx context.Context, userID int64, t time.Time) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM bookings WHERE user_id = $1 AND status IN ('confirmed', 'pending') AND end_at > $2",
		userID, db.t(t)).Scan(&n)
	return n, db.fail(err, "counting bookings")
}

// DecideBooking confirms or cancels a pending booking.
func (db *DB) DecideBooking(ctx context.Context, id int64, confirm bool) (booking.Booking, error) {
	status := booking.Cancelled
	if confirm {
		status = booking.Confirmed
	}
	var b booking.Booking
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBooking(tx.QueryRowContext(ctx, "UPDATE bookings SET status = $2 WHERE id = $1 AND status = 'pending' RETURNING "+bookingFields, id, status))
		if noRows(err) {
			return served{fmt.Errorf("%w (pending booking %d)", booking.ErrNotFound, id)}
		}
		return err
	})
	return b, db.fail(err, "deciding booking %d", id)
}

// CheckIn records a check-in.
func (db *DB) CheckIn(ctx context.Context, id, userID int64, t time.Time, scan string) (booking.Booking, error) {
	var b booking.Booking
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBooking(tx.QueryRowContext(ctx, "SELECT "+bookingColumns+" WHERE id = $1 AND user_id = $2 AND status IN ('confirmed', 'pending')"+db.d.ForUpdate, id, userID))
		switch {
		case noRows(err):
			return served{fmt.Errorf("%w (booking %d)", booking.ErrNotFound, id)}
		case err != nil:
			return err
		case b.CheckedIn != nil:
			return served{fmt.Errorf("%w: booking %d was checked into at %s", booking.ErrConflict, id, b.CheckedIn.Format(time.RFC3339))}
		}
		at := stamp(t)
		b.CheckedIn, b.Scan = &at, scan
		_, err = tx.ExecContext(ctx, "UPDATE bookings SET checked_in = $2, scan = $3 WHERE id = $1", id, db.d.Time(at), scan)
		return err
	})
	return b, db.fail(err, "checking into booking %d", id)
}

// ReleaseNoShows releases bookings nobody checked into in time.
func (db *DB) ReleaseNoShows(ctx context.Context, now time.Time, limit int) ([]booking.Booking, error) {
	var out []booking.Booking
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+bookingColumns+` WHERE status = 'confirmed' AND checked_in IS NULL
			AND checkin_by IS NOT NULL AND checkin_by <= $1 ORDER BY checkin_by LIMIT $2`+db.d.ForUpdate, db.t(now), limit)
		out, err = list(rows, err, scanBooking)
		if err != nil {
			return err
		}
		for i := range out {
			b := &out[i]
			if _, err := tx.ExecContext(ctx, "UPDATE bookings SET status = 'released' WHERE id = $1", b.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO booking_noshows (booking_id, user_id, at) VALUES ($1, $2, $3)",
				b.ID, b.UserID, db.t(now)); err != nil {
				return err
			}
			b.Status = booking.Released
		}
		return nil
	})
	return out, db.fail(err, "releasing no-shows")
}

// NoShows are a person's no-shows since t, oldest first.
func (db *DB) NoShows(ctx context.Context, userID int64, since time.Time) ([]booking.NoShow, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT n.at, "+prefixed("b.", bookingFields)+` FROM booking_noshows n
		JOIN bookings b ON b.id = n.booking_id WHERE n.user_id = $1 AND n.at >= $2 ORDER BY n.at, n.booking_id`, userID, db.t(since))
	ns, err := list(rows, err, func(r row) (booking.NoShow, error) {
		var n booking.NoShow
		b := &n.Booking
		err := r.Scan(timeOf{&n.At}, &b.ID, &b.Space, &b.UserID, timeOf{&b.Start}, timeOf{&b.End}, &b.Title, &b.Status, timeOf{&b.Created},
			maybeTimeOf{&b.CheckinBy}, maybeTimeOf{&b.CheckedIn}, &b.Scan)
		return n, err
	})
	return ns, db.fail(err, "reading no-shows")
}

// prefixed puts p before each of a list of columns: "b.id, b.space".
func prefixed(p, columns string) string {
	fields := strings.Split(columns, ", ")
	for i, f := range fields {
		fields[i] = p + f
	}
	return strings.Join(fields, ", ")
}
