package booking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
)

// The bookings' source of calendar events.

// BookingEvents is the Source of a person's bookings: "booking-ID@campusnav",
// confirmed ones CONFIRMED, pending ones TENTATIVE, cancelled and
// released ones CANCELLED; named and placed by the catalogue's spaces.
type BookingEvents struct {
	Store BookingFeed
	// Catalogue is the spaces' catalogue now (Service.Catalogue); nil,
	// or a space it does not know: the booking is named by its space's id,
	// and placed nowhere.
	Catalogue func() *Catalogue
}

// Texts of bookings' events.
var (
	bookingOf      = geo.Labels{"en": "Booking: %s", "zh-Hans": "预约：%s"}
	bookingKind    = geo.Labels{"en": "Kind of space: %s", "zh-Hans": "场地类型：%s"}
	bookingPending = geo.Labels{"en": "Awaiting approval.", "zh-Hans": "等待审批。"}
	bookingEnded   = map[string]geo.Labels{
		Cancelled: {"en": "Cancelled.", "zh-Hans": "已取消。"},
		Released:  {"en": "Released: nobody checked in.", "zh-Hans": "已释放：未按时签到。"},
	}
)

// Events are userID's bookings overlapping [from, to) as events.
func (s BookingEvents) Events(ctx context.Context, userID int64, from, to time.Time) ([]Event, error) {
	bs, err := s.Store.CalendarBookings(ctx, userID, from, to, MaxFeedEvents)
	if err != nil {
		return nil, err
	}
	var cat *Catalogue
	if s.Catalogue != nil {
		cat = s.Catalogue()
	}
	evs := make([]Event, 0, len(bs))
	for _, b := range bs {
		evs = append(evs, bookingEvent(b, cat))
	}
	return evs, nil
}

// bookingEvent is a booking as an event, its space found in cat (nil:
// none).
func bookingEvent(b Revised, cat *Catalogue) Event {
	e := Event{UID: EventUID("booking", b.ID), Start: b.Start, End: b.End, Status: EventConfirmed,
		Sequence: b.Revision, Created: b.Created, Modified: b.Revised}
	name := geo.Labels{"en": b.Space}
	var kind geo.Labels
	if cat != nil {
		if sp, ok := cat.Space(b.Space); ok {
			name, e.Space = sp.Name, sp
			if len(name) == 0 {
				name = geo.Labels{"en": sp.Ref}
			}
			if sp.Kind != nil {
				kind = sp.Kind.Name
			}
		}
	}
	e.Summary, e.Notes = geo.Labels{}, geo.Labels{}
	for _, lang := range []string{"en", "zh-Hans"} {
		var notes []string
		if b.Title != "" {
			e.Summary[lang] = b.Title
			notes = append(notes, fmt.Sprintf(bookingOf.In(lang), name.In(lang)))
		} else {
			e.Summary[lang] = fmt.Sprintf(bookingOf.In(lang), name.In(lang))
		}
		if k := kind.In(lang); k != "" {
			notes = append(notes, fmt.Sprintf(bookingKind.In(lang), k))
		}
		switch {
		case b.Status == Pending:
			notes = append(notes, bookingPending.In(lang))
		case !Live(b.Status):
			notes = append(notes, bookingEnded[b.Status].In(lang))
		}
		e.Notes[lang] = strings.Join(notes, "\n")
	}
	switch {
	case b.Status == Pending:
		e.Status = EventTentative
	case !Live(b.Status):
		e.Status = EventCancelled
	}
	return e
}
