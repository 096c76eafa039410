// Package booking owns bookings of the campus's spaces: rooms and courts
// that are units of the venue, and labs' equipment standing in them,
// booked for half-open intervals [start, end) that never overlap a live
// booking of the same space, on either store, under any concurrency
// (PostgreSQL: an exclusion constraint; SQLite: its one writer and a
// trigger). The rules per kind of space are data (booking.json, read by
// ParseRules into a Catalogue); the Service answers the spaces with their
// day's timelines and walking times, books by the rules, checks people in
// and releases no-shows. It declares the store it needs (Store);
// services/store keeps it on both engines and services/storetest checks
// it.
package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Statuses of a booking. Confirmed and pending bookings are live: they
// hold their interval. Cancelled and released ones hold nothing.
const (
	Confirmed = "confirmed"
	Pending   = "pending"
	Cancelled = "cancelled"
	Released  = "released"
)

// Live reports whether a booking of status holds its interval.
func Live(status string) bool { return status == Confirmed || status == Pending }

// MaxTitle bounds a booking's title, in bytes.
const MaxTitle = 200

// Errors of bookings.
var (
	ErrInvalid  = errors.New("booking: invalid")
	ErrNotFound = errors.New("booking: not found")
	// ErrConflict is an interval that overlaps a live booking of the
	// same space (a *ConflictError says which).
	ErrConflict = errors.New("booking: the space is booked then")
)

// ConflictError names the live booking an interval overlaps.
type ConflictError struct {
	Space      string
	Start, End time.Time // the booking in the way
	// Zone is the time zone people read the times in (the service sets
	// the rules'); nil: UTC.
	Zone *time.Location
}

func (e *ConflictError) Error() string { return "booking: " + e.DetailIn("en") }

// DetailIn says what is in the way in a language: Simplified Chinese for
// "zh...".
func (e *ConflictError) DetailIn(lang string) string {
	z := e.Zone
	if z == nil {
		z = time.UTC
	}
	from, to := e.Start.In(z).Format(time.RFC3339), e.End.In(z).Format(time.RFC3339)
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		return fmt.Sprintf("该空间在 %s 至 %s 已被预约", from, to)
	}
	return fmt.Sprintf("the space is booked from %s to %s", from, to)
}
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Booking is a space held by a person for [Start, End).
type Booking struct {
	ID         int64
	Space      string // the space's id: a unit's, or a piece of equipment's
	UserID     int64
	Start, End time.Time
	Title      string
	Status     string
	Created    time.Time
	// CheckinBy is when a booking nobody checked into is released (its
	// start + CheckinAfter); nil: it needs no check-in.
	CheckinBy *time.Time
	CheckedIn *time.Time // nil: not (yet)
	// Scan says whether a beacon scan at check-in placed the person at
	// the space: ScanAgreed, ScanDisagreed, or "" without one.
	Scan string
}

// The check-in window: from CheckinBefore before a booking's start to
// CheckinAfter after it.
const (
	CheckinBefore = 10 * time.Minute
	CheckinAfter  = 15 * time.Minute
)

// What a scan at check-in said.
const (
	ScanAgreed    = "agreed"
	ScanDisagreed = "disagreed"
)

// Held is an interval a live booking holds of a space.
type Held struct {
	Space      string
	Start, End time.Time
}

// NoShow is a booking released because nobody checked into it.
type NoShow struct {
	Booking Booking
	At      time.Time // when it was released
}

// Overlaps reports whether [aStart, aEnd) and [bStart, bEnd) share an
// instant: back-to-back intervals do not.
func Overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}

// CheckInterval says what is wrong with [start, end), if anything: both
// set, start before end, to the microsecond the stores keep.
func CheckInterval(start, end time.Time) error {
	switch {
	case start.IsZero() || end.IsZero():
		return fmt.Errorf("%w: a booking has a start and an end", ErrInvalid)
	case !start.Truncate(time.Microsecond).Before(end.Truncate(time.Microsecond)):
		return fmt.Errorf("%w: the start %s is not before the end %s", ErrInvalid, start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return nil
}

// Store keeps bookings. services/storetest checks an implementation.
type Store interface {
	// Book stores b (Confirmed or Pending), answering it with its id:
	// a *ConflictError when it overlaps a live booking of its space.
	Book(ctx context.Context, b Booking) (Booking, error)
	// MoveBooking moves a live booking of userID to [start, end), as
	// Book would take it; ErrNotFound for no such live booking of
	// theirs.
	MoveBooking(ctx context.Context, id, userID int64, start, end time.Time) (Booking, error)
	// EndBooking sets a live booking of userID (0: anyone's) to status
	// Cancelled or Released, freeing its interval; ErrNotFound for no
	// such live booking.
	EndBooking(ctx context.Context, id, userID int64, status string) (Booking, error)
	// SpaceBookings are the live bookings of a space that overlap
	// [from, to), by start.
	SpaceBookings(ctx context.Context, space string, from, to time.Time) ([]Booking, error)
	// UserBookings are a person's bookings, newest first, with ids
	// below before (0: from the newest), at most limit.
	UserBookings(ctx context.Context, userID, before int64, limit int) ([]Booking, error)
	// GetBooking is a booking by id; ErrNotFound for none.
	GetBooking(ctx context.Context, id int64) (Booking, error)
	// BookingsBetween are the live bookings of every space that overlap
	// [from, to), by space and start; none is longer than a week.
	BookingsBetween(ctx context.Context, from, to time.Time) ([]Booking, error)
	// Held are the intervals live bookings hold of the spaces (nil:
	// every space) that overlap [from, to), by space and start: what a
	// timeline needs and no more.
	Held(ctx context.Context, from, to time.Time, spaces []string) ([]Held, error)
	// LiveCount is how many of a person's live bookings end after t.
	LiveCount(ctx context.Context, userID int64, t time.Time) (int, error)
	// DecideBooking confirms a pending booking, or cancels it;
	// ErrNotFound for no such pending booking.
	DecideBooking(ctx context.Context, id int64, confirm bool) (Booking, error)
	// CheckIn records that the holder checked into a confirmed booking
	// at t with what a scan said (ScanAgreed, ScanDisagreed or "");
	// ErrNotFound for no such live booking of theirs, ErrConflict (not a
	// *ConflictError) when it was checked into already.
	CheckIn(ctx context.Context, id, userID int64, t time.Time, scan string) (Booking, error)
	// ReleaseNoShows releases up to limit confirmed bookings whose
	// CheckinBy is at or before now and that nobody checked into, each
	// recorded as its holder's no-show in the same transaction.
	ReleaseNoShows(ctx context.Context, now time.Time, limit int) ([]Booking, error)
	// NoShows are a person's no-shows since t, oldest first.
	NoShows(ctx context.Context, userID int64, since time.Time) ([]NoShow, error)
}
