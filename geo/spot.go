package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Where someone is does not depend on who asks; what a viewer is told of
// it does. A Spot is the first, the same for everyone: a point on an
// ordinal, on the level that contains it (whoever may see that level).
// View.See is the second, and the one place of the rule for people's
// positions (a phone's fix, a reporter's place, a shared live location):
// in a place the viewer may not see inside (a dormitory, C1 for a
// visitor, a level IMDF restricts), the answer is the building seen from
// outside: its id, its display point, and its radius for the accuracy,
// whatever the spot's, so that nothing tells the floor, where in the
// building, or how precise the spot was. A place the viewer may not see
// is never swapped for the nearest one it may: that would tell the floor
// and lie about the place.

// Spot is where someone is, whoever asks.
type Spot struct {
	Lon, Lat  float64 // WGS 84
	Ordinal   int
	Level     *Level  // nil outdoors
	AccuracyM float64 // metres
}

// SpotAt is the spot of a point on an ordinal: on the level there that
// contains it, if any, whoever may see that level.
func (v *Venue) SpotAt(lon, lat float64, ordinal int, accuracyM float64) Spot {
	s := Spot{Lon: lon, Lat: lat, Ordinal: ordinal, AccuracyM: accuracyM}
	pt := v.Projection.ToLocal(lon, lat)
	if t := v.index.levels[ordinal]; t != nil {
		t.Search(pt, pt, func(_, _ [2]float64, l *Level) bool {
			if Contains(l.Local, pt) {
				s.Level = l
				return false
			}
			return true
		})
	}
	return s
}

// LevelByID is the level of id, whoever may see it; nil for none.
func (v *Venue) LevelByID(id string) *Level {
	l, _ := v.byID[id].(*Level)
	return l
}

// BuildingByID is the building of id; nil for none (every role sees
// buildings from outside).
func (v *Venue) BuildingByID(id string) *Building {
	b, _ := v.byID[id].(*Building)
	return b
}

// Seen is a spot as one viewer may see it: precise (Ordinal set; Level
// and Unit where the viewer may see them; Building the one it is in, if
// any), or only a building seen from outside (Outside: Building, its
// display point and radius, nothing else).
type Seen struct {
	Lon, Lat  float64
	Ordinal   *int
	Level     *Level
	Unit      *Unit
	Building  *Building
	Outside   bool
	AccuracyM float64
}

// See is spot s as the view's role may see it; false when there is
// nothing it may be told (a hidden level of no building: the campus has
// none).
func (w View) See(s Spot) (Seen, bool) {
	loc := w.Locate(Position{Lon: s.Lon, Lat: s.Lat, Ordinal: s.Ordinal}, "en")
	var at *Building
	if loc.Building != nil {
		at = w.v.BuildingByID(loc.Building.ID)
	}
	switch {
	case s.Level != nil && !w.Sees(s.Level):
		b := s.Level.Building()
		if b == nil {
			b = at
		}
		return Outside(b)
	case s.Level == nil && at != nil && at.Access(w.role) == AccessNone:
		// Outdoors, but within the walls of a building (where a path
		// meets its entrance): seen from outside if the viewer may not
		// see in.
		return Outside(at)
	}
	o := s.Ordinal
	out := Seen{Lon: round7(s.Lon), Lat: round7(s.Lat), Ordinal: &o, AccuracyM: round1(s.AccuracyM), Building: at}
	if s.Level != nil {
		out.Level = s.Level
		if b := s.Level.Building(); b != nil {
			out.Building = b
		}
		if loc.Level != nil && loc.Level.ID == s.Level.ID && loc.Unit != nil {
			out.Unit, _ = w.v.byID[loc.Unit.ID].(*Unit)
		}
	}
	return out, true
}

// Outside is building b seen from outside: the same answer wherever
// inside it someone is; false for no building.
func Outside(b *Building) (Seen, bool) {
	if b == nil {
		return Seen{}, false
	}
	return Seen{Lon: round7(b.Display[0]), Lat: round7(b.Display[1]), Building: b, Outside: true, AccuracyM: round1(BuildingRadius(b))}, true
}

// BuildingRadius is half the diagonal of a building's largest footprint,
// metres, at least 10: what an answer of the building alone is sure of.
func BuildingRadius(b *Building) float64 {
	r := 10.0
	for _, f := range b.Footprints {
		bb := f.Local.Bound()
		r = math.Max(r, math.Hypot(bb.Max[0]-bb.Min[0], bb.Max[1]-bb.Min[1])/2)
	}
	return r
}

// Point is a Seen's point, for a distance.
func (s Seen) Point() orb.Point { return orb.Point{s.Lon, s.Lat} }
