package geo

import (
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// levelIndex holds the spatial indexes of one level, in local metres.
type levelIndex struct {
	units    rtree.RTreeG[*Unit]
	features rtree.RTreeG[Feature] // units, openings and amenities
}

// venueIndex holds the indexes of a venue that questions use.
type venueIndex struct {
	levels     map[int]*rtree.RTreeG[*Level] // by ordinal
	footprints rtree.RTreeG[*Footprint]
	// amenities by role, then category, across every level the role sees
	amenities [MaxRoles]map[string]*rtree.RTreeG[*Amenity]
	search    *searchIndex
}

// newVenueIndex indexes the geometry of v; role indexes come after the
// policy is applied.
func newVenueIndex(v *Venue) *venueIndex {
	ix := &venueIndex{levels: map[int]*rtree.RTreeG[*Level]{}}
	for _, l := range v.Levels {
		l.index = &levelIndex{}
		t := ix.levels[l.Ordinal]
		if t == nil {
			t = &rtree.RTreeG[*Level]{}
			ix.levels[l.Ordinal] = t
		}
		min, max := box(l.Local.Bound())
		t.Insert(min, max, l)
	}
	for _, u := range v.Units {
		min, max := box(u.Local.Bound())
		u.Level.index.units.Insert(min, max, u)
		u.Level.index.features.Insert(min, max, u)
	}
	for _, o := range v.Openings {
		min, max := box(o.Local.Bound())
		o.Level.index.features.Insert(min, max, o)
	}
	for _, a := range v.Amenities {
		min, max := box(a.Local.Bound())
		a.Level.index.features.Insert(min, max, a)
	}
	for _, f := range v.Footprints {
		min, max := box(f.Local.Bound())
		ix.footprints.Insert(min, max, f)
	}
	return ix
}

// buildRoleIndexes builds the indexes that hold only what one role sees.
func (ix *venueIndex) buildRoleIndexes(v *Venue) {
	for _, r := range v.AllRoles() {
		byCat := map[string]*rtree.RTreeG[*Amenity]{}
		for _, a := range v.Amenities {
			if !a.mask.has(r) {
				continue
			}
			t := byCat[a.Category]
			if t == nil {
				t = &rtree.RTreeG[*Amenity]{}
				byCat[a.Category] = t
			}
			p := a.Local.(orb.Point)
			t.Insert(p, p, a)
		}
		ix.amenities[r] = byCat
	}
}
