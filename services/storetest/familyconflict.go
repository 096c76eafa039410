package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// applyErr makes an application and returns only its error.
func applyErr(t *testing.T, s auth.Store, sponsor auth.User, ph string) error {
	_, err := s.CreateFamilyApplication(t.Context(), auth.FamilyApplication{SponsorID: sponsor.ID, Phone: ph, Name: "Mei 梅", Created: created})
	return err
}

// testFamilyPendingConflict: a phone with an application pending takes no
// other, from anyone, until that one is decided.
func testFamilyPendingConflict(t *testing.T, s auth.Store) {
	ctx := t.Context()
	a := mustCreate(t, s, "first", auth.Staff)
	b := mustCreate(t, s, "second", auth.Staff)
	ph := phone()
	first := mustApply(t, s, a, ph)
	for _, who := range []auth.User{b, a} {
		err := applyErr(t, s, who, ph)
		if !errors.Is(err, auth.ErrFamilyPending) || !errors.Is(err, auth.ErrConflict) {
			t.Errorf("an application by %s for a phone with one pending: %v, want ErrFamilyPending (ErrConflict)", who.Email, err)
		}
	}
	if mine, _ := s.FamilyApplications(ctx, b.ID); len(mine) != 0 {
		t.Errorf("the refused application was stored: %+v", mine)
	}
	// Other phones are free.
	mustApply(t, s, b, phone())
	// Once the pending one is rejected, the phone may be applied for again.
	if _, err := s.DecideFamilyApplication(ctx, first.ID, false, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, b, ph)
}

// testFamilyPendingConcurrent: applications for one phone made at once:
// one is stored, the others are ErrFamilyPending.
func testFamilyPendingConcurrent(t *testing.T, s auth.Store) {
	const n = 8
	ph := phone()
	sponsors := make([]auth.User, n)
	for i := range sponsors {
		sponsors[i] = mustCreate(t, s, "racing", auth.Staff)
	}
	won := race(t, "a concurrent application", n, auth.ErrFamilyPending, func(i int) error {
		return applyErr(t, s, sponsors[i], ph)
	})
	pending := 0
	all, err := s.FamilyApplications(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Phone == ph && a.Status == auth.Pending {
			pending++
		}
	}
	if won != 1 || pending != 1 {
		t.Errorf("%d concurrent applications for one phone stored, %d pending; want 1 and 1", won, pending)
	}
}

// testFamilyAccountConflict: a phone that is a staff member's family
// account takes no application, from another staff member or the same;
// a visitor's phone account does.
func testFamilyAccountConflict(t *testing.T, s auth.Store) {
	ctx := t.Context()
	a := mustCreate(t, s, "sponsor", auth.Staff)
	b := mustCreate(t, s, "latecomer", auth.Staff)
	ph := phone()
	if _, err := s.DecideFamilyApplication(ctx, mustApply(t, s, a, ph).ID, true, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, who := range []auth.User{b, a} {
		err := applyErr(t, s, who, ph)
		if !errors.Is(err, auth.ErrFamilyAccount) || !errors.Is(err, auth.ErrConflict) {
			t.Errorf("an application by %s for a family account's phone: %v, want ErrFamilyAccount (ErrConflict)", who.Email, err)
		}
	}
	if mine, _ := s.FamilyApplications(ctx, b.ID); len(mine) != 0 {
		t.Errorf("the refused application was stored: %+v", mine)
	}
	if u, _, _ := s.UserByEmail(ctx, "tel:"+ph); u.SponsorID != a.ID {
		t.Errorf("the family account changed sponsor: %+v", u)
	}
	// A visitor's phone account may become a family account.
	v := phone()
	if _, err := s.CreateUser(ctx, auth.User{Email: "tel:" + v, Role: auth.Visitor, Created: created}, ""); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, b, v)
}
