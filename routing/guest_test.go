package routing

import (
	"errors"
	"testing"

	"github.com/campusnav/engine/geo"
)

// TestGuestRoutes: a visitor with a visit to C1 is routed from the gate
// into a room of C1 over what a guest of C1 sees (never through another
// building visitors may not enter), no shorter than staff are; a
// visitor without one, or with one to another building, is not.
func TestGuestRoutes(t *testing.T) {
	g := campus(t)
	v := g.Venue
	c1, ok := v.GuestRole("C1")
	if !ok {
		t.Fatal("no guest role for C1")
	}
	c2, _ := v.GuestRole("C2")
	var room *geo.Unit
	for _, b := range v.Buildings {
		if b.Ref != "C1" {
			continue
		}
		for _, l := range b.Levels[len(b.Levels)/2:] {
			for _, u := range l.Units {
				if room == nil && u.Category == "office" && u.Ref != "" && v.View(c1).Sees(u) {
					room = u
				}
			}
		}
	}
	if room == nil {
		t.Fatal("no office in C1 its guest sees")
	}
	gate := v.Gates[0].Ref
	req := Request{From: gate, To: room.Ref, Lang: "en"}
	guest, err := g.Route(v.View(c1), req)
	if err != nil {
		t.Fatalf("guest of C1, %s -> %s: %v", gate, room.Ref, err)
	}
	staff, err := g.Route(v.View(geo.Staff), req)
	if err != nil {
		t.Fatal(err)
	}
	if guest.DistanceM < staff.DistanceM-0.01 || guest.Cost < staff.Cost-0.01 {
		t.Errorf("the guest's route %.1f m (cost %.1f) is shorter than staff's %.1f m (%.1f)", guest.DistanceM, guest.Cost, staff.DistanceM, staff.Cost)
	}
	w := v.View(c1)
	for _, in := range guest.Instructions {
		if in.Level == nil {
			continue
		}
		f, ok := w.Feature(*in.Level)
		if !ok {
			t.Errorf("the route passes level %s, which the guest does not see", *in.Level)
			continue
		}
		if b := f.(*geo.Level).Building(); b != nil && b.Ref != "C1" && b.Access(c1) != geo.AccessFull {
			t.Errorf("the route passes inside %s", b.Ref)
		}
	}
	for _, role := range []geo.Role{geo.Visitor, c2} {
		_, err := g.Route(v.View(role), req)
		var end *EndError
		if !errors.As(err, &end) || end.End != "to" {
			t.Errorf("%v, %s -> %s: %v, want the room unknown", role, gate, room.Ref, err)
		}
	}
}
