package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/booking"
)

var _ booking.CounsellingStore = (*DB)(nil)

// Counselling: a slot and the booking that holds its room are written in
// one transaction (the booking as Book writes one: the same look for a
// booking in the way, the same constraint behind it); an appointment
// locks its slot's row, so appointments of one slot, its withdrawal and
// its cancellations take turns, and the partial unique index
// (counselling_appointments_one) keeps one live appointment a slot on
// both engines whatever slips past.

const slotFields = `s.id, s.counsellor_id, c.email, s.room, s.start_at, s.end_at, s.booking_id, s.status, s.created`

const slotJoins = ` FROM counselling_slots s JOIN users c ON c.id = s.counsellor_id`

// slotHeld is the condition that slot s's booking b still holds its room
// for the slot's interval: not cancelled, not moved (through the bookings'
// own routes); a slot that is not held is offered to nobody.
const slotHeld = `b.status IN ('confirmed', 'pending') AND b.start_at = s.start_at AND b.end_at = s.end_at`

// liveAppointment is the id of the live appointment in slot s, or 0.
const liveAppointment = `COALESCE((SELECT a.id FROM counselling_appointments a WHERE a.slot_id = s.id AND a.status = 'booked'), 0)`

func scanSlot(r row, extra ...any) (booking.Slot, error) {
	var s booking.Slot
	err := r.Scan(append([]any{&s.ID, &s.CounsellorID, &s.Counsellor, &s.Room, timeOf{&s.Start}, timeOf{&s.End}, &s.BookingID, &s.Status,
		timeOf{&s.Created}}, extra...)...)
	return s, err
}

const appointmentColumns = `a.id, a.slot_id, a.student_id, st.email, a.status, a.created, a.cancelled, COALESCE(a.cancelled_by, 0), ` + slotFields + `
	FROM counselling_appointments a JOIN users st ON st.id = a.student_id JOIN counselling_slots s ON s.id = a.slot_id
	JOIN users c ON c.id = s.counsellor_id`

func scanAppointment(r row) (booking.Appointment, error) {
	var a booking.Appointment
	s := &a.Slot
	err := r.Scan(&a.ID, &a.SlotID, &a.StudentID, &a.Student, &a.Status, timeOf{&a.Created}, maybeTimeOf{&a.Cancelled}, &a.CancelledBy,
		&s.ID, &s.CounsellorID, &s.Counsellor, &s.Room, timeOf{&s.Start}, timeOf{&s.End}, &s.BookingID, &s.Status, timeOf{&s.Created})
	if err == nil && a.Status == booking.AppointmentBooked {
		s.Appointment = a.ID
	}
	return a, err
}

// AddSlot stores an open slot and its room's booking together.
func (db *DB) AddSlot(ctx context.Context, s booking.Slot, now time.Time) (booking.Slot, error) {
	if err := booking.CheckInterval(s.Start, s.End); err != nil {
		return s, err
	}
	s.Start, s.End, s.Created, s.Status, s.Appointment = stamp(s.Start), stamp(s.End), stamp(s.Created), booking.SlotOpen, 0
	now = stamp(now)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, s.CounsellorID); err != nil {
			return err
		}
		var open, lately int
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM counselling_slots WHERE counsellor_id = $1 AND status = 'open' AND end_at > $2),
			(SELECT count(*) FROM counselling_slots WHERE counsellor_id = $1 AND created > $3)`,
			s.CounsellorID, db.d.Time(now), db.d.Time(now.Add(-24*time.Hour))).Scan(&open, &lately)
		switch {
		case err != nil:
			return err
		case open >= booking.MaxOpenSlots || lately >= booking.MaxSlotsADay:
			return served{booking.ErrTooManySlots}
		}
		if err := db.inTheWay(ctx, tx, s.Room, 0, s.Start, s.End); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO bookings (space, user_id, start_at, end_at, title, status, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			s.Room, s.CounsellorID, db.d.Time(s.Start), db.d.Time(s.End), booking.CounsellingTitle, booking.Confirmed, db.d.Time(s.Created)).Scan(&s.BookingID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO counselling_slots (counsellor_id, room, start_at, end_at, booking_id, status, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			s.CounsellorID, s.Room, db.d.Time(s.Start), db.d.Time(s.End), s.BookingID, s.Status, db.d.Time(s.Created)).Scan(&s.ID)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", s.CounsellorID).Scan(&s.Counsellor)
	})
	err = db.overlapped(ctx, err, s.Room, 0, s.Start, s.End)
	return s, db.fail(err, "counselling slot in %s", s.Room)
}

// WithdrawSlot withdraws a free open slot and cancels its booking.
func (db *DB) WithdrawSlot(ctx context.Context, id, counsellorID int64) (booking.Slot, error) {
	var s booking.Slot
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = scanSlot(tx.QueryRowContext(ctx, "SELECT "+slotFields+slotJoins+` WHERE s.id = $1 AND s.status = 'open'
			AND (CAST($2 AS bigint) = 0 OR s.counsellor_id = $2)`+db.forUpdateOf("s"), id, counsellorID))
		if noRows(err) {
			return served{fmt.Errorf("%w (open slot %d)", booking.ErrNotFound, id)}
		}
		if err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM counselling_appointments WHERE slot_id = $1 AND status = 'booked')", id).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return served{booking.ErrSlotTaken}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE counselling_slots SET status = 'withdrawn' WHERE id = $1", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE bookings SET status = 'cancelled' WHERE id = $1 AND status IN ('confirmed', 'pending')", s.BookingID)
		s.Status = booking.SlotWithdrawn
		return err
	})
	return s, db.fail(err, "withdrawing slot %d", id)
}

// Slots lists open slots whose booking holds their room: free ones, or
// one counsellor's.
func (db *DB) Slots(ctx context.Context, q booking.SlotQuery) ([]booking.Slot, error) {
	after, afterID := q.AfterStart, q.AfterID
	if after.IsZero() {
		after, afterID = q.From, 0
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT "+slotFields+", "+liveAppointment+slotJoins+` JOIN bookings b ON b.id = s.booking_id
		WHERE s.status = 'open' AND `+slotHeld+` AND s.start_at >= $1 AND s.start_at < $2
		AND (s.start_at > $3 OR (s.start_at = $3 AND s.id > $4))
		AND (CASE WHEN CAST($5 AS bigint) = 0 THEN `+liveAppointment+` = 0 ELSE s.counsellor_id = $5 END)
		ORDER BY s.start_at, s.id LIMIT $6`,
		db.t(q.From), db.t(q.To), db.t(after), afterID, q.Counsellor, q.Limit)
	ss, err := list(rows, err, func(r row) (booking.Slot, error) {
		var appointment int64
		s, err := scanSlot(r, &appointment)
		s.Appointment = appointment
		return s, err
	})
	return ss, db.fail(err, "counselling slots")
}

// BookAppointment books a free future slot for a student, within the
// bounds.
func (db *DB) BookAppointment(ctx context.Context, a booking.Appointment) (booking.Appointment, error) {
	a.Created, a.Status, a.Cancelled, a.CancelledBy = stamp(a.Created), booking.AppointmentBooked, nil, 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, a.StudentID); err != nil {
			return err
		}
		s, err := scanSlot(tx.QueryRowContext(ctx, "SELECT "+slotFields+slotJoins+` JOIN bookings b ON b.id = s.booking_id
			WHERE s.id = $1 AND s.status = 'open' AND `+slotHeld+` AND s.start_at > $2`+db.forUpdateOf("s"),
			a.SlotID, db.d.Time(a.Created)))
		if noRows(err) {
			return served{booking.ErrSlotGone}
		}
		if err != nil {
			return err
		}
		var taken bool
		var upcoming, lately int
		err = tx.QueryRowContext(ctx, `SELECT
			EXISTS (SELECT 1 FROM counselling_appointments WHERE slot_id = $1 AND status = 'booked'),
			(SELECT count(*) FROM counselling_appointments a JOIN counselling_slots s ON s.id = a.slot_id
				WHERE a.student_id = $2 AND a.status = 'booked' AND s.end_at > $3),
			(SELECT count(*) FROM counselling_appointments WHERE student_id = $2 AND created > $4)`,
			a.SlotID, a.StudentID, db.d.Time(a.Created), db.d.Time(a.Created.Add(-24*time.Hour))).Scan(&taken, &upcoming, &lately)
		switch {
		case err != nil:
			return err
		case taken:
			return served{booking.ErrSlotTaken}
		case upcoming >= booking.MaxUpcoming || lately >= booking.MaxAppointmentsADay:
			return served{booking.ErrTooManyAppointments}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO counselling_appointments (slot_id, student_id, status, created) VALUES ($1, $2, $3, $4) RETURNING id`,
			a.SlotID, a.StudentID, a.Status, db.d.Time(a.Created)).Scan(&a.ID)
		if db.d.IsUnique(err) {
			return served{booking.ErrSlotTaken}
		}
		if err != nil {
			return err
		}
		s.Appointment, a.Slot = a.ID, s
		return tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = $1", a.StudentID).Scan(&a.Student)
	})
	return a, db.fail(err, "appointment in slot %d", a.SlotID)
}

// CancelAppointment cancels a booked appointment before its deadline.
func (db *DB) CancelAppointment(ctx context.Context, id, studentID, by int64, at, deadline time.Time) (booking.Appointment, error) {
	at = stamp(at)
	var a booking.Appointment
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanAppointment(tx.QueryRowContext(ctx, "SELECT "+appointmentColumns+` WHERE a.id = $1 AND a.status = 'booked'
			AND (CAST($2 AS bigint) = 0 OR a.student_id = $2)`+db.forUpdateOf("a"), id, studentID))
		if noRows(err) {
			return served{booking.ErrNoAppointment}
		}
		if err != nil {
			return err
		}
		if !a.Slot.Start.After(deadline) {
			return served{booking.ErrTooLate}
		}
		a.Status, a.Cancelled, a.CancelledBy, a.Slot.Appointment = booking.AppointmentCancelled, &at, by, 0
		_, err = tx.ExecContext(ctx, "UPDATE counselling_appointments SET status = 'cancelled', cancelled = $2, cancelled_by = NULLIF($3, 0) WHERE id = $1",
			id, db.d.Time(at), by)
		return err
	})
	return a, db.fail(err, "cancelling appointment %d", id)
}

// Appointments lists a student's appointments, or those in a
// counsellor's slots, newest first.
func (db *DB) Appointments(ctx context.Context, studentID, counsellorID, before int64, limit int) ([]booking.Appointment, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+appointmentColumns+` WHERE (CAST($1 AS bigint) = 0 OR a.student_id = $1)
		AND (CAST($2 AS bigint) = 0 OR s.counsellor_id = $2) AND a.id < $3 ORDER BY a.id DESC LIMIT $4`,
		studentID, counsellorID, below(before), limit)
	as, err := list(rows, err, scanAppointment)
	return as, db.fail(err, "appointments")
}
