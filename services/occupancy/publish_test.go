package occupancy

import (
	"testing"
	"time"

	"github.com/uber/h3-go/v4"
	"pgregory.net/rapid"

	"github.com/campusnav/engine/geo"
)

// TestPublishedSetsHideEveryone: random people (some positioned twice) on
// random cells and floors. On every floor, at every resolution: a told
// count is the true count of people there (at their latest spot), at
// least MinPeople; a told cell's parent is told; and every told parent's
// residual (its count less its told children's) is 0 or at least
// MinPeople, so that no subtraction across resolutions tells fewer.
func TestPublishedSetsHideEveryone(t *testing.T) {
	base := h3.LatLngToCell(h3.NewLatLng(lawnLat, lawnLon), 9)
	all := base.Children(MaxRes) // 2,401 cells: 343 at res 10, 49 at 11, 7 at 12 each
	floors := map[int]*geo.Level{-1: {Ordinal: -1}, 0: nil, 1: {Ordinal: 1}, 2: {Ordinal: 2}}
	rapid.Check(t, func(t *rapid.T) {
		// People crowd into the first few cells, so that counts near
		// MinPeople are common.
		spread := rapid.IntRange(1, len(all)).Draw(t, "spread")
		n := rapid.IntRange(0, 400).Draw(t, "records")
		m := New(0)
		latest := map[int64]struct {
			c   h3.Cell
			ord int
		}{}
		for i := range n {
			p := rapid.Int64Range(0, 300).Draw(t, "person")
			c := all[rapid.IntRange(0, spread-1).Draw(t, "cell")]
			ord := rapid.IntRange(-1, 2).Draw(t, "floor")
			ll := c.LatLng()
			m.Record(p, geo.Spot{Lon: ll.Lng, Lat: ll.Lat, Ordinal: ord, Level: floors[ord]}, t0.Add(time.Duration(i)*time.Millisecond))
			latest[p] = struct {
				c   h3.Cell
				ord int
			}{c, ord}
		}
		now := t0.Add(time.Minute)
		for ord := range floors {
			truth := map[h3.Cell]int{}
			for _, l := range latest {
				if l.ord == ord {
					for r := MinRes; r <= MaxRes; r++ {
						truth[l.c.Parent(r)]++
					}
				}
			}
			s := ask(m, ord, now)
			told := map[h3.Cell]int{}
			for r := MinRes; r <= MaxRes; r++ {
				for _, c := range s.Cells(r) {
					if c.Cell.Resolution() != r {
						t.Fatalf("floor %d: cell %v told at res %d", ord, c.Cell, r)
					}
					if c.People != truth[c.Cell] {
						t.Fatalf("floor %d: %v told %d, holds %d", ord, c.Cell, c.People, truth[c.Cell])
					}
					if c.People < MinPeople {
						t.Fatalf("floor %d: %v told with %d", ord, c.Cell, c.People)
					}
					if r > MinRes && told[c.Cell.Parent(r-1)] == 0 {
						t.Fatalf("floor %d: %v told, its parent not", ord, c.Cell)
					}
					told[c.Cell] = c.People
				}
			}
			rest := map[h3.Cell]int{}
			for c, k := range told {
				rest[c] += k
				if r := c.Resolution(); r > MinRes {
					rest[c.Parent(r-1)] -= k
				}
			}
			for c, k := range rest {
				if k != 0 && k < MinPeople {
					t.Fatalf("floor %d: %v (res %d) told %d, its told children leave %d", ord, c, c.Resolution(), told[c], k)
				}
			}
		}
	})
}

// The example of the issue: a res-11 cell of 12 with two res-12 children
// of 5 would tell 2 in the rest; one child is suppressed, and its own
// children with it.
func TestPublishSuppressesTheSmallestChild(t *testing.T) {
	p11 := h3.LatLngToCell(h3.NewLatLng(lawnLat, lawnLon), MinRes)
	kids := p11.Children(12)
	var people []cells
	add := func(c13 h3.Cell, k int) {
		var cs cells
		for r := MinRes; r <= MaxRes; r++ {
			cs[r-MinRes] = c13.Parent(r)
		}
		for range k {
			people = append(people, cs)
		}
	}
	a, b, c := kids[0].Children(13), kids[1].Children(13), kids[2].Children(13)
	add(a[0], 5)
	add(b[0], 6)
	add(c[0], 2)
	s := publish(people)
	if got := s.Cells(11); len(got) != 1 || got[0].People != 13 {
		t.Fatalf("res 11: %v", got)
	}
	// 13 - (5+6) = 2: the 5 is suppressed, leaving 7.
	if got := s.Cells(12); len(got) != 1 || got[0].Cell != kids[1] || got[0].People != 6 {
		t.Fatalf("res 12: %v, want %v of 6", got, kids[1])
	}
	if got := s.Cells(13); len(got) != 1 || got[0].Cell != b[0] {
		t.Fatalf("res 13: %v, want %v only (a[0], of 5, is under a suppressed cell)", got, b[0])
	}
}
