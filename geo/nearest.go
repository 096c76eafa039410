package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Walking assumptions used until routing gives walking times.
const (
	// WalkingSpeed is a comfortable indoor walking speed, metres per second.
	WalkingSpeed = 1.4
	// FloorPenalty is the time, in seconds, to change one floor by stairs or
	// elevator, added for each floor between the asker and an amenity.
	FloorPenalty = 20.0
)

// Nearby is one answer of Nearest.
type Nearby struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Category  string  `json:"category"`
	Building  *string `json:"building"` // building id
	Level     *string `json:"level"`    // level id
	Ordinal   int     `json:"ordinal"`
	Lon       float64 `json:"lon"`
	Lat       float64 `json:"lat"`
	DistanceM float64 `json:"distance_m"` // straight-line, horizontal
	DurationS float64 `json:"duration_s"` // walking time estimate
	// For people, as in SearchResult: the building's reference, the floor,
	// the room the amenity is in, and the room it is near.
	BuildingRef *string `json:"building_ref"`
	Floor       *string `json:"floor"`
	In          *string `json:"in"`
	Near        *string `json:"near"`
}

// Describe fills in the building, level and room of amenity a for people,
// names in lang, as far as the role may see them.
func (w View) Describe(n *Nearby, a *Amenity, lang string) {
	if a.Level == nil {
		return
	}
	var t struct{ level, floor, building, buildingRef, in, near string } // one allocation
	n.Level = textAt(&t.level, a.Level.ID)
	n.Floor = textAt(&t.floor, FloorName(a.Level, lang))
	if b := a.Level.Building(); b != nil {
		n.Building, n.BuildingRef = textAt(&t.building, b.ID), textAt(&t.buildingRef, b.Ref)
	}
	in, near := w.amenityRooms(a, nil)
	n.In, n.Near = textAt(&t.in, in), textAt(&t.near, near)
}

// Nearest returns the k amenities of a category the role may see with the
// shortest estimated walking time from at, over the whole campus: the
// straight-line distance at WalkingSpeed plus FloorPenalty per floor of
// difference. Names in lang.
func (w View) Nearest(category string, at Position, k int, lang string) []Nearby {
	out := []Nearby{}
	t := w.v.index.amenities[w.role][category]
	if t == nil || k <= 0 {
		return out
	}
	pt := w.v.Projection.ToLocal(at.Lon, at.Lat)
	target := [2]float64{pt[0], pt[1]}
	cost := func(min, max [2]float64, a *Amenity, item bool) float64 {
		if item {
			return planarDist(target, min)/WalkingSpeed + FloorPenalty*math.Abs(float64(a.Ordinal-at.Ordinal))
		}
		return boxDist(target, min, max) / WalkingSpeed
	}
	t.Nearby(cost, func(min, _ [2]float64, a *Amenity, dur float64) bool {
		n := Nearby{
			ID: a.ID, Name: displayName(a.Name, a.Category, lang), Category: a.Category, Ordinal: a.Ordinal,
			DistanceM: round1(planarDist(target, min)), DurationS: round1(dur),
		}
		w.Describe(&n, a, lang)
		p := a.Geometry.(orb.Point)
		n.Lon, n.Lat = p[0], p[1]
		out = append(out, n)
		return len(out) < k
	})
	// Nearby yields by cost; equal costs by id, for stable answers.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].DurationS != out[j].DurationS {
			return out[i].DurationS < out[j].DurationS
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func planarDist(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func boxDist(p, min, max [2]float64) float64 {
	dx := math.Max(0, math.Max(min[0]-p[0], p[0]-max[0]))
	dy := math.Max(0, math.Max(min[1]-p[1], p[1]-max[1]))
	return math.Hypot(dx, dy)
}
