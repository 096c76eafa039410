package storetest

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// BookingStore is what the booking suite needs: bookings, and the
// accounts that book.
type BookingStore interface {
	booking.Store
	auth.Store
}

// Bookings runs the contract of booking.Store on stores made by newStore.
func Bookings(t *testing.T, newStore func(t *testing.T) BookingStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s BookingStore)
	}{
		{"BookMoveEnd", testBookMoveEnd},
		{"HundredAtOnce", testHundredAtOnce},
		{"RandomTraffic", testBookingTraffic},
		{"Model", testBookingModel},
		{"CheckInRelease", testCheckInRelease},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// bookAt is 2026-12-01 at hour h (fractions allowed), UTC.
func bookAt(h float64) time.Time {
	return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(h * float64(time.Hour)))
}

func testBookMoveEnd(t *testing.T, s BookingStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "booker", auth.Staff)
	other := mustCreate(t, s, "other", auth.Student)
	room := unique("C3-607")
	b, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(9), End: bookAt(10), Title: "seminar", Status: booking.Confirmed})
	if err != nil || b.ID == 0 {
		t.Fatalf("Book: %+v %v", b, err)
	}
	// Back to back: no overlap.
	if _, err := s.Book(ctx, booking.Booking{Space: room, UserID: other.ID, Start: bookAt(10), End: bookAt(11), Status: booking.Pending}); err != nil {
		t.Fatalf("back to back: %v", err)
	}
	_, err = s.Book(ctx, booking.Booking{Space: room, UserID: other.ID, Start: bookAt(9.5), End: bookAt(10.5), Status: booking.Confirmed})
	var c *booking.ConflictError
	if !errors.As(err, &c) || !sameTime(c.Start, bookAt(9)) || !sameTime(c.End, bookAt(10)) {
		t.Fatalf("an overlap: %v, want a conflict naming 09:00-10:00", err)
	}
	if _, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(12), End: bookAt(12), Status: booking.Confirmed}); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("an empty interval: %v", err)
	}
	// Moving onto the other booking conflicts; off it, it moves.
	if _, err := s.MoveBooking(ctx, b.ID, u.ID, bookAt(9), bookAt(10.25)); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("moving into the next booking: %v", err)
	}
	if _, err := s.MoveBooking(ctx, b.ID, other.ID, bookAt(7), bookAt(8)); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("moving another's booking: %v", err)
	}
	moved, err := s.MoveBooking(ctx, b.ID, u.ID, bookAt(8), bookAt(9.75))
	if err != nil || !sameTime(moved.Start, bookAt(8)) {
		t.Fatalf("moving: %+v %v", moved, err)
	}
	// Cancelled, the interval is free.
	if _, err := s.EndBooking(ctx, b.ID, other.ID, booking.Cancelled); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("cancelling another's booking: %v", err)
	}
	if e, err := s.EndBooking(ctx, b.ID, u.ID, booking.Cancelled); err != nil || e.Status != booking.Cancelled {
		t.Fatalf("cancelling: %+v %v", e, err)
	}
	if _, err := s.EndBooking(ctx, b.ID, 0, booking.Released); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("ending a cancelled booking: %v", err)
	}
	if _, err := s.Book(ctx, booking.Booking{Space: room, UserID: other.ID, Start: bookAt(8), End: bookAt(10), Status: booking.Confirmed}); err != nil {
		t.Errorf("the freed interval: %v", err)
	}
	live, err := s.SpaceBookings(ctx, room, bookAt(0), bookAt(24))
	if err != nil || len(live) != 2 || !sameTime(live[0].Start, bookAt(8)) {
		t.Errorf("the room's day: %+v %v", live, err)
	}
	mine, err := s.UserBookings(ctx, u.ID, 0, 10)
	if err != nil || len(mine) != 1 || mine[0].Status != booking.Cancelled {
		t.Errorf("the booker's bookings: %+v %v", mine, err)
	}
}

// testHundredAtOnce: 100 requests at once for overlapping windows of one
// room: exactly one is booked.
func testHundredAtOnce(t *testing.T, s BookingStore) {
	room := unique("C3-608")
	users := make([]int64, 10)
	for i := range users {
		users[i] = mustCreate(t, s, "rush", auth.Student).ID
	}
	won := race(t, "booking one room", 100, booking.ErrConflict, func(i int) error {
		start := bookAt(14 + float64(i%7)*0.1)
		_, err := s.Book(t.Context(), booking.Booking{Space: room, UserID: users[i%len(users)], Start: start, End: start.Add(time.Hour), Status: booking.Confirmed})
		return err
	})
	if won != 1 {
		t.Errorf("%d of 100 overlapping requests booked the room, want 1", won)
	}
}

// testBookingTraffic: random books, moves and cancels from 8 goroutines on
// 3 rooms; the live bookings of a room never overlap.
func testBookingTraffic(t *testing.T, s BookingStore) {
	ctx := t.Context()
	rooms := []string{unique("r1"), unique("r2"), unique("r3")}
	u := mustCreate(t, s, "traffic", auth.Staff)
	var mu sync.Mutex
	var ids []int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 60 {
				start := bookAt(float64(rng.IntN(40)) * 0.25)
				end := start.Add(time.Duration(1+rng.IntN(8)) * 15 * time.Minute)
				switch rng.IntN(3) {
				case 0, 1:
					b, err := s.Book(ctx, booking.Booking{Space: rooms[rng.IntN(3)], UserID: u.ID, Start: start, End: end, Status: booking.Confirmed})
					if err == nil {
						mu.Lock()
						ids = append(ids, b.ID)
						mu.Unlock()
					} else if !errors.Is(err, booking.ErrConflict) {
						t.Errorf("Book: %v", err)
					}
				case 2:
					mu.Lock()
					if len(ids) == 0 {
						mu.Unlock()
						continue
					}
					id := ids[rng.IntN(len(ids))]
					mu.Unlock()
					var err error
					if rng.IntN(2) == 0 {
						_, err = s.MoveBooking(ctx, id, u.ID, start, end)
					} else {
						_, err = s.EndBooking(ctx, id, u.ID, booking.Cancelled)
					}
					if err != nil && !errors.Is(err, booking.ErrConflict) && !errors.Is(err, booking.ErrNotFound) {
						t.Errorf("changing booking %d: %v", id, err)
					}
				}
			}
		})
	}
	wg.Wait()
	for _, r := range rooms {
		live, err := s.SpaceBookings(ctx, r, bookAt(-1), bookAt(48))
		if err != nil {
			t.Fatal(err)
		}
		for i := range live {
			for j := i + 1; j < len(live); j++ {
				if booking.Overlaps(live[i].Start, live[i].End, live[j].Start, live[j].End) {
					t.Errorf("room %s: bookings %d and %d overlap", r, live[i].ID, live[j].ID)
				}
			}
		}
	}
}

// testBookingModel: random sequences of books, moves and cancels on two
// rooms, each answer checked against a model of the live bookings (an
// overlap is refused exactly when the model has one in the way), and the
// store's live bookings equal to the model's after each step.
func testBookingModel(t *testing.T, s BookingStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "model", auth.Staff)
	rapid.Check(t, func(rt *rapid.T) {
		rooms := []string{unique("m1"), unique("m2")}
		live := map[int64]booking.Booking{}
		var ids []int64
		inTheWay := func(space string, id int64, start, end time.Time) bool {
			for _, b := range live {
				if b.Space == space && b.ID != id && booking.Overlaps(b.Start, b.End, start, end) {
					return true
				}
			}
			return false
		}
		for step := range rapid.IntRange(1, 30).Draw(rt, "steps") {
			start := bookAt(float64(rapid.IntRange(0, 23).Draw(rt, "start")) * 0.5)
			end := start.Add(time.Duration(rapid.IntRange(1, 6).Draw(rt, "quarters")) * 15 * time.Minute)
			switch op := rapid.IntRange(0, 2).Draw(rt, "op"); {
			case op == 0 || len(ids) == 0:
				room := rooms[rapid.IntRange(0, 1).Draw(rt, "room")]
				want := inTheWay(room, 0, start, end)
				b, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: start, End: end, Status: booking.Confirmed})
				if want != errors.Is(err, booking.ErrConflict) || (!want && err != nil) {
					rt.Fatalf("step %d: booking %s %v-%v: %v (the model has one in the way: %v)", step, room, start, end, err, want)
				}
				if err == nil {
					live[b.ID], ids = b, append(ids, b.ID)
				}
			case op == 1:
				id := ids[rapid.IntRange(0, len(ids)-1).Draw(rt, "which")]
				b, isLive := live[id]
				moved, err := s.MoveBooking(ctx, id, u.ID, start, end)
				switch {
				case !isLive:
					if !errors.Is(err, booking.ErrNotFound) {
						rt.Fatalf("step %d: moving ended booking %d: %v", step, id, err)
					}
				case inTheWay(b.Space, id, start, end):
					if !errors.Is(err, booking.ErrConflict) {
						rt.Fatalf("step %d: moving %d into another: %v", step, id, err)
					}
				case err != nil:
					rt.Fatalf("step %d: moving %d: %v", step, id, err)
				default:
					live[id] = moved
				}
			default:
				id := ids[rapid.IntRange(0, len(ids)-1).Draw(rt, "which")]
				_, isLive := live[id]
				_, err := s.EndBooking(ctx, id, u.ID, booking.Cancelled)
				if isLive != (err == nil) {
					rt.Fatalf("step %d: cancelling %d (live %v): %v", step, id, isLive, err)
				}
				delete(live, id)
			}
			for _, room := range rooms {
				got, err := s.SpaceBookings(ctx, room, bookAt(-1), bookAt(48))
				if err != nil {
					rt.Fatal(err)
				}
				n := 0
				for _, b := range live {
					if b.Space == room {
						n++
					}
				}
				if len(got) != n {
					rt.Fatalf("step %d: room %s holds %d live bookings, the model %d", step, room, len(got), n)
				}
				for _, g := range got {
					if m, ok := live[g.ID]; !ok || !sameTime(m.Start, g.Start) || !sameTime(m.End, g.End) {
						rt.Fatalf("step %d: booking %d is %v-%v, the model %+v", step, g.ID, g.Start, g.End, m)
					}
				}
			}
		}
	})
}

// testCheckInRelease: check-in, the release of no-shows (each once, even
// when two releasers race), no-shows read back, approval of pending
// bookings, and the day's bookings of every space.
func testCheckInRelease(t *testing.T, s BookingStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "holder", auth.Student)
	room := unique("C1-122")
	due := func(h float64) *time.Time { d := bookAt(h).Add(booking.CheckinAfter); return &d }
	var ids []int64
	for i := range 4 {
		b, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(float64(9 + i)), End: bookAt(float64(10 + i)), Status: booking.Confirmed, CheckinBy: due(float64(9 + i))})
		if err != nil || b.CheckinBy == nil || !sameTime(*b.CheckinBy, *due(float64(9 + i))) {
			t.Fatalf("book: %+v %v", b, err)
		}
		ids = append(ids, b.ID)
	}
	// One without check-in, one pending: never released.
	free, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(14), End: bookAt(15), Status: booking.Confirmed})
	if err != nil {
		t.Fatal(err)
	}
	pend, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(15), End: bookAt(16), Status: booking.Pending, CheckinBy: due(15)})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.LiveCount(ctx, u.ID, bookAt(0)); err != nil || n != 6 {
		t.Errorf("LiveCount: %d %v, want 6", n, err)
	}
	if n, err := s.LiveCount(ctx, u.ID, bookAt(12)); err != nil || n != 3 {
		t.Errorf("LiveCount after noon: %d %v, want 3 (12-13, 14-15, 15-16)", n, err)
	}
	b, err := s.CheckIn(ctx, ids[0], u.ID, bookAt(8.9), booking.ScanAgreed)
	if err != nil || b.CheckedIn == nil || b.Scan != booking.ScanAgreed {
		t.Fatalf("CheckIn: %+v %v", b, err)
	}
	if _, err := s.CheckIn(ctx, ids[0], u.ID, bookAt(9), ""); !errors.Is(err, booking.ErrConflict) {
		t.Errorf("second check-in: %v", err)
	}
	if _, err := s.CheckIn(ctx, ids[1], u.ID+1000, bookAt(9), ""); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("another's check-in: %v", err)
	}
	if got, err := s.GetBooking(ctx, ids[0]); err != nil || got.CheckedIn == nil || got.Scan != booking.ScanAgreed {
		t.Errorf("GetBooking after check-in: %+v %v", got, err)
	}
	// At 11:15 the bookings of 10:00 and 11:00 are due; two releasers at
	// once release each once.
	var wg sync.WaitGroup
	released := make([][]booking.Booking, 2)
	for i := range released {
		wg.Go(func() {
			var err error
			if released[i], err = s.ReleaseNoShows(ctx, bookAt(11.25), 100); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := map[int64]int{}
	for _, r := range released {
		for _, b := range r {
			got[b.ID]++
			if b.Status != booking.Released {
				t.Errorf("released as %s", b.Status)
			}
		}
	}
	if len(got) != 2 || got[ids[1]] != 1 || got[ids[2]] != 1 {
		t.Errorf("released %v, want %d and %d once each", got, ids[1], ids[2])
	}
	ns, err := s.NoShows(ctx, u.ID, bookAt(0))
	if err != nil || len(ns) != 2 || ns[0].Booking.ID != ids[1] || !sameTime(ns[0].At, bookAt(11.25)) || ns[0].Booking.Status != booking.Released {
		t.Errorf("NoShows: %+v %v", ns, err)
	}
	if rest, err := s.ReleaseNoShows(ctx, bookAt(23), 100); err != nil || len(rest) != 1 || rest[0].ID != ids[3] {
		t.Errorf("the rest: %+v %v (the unchecked, the pending and the checked-in stay)", rest, err)
	}
	// The freed interval may be booked again.
	if _, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(10), End: bookAt(11), Status: booking.Confirmed}); err != nil {
		t.Errorf("a released interval: %v", err)
	}
	if d, err := s.DecideBooking(ctx, pend.ID, true); err != nil || d.Status != booking.Confirmed {
		t.Errorf("approve: %+v %v", d, err)
	}
	if _, err := s.DecideBooking(ctx, pend.ID, false); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("deciding a confirmed booking: %v", err)
	}
	all, err := s.BookingsBetween(ctx, bookAt(0), bookAt(24))
	if err != nil {
		t.Fatal(err)
	}
	var mine []int64
	for _, b := range all {
		if b.Space == room {
			mine = append(mine, b.ID)
		}
	}
	if len(mine) != 4 { // 09:00 checked in, 10:00 again, 14:00, 15:00
		t.Errorf("BookingsBetween: %v, want 4 live bookings of the room", mine)
	}
	_ = free
	if _, err := s.GetBooking(ctx, 1<<40); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("GetBooking of nothing: %v", err)
	}
}
