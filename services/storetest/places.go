package storetest

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// PlacesStore is a store of accounts and of their places.
type PlacesStore interface {
	auth.Store
	places.Store
}

// Places runs the contract of places.Store on stores made by newStore, one
// per subtest; accounts are made through the store's auth.Store.
func Places(t *testing.T, newStore func(t *testing.T) PlacesStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s PlacesStore)
	}{
		{"AddAndGet", testAddAndGet},
		{"List", testListPlaces},
		{"Scoped", testScoped},
		{"Delete", testDeletePlace},
		{"Validation", testPlaceValidation},
		{"UnknownUser", testPlaceUnknownUser},
		{"Paging", testPlacesPaging},
		{"Cap", testPlacesCap},
		{"CapConcurrent", testPlacesCapConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// parked is a place on the parking floor.
func parked(userID int64, name string) places.Place {
	return places.Place{UserID: userID, Name: name, Lon: 113.4812345, Lat: 22.8923456, Ordinal: -1, Created: created}
}

// all lists every place of a person, as far as the cap allows.
func all(t *testing.T, s places.Store, userID int64) ([]places.Place, error) {
	return s.ListPlaces(t.Context(), userID, 0, places.MaxPerPerson)
}

// mustAdd stores a place or stops the test.
func mustAdd(t *testing.T, s places.Store, p places.Place) places.Place {
	t.Helper()
	got, err := s.AddPlace(t.Context(), p)
	if err != nil {
		t.Fatalf("AddPlace(%q): %v", p.Name, err)
	}
	return got
}

// samePlace reports how got differs from want ("" when it does not).
func samePlace(got, want places.Place) string {
	switch {
	case got.ID != want.ID:
		return "id differs"
	case got.UserID != want.UserID:
		return "user differs"
	case got.Name != want.Name:
		return "name " + got.Name + ", want " + want.Name
	case got.Lon != want.Lon || got.Lat != want.Lat:
		return "position differs"
	case got.Ordinal != want.Ordinal:
		return "ordinal differs"
	case !sameTime(got.Created, want.Created):
		return "created " + got.Created.String() + ", want " + want.Created.String()
	}
	return ""
}

func testAddAndGet(t *testing.T, s PlacesStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "parker", auth.Staff)
	want := parked(u.ID, "Where I parked, B2 停车场")
	p := mustAdd(t, s, want)
	if p.ID <= 0 {
		t.Fatalf("AddPlace gave id %d, want a positive id", p.ID)
	}
	want.ID = p.ID
	if d := samePlace(p, want); d != "" {
		t.Errorf("AddPlace returned: %s", d)
	}
	got, err := s.GetPlace(ctx, u.ID, p.ID)
	if err != nil {
		t.Fatalf("GetPlace: %v", err)
	}
	if d := samePlace(got, want); d != "" {
		t.Errorf("GetPlace returned: %s", d)
	}
	if _, err := s.GetPlace(ctx, u.ID, p.ID+1_000_000); !errors.Is(err, places.ErrNotFound) {
		t.Errorf("GetPlace of no place: %v, want ErrNotFound", err)
	}

	// A zero creation time is filled in with the present.
	z := parked(u.ID, "now")
	z.Created = time.Time{}
	z = mustAdd(t, s, z)
	if d := time.Since(z.Created); d < -time.Second || d > time.Minute {
		t.Errorf("AddPlace without a time set created %v, want about now", z.Created)
	}
}

func testListPlaces(t *testing.T, s PlacesStore) {
	u := mustCreate(t, s, "lister", auth.Student)
	none, err := all(t, s, u.ID)
	if err != nil || len(none) != 0 {
		t.Fatalf("ListPlaces of someone with no places: %v, %v; want none", none, err)
	}
	var want []places.Place
	for _, name := range []string{"library", "canteen", "apartment"} {
		want = append(want, mustAdd(t, s, parked(u.ID, name)))
	}
	other := mustCreate(t, s, "other", auth.Student)
	mustAdd(t, s, parked(other.ID, "not mine"))
	got, err := all(t, s, u.ID)
	if err != nil {
		t.Fatalf("ListPlaces: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListPlaces gave %d places, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if d := samePlace(got[i], want[i]); d != "" {
			t.Errorf("ListPlaces[%d] (by id): %s", i, d)
		}
	}
}

func testScoped(t *testing.T, s PlacesStore) {
	ctx := t.Context()
	a := mustCreate(t, s, "owner", auth.Family)
	b := mustCreate(t, s, "stranger", auth.Family)
	p := mustAdd(t, s, parked(a.ID, "home"))
	if _, err := s.GetPlace(ctx, b.ID, p.ID); !errors.Is(err, places.ErrNotFound) {
		t.Errorf("GetPlace of another's place: %v, want ErrNotFound", err)
	}
	if err := s.DeletePlace(ctx, b.ID, p.ID); !errors.Is(err, places.ErrNotFound) {
		t.Errorf("DeletePlace of another's place: %v, want ErrNotFound", err)
	}
	if _, err := s.GetPlace(ctx, a.ID, p.ID); err != nil {
		t.Errorf("the place is gone after another person deleted it: %v", err)
	}
	if ps, err := all(t, s, b.ID); err != nil || len(ps) != 0 {
		t.Errorf("ListPlaces of another person: %+v, %v; want none", ps, err)
	}
}

func testDeletePlace(t *testing.T, s PlacesStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "deleter", auth.Staff)
	p := mustAdd(t, s, parked(u.ID, "gone soon"))
	keep := mustAdd(t, s, parked(u.ID, "stays"))
	if err := s.DeletePlace(ctx, u.ID, p.ID); err != nil {
		t.Fatalf("DeletePlace: %v", err)
	}
	if _, err := s.GetPlace(ctx, u.ID, p.ID); !errors.Is(err, places.ErrNotFound) {
		t.Errorf("GetPlace after DeletePlace: %v, want ErrNotFound", err)
	}
	if err := s.DeletePlace(ctx, u.ID, p.ID); !errors.Is(err, places.ErrNotFound) {
		t.Errorf("DeletePlace twice: %v, want ErrNotFound", err)
	}
	if _, err := s.GetPlace(ctx, u.ID, keep.ID); err != nil {
		t.Errorf("DeletePlace took another place: %v", err)
	}
	// Ids are not handed out again.
	next := mustAdd(t, s, parked(u.ID, "after"))
	if next.ID <= keep.ID {
		t.Errorf("a new place got id %d, not above %d: ids are reused", next.ID, keep.ID)
	}
}

func testPlaceValidation(t *testing.T, s PlacesStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "validator", auth.Staff)
	cases := []struct {
		name  string
		edit  func(p *places.Place)
		field string // "" when valid
	}{
		{"100 characters", func(p *places.Place) { p.Name = strings.Repeat("库", 100) }, ""},
		{"corner", func(p *places.Place) { p.Lon, p.Lat = 180, -90 }, ""},
		{"empty name", func(p *places.Place) { p.Name = "" }, "name"},
		{"blank name", func(p *places.Place) { p.Name = "   " }, "name"},
		{"101 characters", func(p *places.Place) { p.Name = strings.Repeat("x", 101) }, "name"},
		{"lon", func(p *places.Place) { p.Lon = -180.5 }, "lon"},
		{"lon NaN", func(p *places.Place) { p.Lon = math.NaN() }, "lon"},
		{"lat", func(p *places.Place) { p.Lat = 91 }, "lat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parked(u.ID, "ok")
			c.edit(&p)
			got, err := s.AddPlace(ctx, p)
			if c.field == "" {
				if err != nil {
					t.Fatalf("AddPlace: %v", err)
				}
				if got.Name != p.Name || got.Lon != p.Lon || got.Lat != p.Lat {
					t.Errorf("AddPlace stored %+v, want %+v", got, p)
				}
				return
			}
			var fe *places.FieldError
			if !errors.Is(err, places.ErrInvalid) || !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("AddPlace = %v, want ErrInvalid naming %s", err, c.field)
			}
		})
	}
	ps, err := all(t, s, u.ID)
	if err != nil || len(ps) != 2 {
		t.Errorf("after the validation cases, %d places are stored (%v), want the 2 valid ones", len(ps), err)
	}
}

func testPlaceUnknownUser(t *testing.T, s PlacesStore) {
	u := mustCreate(t, s, "someone", auth.Staff)
	if _, err := s.AddPlace(t.Context(), parked(u.ID+1_000_000, "orphan")); !errors.Is(err, places.ErrNotFound) {
		t.Errorf("AddPlace for no account: %v, want ErrNotFound", err)
	}
}
