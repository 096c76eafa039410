package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// geometryTypes lists, per feature type, the geometry types IMDF allows
// ("" stands for null).
var geometryTypes = map[string][]string{
	"address":      {""},
	"amenity":      {"Point"},
	"anchor":       {"Point"},
	"building":     {""},
	"detail":       {"LineString", "MultiLineString"},
	"fixture":      {"Polygon", "MultiPolygon"},
	"footprint":    {"Polygon", "MultiPolygon"},
	"geofence":     {"Polygon", "MultiPolygon"},
	"kiosk":        {"Polygon", "MultiPolygon"},
	"level":        {"Polygon", "MultiPolygon"},
	"occupant":     {""},
	"opening":      {"LineString"},
	"relationship": {"", "Point", "LineString", "Polygon", "MultiPolygon"},
	"section":      {"Polygon", "MultiPolygon"},
	"unit":         {"Polygon", "MultiPolygon"},
	"venue":        {"Polygon", "MultiPolygon"},
	"beacon":       {"Point"},
	"path":         {"LineString"},
	"gate":         {"Point"},
	"reader":       {"Point"},
}

func geometryTypeName(g orb.Geometry) string {
	if g == nil {
		return ""
	}
	return g.GeoJSONType()
}

func validLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0) &&
		p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// maxSelfIntersectionCheck bounds the vertices of a ring checked for
// self-intersection pair by pair (quadratic); larger rings are not checked.
const maxSelfIntersectionCheck = 4000

// checkGeometry returns what is wrong with g, or "" when it is sound.
func checkGeometry(g orb.Geometry) string {
	switch g := g.(type) {
	case orb.Point:
		if !validLonLat(g) {
			return fmt.Sprintf("coordinate %v is not a longitude, latitude", [2]float64(g))
		}
	case orb.LineString:
		return checkLine(g)
	case orb.MultiLineString:
		for _, ls := range g {
			if msg := checkLine(ls); msg != "" {
				return msg
			}
		}
	case orb.Polygon:
		return checkPolygon(g)
	case orb.MultiPolygon:
		if len(g) == 0 {
			return "MultiPolygon has no polygon"
		}
		for _, p := range g {
			if msg := checkPolygon(p); msg != "" {
				return msg
			}
		}
	case orb.MultiPoint:
		for _, p := range g {
			if !validLonLat(p) {
				return fmt.Sprintf("coordinate %v is not a longitude, latitude", [2]float64(p))
			}
		}
	default:
		return fmt.Sprintf("unsupported geometry %s", geometryTypeName(g))
	}
	return ""
}

func checkLine(ls orb.LineString) string {
	if len(ls) < 2 {
		return "LineString has fewer than 2 positions"
	}
	for _, p := range ls {
		if !validLonLat(p) {
			return fmt.Sprintf("coordinate %v is not a longitude, latitude", [2]float64(p))
		}
	}
	for _, p := range ls[1:] {
		if p != ls[0] {
			return ""
		}
	}
	return "LineString has zero length"
}

func checkPolygon(p orb.Polygon) string {
	if len(p) == 0 {
		return "Polygon has no ring"
	}
	for i, r := range p {
		if len(r) < 4 {
			return fmt.Sprintf("ring %d has %d positions (a closed ring needs at least 4)", i, len(r))
		}
		for _, pt := range r {
			if !validLonLat(pt) {
				return fmt.Sprintf("coordinate %v is not a longitude, latitude", [2]float64(pt))
			}
		}
		if r[0] != r[len(r)-1] {
			return fmt.Sprintf("ring %d is not closed", i)
		}
		if planar.Area(r) == 0 {
			return fmt.Sprintf("ring %d has zero area", i)
		}
		if len(r) <= maxSelfIntersectionCheck {
			if a, b, ok := selfIntersection(r); ok {
				return fmt.Sprintf("ring %d intersects itself (edges %d and %d)", i, a, b)
			}
		}
	}
	return ""
}

// selfIntersection finds two non-adjacent edges of a closed ring that cross
// or touch.
func selfIntersection(r orb.Ring) (int, int, bool) {
	n := len(r) - 1 // edges
	for i := 0; i < n; i++ {
		a1, a2 := r[i], r[i+1]
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // the first and last edges share the closing vertex
			}
			if segmentsIntersect(a1, a2, r[j], r[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

func segmentsIntersect(p1, p2, q1, q2 orb.Point) bool {
	d1 := cross(q1, q2, p1)
	d2 := cross(q1, q2, p2)
	d3 := cross(p1, p2, q1)
	d4 := cross(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(q1, q2, p1)) || (d2 == 0 && onSegment(q1, q2, p2)) ||
		(d3 == 0 && onSegment(p1, p2, q1)) || (d4 == 0 && onSegment(p1, p2, q2))
}

// project returns g in the local metric plane of pr.
func project(pr Projection, g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case nil:
		return nil
	case orb.Point:
		return pr.ToLocal(g[0], g[1])
	case orb.MultiPoint:
		out := make(orb.MultiPoint, len(g))
		for i, p := range g {
			out[i] = pr.ToLocal(p[0], p[1])
		}
		return out
	case orb.LineString:
		return orb.LineString(project(pr, orb.MultiPoint(g)).(orb.MultiPoint))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			out[i] = project(pr, ls).(orb.LineString)
		}
		return out
	case orb.Ring:
		return orb.Ring(project(pr, orb.MultiPoint(g)).(orb.MultiPoint))
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = project(pr, r).(orb.Ring)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = project(pr, p).(orb.Polygon)
		}
		return out
	}
	return nil
}

// Contains reports whether the areal geometry g (Polygon or MultiPolygon)
// contains pt.
func Contains(g orb.Geometry, pt orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, pt)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, pt)
	}
	return false
}

// BoundaryDistance returns the distance from pt to the nearest edge of the
// areal geometry g (its outer rings and holes), in g's units.
func BoundaryDistance(g orb.Geometry, pt orb.Point) float64 {
	best := math.Inf(1)
	eachRing(g, func(r orb.Ring) {
		for i := 0; i+1 < len(r); i++ {
			if d := planar.DistanceFromSegment(r[i], r[i+1], pt); d < best {
				best = d
			}
		}
	})
	return best
}

// outerDistance returns the distance from pt to the nearest edge of the outer
// rings of g.
func outerDistance(g orb.Geometry, pt orb.Point) float64 {
	best := math.Inf(1)
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	for _, p := range polys {
		if len(p) == 0 {
			continue
		}
		r := p[0]
		for i := 0; i+1 < len(r); i++ {
			if d := planar.DistanceFromSegment(r[i], r[i+1], pt); d < best {
				best = d
			}
		}
	}
	return best
}

func eachRing(g orb.Geometry, fn func(orb.Ring)) {
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			fn(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				fn(r)
			}
		}
	}
}

// Midpoint returns the point halfway along a line string.
func Midpoint(ls orb.LineString) orb.Point {
	total := planar.Length(ls)
	if total == 0 || len(ls) < 2 {
		if len(ls) > 0 {
			return ls[0]
		}
		return orb.Point{}
	}
	half := total / 2
	for i := 0; i+1 < len(ls); i++ {
		d := planar.Distance(ls[i], ls[i+1])
		if d >= half {
			t := half / d
			return orb.Point{ls[i][0] + t*(ls[i+1][0]-ls[i][0]), ls[i][1] + t*(ls[i+1][1]-ls[i][1])}
		}
		half -= d
	}
	return ls[len(ls)-1]
}

func box(b orb.Bound) (min, max [2]float64) {
	return [2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}
}
