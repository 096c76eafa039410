package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// cheapParams keep password hashing fast in the suite.
var cheapParams = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// Text sends text that no store may keep (a NUL character, invalid UTF-8)
// through the services over a store made by newStore, into every string
// a person gives (emails, passwords, names, phones), and checks that each
// is refused with the same field error, word for word, whatever the store
// (PostgreSQL would fail on it, SQLite would keep it), and that nothing is
// stored.
func Text(t *testing.T, newStore func(t *testing.T) PlacesStore) {
	s := newStore(t)
	ctx := t.Context()
	svc := auth.New(s, auth.Options{Params: cheapParams})
	staff := mustCreate(t, s, "text-staff", auth.Staff)
	const (
		nul  = "contains a NUL character (U+0000)"
		utf8 = "not valid UTF-8"
	)
	authCases := []struct {
		name, field, reason string
		call                func() error
	}{
		{"AddUser email NUL", "email", nul, func() error {
			_, err := svc.AddUser(ctx, "a\x00b@campus.example.edu", "correct horse", auth.Staff)
			return err
		}},
		{"AddUser email not UTF-8", "email", utf8, func() error {
			_, err := svc.AddUser(ctx, "\xffa@campus.example.edu", "correct horse", auth.Staff)
			return err
		}},
		{"AddUser password NUL", "password", nul, func() error {
			_, err := svc.AddUser(ctx, email("nulpass"), "correct\x00horse", auth.Staff)
			return err
		}},
		{"Login email NUL", "email", nul, func() error {
			_, err := svc.Login(ctx, "a\x00b@x", "correct horse", "192.0.2.1")
			return err
		}},
		{"Login email not UTF-8", "email", utf8, func() error {
			_, err := svc.Login(ctx, "a\xc3@x", "correct horse", "192.0.2.1")
			return err
		}},
		{"Disable email NUL", "email", nul, func() error { return svc.Disable(ctx, staff.Email+"\x00") }},
		{"ApplyFamily name NUL", "name", nul, func() error {
			_, err := svc.ApplyFamily(ctx, staff, phone(), "Mei\x00")
			return err
		}},
		{"ApplyFamily name not UTF-8", "name", utf8, func() error {
			_, err := svc.ApplyFamily(ctx, staff, phone(), "Mei \xe6\xa2")
			return err
		}},
	}
	for _, c := range authCases {
		err := c.call()
		var fe *auth.FieldError
		want := "auth: invalid " + c.field + ": " + c.reason
		if !errors.Is(err, auth.ErrInvalid) || !errors.As(err, &fe) || fe.Field != c.field || err.Error() != want {
			t.Errorf("%s: %v, want %q", c.name, err, want)
		}
		if fe != nil && (fe.DetailIn("zh") == "" || fe.DetailIn("zh") == fe.Reason) {
			t.Errorf("%s: no Chinese reason: %q", c.name, fe.DetailIn("zh"))
		}
	}
	for _, c := range []struct{ name, place, reason string }{
		{"AddPlace name NUL", "car\x00", nul},
		{"AddPlace name not UTF-8", "car \xff", utf8},
	} {
		_, err := s.AddPlace(ctx, parked(staff.ID, c.place))
		var fe *places.FieldError
		want := "places: invalid name: " + c.reason
		if !errors.Is(err, places.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "name" || err.Error() != want {
			t.Errorf("%s: %v, want %q", c.name, err, want)
		}
	}

	// Nothing of it was stored.
	us, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if strings.ContainsRune(u.Email, 0) || strings.ContainsRune(u.Email, 0xfffd) || strings.HasPrefix(u.Email, "nulpass") {
			t.Errorf("stored account %q", u.Email)
		}
	}
	if ps, err := all(t, s, staff.ID); err != nil || len(ps) != 0 {
		t.Errorf("places stored: %+v %v", ps, err)
	}
	if as, err := s.FamilyApplications(ctx, staff.ID); err != nil || len(as) != 0 {
		t.Errorf("applications stored: %+v %v", as, err)
	}
	if got, _, err := s.UserByEmail(ctx, staff.Email); err != nil || got.Disabled {
		t.Errorf("the staff account after a refused Disable: %+v %v", got, err)
	}
}
