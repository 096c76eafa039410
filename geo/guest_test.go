package geo

import (
	"slices"
	"testing"
)

// TestGuestRolesFollowTheLaw: a visitor with a visit to a building sees
// what a visitor sees, and inside that building what the law gives its
// most trusted role, less what IMDF restriction hides from the public;
// nothing inside any other building visitors may not enter; and no
// building nobody enters (the dormitories) or everyone enters (C3-C6)
// has a guest role.
func TestGuestRolesFollowTheLaw(t *testing.T) {
	v := loadCampus(t)
	want := []string{"C1", "C2", "C7", "CP", "E", "SH", "W"}
	var got []string
	for _, b := range v.Buildings {
		if _, ok := v.GuestRole(b.Ref); ok {
			got = append(got, b.Ref)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("guest roles for %v, want %v", got, want)
	}
	if len(v.AllRoles()) != len(Roles)+len(want) {
		t.Errorf("AllRoles: %v", v.AllRoles())
	}
	for _, ref := range want {
		g, _ := v.GuestRole(ref)
		host := v.GuestOf(g)
		if host == nil || host.Ref != ref || !g.Guest() || !v.Policy.IsPublic(g) {
			t.Fatalf("guest role %v of %s: building %v", g, ref, host)
		}
		if byID, ok := v.GuestRole(host.ID); !ok || byID != g {
			t.Errorf("GuestRole(%q) = %v, want %v", host.ID, byID, g)
		}
		access := func(l *Level) Access {
			if l.Building() == host {
				return law(ref, Staff)
			}
			return law(l.Building().Ref, Visitor)
		}
		w := v.View(g)
		if w.Role() != g {
			t.Fatalf("View(%v) is a view of %v", g, w.Role())
		}
		inside := 0
		for _, f := range v.byID {
			exp := expectUnder(f, access, true)
			if seen := w.Sees(f); seen != exp {
				t.Fatalf("guest of %s sees %T %s: %v, want %v", ref, f, f.Common().ID, seen, exp)
			}
			if u, ok := f.(*Unit); ok && exp && u.Level.Building() == host {
				inside++
			}
		}
		if inside == 0 {
			t.Errorf("the guest of %s sees no room inside it", ref)
		}
		if host.Access(g) != law(ref, Staff) || host.Access(Visitor) != law(ref, Visitor) {
			t.Errorf("%s: access %v for its guest, %v for visitors", ref, host.Access(g), host.Access(Visitor))
		}
	}
	// A role past the venue's is a tourist.
	if w := v.View(Role(int(numRoles) + len(want))); w.Role() != Tourist {
		t.Errorf("a role past the guests' is %v, want tourist", w.Role())
	}
}
