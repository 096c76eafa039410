package routing

import (
	"math"
	"sort"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// segmentInside reports whether the segment a-b stays inside the areal
// geometry g (walls included): walking it crosses no wall.
func segmentInside(g orb.Geometry, a, b orb.Point) bool {
	ts := []float64{0, 1}
	eachEdge(g, func(c, d orb.Point) {
		ts = append(ts, geo.Crossings(a, b, c, d)...)
	})
	sort.Float64s(ts)
	for i := 0; i+1 < len(ts); i++ {
		if ts[i+1]-ts[i] < 1e-9 {
			continue
		}
		t := (ts[i] + ts[i+1]) / 2
		m := orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
		if !geo.Contains(g, m) && geo.BoundaryDistance(g, m) > 1e-4 {
			return false
		}
	}
	return true
}

func eachEdge(g orb.Geometry, fn func(c, d orb.Point)) {
	rings := func(p orb.Polygon) {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				fn(r[i], r[i+1])
			}
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		rings(g)
	case orb.MultiPolygon:
		for _, p := range g {
			rings(p)
		}
	}
}

// cornerInset is how far inside a reflex corner a route turns, metres.
const cornerInset = 0.4

// reflexCorners returns, for each reflex (inward) corner of g, a point just
// inside it: a route around the corner turns there. Shortest paths inside a
// polygon bend only at its reflex corners.
func reflexCorners(g orb.Geometry) []orb.Point {
	var out []orb.Point
	ring := func(r orb.Ring, hole bool) {
		n := len(r) - 1
		if n < 3 {
			return
		}
		ccw := geo.SignedArea(r) > 0
		if hole {
			ccw = !ccw
		}
		for i := 0; i < n; i++ {
			prev, cur, next := r[(i+n-1)%n], r[i], r[(i+1)%n]
			cr := (cur[0]-prev[0])*(next[1]-cur[1]) - (cur[1]-prev[1])*(next[0]-cur[0])
			// Interior on the left (ccw): a right turn is reflex.
			if (ccw && cr >= -1e-9) || (!ccw && cr <= 1e-9) {
				continue
			}
			u := unit(orb.Point{prev[0] - cur[0], prev[1] - cur[1]})
			w := unit(orb.Point{next[0] - cur[0], next[1] - cur[1]})
			bis := unit(orb.Point{u[0] + w[0], u[1] + w[1]})
			if bis == (orb.Point{}) {
				continue
			}
			// The bisector of a reflex corner points outside: go the other way.
			p := orb.Point{cur[0] - bis[0]*cornerInset, cur[1] - bis[1]*cornerInset}
			if !geo.Contains(g, p) {
				p = orb.Point{cur[0] + bis[0]*cornerInset, cur[1] + bis[1]*cornerInset}
			}
			if geo.Contains(g, p) {
				out = append(out, p)
			}
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		for i, r := range g {
			ring(r, i > 0)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for i, r := range p {
				ring(r, i > 0)
			}
		}
	}
	return out
}

func unit(p orb.Point) orb.Point {
	l := math.Hypot(p[0], p[1])
	if l == 0 {
		return orb.Point{}
	}
	return orb.Point{p[0] / l, p[1] / l}
}

// corridorAxis returns the centre line of a unit that is a long rectangle
// (a corridor): its centre, the unit vector along it and its half-length.
// ok is false for any other shape.
func corridorAxis(g orb.Geometry) (c, dir orb.Point, half, width float64, ok bool) {
	p, isPoly := g.(orb.Polygon)
	if !isPoly || len(p) != 1 {
		return
	}
	r := p[0]
	if len(r) != 5 {
		return
	}
	e0 := orb.Point{r[1][0] - r[0][0], r[1][1] - r[0][1]}
	e1 := orb.Point{r[2][0] - r[1][0], r[2][1] - r[1][1]}
	l0, l1 := math.Hypot(e0[0], e0[1]), math.Hypot(e1[0], e1[1])
	if l0 == 0 || l1 == 0 {
		return
	}
	// Right angles at every corner.
	for i := 0; i < 4; i++ {
		a := orb.Point{r[i+1][0] - r[i][0], r[i+1][1] - r[i][1]}
		b := orb.Point{r[(i+2)%4][0] - r[i+1][0], r[(i+2)%4][1] - r[i+1][1]}
		if math.Abs(a[0]*b[0]+a[1]*b[1]) > 1e-3*math.Hypot(a[0], a[1])*math.Hypot(b[0], b[1]) {
			return
		}
	}
	c = orb.Point{(r[0][0] + r[2][0]) / 2, (r[0][1] + r[2][1]) / 2}
	if l0 >= l1 {
		dir, half, width = unit(e0), l0/2, l1
	} else {
		dir, half, width = unit(e1), l1/2, l0
	}
	return c, dir, half, width, 2*half >= 3*width
}
