package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// fill gives a person n places, named p0, p1, ...
func fill(t *testing.T, s places.Store, userID int64, n int) []places.Place {
	t.Helper()
	ps := make([]places.Place, n)
	for i := range n {
		ps[i] = mustAdd(t, s, parked(userID, fmt.Sprint("p", i)))
	}
	return ps
}

// testPlacesPaging: offset and limit cut a person's list, by id.
func testPlacesPaging(t *testing.T, s PlacesStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "pager", auth.Staff)
	other := mustCreate(t, s, "interloper", auth.Staff)
	want := fill(t, s, u.ID, 5)
	mustAdd(t, s, parked(other.ID, "not mine"))
	for _, c := range []struct{ offset, limit, from, to int }{
		{0, 2, 0, 2}, {2, 2, 2, 4}, {4, 2, 4, 5}, {5, 2, 5, 5}, {50, 10, 5, 5}, {0, 200, 0, 5}, {1, 1, 1, 2},
	} {
		got, err := s.ListPlaces(ctx, u.ID, c.offset, c.limit)
		if err != nil {
			t.Fatalf("ListPlaces(offset %d, limit %d): %v", c.offset, c.limit, err)
		}
		if len(got) != c.to-c.from {
			t.Errorf("ListPlaces(offset %d, limit %d) gave %d places, want %d", c.offset, c.limit, len(got), c.to-c.from)
			continue
		}
		for i, p := range got {
			if d := samePlace(p, want[c.from+i]); d != "" {
				t.Errorf("ListPlaces(offset %d, limit %d)[%d]: %s", c.offset, c.limit, i, d)
			}
		}
	}
}

// testPlacesCap: a person keeps at most places.MaxPerPerson places; the
// next is ErrFull and stores nothing, until one is deleted.
func testPlacesCap(t *testing.T, s PlacesStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "hoarder", auth.Staff)
	ps := fill(t, s, u.ID, places.MaxPerPerson)
	_, err := s.AddPlace(ctx, parked(u.ID, "one too many"))
	if !errors.Is(err, places.ErrFull) {
		t.Fatalf("AddPlace number %d: %v, want ErrFull", places.MaxPerPerson+1, err)
	}
	if want := fmt.Sprintf("places: at most %d saved places; delete one first", places.MaxPerPerson); err.Error() != want {
		t.Errorf("ErrFull reads %q, want %q", err, want)
	}
	if got, _ := all(t, s, u.ID); len(got) != places.MaxPerPerson {
		t.Errorf("%d places stored, want %d", len(got), places.MaxPerPerson)
	}
	// The cap is per person.
	other := mustCreate(t, s, "modest", auth.Staff)
	mustAdd(t, s, parked(other.ID, "mine"))
	// Deleting one makes room for one.
	if err := s.DeletePlace(ctx, u.ID, ps[7].ID); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, parked(u.ID, "in its place"))
	if _, err := s.AddPlace(ctx, parked(u.ID, "again too many")); !errors.Is(err, places.ErrFull) {
		t.Errorf("AddPlace past the cap after a delete and an add: %v, want ErrFull", err)
	}
	// An account that does not exist is still not found, not full.
	if _, err := s.AddPlace(ctx, parked(u.ID+1_000_000, "orphan")); !errors.Is(err, places.ErrNotFound) {
		t.Errorf("AddPlace for no account: %v, want ErrNotFound", err)
	}
}

// testPlacesCapConcurrent: adds racing at one below the cap make exactly
// one place, round after round.
func testPlacesCapConcurrent(t *testing.T, s PlacesStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "racer", auth.Staff)
	ps := fill(t, s, u.ID, places.MaxPerPerson-1)
	const racers = 8
	for round := range 3 {
		if round > 0 { // back to one below the cap
			if err := s.DeletePlace(ctx, u.ID, ps[round].ID); err != nil {
				t.Fatal(err)
			}
		}
		won := race(t, fmt.Sprintf("round %d: a concurrent AddPlace", round), racers, places.ErrFull, func(i int) error {
			_, err := s.AddPlace(ctx, parked(u.ID, fmt.Sprintf("racer %d.%d", round, i)))
			return err
		})
		got, err := s.ListPlaces(ctx, u.ID, 0, places.MaxPerPerson+racers) // all, were the cap broken
		if err != nil {
			t.Fatal(err)
		}
		if won != 1 || len(got) != places.MaxPerPerson {
			t.Fatalf("round %d: %d concurrent adds at %d places succeeded, %d places stored; want 1 and %d",
				round, won, places.MaxPerPerson-1, len(got), places.MaxPerPerson)
		}
	}
}

// OverTheCap checks an account that kept more than places.MaxPerPerson
// places before the cap existed (an engine's test puts them there under
// an old schema, then migrates): it keeps them, adds none, and may add
// again once under the cap, up to it.
func OverTheCap(t *testing.T, s places.Store, userID int64) {
	t.Helper()
	ctx := t.Context()
	add := func() error {
		_, err := s.AddPlace(ctx, parked(userID, "one more"))
		return err
	}
	if err := add(); !errors.Is(err, places.ErrFull) {
		t.Fatalf("an account over the cap before it existed adds: %v, want ErrFull", err)
	}
	ps, err := s.ListPlaces(ctx, userID, 0, 2)
	if err != nil || len(ps) != 2 {
		t.Fatalf("list: %v %v", ps, err)
	}
	for _, p := range ps {
		if err := s.DeletePlace(ctx, userID, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := add(); err != nil {
		t.Errorf("under the cap again: %v", err)
	}
	if err := add(); !errors.Is(err, places.ErrFull) {
		t.Errorf("at the cap again: %v, want ErrFull", err)
	}
}
