package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// overlapArea returns the area shared by two areal geometries (Polygon or
// MultiPolygon) in the local metric plane, in square metres. Units that only
// touch along a wall share no area.
//
// It integrates the boundary of the intersection (Green's theorem): the
// parts of A's edges inside B and of B's edges inside A, both rings oriented
// counter-clockwise (holes clockwise). An edge that runs along the other
// polygon's edge in the same direction counts once.
func overlapArea(a, b orb.Geometry) float64 {
	var total float64
	for _, pa := range polygons(a) {
		for _, pb := range polygons(b) {
			if !pa.Bound().Intersects(pb.Bound()) || vertices(pa)*vertices(pb) > maxOverlapWork {
				continue
			}
			pa, pb := orient(pa), orient(pb)
			total += boundaryInside(pa, pb, true) + boundaryInside(pb, pa, false)
		}
	}
	return math.Abs(total)
}

// maxOverlapWork bounds the product of the vertex counts of two polygons
// whose overlap is measured (the work is about its square root cubed); pairs
// of larger polygons are not measured, so a hostile archive cannot stall a load.
const maxOverlapWork = 250_000

func vertices(p orb.Polygon) int {
	n := 0
	for _, r := range p {
		n += len(r)
	}
	return n
}

func polygons(g orb.Geometry) []orb.Polygon {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// orient returns p with its outer ring counter-clockwise and holes clockwise.
func orient(p orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		ccw := SignedArea(r) > 0
		if (i == 0) != ccw {
			rr := make(orb.Ring, len(r))
			for j := range r {
				rr[j] = r[len(r)-1-j]
			}
			r = rr
		}
		out[i] = r
	}
	return out
}

// SignedArea returns the area of a ring, positive when it runs
// counter-clockwise.
func SignedArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

// overlapEps is the distance (metres) under which a point counts as on a boundary.
const overlapEps = 1e-6

// boundaryInside returns the line integral, over the parts of a's edges inside
// b, of (x dy - y dx)/2. With sameDirection, parts lying on an edge of b that
// runs the same way count too.
func boundaryInside(a, b orb.Polygon, sameDirection bool) float64 {
	var sum float64
	for _, ra := range a {
		for i := 0; i+1 < len(ra); i++ {
			p, q := ra[i], ra[i+1]
			ts := []float64{0, 1}
			for _, rb := range b {
				for j := 0; j+1 < len(rb); j++ {
					ts = append(ts, Crossings(p, q, rb[j], rb[j+1])...)
				}
			}
			sort.Float64s(ts)
			for k := 0; k+1 < len(ts); k++ {
				if ts[k+1]-ts[k] < 1e-12 {
					continue
				}
				s := lerp(p, q, ts[k])
				e := lerp(p, q, ts[k+1])
				m := lerp(p, q, (ts[k]+ts[k+1])/2)
				in := false
				if BoundaryDistance(b, m) > overlapEps {
					in = Contains(b, m)
				} else if sameDirection {
					in = runsAlong(b, m, q[0]-p[0], q[1]-p[1])
				}
				if in {
					sum += (s[0]*e[1] - e[0]*s[1]) / 2
				}
			}
		}
	}
	return sum
}

func lerp(p, q orb.Point, t float64) orb.Point {
	return orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
}

// Crossings returns where, as fractions of p-q strictly between 0 and 1,
// the segment p-q meets c-d (for collinear segments, where c and d lie on it).
func Crossings(p, q, c, d orb.Point) []float64 {
	r := orb.Point{q[0] - p[0], q[1] - p[1]}
	s := orb.Point{d[0] - c[0], d[1] - c[1]}
	den := r[0]*s[1] - r[1]*s[0]
	rr := r[0]*r[0] + r[1]*r[1]
	if rr == 0 {
		return nil
	}
	if math.Abs(den) < 1e-15 {
		// Parallel: where c and d project onto p-q, when collinear.
		if math.Abs((c[0]-p[0])*r[1]-(c[1]-p[1])*r[0]) > 1e-9*math.Sqrt(rr) {
			return nil
		}
		var out []float64
		for _, x := range []orb.Point{c, d} {
			t := ((x[0]-p[0])*r[0] + (x[1]-p[1])*r[1]) / rr
			if t > 0 && t < 1 {
				out = append(out, t)
			}
		}
		return out
	}
	t := ((c[0]-p[0])*s[1] - (c[1]-p[1])*s[0]) / den
	u := ((c[0]-p[0])*r[1] - (c[1]-p[1])*r[0]) / den
	if t > 0 && t < 1 && u >= -1e-12 && u <= 1+1e-12 {
		return []float64{t}
	}
	return nil
}

// runsAlong reports whether the point m lies on an edge of b whose direction
// agrees with (dx, dy).
func runsAlong(b orb.Polygon, m orb.Point, dx, dy float64) bool {
	for _, r := range b {
		for j := 0; j+1 < len(r); j++ {
			c, d := r[j], r[j+1]
			ex, ey := d[0]-c[0], d[1]-c[1]
			l := math.Hypot(ex, ey)
			if l == 0 {
				continue
			}
			if math.Abs((m[0]-c[0])*ey-(m[1]-c[1])*ex)/l > overlapEps {
				continue
			}
			t := ((m[0]-c[0])*ex + (m[1]-c[1])*ey) / (l * l)
			if t >= 0 && t <= 1 && ex*dx+ey*dy > 0 {
				return true
			}
		}
	}
	return false
}
