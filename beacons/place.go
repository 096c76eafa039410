package beacons

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/campusnav/engine/geo"
)

// Where a device is does not depend on who asks. Positioning therefore runs
// on the venue as it is: the particles walk every edge of the floor plan,
// dormitories included, and a fix is put in the place it falls in, whoever
// may see that place. Only then is the asker's view applied (answer.go):
// a place the asker may not see is never swapped for the nearest one it
// may, which would tell the floor and lie about the place.

// site indexes a venue's levels by ordinal and their units, whoever may see
// them.
type site struct {
	levels map[int]*rtree.RTreeG[*geo.Level]
	units  map[*geo.Level]*rtree.RTreeG[*geo.Unit]
}

func newSite(v *geo.Venue) *site {
	s := &site{levels: map[int]*rtree.RTreeG[*geo.Level]{}, units: map[*geo.Level]*rtree.RTreeG[*geo.Unit]{}}
	for _, l := range v.Levels {
		t := s.levels[l.Ordinal]
		if t == nil {
			t = &rtree.RTreeG[*geo.Level]{}
			s.levels[l.Ordinal] = t
		}
		bb := l.Local.Bound()
		t.Insert(bb.Min, bb.Max, l)
		ut := &rtree.RTreeG[*geo.Unit]{}
		for _, u := range l.Units {
			bb := u.Local.Bound()
			ut.Insert(bb.Min, bb.Max, u)
		}
		s.units[l] = ut
	}
	return s
}

// levelAt is the level of ordinal ord containing pt, nil for none.
func (s *site) levelAt(pt orb.Point, ord int) *geo.Level {
	var found *geo.Level
	if t := s.levels[ord]; t != nil {
		t.Search(pt, pt, func(_, _ [2]float64, l *geo.Level) bool {
			if geo.Contains(l.Local, pt) {
				found = l
				return false
			}
			return true
		})
	}
	return found
}

// inUnit reports whether pt is inside a unit of level l.
func (s *site) inUnit(l *geo.Level, pt orb.Point) bool {
	in := false
	s.units[l].Search(pt, pt, func(_, _ [2]float64, u *geo.Unit) bool {
		in = geo.Contains(u.Local, pt)
		return !in
	})
	return in
}

// place is where an estimate is on the venue: a point, on an ordinal, on a
// level (nil outdoors).
type place struct {
	pt    orb.Point
	ord   int
	level *geo.Level
}

// placeOf puts an estimate in its place, the same for every asker. Inside
// a level it stays on that level: where it is, inside a unit, else on the
// nearest walkable place of the level (the corridor beside a wall). Off
// every level it is outdoors, and goes to the nearest outdoor path on its
// ordinal; on an ordinal with none (a floor above the ground), to the
// nearest walkable place, and that place's level.
func (p *Positioner) placeOf(est Estimate) place {
	pt, ord := est.Point, est.Ordinal
	wg := p.walk
	l := p.site.levelAt(pt, ord)
	if l == nil {
		pl := place{pt: pt, ord: ord}
		q, e, ok := wg.nearest(wg.outdoorByOrd[ord], pt, nil)
		if !ok {
			q, e, ok = wg.nearest(wg.byOrd[ord], pt, nil)
		}
		if ok {
			pl.pt = q
			if u := wg.g.Edges[e].Unit; u != nil {
				pl.level = u.Level
			}
		}
		return pl
	}
	pl := place{pt: pt, ord: ord, level: l}
	if !p.site.inUnit(l, pt) {
		if q, _, ok := wg.nearest(wg.byOrd[ord], pt, wg.onLevel(l)); ok {
			pl.pt = q
		}
	}
	return pl
}

// onLevel accepts the edges inside units of level l.
func (wg *walkGraph) onLevel(l *geo.Level) func(int32) bool {
	return func(e int32) bool {
		u := wg.g.Edges[e].Unit
		return u != nil && u.Level == l
	}
}

// nearest returns the point of the edges of index t nearest pt (of those
// keep accepts, all when keep is nil), and its edge; ok is false when
// there is none.
func (wg *walkGraph) nearest(t *rtree.RTreeG[int32], pt orb.Point, keep func(e int32) bool) (orb.Point, int32, bool) {
	if t == nil {
		return orb.Point{}, 0, false
	}
	best, bestD, bestE := orb.Point{}, math.Inf(1), int32(-1)
	t.Nearby(rtree.BoxDist[float64, int32](pt, pt, nil), func(_, _ [2]float64, e int32, d2 float64) bool {
		if d2 > bestD*bestD { // the box's distance, squared
			return false
		}
		if keep != nil && !keep(e) {
			return true
		}
		pts := wg.edges[e].pts
		for k := 1; k < len(pts); k++ {
			q := nearestOnSegment(pts[k-1], pts[k], pt)
			if dq := dist(q, pt); dq < bestD {
				best, bestD, bestE = q, dq, e
			}
		}
		return true
	})
	return best, bestE, bestE >= 0
}

// nearestOnSegment is the point of segment a-b nearest p.
func nearestOnSegment(a, b, p orb.Point) orb.Point {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return a
	}
	t := math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	return orb.Point{a[0] + t*dx, a[1] + t*dy}
}
