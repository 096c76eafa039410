package repair

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
)

// Locating a reporter: the scans the form sends (a few seconds of one
// phone) go through the campus positioning engine as a track, the same
// engine and the same privacy rule as /position; the place is the room the
// last fix is in, as the asker may see it, and the candidates are the
// rooms around it, for a one-tap correction.
const (
	// MaxLocateScans is the most scans one locate request may carry.
	MaxLocateScans = 30
	// candidateRadius, metres: rooms this near the estimate (from their
	// outline), beyond its radius, are offered.
	candidateRadius = 12.0
	// maxCandidates is how many are offered.
	maxCandidates = 5
)

// ErrScans is returned for scans that cannot be located: none, too many,
// or of several devices.
var ErrScans = errors.New("repair: scans")

// Locator places reporters with the campus positioning engine.
type Locator struct {
	pos *beacons.Positioner
}

// NewLocator makes a locator on a positioner (the server's own).
func NewLocator(p *beacons.Positioner) *Locator { return &Locator{pos: p} }

// Locate tracks the scans, in the order of their times, and answers where
// the last one places the reporter, as w may see it.
func (l *Locator) Locate(w geo.View, lang string, scans []beacons.Scan) (Located, error) {
	switch {
	case len(scans) == 0:
		return Located{}, fmt.Errorf("%w: none given", ErrScans)
	case len(scans) > MaxLocateScans:
		return Located{}, fmt.Errorf("%w: %d given, at most %d", ErrScans, len(scans), MaxLocateScans)
	}
	for i := range scans {
		if scans[i].Device != scans[0].Device {
			return Located{}, fmt.Errorf("%w: scans[%d] is of device %q, scans[0] of %q: one phone's scans only", ErrScans, i, scans[i].Device, scans[0].Device)
		}
	}
	order := make([]int, len(scans))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scans[order[a]].Time().Before(scans[order[b]].Time()) })
	tr := l.pos.NewTracker(scans[0].Device)
	var fix beacons.Fix
	for _, i := range order {
		fix = tr.Update(w, &scans[i])
	}
	if fix.Lon == nil || fix.Lat == nil {
		return Located{}, fmt.Errorf("%w: %s", ErrNoLocation, fix.Reason)
	}
	out := Located{Place: Place{Lon: *fix.Lon, Lat: *fix.Lat}, Candidates: []Candidate{}}
	if fix.AccuracyM != nil {
		out.AccuracyM = *fix.AccuracyM
	}
	if fix.Ordinal == nil {
		// A building seen from outside (a dormitory, or one the asker may
		// not enter): the building and nothing inside it.
		if fix.Building != nil {
			out.Place.Building = *fix.Building
		}
		if fix.BuildingRef != nil {
			out.Place.BuildingRef = *fix.BuildingRef
		}
		return out, nil
	}
	unit := ""
	if fix.Unit != nil {
		unit = *fix.Unit
	}
	return placed(w, lang, out, *fix.Ordinal, unit), nil
}

// LocateAt answers the room at a point on a floor (a point picked on the
// map, or the map's centre), as w may see it, and the rooms around it: the
// answer Locate gives for a fix there with no radius. Outside every
// building it is the point alone, and inside one w may not see into it is
// the building alone.
func LocateAt(w geo.View, lang string, at geo.Position) Located {
	out := Located{Place: Place{Lon: at.Lon, Lat: at.Lat}, Candidates: []Candidate{}}
	loc := w.Locate(at, lang)
	if loc.Building != nil && loc.Level == nil {
		out.Place.Building = loc.Building.ID
		if r, ok := w.Result(loc.Building.ID, lang); ok && r.Ref != nil {
			out.Place.BuildingRef = *r.Ref
		}
		return out
	}
	return placed(w, lang, out, at.Ordinal, "")
}

// placed fills out's place on ordinal ord (its building, level and room:
// unit when the positioning engine named one, else the one at the point)
// and the candidates around it.
func placed(w geo.View, lang string, out Located, ord int, unit string) Located {
	out.Place.Ordinal = &ord
	loc := w.Locate(geo.Position{Lon: out.Place.Lon, Lat: out.Place.Lat, Ordinal: ord}, lang)
	if loc.Building != nil {
		out.Place.Building = loc.Building.ID
		if r, ok := w.Result(loc.Building.ID, lang); ok && r.Ref != nil {
			out.Place.BuildingRef = *r.Ref
		}
	}
	if loc.Level != nil {
		out.Place.Level = loc.Level.ID
		out.Place.Floor = loc.Level.Name
	}
	if unit == "" && loc.Unit != nil {
		unit = loc.Unit.ID
	}
	if unit != "" {
		if r, ok := w.Result(unit, lang); ok {
			out.Place.Unit, out.Place.Name = r.ID, r.Name
			if r.Ref != nil {
				out.Place.Ref = *r.Ref
			}
			if r.Floor != nil {
				out.Place.Floor = *r.Floor
			}
		}
	}
	out.Candidates = candidates(w, lang, out.Place, out.AccuracyM)
	return out
}

// candidates are the rooms the asker may see on the estimate's level
// within its radius plus candidateRadius of it (by their outline), the
// nearest first, the chosen room left out.
func candidates(w geo.View, lang string, p Place, acc float64) []Candidate {
	v := w.Venue()
	pt := v.Projection.ToLocal(p.Lon, p.Lat)
	r := acc + candidateRadius
	// A bound in WGS 84 around the point, r metres each way.
	lo0, la0 := v.Projection.ToLonLat(orb.Point{pt[0] - r, pt[1] - r})
	lo1, la1 := v.Projection.ToLonLat(orb.Point{pt[0] + r, pt[1] + r})
	bound := orb.Bound{Min: orb.Point{math.Min(lo0, lo1), math.Min(la0, la1)}, Max: orb.Point{math.Max(lo0, lo1), math.Max(la0, la1)}}
	type near struct {
		u *geo.Unit
		d float64
	}
	var found []near
	w.Within(bound, *p.Ordinal, func(f geo.Feature) bool {
		u, ok := f.(*geo.Unit)
		if !ok || u.ID == p.Unit || u.Local == nil {
			return true
		}
		d := 0.0
		if !geo.Contains(u.Local, pt) {
			d = geo.BoundaryDistance(u.Local, pt)
		}
		if d <= r {
			found = append(found, near{u, d})
		}
		return true
	})
	sort.Slice(found, func(i, j int) bool {
		return found[i].d < found[j].d || (found[i].d == found[j].d && found[i].u.ID < found[j].u.ID)
	})
	out := []Candidate{}
	for _, n := range found {
		if len(out) == maxCandidates {
			break
		}
		c := Candidate{Unit: n.u.ID, DistanceM: math.Round(n.d*10) / 10}
		if res, ok := w.Result(n.u.ID, lang); ok {
			c.Name = res.Name
			if res.Ref != nil {
				c.Ref = *res.Ref
			}
		}
		out = append(out, c)
	}
	return out
}
