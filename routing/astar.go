package routing

import (
	"math"
	"sync"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// seed joins a place to the graph: a node, and the straight walk between the
// place's own point and that node (none when the place is the node).
type seed struct {
	node   int32
	length float64 // metres from the place to the node
	cost   float64 // seconds, beyond the walk of length
}

// search is the reusable state of one search: distances, the edge each node
// was reached by, and a generation stamp so nothing is cleared between
// searches.
type search struct {
	dist   []float64
	via    []int32 // the half-edge index a node was reached by; -1 for a seed
	stamp  []uint32
	closed []uint32
	gen    uint32
	open   pq
}

type pqItem struct {
	f    float64
	node int32
}

// pq is a binary min-heap of pqItem by f, typed to avoid boxing.
type pq []pqItem

func (q pq) Len() int { return len(q) }

func (q *pq) push(it pqItem) {
	*q = append(*q, it)
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].f <= h[i].f {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (q *pq) pop() pqItem {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].f < h[l].f {
			m = r
		}
		if h[i].f <= h[m].f {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

func (s *search) reached(n int32) bool { return s.stamp[n] == s.gen }

func (g *Graph) pool() *sync.Pool {
	g.poolOnce.Do(func() {
		g.searches = &sync.Pool{New: func() any {
			n := len(g.Nodes)
			return &search{dist: make([]float64, n), via: make([]int32, n), stamp: make([]uint32, n), closed: make([]uint32, n)}
		}}
	})
	return g.searches
}

func (g *Graph) getSearch() *search {
	s := g.pool().Get().(*search)
	s.gen++
	if s.gen == 0 { // wrapped: clear the stamps once
		clear(s.stamp)
		clear(s.closed)
		s.gen = 1
	}
	s.open = s.open[:0]
	return s
}

// found is the result of one search: the goal seed reached and its total cost.
type found struct {
	goal int // index into goals
	cost float64
}

// astar finds the least-cost way from any source seed to any goal seed for
// profile p and role r. The heuristic, the 3-D straight-line distance to the
// nearest goal at the profile's speed, never overestimates an edge (every
// edge costs at least its endpoints' 3-D distance at that speed), so it is
// consistent and the first goal settled is optimal.
func (g *Graph) astar(s *search, p Profile, r geo.Role, sources, goals []seed) (found, bool) {
	speed := p.speed()
	goalPts := make([][3]float64, 0, len(goals))
	goalAt := map[int32][]int{}
	for i, gs := range goals {
		n := &g.Nodes[gs.node]
		goalPts = append(goalPts, [3]float64{n.Point[0], n.Point[1], FloorHeight * float64(n.Ordinal)})
		goalAt[gs.node] = append(goalAt[gs.node], i)
	}
	goalNodes := make([]int32, len(goals))
	for i, gs := range goals {
		goalNodes[i] = gs.node
	}
	lm := g.table(p, r)
	if lm.apart(sources, goals) {
		return found{}, false
	}
	h := func(n int32) float64 {
		nd := &g.Nodes[n]
		best := math.Inf(1)
		for _, q := range goalPts {
			dx, dy, dz := nd.Point[0]-q[0], nd.Point[1]-q[1], FloorHeight*float64(nd.Ordinal)-q[2]
			if d := math.Sqrt(dx*dx + dy*dy + dz*dz); d < best {
				best = d
			}
		}
		return math.Max(best/speed, lm.bound(g, n, goalNodes))
	}
	for _, sd := range sources {
		c := sd.length/speed + sd.cost
		if !s.reached(sd.node) || c < s.dist[sd.node] {
			s.stamp[sd.node], s.dist[sd.node], s.via[sd.node] = s.gen, c, -1
			s.open.push(pqItem{c + h(sd.node), sd.node})
		}
	}
	bestGoal, bestCost := -1, math.Inf(1)
	for s.open.Len() > 0 {
		it := s.open.pop()
		n := it.node
		if s.closed[n] == s.gen {
			continue
		}
		if it.f >= bestCost {
			break
		}
		s.closed[n] = s.gen
		d := s.dist[n]
		for _, gi := range goalAt[n] {
			if c := d + goals[gi].length/speed + goals[gi].cost; c < bestCost {
				bestGoal, bestCost = gi, c
			}
		}
		if g.Nodes[n].terminal && s.via[n] >= 0 {
			continue // a room's point ends routes; it is not walked through
		}
		for i := g.off[n]; i < g.off[n+1]; i++ {
			hf := &g.adj[i]
			c := hf.cost[p]
			if math.IsInf(c, 1) || !hf.mask.has(r) {
				continue
			}
			t := hf.to
			nd := d + c
			if s.reached(t) && nd >= s.dist[t] {
				continue
			}
			s.stamp[t], s.dist[t], s.via[t] = s.gen, nd, i
			s.open.push(pqItem{nd + h(t), t})
		}
	}
	if bestGoal < 0 {
		return found{}, false
	}
	return found{bestGoal, bestCost}, true
}

// hop is one edge of a found route, in the direction travelled.
type hop struct {
	edge *Edge
	back bool
}

// path returns the edges from a source seed to node n, in order.
func (g *Graph) path(s *search, n int32) []hop {
	var hops []hop
	for s.via[n] >= 0 {
		hf := &g.adj[s.via[n]]
		e := &g.Edges[hf.edge]
		hops = append(hops, hop{e, hf.back})
		if hf.back {
			n = e.To
		} else {
			n = e.From
		}
	}
	for i, j := 0, len(hops)-1; i < j; i, j = i+1, j-1 {
		hops[i], hops[j] = hops[j], hops[i]
	}
	return hops
}

// points returns the points of a hop in the direction travelled, local metres.
func (g *Graph) points(h hop) []orb.Point {
	e := h.edge
	pts := make([]orb.Point, 0, len(e.Via)+2)
	pts = append(pts, g.Nodes[e.From].Point)
	pts = append(pts, e.Via...)
	pts = append(pts, g.Nodes[e.To].Point)
	if h.back {
		for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}
	return pts
}
