package share

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

func loadCampus(t *testing.T) *geo.Venue {
	t.Helper()
	v, err := geo.Load("../../data/floorplans/hkust-gz")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// beside is the point d metres beyond unit u's outline, going east from
// its display point: a spot on its level.
func beside(t *testing.T, v *geo.Venue, u *geo.Unit, d float64) geo.Spot {
	t.Helper()
	pt := v.Projection.ToLocal(u.Display[0], u.Display[1])
	for step := 0.0; step < 100; step += 0.05 {
		q := orb.Point{pt[0] + step, pt[1]}
		if !geo.Contains(u.Local, q) {
			q[0] += d
			lon, lat := v.Projection.ToLonLat(q)
			return v.SpotAt(lon, lat, u.Level.Ordinal, 3)
		}
	}
	t.Fatal("no way out of the room")
	return geo.Spot{}
}

func c3Room(t *testing.T, v *geo.Venue) *geo.Unit {
	for _, u := range v.Units {
		if b := u.Level.Building(); b != nil && b.Ref == "C3" && u.Level.Ordinal == 3 && u.Category == "office" {
			return u
		}
	}
	t.Fatal("no office on C3's third floor")
	return nil
}

// TestAlertHysteresis: a position jittering at a doorway fires once per
// crossing, never per jitter.
func TestAlertHysteresis(t *testing.T) {
	v := loadCampus(t)
	w := v.View(geo.Staff)
	u := c3Room(t, v)
	in := v.SpotAt(u.Display[0], u.Display[1], u.Level.Ordinal, 3)
	door, far := beside(t, v, u, 1), beside(t, v, u, 2*AlertMarginM)
	see := func(sp geo.Spot) geo.Seen {
		s, ok := w.See(sp)
		if !ok {
			t.Fatal("nothing seen")
		}
		return s
	}
	if d := geo.BoundaryDistance(u.Local, v.Projection.ToLocal(door.Lon, door.Lat)); d > AlertMarginM-1 || geo.Contains(u.Local, v.Projection.ToLocal(door.Lon, door.Lat)) {
		t.Fatalf("the doorway point is %.1f m from the room", d)
	}
	for _, on := range []string{Enter, Leave} {
		st := &alertState{a: Alert{Place: u.ID, On: on}, place: u}
		events := 0
		walk := []geo.Spot{far, far, door, in, door, in, in, door, in, door, door, in, door, far, door, far, far, in, in, door, in}
		for _, sp := range walk {
			if ev := st.step(v, see(sp)); ev != "" {
				if ev != on {
					t.Errorf("event %s on an alert on %s", ev, on)
				}
				events++
			}
		}
		// Two crossings in (in, in after the far start; in, in at the
		// end), one out (far, far).
		want := map[string]int{Enter: 2, Leave: 1}[on]
		if events != want {
			t.Errorf("alert on %s: %d events, want %d", on, events, want)
		}
	}
	// A floor: one location on another floor is a jitter, two a leave.
	lv := u.Level
	st := &alertState{a: Alert{Place: lv.ID, On: Leave}, place: lv}
	var other geo.Spot
	for _, l := range lv.Building().Levels {
		if l.Ordinal == lv.Ordinal+1 {
			other = v.SpotAt(u.Display[0], u.Display[1], l.Ordinal, 3)
		}
	}
	events := 0
	for _, sp := range []geo.Spot{in, other, in, other, in, other, other, other} {
		if st.step(v, see(sp)) != "" {
			events++
		}
	}
	if events != 1 {
		t.Errorf("floor: %d leaves, want 1", events)
	}
	// A building seen from outside is entered like any: a visitor's
	// alert on C1 fires from C1's outline alone.
	var c1 *geo.Building
	for _, b := range v.Buildings {
		if b.Ref == "C1" {
			c1 = b
		}
	}
	var inC1 geo.Spot
	for _, x := range v.Units {
		if x.Level.Building() == c1 && x.Level.Ordinal == 2 {
			inC1 = v.SpotAt(x.Display[0], x.Display[1], 2, 3)
			break
		}
	}
	vis := v.View(geo.Visitor)
	seen, _ := vis.See(inC1)
	if !seen.Outside {
		t.Fatal("a visitor sees inside C1")
	}
	bst := &alertState{a: Alert{Place: c1.ID, On: Enter}, place: c1}
	vfar, _ := vis.See(far)
	got := ""
	for _, s := range []geo.Seen{vfar, seen, seen} {
		if ev := bst.step(v, s); ev != "" {
			got = ev
		}
	}
	if got != Enter {
		t.Errorf("entering C1 seen from outside: %q", got)
	}
}
