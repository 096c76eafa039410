// Package tour owns the public campus tours (mini program guide §21):
// the tours themselves as data (tours.json, embedded here and replaceable
// by a file of the same form), each checked against the venue at start-up
// (its stops are places a tourist may see, its route through them is
// found as a tourist sees the campus); the slots of their weekly
// schedules (Asia/Shanghai) with the places left; and the bookings
// people signed in by phone make of a slot, never more people than its
// capacity, bounded per person, with a text message (the outbox, in the
// booking's transaction) and an audit entry at each booking and cancel.
// The package declares the store it needs (Store); services/store keeps
// it on both engines and services/storetest checks it.
package tour

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/services"
)

// Statuses of a booking.
const (
	Booked    = "booked"
	Cancelled = "cancelled"
)

// Audit log kinds of tours.
const (
	AuditBooked    = "tour_booked"
	AuditCancelled = "tour_cancelled"
)

// Bounds. Anyone with a phone can book: every one is bounded.
const (
	MaxPeople   = 10  // people in one booking
	MaxUpcoming = 3   // live bookings of slots not yet started, per person
	MaxRecent   = 10  // bookings made (cancelled ones too) per person in RecentWindow
	AheadDays   = 30  // a slot may be booked, and listed, up to this many days after today
	MaxListDays = 14  // days one list of slots covers
	MaxCapacity = 200 // people a tour's slot takes, at most
	MaxStops    = 20  // stops of a tour
	MaxTours    = 20  // tours in the data
	// RecentWindow is the window MaxRecent counts in.
	RecentWindow = 30 * 24 * time.Hour
	// Keep is how long bookings are kept after their slot started; the
	// purge deletes older ones, with their slots.
	Keep = 180 * 24 * time.Hour
	// PurgeBatch bounds the bookings one purge deletes.
	PurgeBatch = 1000
)

// KindText is the job kind of a text message (services/jobs.Text).
const KindText = "text"

// Text is a text message to send after the commit: its job's arguments
// (the JSON of services/jobs.Text).
type Text struct {
	Phone string `json:"phone"`
	Body  string `json:"text"`
}

// Booking is a booking of a tour's slot.
type Booking struct {
	ID        int64
	Slot      string // the slot's id: tour-YYYYMMDD-HHMM
	Tour      string
	Start     time.Time
	End       time.Time
	UserID    int64
	Account   string // the booker's account (tel:+86...), for the audit log
	People    int
	Lang      string // the booker's language when booking: "en" or "zh"
	Status    string
	Created   time.Time
	Cancelled *time.Time
}

// BookRequest asks the store to book: the booking (its slot, tour, times,
// booker, people, language, Created as now) in a slot that takes
// Capacity people at most.
type BookRequest struct {
	Booking  Booking
	Capacity int
	// Text, when set, is the message confirming the booking as stored
	// (its id given), or false for none: written to the outbox with it.
	Text func(b Booking) (Text, bool)
}

// Store keeps the slots' places and the bookings.
type Store interface {
	// BookTour stores r's booking in one transaction with the places it
	// takes of its slot (ErrFull with the places left when they are
	// fewer than its people), its audit entry (AuditBooked) and its
	// text message; refused when the booker has a live booking of the
	// slot already (ErrAlreadyBooked), MaxUpcoming live bookings of
	// slots starting after Created (ErrTooManyUpcoming), or MaxRecent
	// bookings made in RecentWindow before Created (ErrTooManyRecent).
	// Concurrent bookings of a slot never take more than its capacity.
	BookTour(ctx context.Context, r BookRequest) (Booking, error)
	// CancelTour cancels booking id of userID at now, before its slot
	// starts (ErrStarted), freeing its places, with its audit entry
	// (AuditCancelled) and text message (text, when set); ErrNoBooking
	// for none of theirs, ErrCancelledAlready for one cancelled.
	CancelTour(ctx context.Context, id, userID int64, now time.Time, text func(b Booking) (Text, bool)) (Booking, error)
	// TourBookings lists userID's bookings, newest first, below the id
	// before (0: from the newest), at most limit.
	TourBookings(ctx context.Context, userID, before int64, limit int) ([]Booking, error)
	// TourBooked is the people booked in each slot starting in
	// [from, to) that has any: by slot id.
	TourBooked(ctx context.Context, from, to time.Time) (map[string]int, error)
	// PurgeTours deletes the bookings (and slots) of slots that started
	// before t, at most limit bookings; it says how many.
	PurgeTours(ctx context.Context, t time.Time, limit int) (int, error)
}

// Errors of tours.
var (
	ErrInvalid   = errors.New("tour: invalid")
	ErrNotFound  = errors.New("tour: not found")
	ErrConflict  = errors.New("tour: conflict")
	ErrForbidden = errors.New("tour: not allowed")

	// ErrNoBooking is a booking that does not exist or is not the
	// asker's: a 404, never a 403.
	ErrNoBooking = &Error{Kind: ErrNotFound, Field: "id", En: "no such tour booking", Zh: "没有该参观预约"}
	// ErrNoSlot is a slot no tour's schedule has.
	ErrNoSlot = &Error{Kind: ErrNotFound, Field: "slot", En: "no such tour slot", Zh: "没有该参观场次"}
	// ErrAlreadyBooked is a second live booking of one slot by one person.
	ErrAlreadyBooked = &Error{Kind: ErrConflict, Code: "already_booked", Field: "slot",
		En: "you have booked this slot already (cancel it to book again with other numbers)",
		Zh: "您已预约该场次（如需更改人数，请先取消再预约）"}
	ErrTooManyUpcoming = &Error{Kind: ErrConflict, Code: "too_many_upcoming", Field: "slot",
		En: fmt.Sprintf("you have %d upcoming tour bookings already", MaxUpcoming),
		Zh: fmt.Sprintf("您已有 %d 个未开始的参观预约", MaxUpcoming)}
	ErrTooManyRecent = &Error{Kind: ErrConflict, Code: "too_many_recent", Field: "slot",
		En: fmt.Sprintf("you have made %d tour bookings in the last %d days", MaxRecent, int(RecentWindow.Hours()/24)),
		Zh: fmt.Sprintf("您近 %d 天内已预约 %d 次参观", int(RecentWindow.Hours()/24), MaxRecent)}
	ErrStarted = &Error{Kind: ErrConflict, Code: "started", Field: "slot",
		En: "the tour has started: it can no longer be booked or cancelled", Zh: "参观已开始，不能再预约或取消"}
	ErrCancelledAlready = &Error{Kind: ErrConflict, Code: "cancelled", Field: "id",
		En: "the booking is cancelled already", Zh: "该预约已取消"}
	// ErrNotPublic is a booking asked by someone who is not a member of
	// the public: tours are booked by visitors signed in by phone.
	ErrNotPublic = &Error{Kind: ErrForbidden, Code: "visitors_only", Field: "Authorization",
		En: "campus tours are booked by visitors signed in by phone", Zh: "校园参观须由以手机号登录的访客预约"}
)

// ErrFull is a booking of more people than its slot has places left.
func ErrFull(left int) *Error {
	return refuse(ErrConflict, "full", "people", "only %d places are left in this slot", "该场次仅剩 %d 个名额", left)
}

// Error is a request refused, naming why for a client (Code) and the
// field at fault, in English and Simplified Chinese.
type Error = services.Refusal

func refuse(kind error, code, field, en, zh string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Field: field, En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

func isChinese(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "zh") }
