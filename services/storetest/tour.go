package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/tour"
)

// Tours runs the contract of tour.Store on stores made by newStore.
func Tours(t *testing.T, newStore func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *store.DB)
	}{
		{"BookAndCancel", testTourBookAndCancel},
		{"Capacity", testTourCapacity},
		{"CapacityAtOnce", testTourCapacityAtOnce},
		{"Bounds", testTourBounds},
		{"Texts", testTourTexts},
		{"Purge", testTourPurge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// tourNow is the suite's now: Friday 4 December 2026, 09:00 in Shanghai.
var tourNow = time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)

// tourSlot is a slot of a tour of its own starting h hours after
// tourNow, an hour long.
type tourSlot struct {
	id, tour   string
	start, end time.Time
}

func newTourSlot(h float64) tourSlot {
	tr := unique("tour")
	start := tourNow.Add(time.Duration(h * float64(time.Hour)))
	return tourSlot{id: tour.SlotID(tr, start), tour: tr, start: start, end: start.Add(time.Hour)}
}

// phoneUser is an account signed in by phone.
func phoneUser(t *testing.T, s *store.DB) auth.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), auth.User{Email: "tel:" + unique("+86139"), Role: auth.Visitor, Created: created}, "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// bookTour books people on sl for u at now.
func bookTour(s *store.DB, u auth.User, sl tourSlot, people, capacity int, now time.Time) (tour.Booking, error) {
	return s.BookTour(context.Background(), tour.BookRequest{Capacity: capacity, Booking: tour.Booking{Slot: sl.id, Tour: sl.tour,
		Start: sl.start, End: sl.end, UserID: u.ID, Account: u.Email, People: people, Lang: "zh", Created: now}})
}

func mustBookTour(t *testing.T, s *store.DB, u auth.User, sl tourSlot, people, capacity int) tour.Booking {
	t.Helper()
	b, err := bookTour(s, u, sl, people, capacity, tourNow)
	if err != nil {
		t.Fatalf("BookTour: %v", err)
	}
	return b
}

// refusedWith reports whether err is the tour.Error of code.
func refusedWith(err error, code string) bool {
	var e *tour.Error
	return errors.As(err, &e) && e.Code == code
}

func testTourBookAndCancel(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann, bo := phoneUser(t, s), phoneUser(t, s)
	sl := newTourSlot(25)
	b := mustBookTour(t, s, ann, sl, 3, 20)
	if b.ID == 0 || b.Status != tour.Booked || b.Account != ann.Email || !sameTime(b.Start, sl.start) || b.Cancelled != nil {
		t.Errorf("booked: %+v", b)
	}
	mustBookTour(t, s, bo, sl, 2, 20)
	booked, err := s.TourBooked(ctx, sl.start, sl.start.Add(time.Minute))
	if err != nil || booked[sl.id] != 5 {
		t.Errorf("TourBooked: %v %v, want 5 in %s", booked, err, sl.id)
	}
	if booked, _ := s.TourBooked(ctx, sl.start.Add(time.Minute), sl.end); booked[sl.id] != 0 {
		t.Errorf("TourBooked after the start: %v", booked)
	}
	mine, err := s.TourBookings(ctx, ann.ID, 0, 10)
	if err != nil || len(mine) != 1 || mine[0].ID != b.ID || mine[0].People != 3 || mine[0].Tour != sl.tour || mine[0].Lang != "zh" ||
		!sameTime(mine[0].End, sl.end) || !sameTime(mine[0].Created, tourNow) {
		t.Errorf("TourBookings: %+v %v", mine, err)
	}
	// Someone else's booking is none; a cancel frees the places, once.
	if _, err := s.CancelTour(ctx, b.ID, bo.ID, tourNow, nil); !errors.Is(err, tour.ErrNotFound) {
		t.Errorf("cancelling another's: %v", err)
	}
	c, err := s.CancelTour(ctx, b.ID, ann.ID, tourNow.Add(time.Hour), nil)
	if err != nil || c.Status != tour.Cancelled || c.Cancelled == nil || !sameTime(*c.Cancelled, tourNow.Add(time.Hour)) {
		t.Fatalf("CancelTour: %+v %v", c, err)
	}
	if booked, _ := s.TourBooked(ctx, sl.start, sl.end); booked[sl.id] != 2 {
		t.Errorf("after the cancel: %v, want 2", booked)
	}
	if _, err := s.CancelTour(ctx, b.ID, ann.ID, tourNow.Add(time.Hour), nil); !refusedWith(err, "cancelled") {
		t.Errorf("cancelling twice: %v", err)
	}
	// Booked again after the cancel; not cancelled once started.
	again := mustBookTour(t, s, ann, sl, 1, 20)
	if _, err := s.CancelTour(ctx, again.ID, ann.ID, sl.start, nil); !refusedWith(err, "started") {
		t.Errorf("cancelling at the start: %v", err)
	}
	mine, _ = s.TourBookings(ctx, ann.ID, 0, 10)
	if len(mine) != 2 || mine[0].ID != again.ID || mine[1].Status != tour.Cancelled {
		t.Errorf("newest first, the cancelled one kept: %+v", mine)
	}
	if page, _ := s.TourBookings(ctx, ann.ID, again.ID, 10); len(page) != 1 || page[0].ID != b.ID {
		t.Errorf("the page below %d: %+v", again.ID, page)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: ann.Email})
	if err != nil || len(es) != 3 || es[2].Kind != tour.AuditBooked || es[1].Kind != tour.AuditCancelled || es[1].Decision != tour.Cancelled ||
		es[2].Place != sl.id || es[2].Actor != ann.ID || es[0].Kind != tour.AuditBooked {
		t.Errorf("audit entries: %+v %v", es, err)
	}
}

func testTourCapacity(t *testing.T, s *store.DB) {
	ann, bo, cy := phoneUser(t, s), phoneUser(t, s), phoneUser(t, s)
	sl := newTourSlot(30)
	mustBookTour(t, s, ann, sl, 6, 10)
	_, err := bookTour(s, bo, sl, 5, 10, tourNow)
	var e *tour.Error
	if !errors.As(err, &e) || e.Code != "full" || e.Field != "people" || e.En != "only 4 places are left in this slot" || !errors.Is(err, tour.ErrConflict) {
		t.Fatalf("one too many: %v", err)
	}
	mustBookTour(t, s, bo, sl, 4, 10)
	if _, err := bookTour(s, cy, sl, 1, 10, tourNow); !refusedWith(err, "full") {
		t.Errorf("a full slot: %v", err)
	}
	// The data's capacity lowered below what is booked: nothing more.
	if _, err := bookTour(s, cy, sl, 1, 8, tourNow); !refusedWith(err, "full") {
		t.Errorf("a lowered capacity: %v", err)
	}
	if _, err := bookTour(s, cy, sl, 1, 11, tourNow); err != nil {
		t.Errorf("a raised capacity: %v", err)
	}
}

// testTourCapacityAtOnce: many people book one slot at once; exactly as
// many as fit get in, and the slot counts them.
func testTourCapacityAtOnce(t *testing.T, s *store.DB) {
	const n, people, capacity = 24, 3, 20
	users := make([]auth.User, n)
	for i := range users {
		users[i] = phoneUser(t, s)
	}
	sl := newTourSlot(50)
	won := race(t, "book", n, tour.ErrConflict, func(i int) error {
		_, err := bookTour(s, users[i], sl, people, capacity, tourNow)
		return err
	})
	if won != capacity/people {
		t.Errorf("%d bookings of %d people in a slot of %d, want %d", won, people, capacity, capacity/people)
	}
	booked, err := s.TourBooked(t.Context(), sl.start, sl.end)
	if err != nil || booked[sl.id] != won*people {
		t.Errorf("TourBooked: %v %v, want %d", booked, err, won*people)
	}
	// Cancels and bookings at once: never over, and the count agrees.
	var mine []tour.Booking
	for _, u := range users {
		bs, _ := s.TourBookings(t.Context(), u.ID, 0, 1)
		mine = append(mine, bs...)
	}
	race(t, "cancel or book", len(mine)+n, tour.ErrConflict, func(i int) error {
		if i < len(mine) {
			_, err := s.CancelTour(context.Background(), mine[i].ID, mine[i].UserID, tourNow, nil)
			return err
		}
		_, err := bookTour(s, users[i-len(mine)], sl, 2, capacity, tourNow)
		return err
	})
	booked, _ = s.TourBooked(t.Context(), sl.start, sl.end)
	total := 0
	for _, u := range users {
		bs, _ := s.TourBookings(t.Context(), u.ID, 0, 10)
		for _, b := range bs {
			if b.Status == tour.Booked {
				total += b.People
			}
		}
	}
	if booked[sl.id] != total || total > capacity {
		t.Errorf("slot counts %d, live bookings hold %d (capacity %d)", booked[sl.id], total, capacity)
	}
}

func testTourBounds(t *testing.T, s *store.DB) {
	ann := phoneUser(t, s)
	sl := newTourSlot(20)
	mustBookTour(t, s, ann, sl, 1, 20)
	if _, err := bookTour(s, ann, sl, 2, 20, tourNow); !refusedWith(err, "already_booked") {
		t.Errorf("the same slot twice: %v", err)
	}
	for i := 1; i < tour.MaxUpcoming; i++ {
		mustBookTour(t, s, ann, newTourSlot(float64(20+i)), 1, 20)
	}
	if _, err := bookTour(s, ann, newTourSlot(40), 1, 20, tourNow); !refusedWith(err, "too_many_upcoming") {
		t.Errorf("one upcoming too many: %v", err)
	}
	// A day later those have started: not upcoming, but still recent.
	later := tourNow.Add(48 * time.Hour)
	made := tour.MaxUpcoming
	for ; made < tour.MaxRecent; made++ {
		sl := newTourSlot(100)
		b, err := bookTour(s, ann, sl, 1, 20, later)
		if err != nil {
			t.Fatalf("booking %d: %v", made+1, err)
		}
		if _, err := s.CancelTour(t.Context(), b.ID, ann.ID, later, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bookTour(s, ann, newTourSlot(100), 1, 20, later); !refusedWith(err, "too_many_recent") {
		t.Errorf("one booking too many in %v: %v", tour.RecentWindow, err)
	}
	if _, err := bookTour(s, ann, newTourSlot(24*40), 1, 20, tourNow.Add(tour.RecentWindow+time.Hour)); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// textBox is a job queue that keeps the text messages it is given.
type textBox struct {
	mu    sync.Mutex
	texts []tour.Text
}

func (o *textBox) EnqueueTx(_ context.Context, _ *sql.Tx, kind string, args any) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if m, ok := args.(tour.Text); ok && kind == tour.KindText {
		o.texts = append(o.texts, m)
	}
	return nil
}

func testTourTexts(t *testing.T, s *store.DB) {
	box := &textBox{}
	s.SetQueue(box)
	ann := phoneUser(t, s)
	sl := newTourSlot(30)
	text := func(b tour.Booking) (tour.Text, bool) {
		return tour.Text{Phone: "+8613900000000", Body: fmt.Sprintf("%s %d %d %s", b.Status, b.ID, b.People, b.Slot)}, true
	}
	b, err := s.BookTour(t.Context(), tour.BookRequest{Capacity: 5, Text: text, Booking: tour.Booking{Slot: sl.id, Tour: sl.tour,
		Start: sl.start, End: sl.end, UserID: ann.ID, People: 2, Lang: "en", Created: tourNow}})
	if err != nil {
		t.Fatal(err)
	}
	// A refused booking sends nothing.
	if _, err := s.BookTour(t.Context(), tour.BookRequest{Capacity: 5, Text: text, Booking: tour.Booking{Slot: sl.id, Tour: sl.tour,
		Start: sl.start, End: sl.end, UserID: ann.ID, People: 2, Lang: "en", Created: tourNow}}); err == nil {
		t.Fatal("booked twice")
	}
	if _, err := s.CancelTour(t.Context(), b.ID, ann.ID, tourNow, text); err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("booked %d 2 %s", b.ID, sl.id), fmt.Sprintf("cancelled %d 2 %s", b.ID, sl.id)}
	if len(box.texts) != 2 || box.texts[0].Body != want[0] || box.texts[1].Body != want[1] || box.texts[0].Phone != "+8613900000000" {
		t.Errorf("texts %+v, want %q", box.texts, want)
	}
}

func testTourPurge(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann := phoneUser(t, s)
	old, recent := newTourSlot(2), newTourSlot(30)
	mustBookTour(t, s, ann, old, 1, 5)
	kept := mustBookTour(t, s, ann, recent, 1, 5)
	n, err := s.PurgeTours(ctx, tourNow.Add(10*time.Hour), 10)
	if err != nil || n != 1 {
		t.Fatalf("PurgeTours: %d %v, want 1", n, err)
	}
	mine, _ := s.TourBookings(ctx, ann.ID, 0, 10)
	if len(mine) != 1 || mine[0].ID != kept.ID {
		t.Errorf("left: %+v", mine)
	}
	if booked, _ := s.TourBooked(ctx, old.start, old.end); booked[old.id] != 0 {
		t.Errorf("the old slot: %v", booked)
	}
	if n, err := s.PurgeTours(ctx, tourNow.Add(10*time.Hour), 10); err != nil || n != 0 {
		t.Errorf("again: %d %v", n, err)
	}
}
