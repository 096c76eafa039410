package routing

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/campusnav/engine/geo"
)

// nodeIndex finds graph nodes and edges near a point, to snap places.
type nodeIndex struct {
	inUnit  map[*geo.Unit][]int32        // the nodes inside or on the walls of each unit
	nodes   map[int]*rtree.RTreeG[int32] // indoor, non-terminal nodes by ordinal
	outdoor map[int]*rtree.RTreeG[int32] // outdoor edges by the ordinal of their ends
}

func newNodeIndex(g *Graph) *nodeIndex {
	ix := &nodeIndex{inUnit: map[*geo.Unit][]int32{}, nodes: map[int]*rtree.RTreeG[int32]{}, outdoor: map[int]*rtree.RTreeG[int32]{}}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Unit != nil {
			ix.inUnit[n.Unit] = append(ix.inUnit[n.Unit], int32(i))
		}
		if o, ok := n.Feature.(*geo.Opening); ok {
			for _, u := range o.Units {
				ix.inUnit[u] = append(ix.inUnit[u], int32(i))
			}
		}
		if n.Level == nil || n.terminal {
			continue
		}
		t := ix.nodes[n.Ordinal]
		if t == nil {
			t = &rtree.RTreeG[int32]{}
			ix.nodes[n.Ordinal] = t
		}
		t.Insert(n.Point, n.Point, int32(i))
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		a, b := g.Nodes[e.From], g.Nodes[e.To]
		if e.Kind != EdgeOutdoor || a.Ordinal != b.Ordinal {
			continue
		}
		t := ix.outdoor[a.Ordinal]
		if t == nil {
			t = &rtree.RTreeG[int32]{}
			ix.outdoor[a.Ordinal] = t
		}
		bb := orb.MultiPoint{a.Point, b.Point}.Bound()
		t.Insert(bb.Min, bb.Max, int32(i))
	}
	return ix
}

// snapped is where a point joins the graph: the place the route starts or
// ends at, and its seeds.
type snapped struct {
	at    orb.Point
	seeds []seed
}

// snap joins a point on a level to the graph for role r and profile p: inside
// a unit the role may see, straight to the unit's doors and paths; elsewhere,
// to the nearest place on that level (an outdoor path or an indoor node) the
// role may use. It never leaves the ordinal.
func (g *Graph) snap(w geo.View, pt orb.Point, ordinal int, p Profile) (snapped, bool) {
	r := w.Role()
	lon, lat := g.Venue.Projection.ToLonLat(pt)
	loc := w.Locate(geo.Position{Lon: lon, Lat: lat, Ordinal: ordinal}, "en")
	if loc.Unit != nil {
		f, _ := w.Feature(loc.Unit.ID)
		u := f.(*geo.Unit)
		var seeds []seed
		for _, n := range g.index.inUnit[u] {
			nd := &g.Nodes[n]
			if nd.terminal || !g.nodeMask[n].has(r) || !segmentInside(u.Local, pt, nd.Point) {
				continue
			}
			seeds = append(seeds, seed{node: n, length: dist(pt, nd.Point)})
		}
		if len(seeds) > 0 {
			return snapped{at: pt, seeds: seeds}, true
		}
	}
	return g.snapNear(r, pt, ordinal, p)
}

// snapNear joins a point to the nearest place on its level, an outdoor path
// or an indoor node, that role r may use.
func (g *Graph) snapNear(r geo.Role, pt orb.Point, ordinal int, p Profile) (snapped, bool) {
	best := snapped{}
	bestD := math.Inf(1)
	if t := g.index.outdoor[ordinal]; t != nil {
		t.Nearby(rtree.BoxDist[float64, int32](pt, pt, nil), func(min, max [2]float64, ei int32, d2 float64) bool {
			if math.Sqrt(d2) > bestD { // the box distance is squared
				return false
			}
			e := &g.Edges[ei]
			if !e.mask.has(r) || (math.IsInf(e.cost[p][0], 1) && math.IsInf(e.cost[p][1], 1)) {
				return true
			}
			a, b := g.Nodes[e.From].Point, g.Nodes[e.To].Point
			tt, dd := project(a, b, pt)
			if dd < bestD {
				q := orb.Point{a[0] + tt*(b[0]-a[0]), a[1] + tt*(b[1]-a[1])}
				bestD = dd
				best = snapped{at: q}
				if !math.IsInf(e.cost[p][1], 1) {
					best.seeds = append(best.seeds, seed{node: e.From, length: dist(q, a)})
				}
				if !math.IsInf(e.cost[p][0], 1) {
					best.seeds = append(best.seeds, seed{node: e.To, length: dist(q, b)})
				}
			}
			return true
		})
	}
	if t := g.index.nodes[ordinal]; t != nil {
		t.Nearby(rtree.BoxDist[float64, int32](pt, pt, nil), func(_, _ [2]float64, n int32, d2 float64) bool {
			d := math.Sqrt(d2) // the box distance is squared
			if d >= bestD {
				return false
			}
			if !g.nodeMask[n].has(r) {
				return true
			}
			bestD = d
			best = snapped{at: g.Nodes[n].Point, seeds: []seed{{node: n}}}
			return false
		})
	}
	return best, len(best.seeds) > 0
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// Snap returns the place nearest pt on that ordinal that the viewer may
// walk to: pt itself inside a unit it sees, else the nearest point of a path
// or corridor it may use. ok is false when the level has none.
func (g *Graph) Snap(w geo.View, pt orb.Point, ordinal int) (orb.Point, bool) {
	lon, lat := g.Venue.Projection.ToLonLat(pt)
	if loc := w.Locate(geo.Position{Lon: lon, Lat: lat, Ordinal: ordinal}, "en"); loc.Unit != nil {
		return pt, true
	}
	sn, ok := g.snapNear(w.Role(), pt, ordinal, Walk)
	return sn.at, ok
}

// Adjacent calls fn for every edge at node n that role r may use: the edge,
// the node at its other end, and whether leaving n runs it To -> From.
func (g *Graph) Adjacent(n int32, r geo.Role, fn func(edge, other int32, back bool)) {
	for i := g.off[n]; i < g.off[n+1]; i++ {
		hf := &g.adj[i]
		if hf.mask.has(r) {
			fn(hf.edge, hf.to, hf.back)
		}
	}
}

// EdgePoints returns the points of edge e from its From to its To node,
// local metres.
func (g *Graph) EdgePoints(e int32) []orb.Point { return g.points(hop{&g.Edges[e], false}) }
