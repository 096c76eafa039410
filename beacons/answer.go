package beacons

import (
	"math"

	"github.com/campusnav/engine/geo"
)

// ReasonHidden is why a fix has no position when it falls on a level the
// asker may not see that belongs to no building: there is nothing it may
// be told instead. (The campus has no such level.)
const ReasonHidden = "somewhere the asker may not see"

// answer turns an estimate into the fix the viewer may see. The estimate
// is put in its place on the venue first, the same for every viewer
// (placeOf). In a place the viewer may not see inside (a dormitory, C1 for
// a visitor, a level IMDF restricts), the answer is the building seen from
// outside: its id, its display point, and its radius for the accuracy,
// whatever the estimate's, so that nothing tells the floor, where in the
// building, or whether the beacons heard were the building's own. A place
// the viewer may not see is never swapped for the nearest one it may: that
// would tell the floor and lie about the place.
func (p *Positioner) answer(w geo.View, s *Scan, est Estimate) Fix {
	f := Fix{Device: s.Device, T: s.T, Truth: s.Truth}
	if !est.OK {
		f.Reason = est.Reason
		return f
	}
	if p.graph == nil {
		// A standalone site: its own plane, its own level names.
		lon, lat := p.reg.Projection.ToLonLat(est.Point)
		f.Lon, f.Lat, f.Ordinal, f.AccuracyM = ptr(round7(lon)), ptr(round7(lat)), ptr(est.Ordinal), ptr(round1(est.AccuracyM))
		if id := p.levelNear(est.Point, est.Ordinal); id != "" {
			f.Level = &id
		}
		return f
	}
	v := p.graph.Venue
	pl := p.placeOf(est)
	lon, lat := v.Projection.ToLonLat(pl.pt)
	loc := w.Locate(geo.Position{Lon: lon, Lat: lat, Ordinal: pl.ord}, "en")
	switch {
	case pl.level != nil && !w.Sees(pl.level):
		b := pl.level.Building()
		if b == nil && loc.Building != nil {
			b = buildingOf(w, loc.Building.ID)
		}
		return outside(f, b)
	case pl.level == nil && loc.Building != nil:
		// Outdoors, but within the walls of a building (where a path
		// meets its entrance): seen from outside if the viewer may not
		// see in.
		if b := buildingOf(w, loc.Building.ID); b != nil && b.Access(w.Role()) == geo.AccessNone {
			return outside(f, b)
		}
	}
	f.Lon, f.Lat, f.Ordinal, f.AccuracyM = ptr(round7(lon)), ptr(round7(lat)), ptr(pl.ord), ptr(round1(est.AccuracyM))
	if pl.level != nil {
		f.Level = &pl.level.ID
		if loc.Level != nil && loc.Level.ID == pl.level.ID && loc.Unit != nil {
			f.Unit, f.UnitRef = &loc.Unit.ID, &loc.Unit.Ref
		}
	}
	return f
}

// outside answers a building seen from outside: the same answer wherever
// inside it the estimate is.
func outside(f Fix, b *geo.Building) Fix {
	if b == nil {
		f.Reason = ReasonHidden
		return f
	}
	f.Lon, f.Lat = ptr(round7(b.Display[0])), ptr(round7(b.Display[1]))
	f.Building = &b.ID
	if b.Ref != "" {
		f.BuildingRef = &b.Ref
	}
	f.BuildingName = map[string]string{"en": b.Name.In("en"), "zh": b.Name.In("zh")}
	f.AccuracyM = ptr(round1(buildingRadius(b)))
	return f
}

// buildingOf is the building with id (every role sees buildings from
// outside), nil if there is none.
func buildingOf(w geo.View, id string) *geo.Building {
	f, _ := w.Feature(id)
	b, _ := f.(*geo.Building)
	return b
}

// buildingRadius is half the diagonal of a building's largest footprint,
// metres, at least 10: what an answer of the building alone is sure of.
func buildingRadius(b *geo.Building) float64 {
	r := 10.0
	for _, f := range b.Footprints {
		bb := f.Local.Bound()
		r = math.Max(r, math.Hypot(bb.Max[0]-bb.Min[0], bb.Max[1]-bb.Min[1])/2)
	}
	return r
}
