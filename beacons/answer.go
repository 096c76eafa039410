package beacons

import (
	"github.com/campusnav/engine/geo"
)

// ReasonHidden is why a fix has no position when it falls on a level the
// asker may not see that belongs to no building: there is nothing it may
// be told instead. (The campus has no such level.)
const ReasonHidden = "somewhere the asker may not see"

// answer turns an estimate into the fix the viewer may see. The estimate
// is put in its place on the venue first, the same for every viewer
// (placeOf, spotOf); then geo.View.See, the one place of the rule, says
// what the viewer may be told: in a place the viewer may not see inside
// (a dormitory, C1 for a visitor, a level IMDF restricts), the building
// seen from outside, its display point and its radius for the accuracy,
// whatever the estimate's, so that nothing tells the floor, where in the
// building, or whether the beacons heard were the building's own.
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
	sp, _ := p.spotOf(est)
	seen, ok := w.See(sp)
	return fixOf(f, seen, ok)
}

// spotOf is an estimate in its place on the venue, the same whoever
// asks; false without a venue (a standalone site).
func (p *Positioner) spotOf(est Estimate) (geo.Spot, bool) {
	if p.graph == nil {
		return geo.Spot{}, false
	}
	pl := p.placeOf(est)
	lon, lat := p.graph.Venue.Projection.ToLonLat(pl.pt)
	return geo.Spot{Lon: lon, Lat: lat, Ordinal: pl.ord, Level: pl.level, AccuracyM: est.AccuracyM}, true
}

// fixOf fills f with what a viewer may see of a spot (geo.View.See):
// precise, or the building seen from outside, or nothing (ok false).
func fixOf(f Fix, s geo.Seen, ok bool) Fix {
	switch {
	case !ok:
		f.Reason = ReasonHidden
	case s.Outside:
		b := s.Building
		f.Lon, f.Lat = ptr(s.Lon), ptr(s.Lat)
		f.Building = &b.ID
		if b.Ref != "" {
			f.BuildingRef = &b.Ref
		}
		f.BuildingName = map[string]string{"en": b.Name.In("en"), "zh": b.Name.In("zh")}
		f.AccuracyM = ptr(s.AccuracyM)
	default:
		f.Lon, f.Lat, f.Ordinal, f.AccuracyM = ptr(s.Lon), ptr(s.Lat), s.Ordinal, ptr(s.AccuracyM)
		if s.Level != nil {
			f.Level = &s.Level.ID
		}
		if s.Unit != nil {
			f.Unit, f.UnitRef = &s.Unit.ID, &s.Unit.Ref
		}
	}
	return f
}
