package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// CalendarStore is what the calendar suite needs: feeds, the bookings
// they list, and the accounts.
type CalendarStore interface {
	booking.CalendarStore
	booking.BookingFeed
	booking.Store
	auth.Store
}

// Calendars runs the contract of booking.CalendarStore and
// booking.BookingFeed on stores made by newStore.
func Calendars(t *testing.T, newStore func(t *testing.T) CalendarStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s CalendarStore)
	}{
		{"FeedSecrets", testFeedSecrets},
		{"FeedService", testFeedService},
		{"BookingRevisions", testBookingRevisions},
		{"BookingWindow", testBookingWindow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// feedUser asks whose feed hash is, failing unless it is want's (0:
// nobody's, booking.ErrNotFound).
func feedUser(t *testing.T, s CalendarStore, what, hash string, want int64) {
	t.Helper()
	id, err := s.CalendarFeedUser(t.Context(), hash)
	switch {
	case want == 0 && !errors.Is(err, booking.ErrNotFound):
		t.Errorf("%s: %d, %v; want ErrNotFound", what, id, err)
	case want != 0 && (err != nil || id != want):
		t.Errorf("%s: %d, %v; want %d", what, id, err, want)
	}
}

// testFeedSecrets: made, found by hash, replaced, revoked; one a person;
// a disabled account's feed answers nothing.
func testFeedSecrets(t *testing.T, s CalendarStore) {
	ctx := t.Context()
	ada := mustCreate(t, s, "ada", auth.Staff)
	bo := mustCreate(t, s, "bo", auth.Student)
	first, second, bos := auth.HashToken(unique("first")), auth.HashToken(unique("second")), auth.HashToken(unique("bo"))
	feedUser(t, s, "before any feed", first, 0)
	if err := s.SetCalendarFeed(ctx, ada.ID, first, created); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCalendarFeed(ctx, bo.ID, bos, created); err != nil {
		t.Fatal(err)
	}
	feedUser(t, s, "ada's feed", first, ada.ID)
	feedUser(t, s, "bo's feed", bos, bo.ID)
	// A new secret replaces the old at once.
	if err := s.SetCalendarFeed(ctx, ada.ID, second, created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	feedUser(t, s, "the replaced secret", first, 0)
	feedUser(t, s, "the new secret", second, ada.ID)
	feedUser(t, s, "bo's feed after ada's changed", bos, bo.ID)
	// Revoked, nothing; revoking again is no error.
	if err := s.DeleteCalendarFeed(ctx, ada.ID); err != nil {
		t.Fatal(err)
	}
	feedUser(t, s, "the revoked secret", second, 0)
	if err := s.DeleteCalendarFeed(ctx, ada.ID); err != nil {
		t.Errorf("revoking no feed: %v", err)
	}
	feedUser(t, s, "bo's feed after ada revoked hers", bos, bo.ID)
	// A disabled account's feed is no feed; enabled again, it is.
	if err := s.SetDisabled(ctx, bo.Email, true); err != nil {
		t.Fatal(err)
	}
	feedUser(t, s, "a disabled account's feed", bos, 0)
	if err := s.SetDisabled(ctx, bo.Email, false); err != nil {
		t.Fatal(err)
	}
	feedUser(t, s, "an enabled account's feed", bos, bo.ID)
	if err := s.SetCalendarFeed(ctx, 1<<40, auth.HashToken(unique("nobody")), created); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("a feed for no account: %v, want ErrNotFound", err)
	}
}

// testFeedService: the service's secrets, through the store: each new
// one ends the one before; revoked, none answers; the store never sees
// a secret.
func testFeedService(t *testing.T, s CalendarStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "subscriber", auth.Student)
	cals := &booking.Calendars{Store: s}
	one, err := cals.NewFeed(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := cals.FeedUser(ctx, one); err != nil || id != u.ID {
		t.Fatalf("FeedUser: %d %v", id, err)
	}
	feedUser(t, s, "the secret itself, as a hash", one, 0)
	feedUser(t, s, "the secret's hash", auth.HashToken(one), u.ID)
	two, err := cals.NewFeed(ctx, u.ID)
	if err != nil || two == one {
		t.Fatalf("a second NewFeed: %q %v", two, err)
	}
	if _, err := cals.FeedUser(ctx, one); !errors.Is(err, booking.ErrNoFeed) {
		t.Errorf("the first secret after the second: %v", err)
	}
	if _, err := cals.FeedUser(ctx, "short"); !errors.Is(err, booking.ErrNoFeed) {
		t.Errorf("a malformed secret: %v", err)
	}
	if err := cals.RevokeFeed(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cals.FeedUser(ctx, two); !errors.Is(err, booking.ErrNoFeed) {
		t.Errorf("the secret after revoking: %v", err)
	}
}

// testBookingRevisions: every change of a booking (a move, its end)
// counts and is dated; the list carries both.
func testBookingRevisions(t *testing.T, s CalendarStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "reviser", auth.Staff)
	room := unique("C3-607")
	made := time.Now().Add(-time.Minute).Truncate(time.Microsecond)
	b, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(9), End: bookAt(10), Title: "seminar", Status: booking.Pending, Created: made})
	if err != nil {
		t.Fatal(err)
	}
	one := func(what string) booking.Revised {
		t.Helper()
		rs, err := s.CalendarBookings(ctx, u.ID, bookAt(0), bookAt(24), 10)
		if err != nil || len(rs) != 1 || rs[0].ID != b.ID {
			t.Fatalf("%s: %+v %v", what, rs, err)
		}
		return rs[0]
	}
	r := one("new")
	if r.Revision != 0 || !sameTime(r.Revised, made) || r.Title != "seminar" || r.Status != booking.Pending || !sameTime(r.Start, bookAt(9)) {
		t.Errorf("a new booking: %+v, want revision 0 revised when made", r)
	}
	if _, err := s.MoveBooking(ctx, b.ID, u.ID, bookAt(11), bookAt(12)); err != nil {
		t.Fatal(err)
	}
	moved := one("moved")
	if moved.Revision != 1 || !moved.Revised.After(made) || !sameTime(moved.Start, bookAt(11)) {
		t.Errorf("moved: %+v, want revision 1, revised after %v", moved, made)
	}
	// Moved to where it is: no change, no revision.
	if _, err := s.MoveBooking(ctx, b.ID, u.ID, bookAt(11), bookAt(12)); err != nil {
		t.Fatal(err)
	}
	if r := one("moved nowhere"); r.Revision != 1 || !r.Revised.Equal(moved.Revised) {
		t.Errorf("moved to where it was: %+v, want revision 1 as before", r)
	}
	if _, err := s.EndBooking(ctx, b.ID, u.ID, booking.Cancelled); err != nil {
		t.Fatal(err)
	}
	if r := one("cancelled"); r.Revision != 2 || r.Status != booking.Cancelled || r.Revised.Before(moved.Revised) {
		t.Errorf("cancelled: %+v, want revision 2, status cancelled", r)
	}
}

// testBookingWindow: the bookings overlapping the window, cancelled
// ones too, by start; the latest-starting when limited; nobody else's.
func testBookingWindow(t *testing.T, s CalendarStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "window", auth.Student)
	other := mustCreate(t, s, "elsewhere", auth.Student)
	room := unique("C3-608")
	var ids []int64
	for h := range 6 { // 08-09, 10-11, ... 18-19
		b, err := s.Book(ctx, booking.Booking{Space: room, UserID: u.ID, Start: bookAt(8 + 2*float64(h)), End: bookAt(9 + 2*float64(h)), Status: booking.Confirmed})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	if _, err := s.EndBooking(ctx, ids[2], u.ID, booking.Released); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Book(ctx, booking.Booking{Space: room, UserID: other.ID, Start: bookAt(9), End: bookAt(10), Status: booking.Confirmed}); err != nil {
		t.Fatal(err)
	}
	idsOf := func(rs []booking.Revised) []int64 {
		out := []int64{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	same := func(a, b []int64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	// [08:30, 14:00): 08-09 (overlaps), 10-11, 12-13 (released); 14-15 starts at its end.
	rs, err := s.CalendarBookings(ctx, u.ID, bookAt(8.5), bookAt(14), 10)
	if err != nil || !same(idsOf(rs), ids[:3]) {
		t.Errorf("the window: %v %v, want %v", idsOf(rs), err, ids[:3])
	}
	if len(rs) == 3 && rs[2].Status != booking.Released {
		t.Errorf("the released booking: %+v", rs[2])
	}
	rs, err = s.CalendarBookings(ctx, u.ID, bookAt(0), bookAt(24), 4)
	if err != nil || !same(idsOf(rs), ids[2:]) {
		t.Errorf("limited to 4: %v %v, want the last 4 %v", idsOf(rs), err, ids[2:])
	}
	if rs, err := s.CalendarBookings(ctx, u.ID, bookAt(19), bookAt(24), 4); err != nil || len(rs) != 0 {
		t.Errorf("after them all: %v %v", idsOf(rs), err)
	}
}
