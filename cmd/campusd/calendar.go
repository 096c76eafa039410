package main

import "github.com/campusnav/engine/services/booking"

// calendars are people's calendar feeds: the events of every source, a
// line each.
func (m *Main) calendars() *booking.Calendars {
	return &booking.Calendars{Store: m.store, Sources: []booking.Source{
		booking.BookingEvents{Store: m.store, Catalogue: m.bookings.Catalogue},
		booking.CourseEvents{Store: m.store, Catalogue: m.bookings.Catalogue},
		booking.AppointmentEvents{Store: m.store, Catalogue: m.bookings.Catalogue},
	}}
}
