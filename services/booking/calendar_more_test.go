package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// TestCourseAndAppointmentEvents: the calendar's sources of courses
// (enrolled: confirmed; waiting: tentative) and counselling appointments
// (private; cancelled when cancelled), as the student and the
// counsellor see them.
func TestCourseAndAppointmentEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	court := f.first(t, "court")
	course, err := f.db.CreateCourse(ctx, booking.Course{Name: geo.Labels{"en": "Badminton", "zh-Hans": "羽毛球"}, Court: court.ID, Capacity: 1,
		EnrolUntil: at(18, 0), CancelUntil: at(18, 0), CheckinBeforeMin: 15, CheckinAfterMin: 15, LeaveUntilMin: 60, CreatedBy: f.desk.ID,
		Sessions: []booking.CourseSession{{Start: at(19, 0), End: at(20, 0)}, {Start: at(19, 0).AddDate(0, 0, 7), End: at(20, 0).AddDate(0, 0, 7)}}}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Enrol(ctx, course.ID, f.student.ID, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Enrol(ctx, course.ID, f.staff.ID, f.now); err != nil {
		t.Fatal(err)
	}
	// A session's hold is the course's: the bookings' routes refuse it.
	booking.NewCourses(f.db, f.svc)
	if _, err := f.svc.Cancel(ctx, f.desk, course.Sessions[0].Booking); ruleOf(err) != "held" {
		t.Errorf("cancelling a session's hold as a booking: %v", err)
	}
	src := booking.CourseEvents{Store: f.db, Catalogue: f.svc.Catalogue}
	from, to := at(0, 0), at(0, 0).AddDate(0, 0, 3)
	evs, err := src.Events(ctx, f.student.ID, from, to)
	if err != nil || len(evs) != 1 || evs[0].Status != booking.EventConfirmed || !evs[0].Start.Equal(at(19, 0)) || evs[0].Space != court {
		t.Fatalf("the student's sessions in 3 days: %+v %v", evs, err)
	}
	if evs, _ := src.Events(ctx, f.staff.ID, from, to); len(evs) != 1 || evs[0].Status != booking.EventTentative {
		t.Errorf("the waiting person's: %+v", evs)
	}
	if evs, _ := src.Events(ctx, f.family.ID, from, to); len(evs) != 0 {
		t.Errorf("someone not enrolled: %+v", evs)
	}

	counsellor, err := f.db.CreateUser(ctx, auth.User{Email: "zhao@example.edu", Role: auth.Staff, Created: f.now}, "x")
	if err != nil {
		t.Fatal(err)
	}
	room := f.first(t, "counselling").ID
	slot, err := f.db.AddSlot(ctx, booking.Slot{CounsellorID: counsellor.ID, Room: room, Start: at(15, 0), End: at(16, 0), Created: f.now}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.db.BookAppointment(ctx, booking.Appointment{SlotID: slot.ID, StudentID: f.student.ID, Created: f.now})
	if err != nil {
		t.Fatal(err)
	}
	as := booking.AppointmentEvents{Store: f.db, Catalogue: f.svc.Catalogue}
	for _, who := range []int64{f.student.ID, counsellor.ID} {
		evs, err := as.Events(ctx, who, from, to)
		if err != nil || len(evs) != 1 || !evs[0].Private || evs[0].UID != booking.EventUID("appointment", a.ID) || evs[0].Status != booking.EventConfirmed {
			t.Errorf("user %d: %+v %v", who, evs, err)
		}
	}
	if evs, _ := as.Events(ctx, f.staff.ID, from, to); len(evs) != 0 {
		t.Errorf("another person sees an appointment: %+v", evs)
	}
	if _, err := f.svc.Move(ctx, counsellor, slot.BookingID, at(17, 0), at(18, 0)); ruleOf(err) != "held" {
		t.Errorf("a slot's hold moved as a booking")
	}
	if _, err := f.db.CancelAppointment(ctx, a.ID, f.student.ID, f.student.ID, f.now, f.now); err != nil {
		t.Fatal(err)
	}
	if evs, _ := as.Events(ctx, f.student.ID, from, to); len(evs) != 1 || evs[0].Status != booking.EventCancelled {
		t.Errorf("cancelled: %+v", evs)
	}
	_ = time.Now
}
