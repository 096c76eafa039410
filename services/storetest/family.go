package storetest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// phone returns a fresh mainland mobile number, E.164.
func phone() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	return fmt.Sprintf("+86139%08d", n.Int64())
}

func mustApply(t *testing.T, s auth.Store, sponsor auth.User, ph string) auth.FamilyApplication {
	t.Helper()
	a, err := s.CreateFamilyApplication(t.Context(), auth.FamilyApplication{SponsorID: sponsor.ID, Phone: ph, Name: "Mei 梅", Created: created})
	if err != nil {
		t.Fatalf("CreateFamilyApplication: %v", err)
	}
	return a
}

func testFamilyApply(t *testing.T, s auth.Store) {
	ctx := t.Context()
	staff := mustCreate(t, s, "sam", auth.Staff)
	other := mustCreate(t, s, "sue", auth.Staff)
	ph := phone()
	a := mustApply(t, s, staff, ph)
	b := mustApply(t, s, other, phone())
	if a.ID == 0 || a.Status != auth.Pending || a.Decided != nil || a.UserID != 0 || a.Phone != ph || a.Name != "Mei 梅" || !sameTime(a.Created, created) {
		t.Errorf("application as stored: %+v", a)
	}
	mine, err := s.FamilyApplications(ctx, staff.ID)
	if err != nil || len(mine) != 1 || mine[0].ID != a.ID || !sameTime(mine[0].Created, created) || mine[0].Status != auth.Pending {
		t.Errorf("FamilyApplications(sponsor): %+v %v", mine, err)
	}
	all, err := s.FamilyApplications(ctx, 0)
	seen := map[int64]bool{}
	for _, x := range all {
		seen[x.ID] = true
	}
	if err != nil || !seen[a.ID] || !seen[b.ID] {
		t.Errorf("FamilyApplications(all) misses ours: %+v %v", all, err)
	}
	if _, err := s.CreateFamilyApplication(ctx, auth.FamilyApplication{SponsorID: 1 << 40, Phone: phone(), Name: "x", Created: created}); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("an application of no account: %v, want ErrNotFound", err)
	}
}

func testFamilyDecide(t *testing.T, s auth.Store) {
	ctx := t.Context()
	staff := mustCreate(t, s, "sam", auth.Staff)
	ph := phone()
	a := mustApply(t, s, staff, ph)
	now := time.Now()
	got, err := s.DecideFamilyApplication(ctx, a.ID, true, 0, now)
	if err != nil || got.Status != auth.Approved || got.Decided == nil || !sameTime(*got.Decided, now) || got.UserID == 0 {
		t.Fatalf("approve: %+v %v", got, err)
	}
	u, _, err := s.UserByEmail(ctx, "tel:"+ph)
	if err != nil || u.ID != got.UserID || u.Role != auth.Family || u.SponsorID != staff.ID || u.Disabled {
		t.Errorf("the family account: %+v %v", u, err)
	}
	if _, err := s.DecideFamilyApplication(ctx, a.ID, false, 0, now); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("deciding twice: %v, want ErrConflict", err)
	}
	if _, err := s.DecideFamilyApplication(ctx, 1<<40, true, 0, now); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("deciding no application: %v, want ErrNotFound", err)
	}
	// Rejecting makes no account.
	ph2 := phone()
	r, err := s.DecideFamilyApplication(ctx, mustApply(t, s, staff, ph2).ID, false, 0, now)
	if err != nil || r.Status != auth.Rejected || r.UserID != 0 {
		t.Errorf("reject: %+v %v", r, err)
	}
	if _, _, err := s.UserByEmail(ctx, "tel:"+ph2); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("a rejected application made an account: %v", err)
	}
	// A visitor's phone account becomes the family account, same id.
	ph3 := phone()
	v, err := s.CreateUser(ctx, auth.User{Email: "tel:" + ph3, Role: auth.Visitor, Created: created}, "")
	if err != nil {
		t.Fatal(err)
	}
	up, err := s.DecideFamilyApplication(ctx, mustApply(t, s, staff, ph3).ID, true, 0, now)
	if err != nil || up.UserID != v.ID {
		t.Fatalf("approve over a visitor account: %+v %v (visitor %d)", up, err, v.ID)
	}
	if u, _, _ := s.UserByEmail(ctx, "tel:"+ph3); u.Role != auth.Family || u.SponsorID != staff.ID {
		t.Errorf("the visitor account after approval: %+v", u)
	}
}

func testFamilyEndsWithSponsor(t *testing.T, s auth.Store) {
	ctx := t.Context()
	staff := mustCreate(t, s, "sam", auth.Staff)
	ph := phone()
	a, err := s.DecideFamilyApplication(ctx, mustApply(t, s, staff, ph).ID, true, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h := tokenHash()
	if err := s.CreateSession(ctx, h, a.UserID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDisabled(ctx, staff.Email, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, h, now); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("the family's session outlived the sponsor's account: %v", err)
	}
	u, _, err := s.UserByEmail(ctx, "tel:"+ph)
	if err != nil || !u.Disabled {
		t.Errorf("the family account of a disabled sponsor: %+v %v, want disabled", u, err)
	}
	h2 := tokenHash()
	if err := s.CreateSession(ctx, h2, a.UserID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, _, err := s.SessionUser(ctx, h2, now); err != nil || !u.Disabled {
		t.Errorf("a new session of the family of a disabled sponsor: %+v %v, want disabled", u, err)
	}
	if err := s.SetDisabled(ctx, staff.Email, false); err != nil {
		t.Fatal(err)
	}
	if u, _, _ := s.UserByEmail(ctx, "tel:"+ph); u.Disabled {
		t.Errorf("the family account stays disabled after the sponsor is enabled")
	}
}
