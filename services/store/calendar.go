package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/booking"
)

// Calendar feeds (booking.CalendarStore) and the bookings a feed lists
// (booking.BookingFeed): migration 0020.

var (
	_ booking.CalendarStore = (*DB)(nil)
	_ booking.BookingFeed   = (*DB)(nil)
)

// SetCalendarFeed keeps a person's feed secret's hash, replacing theirs.
func (db *DB) SetCalendarFeed(ctx context.Context, userID int64, secretHash string, created time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, secret_hash, created) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash, created = excluded.created`,
			userID, secretHash, db.t(created))
		if err != nil && db.d.IsForeignKey(err) {
			return served{fmt.Errorf("%w (account %d)", booking.ErrNotFound, userID)}
		}
		return err
	})
	return db.fail(err, "keeping the calendar feed of %d", userID)
}

// CalendarFeedUser is the enabled account whose feed secret has the hash.
func (db *DB) CalendarFeedUser(ctx context.Context, secretHash string) (int64, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, `SELECT u.id FROM calendar_feeds f JOIN users u ON u.id = f.user_id
		LEFT JOIN users sp ON sp.id = u.sponsor_id
		WHERE f.secret_hash = $1 AND NOT (u.disabled OR COALESCE(sp.disabled, false))`, secretHash).Scan(&id)
	if noRows(err) {
		return 0, booking.ErrNoFeed
	}
	return id, db.fail(err, "reading a calendar feed")
}

// DeleteCalendarFeed revokes a person's feed.
func (db *DB) DeleteCalendarFeed(ctx context.Context, userID int64) error {
	w, unlock := db.writing()
	defer unlock()
	_, err := w.ExecContext(ctx, "DELETE FROM calendar_feeds WHERE user_id = $1", userID)
	return db.fail(err, "revoking the calendar feed of %d", userID)
}

// CalendarBookings are a person's bookings overlapping [from, to), any
// status, with their revisions: the latest-starting limit of them, by
// start.
func (db *DB) CalendarBookings(ctx context.Context, userID int64, from, to time.Time, limit int) ([]booking.Revised, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+bookingFields+`, revision, COALESCE(revised, created) FROM bookings
		WHERE user_id = $1 AND start_at < $3 AND $2 < end_at ORDER BY start_at DESC, id DESC LIMIT $4`,
		userID, db.t(from), db.t(to), limit)
	rs, err := list(rows, err, func(r row) (booking.Revised, error) {
		var b booking.Revised
		var err error
		b.Booking, err = scanBooking(scanMore{r, []any{&b.Revision, timeOf{&b.Revised}}})
		return b, err
	})
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs, db.fail(err, "reading the bookings of %d for a calendar", userID)
}

// scanMore scans a row into what a scanner of its first columns asks
// for, then into more: the columns after.
type scanMore struct {
	r    row
	more []any
}

func (s scanMore) Scan(dest ...any) error { return s.r.Scan(append(dest, s.more...)...) }
