package beacons

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// Positioner turns scans into fixes. It knows the registry, the
// calibration (if any) and the floor plan, nothing else. It is safe for
// concurrent use; per-device tracking state lives in Trackers.
type Positioner struct {
	reg   *Registry
	model *model
	radio *radioMap
	graph *routing.Graph // nil for a standalone registry
	walk  *walkGraph     // the graph as tracking walks it
}

// NewPositioner makes a positioner for a registry, with an optional
// calibration, on a venue's routing graph (nil for a standalone registry,
// whose fixes are not snapped to any venue).
func NewPositioner(reg *Registry, cal *Calibration, g *routing.Graph) *Positioner {
	p := &Positioner{reg: reg, model: modelOf(reg, cal), radio: newRadioMap(reg, cal)}
	if g != nil && reg.Venue != nil && g.Venue == reg.Venue {
		p.graph = g
		p.walk = newWalkGraph(g)
	}
	return p
}

// Fix answers one scan on its own (no tracking), as the viewer may see it.
func (p *Positioner) Fix(w geo.View, s *Scan) Fix {
	rd := p.reg.Resolve(s)
	est := p.single(rd)
	return p.answer(w, s, est)
}

// answer turns an estimate into the fix the viewer may see: snapped to a
// place it may walk, or, inside a building it may not see into (a
// dormitory), the building from outside.
func (p *Positioner) answer(w geo.View, s *Scan, est Estimate) Fix {
	f := Fix{Device: s.Device, T: s.T, Truth: s.Truth}
	if !est.OK {
		f.Reason = est.Reason
		return f
	}
	pt, ord, acc := est.Point, est.Ordinal, est.AccuracyM
	if p.graph == nil {
		// A standalone site: its own plane, its own level names.
		lon, lat := p.reg.Projection.ToLonLat(pt)
		f.Lon, f.Lat, f.Ordinal, f.AccuracyM = ptr(round7(lon)), ptr(round7(lat)), ptr(ord), ptr(round1(acc))
		if id := p.levelNear(pt, ord); id != "" {
			f.Level = &id
		}
		return f
	}
	v := p.graph.Venue
	lon, lat := v.Projection.ToLonLat(pt)
	loc := w.Locate(geo.Position{Lon: lon, Lat: lat, Ordinal: ord}, "en")
	if loc.Building != nil && loc.Level == nil {
		if bf, ok := w.Feature(loc.Building.ID); ok {
			b := bf.(*geo.Building)
			if b.Access(w.Role()) == geo.AccessNone {
				// Seen from outside: the building, not its floor or room.
				f.Lon, f.Lat = ptr(b.Display[0]), ptr(b.Display[1])
				f.Building = &b.ID
				f.AccuracyM = ptr(round1(math.Max(acc, buildingRadius(b, v))))
				return f
			}
		}
	}
	if loc.Unit == nil {
		// Not in a unit the viewer sees: to the nearest place it may walk.
		if snapped, ok := p.graph.Snap(w, pt, ord); ok && snapped != pt {
			pt = snapped
			lon, lat = v.Projection.ToLonLat(pt)
			loc = w.Locate(geo.Position{Lon: lon, Lat: lat, Ordinal: ord}, "en")
		}
	}
	f.Lon, f.Lat, f.Ordinal, f.AccuracyM = ptr(round7(lon)), ptr(round7(lat)), ptr(ord), ptr(round1(acc))
	if loc.Level != nil {
		f.Level = &loc.Level.ID
	}
	if loc.Unit != nil {
		f.Unit, f.UnitRef = &loc.Unit.ID, &loc.Unit.Ref
	}
	return f
}

// levelNear names the level of a standalone registry's beacons on an
// ordinal: that of the nearest beacon there.
func (p *Positioner) levelNear(pt orb.Point, ord int) string {
	best, id := math.Inf(1), ""
	for _, b := range p.reg.Beacons {
		if b.Ordinal == ord && b.LevelID != "" {
			if d := dist(pt, b.Point); d < best {
				best, id = d, b.LevelID
			}
		}
	}
	return id
}

func buildingRadius(b *geo.Building, v *geo.Venue) float64 {
	r := 10.0
	for _, f := range b.Footprints {
		bb := f.Local.Bound()
		r = math.Max(r, math.Hypot(bb.Max[0]-bb.Min[0], bb.Max[1]-bb.Min[1])/2)
	}
	return r
}

func ptr[T any](x T) *T { return &x }

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }
func round1(x float64) float64 { return math.Round(x*10) / 10 }
