package routing

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// TestSnapNearFindsTheNearestPlace: a point off every unit is joined to
// the nearest outdoor path or indoor node the role may use, as a search of
// every one of them finds it. (The index's box distances are squared; they
// were once compared with plain distances, which stopped the search early
// and let a farther path win over a nearer path or node.)
func TestSnapNearFindsTheNearestPlace(t *testing.T) {
	g := campus(t)
	rng := rand.New(rand.NewPCG(11, 0))
	bb := g.Venue.Geometry.Bound()
	lo := g.Venue.Projection.ToLocal(bb.Min[0], bb.Min[1])
	hi := g.Venue.Projection.ToLocal(bb.Max[0], bb.Max[1])
	for _, r := range []geo.Role{geo.Staff, geo.Tourist} {
		for _, ord := range []int{0, 2, -1} {
			for i := 0; i < 300; i++ {
				pt := orb.Point{lo[0] + rng.Float64()*(hi[0]-lo[0]), lo[1] + rng.Float64()*(hi[1]-lo[1])}
				got, ok := g.snapNear(r, pt, ord, Walk)
				want := bruteNearest(g, r, pt, ord)
				if !ok {
					if !math.IsInf(want, 1) {
						t.Fatalf("%s, ordinal %d, %v: nothing found, but a place %.2f m away", r, ord, pt, want)
					}
					continue
				}
				if d := dist(pt, got.at); d > want+1e-6 {
					t.Errorf("%s, ordinal %d, %v: joined %.2f m away, the nearest place is %.2f m away", r, ord, pt, d, want)
				}
			}
		}
	}
}

// bruteNearest is the distance from pt to the nearest outdoor edge or
// indoor node of the ordinal that role r may use, by looking at each.
func bruteNearest(g *Graph, r geo.Role, pt orb.Point, ord int) float64 {
	best := math.Inf(1)
	for i := range g.Edges {
		e := &g.Edges[i]
		a, b := g.Nodes[e.From], g.Nodes[e.To]
		if e.Kind != EdgeOutdoor || a.Ordinal != ord || b.Ordinal != ord || !e.mask.has(r) ||
			(math.IsInf(e.cost[Walk][0], 1) && math.IsInf(e.cost[Walk][1], 1)) {
			continue
		}
		if _, d := project(a.Point, b.Point, pt); d < best {
			best = d
		}
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Level == nil || n.terminal || n.Ordinal != ord || !g.nodeMask[i].has(r) {
			continue
		}
		if d := dist(pt, n.Point); d < best {
			best = d
		}
	}
	return best
}
