package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// CounsellingStore is what the counselling suite needs: slots and
// appointments, the bookings that hold the rooms, and the accounts.
type CounsellingStore interface {
	booking.CounsellingStore
	booking.Store
	auth.Store
}

// Counselling runs the contract of booking.CounsellingStore on stores
// made by newStore.
func Counselling(t *testing.T, newStore func(t *testing.T) CounsellingStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s CounsellingStore)
	}{
		{"SlotsHoldRooms", testSlotsHoldRooms},
		{"Appointments", testAppointments},
		{"TwentyAtOnce", testTwentyAtOnce},
		{"StudentBounds", testStudentBounds},
		{"SlotBounds", testSlotBounds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// counselAt is 2030-03-04 at hour h (fractions allowed), UTC; counselNow
// is a day before.
func counselAt(h float64) time.Time {
	return time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC).Add(time.Duration(h * float64(time.Hour)))
}

var counselNow = counselAt(-24)

func mustSlot(t *testing.T, s CounsellingStore, counsellor int64, room string, from, to float64) booking.Slot {
	t.Helper()
	sl, err := s.AddSlot(t.Context(), booking.Slot{CounsellorID: counsellor, Room: room, Start: counselAt(from), End: counselAt(to), Created: counselNow}, counselNow)
	if err != nil {
		t.Fatalf("AddSlot %s %v-%v: %v", room, from, to, err)
	}
	return sl
}

func testSlotsHoldRooms(t *testing.T, s CounsellingStore) {
	ctx := t.Context()
	wang := mustCreate(t, s, "wang.li", auth.Staff)
	zhao := mustCreate(t, s, "zhao", auth.Staff)
	room, other := unique("W1-201"), unique("W1-202")
	sl := mustSlot(t, s, wang.ID, room, 9, 10)
	if sl.ID == 0 || sl.BookingID == 0 || sl.Status != booking.SlotOpen || sl.Counsellor != wang.Email || sl.Appointment != 0 {
		t.Fatalf("AddSlot: %+v", sl)
	}
	// The room's booking is the counsellor's, titled as counselling.
	bs, err := s.SpaceBookings(ctx, room, counselAt(0), counselAt(24))
	if err != nil || len(bs) != 1 || bs[0].ID != sl.BookingID || bs[0].UserID != wang.ID || bs[0].Title != booking.CounsellingTitle ||
		!sameTime(bs[0].Start, counselAt(9)) || bs[0].Status != booking.Confirmed {
		t.Fatalf("the room's bookings: %+v %v", bs, err)
	}
	// Another counsellor's overlapping slot in the room, or a booking of
	// it, is a conflict naming the slot's interval; back to back and in
	// another room are not.
	_, err = s.AddSlot(ctx, booking.Slot{CounsellorID: zhao.ID, Room: room, Start: counselAt(9.5), End: counselAt(10.5)}, counselNow)
	var c *booking.ConflictError
	if !errors.As(err, &c) || !sameTime(c.Start, counselAt(9)) || !sameTime(c.End, counselAt(10)) {
		t.Errorf("an overlapping slot: %v, want a conflict naming 09:00-10:00", err)
	}
	if _, err := s.Book(ctx, booking.Booking{Space: room, UserID: zhao.ID, Start: counselAt(8), End: counselAt(9.25), Status: booking.Confirmed}); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("booking over a slot: %v, want a conflict", err)
	}
	next := mustSlot(t, s, zhao.ID, room, 10, 11)
	mustSlot(t, s, zhao.ID, other, 9, 10)
	if _, err := s.AddSlot(ctx, booking.Slot{CounsellorID: zhao.ID, Room: room, Start: counselAt(12), End: counselAt(12)}, counselNow); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("an empty slot: %v, want ErrInvalid", err)
	}
	// Free slots, by start; one counsellor's.
	free, err := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := slotIDs(free, room, other)
	if len(got) != 3 || got[0] != sl.ID || got[2] != next.ID {
		t.Errorf("free slots: %v (%+v)", got, free)
	}
	page, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Limit: 100, AfterStart: sl.Start, AfterID: sl.ID})
	if ids := slotIDs(page, room, other); len(ids) != 2 || ids[1] != next.ID {
		t.Errorf("slots after the first: %v", ids)
	}
	if late, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(9.5), To: counselAt(24), Limit: 100}); len(slotIDs(late, room, other)) != 1 {
		t.Errorf("slots starting from 09:30: %+v", late)
	}
	if his, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Counsellor: wang.ID, Limit: 100}); len(his) != 1 || his[0].ID != sl.ID {
		t.Errorf("Wang's slots: %+v", his)
	}
	// Withdrawn, the room is free again and the slot is gone.
	if _, err := s.WithdrawSlot(ctx, sl.ID, zhao.ID); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("withdrawing another's slot: %v, want ErrNotFound", err)
	}
	w, err := s.WithdrawSlot(ctx, sl.ID, wang.ID)
	if err != nil || w.Status != booking.SlotWithdrawn {
		t.Fatalf("WithdrawSlot: %+v %v", w, err)
	}
	if bs, _ := s.SpaceBookings(ctx, room, counselAt(9), counselAt(10)); len(bs) != 0 {
		t.Errorf("the withdrawn slot still holds the room: %+v", bs)
	}
	if _, err := s.WithdrawSlot(ctx, sl.ID, wang.ID); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("withdrawing twice: %v, want ErrNotFound", err)
	}
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: sl.ID, StudentID: zhao.ID, Created: counselNow}); !errors.Is(err, booking.ErrSlotGone) {
		t.Errorf("booking a withdrawn slot: %v, want ErrSlotGone", err)
	}
	// A slot whose booking was moved or cancelled by other means (the
	// bookings' own routes) is no slot.
	moved := mustSlot(t, s, zhao.ID, other, 12, 13)
	if _, err := s.MoveBooking(ctx, moved.BookingID, zhao.ID, counselAt(13), counselAt(14)); err != nil {
		t.Fatal(err)
	}
	if free, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Limit: 100}); len(slotIDs(free, other)) != 1 {
		t.Errorf("a slot whose booking moved is listed: %+v", free)
	}
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: moved.ID, StudentID: wang.ID, Created: counselNow}); !errors.Is(err, booking.ErrSlotGone) {
		t.Errorf("booking a slot whose booking moved: %v, want ErrSlotGone", err)
	}
	// A slot whose booking was cancelled by other means is no slot.
	if _, err := s.EndBooking(ctx, next.BookingID, zhao.ID, booking.Cancelled); err != nil {
		t.Fatal(err)
	}
	if free, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Limit: 100}); len(slotIDs(free, room)) != 0 {
		t.Errorf("a slot without its booking is listed: %+v", free)
	}
}

// slotIDs are the ids of the slots in rooms, in order.
func slotIDs(ss []booking.Slot, rooms ...string) []int64 {
	var ids []int64
	for _, s := range ss {
		for _, r := range rooms {
			if s.Room == r {
				ids = append(ids, s.ID)
			}
		}
	}
	return ids
}

func testAppointments(t *testing.T, s CounsellingStore) {
	ctx := t.Context()
	wang := mustCreate(t, s, "wang", auth.Staff)
	ann := mustCreate(t, s, "ann", auth.Student)
	bo := mustCreate(t, s, "bo", auth.Student)
	room := unique("W1-201")
	sl := mustSlot(t, s, wang.ID, room, 14, 15)
	a, err := s.BookAppointment(ctx, booking.Appointment{SlotID: sl.ID, StudentID: ann.ID, Created: counselNow})
	if err != nil || a.ID == 0 || a.Status != booking.AppointmentBooked || a.Student != ann.Email || a.Slot.ID != sl.ID ||
		a.Slot.Counsellor != wang.Email || !sameTime(a.Slot.Start, counselAt(14)) {
		t.Fatalf("BookAppointment: %+v %v", a, err)
	}
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: sl.ID, StudentID: bo.ID, Created: counselNow}); !errors.Is(err, booking.ErrSlotTaken) {
		t.Errorf("a taken slot: %v, want ErrSlotTaken", err)
	}
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: sl.ID, StudentID: bo.ID, Created: counselAt(14)}); !errors.Is(err, booking.ErrSlotGone) {
		t.Errorf("a slot that has begun: %v, want ErrSlotGone", err)
	}
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: 1 << 40, StudentID: bo.ID, Created: counselNow}); !errors.Is(err, booking.ErrSlotGone) {
		t.Errorf("no such slot: %v, want ErrSlotGone", err)
	}
	// The room's booking says nothing of her.
	if bs, _ := s.SpaceBookings(ctx, room, counselAt(0), counselAt(24)); len(bs) != 1 || bs[0].UserID != wang.ID || bs[0].Title != booking.CounsellingTitle {
		t.Errorf("the room's booking: %+v", bs)
	}
	// Taken: not among the free slots, but among Wang's, with her appointment.
	if free, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Limit: 100}); len(slotIDs(free, room)) != 0 {
		t.Errorf("a taken slot is listed free: %+v", free)
	}
	if his, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Counsellor: wang.ID, Limit: 100}); len(his) != 1 || his[0].Appointment != a.ID {
		t.Errorf("Wang's slots: %+v", his)
	}
	if _, err := s.WithdrawSlot(ctx, sl.ID, wang.ID); !errors.Is(err, booking.ErrSlotTaken) {
		t.Errorf("withdrawing a taken slot: %v, want ErrSlotTaken", err)
	}
	// Lists: hers, his; not Bo's.
	if hers, err := s.Appointments(ctx, ann.ID, 0, 0, 10); err != nil || len(hers) != 1 || hers[0].ID != a.ID || hers[0].Slot.Room != room {
		t.Errorf("her appointments: %+v %v", hers, err)
	}
	if his, _ := s.Appointments(ctx, 0, wang.ID, 0, 10); len(his) != 1 || his[0].ID != a.ID || his[0].Student != ann.Email {
		t.Errorf("his appointments: %+v", his)
	}
	if bos, _ := s.Appointments(ctx, bo.ID, 0, 0, 10); len(bos) != 0 {
		t.Errorf("Bo's appointments: %+v", bos)
	}
	// Bo cannot cancel hers; after the deadline she cannot; before it she can.
	if _, err := s.CancelAppointment(ctx, a.ID, bo.ID, bo.ID, counselNow, counselNow); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("another student cancels: %v, want ErrNotFound", err)
	}
	if _, err := s.CancelAppointment(ctx, a.ID, ann.ID, ann.ID, counselAt(13), counselAt(14)); !errors.Is(err, booking.ErrTooLate) {
		t.Errorf("cancelling at the deadline: %v, want ErrTooLate", err)
	}
	c, err := s.CancelAppointment(ctx, a.ID, ann.ID, ann.ID, counselAt(13), counselAt(13.5))
	if err != nil || c.Status != booking.AppointmentCancelled || c.Cancelled == nil || c.CancelledBy != ann.ID {
		t.Fatalf("CancelAppointment: %+v %v", c, err)
	}
	if _, err := s.CancelAppointment(ctx, a.ID, ann.ID, ann.ID, counselAt(13), counselAt(13)); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("cancelling twice: %v, want ErrNotFound", err)
	}
	// Free again: Bo books it, and a counsellor (0: any student's) cancels his.
	if free, _ := s.Slots(ctx, booking.SlotQuery{From: counselAt(0), To: counselAt(24), Limit: 100}); len(slotIDs(free, room)) != 1 {
		t.Errorf("the cancelled slot is not free: %+v", free)
	}
	b, err := s.BookAppointment(ctx, booking.Appointment{SlotID: sl.ID, StudentID: bo.ID, Created: counselNow})
	if err != nil {
		t.Fatalf("booking the freed slot: %v", err)
	}
	if c, err := s.CancelAppointment(ctx, b.ID, 0, wang.ID, counselNow, counselNow); err != nil || c.CancelledBy != wang.ID {
		t.Errorf("the counsellor cancels: %+v %v", c, err)
	}
	if hers, _ := s.Appointments(ctx, ann.ID, 0, 0, 10); len(hers) != 1 || hers[0].Status != booking.AppointmentCancelled {
		t.Errorf("her cancelled appointment: %+v", hers)
	}
}

// testTwentyAtOnce: twenty students booking one slot at once: one has it.
func testTwentyAtOnce(t *testing.T, s CounsellingStore) {
	ctx := t.Context()
	wang := mustCreate(t, s, "wang", auth.Staff)
	sl := mustSlot(t, s, wang.ID, unique("W1-203"), 9, 10)
	students := make([]auth.User, 20)
	for i := range students {
		students[i] = mustCreate(t, s, fmt.Sprint("student", i), auth.Student)
	}
	won := race(t, "BookAppointment", len(students), booking.ErrSlotTaken, func(i int) error {
		_, err := s.BookAppointment(ctx, booking.Appointment{SlotID: sl.ID, StudentID: students[i].ID, Created: counselNow})
		return err
	})
	if won != 1 {
		t.Fatalf("%d of 20 students booked one slot, want 1", won)
	}
	if his, _ := s.Appointments(ctx, 0, wang.ID, 0, 100); len(his) != 1 {
		t.Errorf("%d appointments stored, want 1", len(his))
	}
}

// testStudentBounds: MaxUpcoming appointments not ended, whatever runs
// at once; ended ones do not count; MaxAppointmentsADay made a day.
func testStudentBounds(t *testing.T, s CounsellingStore) {
	ctx := t.Context()
	wang := mustCreate(t, s, "wang", auth.Staff)
	ann := mustCreate(t, s, "ann", auth.Student)
	room := unique("W1-204")
	var slots []booking.Slot
	for i := range 6 {
		slots = append(slots, mustSlot(t, s, wang.ID, room, float64(9+i), float64(10+i)))
	}
	won := race(t, "BookAppointment", len(slots), booking.ErrTooManyAppointments, func(i int) error {
		_, err := s.BookAppointment(ctx, booking.Appointment{SlotID: slots[i].ID, StudentID: ann.ID, Created: counselNow})
		return err
	})
	if won != booking.MaxUpcoming {
		t.Fatalf("%d appointments at once, want %d", won, booking.MaxUpcoming)
	}
	hers, _ := s.Appointments(ctx, ann.ID, 0, 0, 10)
	// Once the earlier of hers has ended, she may book one more.
	first := hers[0].Slot.End
	if hers[1].Slot.End.Before(first) {
		first = hers[1].Slot.End
	}
	free := mustSlot(t, s, wang.ID, room, 20, 21)
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: free.ID, StudentID: ann.ID, Created: first.Add(-time.Minute)}); !errors.Is(err, booking.ErrTooManyAppointments) {
		t.Errorf("a third before either ended: %v, want ErrTooManyAppointments", err)
	}
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: free.ID, StudentID: ann.ID, Created: first}); err != nil {
		t.Errorf("a third once one ended: %v", err)
	}
	// Book and cancel, over and over: MaxAppointmentsADay a day.
	bo := mustCreate(t, s, "bo", auth.Student)
	sl := mustSlot(t, s, wang.ID, unique("W1-205"), 9, 10)
	at := counselNow
	for i := range booking.MaxAppointmentsADay + 1 {
		at = at.Add(time.Minute)
		a, err := s.BookAppointment(ctx, booking.Appointment{SlotID: sl.ID, StudentID: bo.ID, Created: at})
		if i == booking.MaxAppointmentsADay {
			if !errors.Is(err, booking.ErrTooManyAppointments) {
				t.Errorf("appointment %d in a day: %v, want ErrTooManyAppointments", i+1, err)
			}
			break
		}
		if err != nil {
			t.Fatalf("appointment %d: %v", i+1, err)
		}
		if _, err := s.CancelAppointment(ctx, a.ID, bo.ID, bo.ID, at, at); err != nil {
			t.Fatal(err)
		}
	}
	late := mustSlot(t, s, wang.ID, unique("W1-205"), 48, 49)
	if _, err := s.BookAppointment(ctx, booking.Appointment{SlotID: late.ID, StudentID: bo.ID, Created: counselNow.Add(25 * time.Hour)}); err != nil {
		t.Errorf("a day later: %v", err)
	}
}

// testSlotBounds: a counsellor publishes MaxSlotsADay slots a day.
func testSlotBounds(t *testing.T, s CounsellingStore) {
	ctx := t.Context()
	wang := mustCreate(t, s, "wang", auth.Staff)
	room := unique("W1-206")
	for i := range booking.MaxSlotsADay {
		start := counselAt(float64(i) / 4)
		if _, err := s.AddSlot(ctx, booking.Slot{CounsellorID: wang.ID, Room: room, Start: start, End: start.Add(15 * time.Minute), Created: counselNow}, counselNow); err != nil {
			t.Fatalf("slot %d: %v", i, err)
		}
	}
	start := counselAt(100)
	if _, err := s.AddSlot(ctx, booking.Slot{CounsellorID: wang.ID, Room: room, Start: start, End: start.Add(time.Hour), Created: counselNow}, counselNow); !errors.Is(err, booking.ErrTooManySlots) {
		t.Errorf("slot %d in a day: %v, want ErrTooManySlots", booking.MaxSlotsADay+1, err)
	}
	later := counselNow.Add(25 * time.Hour)
	if _, err := s.AddSlot(ctx, booking.Slot{CounsellorID: wang.ID, Room: room, Start: start, End: start.Add(time.Hour), Created: later}, later); err != nil {
		t.Errorf("a day later: %v", err)
	}
	if bs, _ := s.SpaceBookings(ctx, room, counselAt(0), counselAt(200)); len(bs) != booking.MaxSlotsADay+1 {
		t.Errorf("%d bookings hold the room, want %d (the refused slot held nothing)", len(bs), booking.MaxSlotsADay+1)
	}
}
