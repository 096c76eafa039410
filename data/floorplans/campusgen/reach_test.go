package campusgen

import (
	"slices"
	"testing"
)

// onWall is how near a unit's boundary an opening's middle must be to open
// on that unit, in metres.
const onWall = 0.05

// TestEveryUnitReachable walks the archive from every entrance (an opening
// on its level's outer wall) through openings (each joins the units of its
// level whose boundary passes within 5 cm of its middle) and vertical
// relationships, and proves that it reaches every unit.
func TestEveryUnitReachable(t *testing.T) {
	a := archive(t)
	unitsOn := map[string][]*feature{}
	for _, u := range a.byType["unit"] {
		unitsOn[u.level()] = append(unitsOn[u.level()], u)
	}
	levels := map[string]*feature{}
	for _, l := range a.byType["level"] {
		levels[l.ID] = l
	}

	next := map[string][]string{} // unit id -> units one step away
	join := func(ids []string) {
		for _, x := range ids {
			for _, y := range ids {
				if x != y {
					next[x] = append(next[x], y)
				}
			}
		}
	}
	var start []string
	entrances := 0
	for _, o := range a.byType["opening"] {
		l := levels[o.level()]
		if l == nil {
			t.Errorf("opening %s: level %q is not in level.geojson", o.ID, o.level())
			continue
		}
		mid := midpoint(o.line)
		var on []string
		for _, u := range unitsOn[o.level()] {
			if boundaryDist(u.ring, mid) <= onWall {
				on = append(on, u.ID)
			}
		}
		join(on)
		if boundaryDist(l.ring, mid) <= onWall {
			entrances++
			start = append(start, on...)
		}
	}
	for _, r := range a.byType["relationship"] {
		p := r.Properties
		if p.Origin == nil || p.Destination == nil {
			t.Errorf("relationship %s has no origin or destination", r.ID)
			continue
		}
		ids := []string{p.Origin.ID, p.Destination.ID}
		for _, m := range p.Intermediary {
			ids = append(ids, m.ID)
		}
		join(ids)
	}
	if entrances == 0 {
		t.Fatal("no opening lies on its level's outer wall: the campus has no entrance")
	}

	reached := map[string]bool{}
	queue := slices.Clone(start)
	for _, id := range start {
		reached[id] = true
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, n := range next[id] {
			if !reached[n] {
				reached[n] = true
				queue = append(queue, n)
			}
		}
	}
	var lost []string
	for _, u := range a.byType["unit"] {
		if !reached[u.ID] {
			lost = append(lost, u.ref())
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d units cannot be reached on foot from the %d entrances: %v", len(lost), len(a.byType["unit"]), entrances, lost)
	}
	t.Logf("%d units reached from %d entrances", len(reached), entrances)
}
