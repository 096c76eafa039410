package geo

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Tolerances of the checks, in metres and square metres.
const (
	// OpeningTolerance is how far an opening's midpoint may be from a unit's
	// wall (walls have thickness in real archives) and still open on it.
	OpeningTolerance = 0.5
	// overlapTolerance is the area two units of a level may share before it is
	// reported: drawing slop, not a second room.
	overlapTolerance = 1.0
)

// derive computes what the archive implies but does not say: the order of
// levels, which units each opening joins, which openings are entrances.
func (ld *loader) derive() {
	v := ld.v
	order := map[*Building]int{}
	for i, b := range v.Buildings {
		order[b] = i
	}
	rank := func(l *Level) int {
		if b := l.Building(); b != nil {
			return order[b]
		}
		return len(order)
	}
	sort.SliceStable(v.Levels, func(i, j int) bool {
		a, b := v.Levels[i], v.Levels[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		return a.Ordinal < b.Ordinal
	})
	for _, o := range v.Openings {
		ls, _ := o.Local.(orb.LineString)
		mid := Midpoint(ls)
		min, max := box(orb.Bound{Min: mid, Max: mid}.Pad(OpeningTolerance))
		o.Level.index.units.Search(min, max, func(_, _ [2]float64, u *Unit) bool {
			if BoundaryDistance(u.Local, mid) <= OpeningTolerance {
				o.Units = append(o.Units, u)
			}
			return true
		})
		for _, u := range o.Units {
			u.Openings = append(u.Openings, o)
		}
		o.Entrance = outerDistance(o.Level.Local, mid) <= OpeningTolerance
	}
	for _, b := range v.Buildings {
		if b.Display == (orb.Point{}) && len(b.Footprints) > 0 {
			b.Display = InteriorPoint(b.Footprints[0].Geometry)
		}
	}
}

// check reports what is suspicious but usable: warnings only.
func (ld *loader) check() {
	v := ld.v
	for _, o := range v.Openings {
		if len(o.Units) == 0 && !o.Entrance {
			ld.ps.warnf("opening.geojson", o.ID, RuleOpening, "opening lies on no unit's boundary (within %.1f m)", OpeningTolerance)
		}
	}
	for _, a := range v.Amenities {
		pt := a.Local.(orb.Point)
		inside := false
		for _, u := range a.Units {
			if Contains(u.Local, pt) || BoundaryDistance(u.Local, pt) <= OpeningTolerance {
				inside = true
			}
		}
		if !inside {
			ld.ps.warnf("amenity.geojson", a.ID, RuleDisplayPoint, "amenity lies outside its units")
		}
	}
	for _, l := range v.Levels {
		ld.checkOverlaps(l)
	}
	ld.checkOrdinals()
	ld.checkVerticalLinks()
}

func (ld *loader) checkOverlaps(l *Level) {
	for _, a := range l.Units {
		min, max := box(a.Local.Bound())
		l.index.units.Search(min, max, func(_, _ [2]float64, b *Unit) bool {
			if b.ID <= a.ID {
				return true // each pair once
			}
			// The shared area is at most that of the boxes' intersection:
			// units that only share a wall are dismissed here.
			if boxOverlap(a.Local.Bound(), b.Local.Bound()) <= overlapTolerance {
				return true
			}
			if area := overlapArea(a.Local, b.Local); area > overlapTolerance {
				ld.ps.warnf("unit.geojson", a.ID, RuleOverlap, "overlaps unit %s by %.1f m² on level %s", b.ID, area, l.ID)
			}
			return true
		})
	}
}

var groundNames = regexp.MustCompile(`(?i)^(1|1f|l1|g|gf|g/f|1/f|ground|ground floor)$`)

// checkOrdinals reports buildings whose levels repeat an ordinal or skip one,
// and buildings whose ground floor is at another ordinal than the others'.
func (ld *loader) checkOrdinals() {
	ground := map[int][]string{}
	for _, b := range ld.v.Buildings {
		seen := map[int]string{}
		for i, l := range b.Levels {
			if l.Outdoor {
				continue
			}
			if other, dup := seen[l.Ordinal]; dup {
				ld.ps.warnf("level.geojson", l.ID, RuleOrdinals, "building %s has two levels at ordinal %d (%s and %s)", b.ID, l.Ordinal, other, l.ID)
			}
			seen[l.Ordinal] = l.ID
			if i > 0 && l.Ordinal > b.Levels[i-1].Ordinal+1 {
				ld.ps.warnf("level.geojson", l.ID, RuleOrdinals, "building %s has no level between ordinals %d and %d", b.ID, b.Levels[i-1].Ordinal, l.Ordinal)
			}
			if groundNames.MatchString(strings.TrimSpace(l.ShortName.In("en"))) {
				ground[l.Ordinal] = append(ground[l.Ordinal], b.ID)
			}
		}
	}
	if len(ground) > 1 {
		var parts []string
		for o, bs := range ground {
			parts = append(parts, fmt.Sprintf("ordinal %d in %d building(s)", o, len(bs)))
		}
		sort.Strings(parts)
		ld.ps.warnf("level.geojson", "", RuleOrdinals, "ground floors are at different ordinals: %s", strings.Join(parts, ", "))
	}
}

// checkVerticalLinks reports elevators, stairs and escalators that no
// relationship links to another level.
func (ld *loader) checkVerticalLinks() {
	linked := map[string]bool{}
	for _, r := range ld.v.Relationships {
		for _, f := range append([]Feature{r.Origin, r.Destination}, r.Intermediary...) {
			linked[f.Common().ID] = true
		}
	}
	if len(ld.raw["relationship"]) == 0 && ld.read["relationship"] == "" {
		ld.ps.warnf("relationship.geojson", "", RuleRelationship, "the archive has no relationships: vertical links between levels must be inferred from stacked units")
		return
	}
	for _, u := range ld.v.Units {
		switch u.Category {
		case "elevator", "stairs", "escalator":
			if !linked[u.ID] {
				ld.ps.warnf("unit.geojson", u.ID, RuleRelationship, "%s unit %s is in no relationship", u.Category, u.Ref)
			}
		}
	}
}

// InteriorPoint returns a point inside an areal geometry (its centroid when
// that is inside, else the middle of the widest horizontal chord through
// it), or the geometry's centre for other types.
func InteriorPoint(g orb.Geometry) orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return g
	case orb.Polygon, orb.MultiPolygon:
		c, _ := planar.CentroidArea(g)
		if Contains(g, c) {
			return c
		}
		var xs []float64
		eachRing(g, func(r orb.Ring) {
			for i := 0; i+1 < len(r); i++ {
				a, b := r[i], r[i+1]
				if (a[1] <= c[1]) != (b[1] <= c[1]) {
					xs = append(xs, a[0]+(c[1]-a[1])/(b[1]-a[1])*(b[0]-a[0]))
				}
			}
		})
		sort.Float64s(xs)
		best, at := -1.0, c
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > best {
				best, at = w, orb.Point{(xs[i] + xs[i+1]) / 2, c[1]}
			}
		}
		return at
	case nil:
		return orb.Point{}
	}
	return g.Bound().Center()
}

// boxOverlap returns the area shared by two boxes.
func boxOverlap(a, b orb.Bound) float64 {
	w := min(a.Max[0], b.Max[0]) - max(a.Min[0], b.Min[0])
	h := min(a.Max[1], b.Max[1]) - max(a.Min[1], b.Min[1])
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}
