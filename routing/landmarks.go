package routing

import (
	"math"
	"sync"

	"github.com/campusnav/engine/geo"
)

// numLandmarks is how many landmarks the ALT lower bounds use.
const numLandmarks = 12

// landmarks holds, for one profile and one class of roles (roles that may
// use the same edges), the least costs from and to each landmark. By the
// triangle inequality, d(v,t) >= d(L,t) - d(L,v) and d(v,t) >= d(v,L) -
// d(t,L) for every landmark L: a lower bound that A* (ALT) uses beside the
// straight-line one. Both are consistent, and so is their maximum.
type landmarks struct {
	from [][]float64 // from[i][v] = d(L_i, v)
	to   [][]float64 // to[i][v] = d(v, L_i)
	// comp[v] is v's component: the nodes joined by edges usable in some
	// direction. Nodes of different components never reach each other.
	comp []int32
}

// altTables holds the landmark tables, computed on first use per profile
// and role class.
type altTables struct {
	nodes    []int32     // the landmarks
	walkFrom [][]float64 // the selection's distances from each landmark: Walk, for staff
	classOf  [geo.MaxRoles]int
	reps     []geo.Role // a role of each class
	// lender[c] is a class whose tables class c uses, or -1: a guest
	// role's class borrows those of a base role that may use every edge
	// it may (distances there are no longer, so the bounds hold), and
	// keeps only its components.
	lender []int
	once   [][numProfiles]sync.Once
	tables [][numProfiles]*landmarks
}

// roleClasses groups the roles that may use exactly the same edges.
func (g *Graph) roleClasses() (classOf [geo.MaxRoles]int, reps []geo.Role) {
	for _, r := range g.Venue.AllRoles() {
		found := -1
		for ci, rep := range reps {
			same := true
			for i := range g.Edges {
				if g.Edges[i].mask.has(r) != g.Edges[i].mask.has(rep) {
					same = false
					break
				}
			}
			if same {
				found = ci
				break
			}
		}
		if found < 0 {
			reps = append(reps, r)
			found = len(reps) - 1
		}
		classOf[r] = found
	}
	return classOf, reps
}

// lenders says, for each class of reps, the class of a base role whose
// edges hold all of its own with the fewest others, for a guest role's
// class; -1 for the others.
func (g *Graph) lenders(reps []geo.Role) []int {
	out := make([]int, len(reps))
	for c, r := range reps {
		out[c] = -1
		if !r.Guest() {
			continue
		}
		fewest := math.MaxInt
		for c2, base := range reps {
			if base.Guest() {
				continue
			}
			more, holds := 0, true
			for i := range g.Edges {
				m := g.Edges[i].mask
				if m.has(r) && !m.has(base) {
					holds = false
					break
				}
				if m.has(base) && !m.has(r) {
					more++
				}
			}
			if holds && more < fewest {
				out[c], fewest = c2, more
			}
		}
	}
	return out
}

// initLandmarks picks landmarks spread over the graph: each the node
// farthest (for walkers who may use every edge) from those already picked.
func (g *Graph) initLandmarks() {
	alt := &altTables{}
	alt.classOf, alt.reps = g.roleClasses()
	alt.lender = g.lenders(alt.reps)
	n := len(alt.reps)
	alt.once = make([][numProfiles]sync.Once, n)
	alt.tables = make([][numProfiles]*landmarks, n)
	if len(g.Nodes) == 0 {
		g.alt = alt
		return
	}
	minDist := make([]float64, len(g.Nodes))
	for i := range minDist {
		minDist[i] = math.Inf(1)
	}
	next := int32(0)
	for len(alt.nodes) < numLandmarks {
		d := g.dijkstraAll(next, Walk, geo.Staff, false)
		alt.nodes = append(alt.nodes, next)
		alt.walkFrom = append(alt.walkFrom, d)
		best, bestD := int32(-1), -1.0
		for v, x := range d {
			if x < minDist[v] {
				minDist[v] = x
			}
			if !math.IsInf(minDist[v], 1) && minDist[v] > bestD {
				best, bestD = int32(v), minDist[v]
			}
		}
		if best < 0 || bestD == 0 {
			break
		}
		next = best
	}
	g.alt = alt
}

// table returns the landmark distances for profile p and role r.
func (g *Graph) table(p Profile, r geo.Role) *landmarks {
	c := g.alt.classOf[r]
	g.alt.once[c][p].Do(func() {
		if l := g.alt.lender[c]; l >= 0 {
			base := g.table(p, g.alt.reps[l])
			g.alt.tables[c][p] = &landmarks{from: base.from, to: base.to, comp: g.components(p, r)}
			return
		}
		k := len(g.alt.nodes)
		lm := &landmarks{from: make([][]float64, k), to: make([][]float64, k)}
		var wg sync.WaitGroup
		reuse := p == Walk && c == g.alt.classOf[geo.Staff]
		for i, l := range g.alt.nodes {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if reuse {
					lm.from[i] = g.alt.walkFrom[i] // computed when the landmarks were picked
				} else {
					lm.from[i] = g.dijkstraAll(l, p, r, false)
				}
			}()
			go func() { defer wg.Done(); lm.to[i] = g.dijkstraAll(l, p, r, true) }()
		}
		lm.comp = g.components(p, r)
		wg.Wait()
		g.alt.tables[c][p] = lm
	})
	return g.alt.tables[c][p]
}

// Warm computes the landmark tables of every profile and role (guest roles
// too) now, rather than on the first route that needs them.
func (g *Graph) Warm() {
	var wg sync.WaitGroup
	for _, p := range Profiles {
		for _, r := range g.Venue.AllRoles() {
			wg.Add(1)
			go func() { defer wg.Done(); g.table(p, r) }()
		}
	}
	wg.Wait()
}

// dijkstraAll returns the least cost from src to every node (or, reverse,
// from every node to src) for profile p and role r. Terminal nodes are not
// passed through, as in routing.
func (g *Graph) dijkstraAll(src int32, p Profile, r geo.Role, reverse bool) []float64 {
	return g.dijkstra([]pqItem{{0, src}}, r, func(hf *half) float64 {
		if !reverse {
			return hf.cost[p]
		}
		// The edge travelled the other way: from hf.to to n.
		e := &g.Edges[hf.edge]
		if hf.back {
			return e.cost[p][0]
		}
		return e.cost[p][1]
	})
}

// dijkstra returns the least sum of weight from the sources (each with
// its own start) to every node, for role r; +Inf for a forbidden step.
// Terminal nodes are ends, never a way through (a source's own node
// included, unless it is the only source's).
func (g *Graph) dijkstra(sources []pqItem, r geo.Role, weight func(hf *half) float64) []float64 {
	d := make([]float64, len(g.Nodes))
	for i := range d {
		d[i] = math.Inf(1)
	}
	done := make([]bool, len(g.Nodes))
	var q pq
	for _, s := range sources {
		if s.f < d[s.node] {
			d[s.node] = s.f
			q.push(s)
		}
	}
	only := int32(-1)
	if len(sources) == 1 {
		only = sources[0].node
	}
	for q.Len() > 0 {
		it := q.pop()
		n := it.node
		if done[n] {
			continue
		}
		done[n] = true
		if g.Nodes[n].terminal && n != only {
			continue
		}
		for i := g.off[n]; i < g.off[n+1]; i++ {
			hf := &g.adj[i]
			if !hf.mask.has(r) {
				continue
			}
			c := weight(hf)
			if math.IsInf(c, 1) {
				continue
			}
			if nd := it.f + c; nd < d[hf.to] {
				d[hf.to] = nd
				q.push(pqItem{nd, hf.to})
			}
		}
	}
	return d
}

// bound returns the ALT lower bound of the cost from v to the nearest goal.
// A terminal goal (a room's point) is never passed through, so the triangle
// d(v,L) <= d(v,t) + d(t,L) does not hold for it and only the bound through
// d(L,t) is used.
func (lm *landmarks) bound(g *Graph, v int32, goals []int32) float64 {
	best := math.Inf(1)
	for _, t := range goals {
		b := 0.0
		through := !g.Nodes[t].terminal
		for i := range lm.from {
			if x := lm.from[i][t] - lm.from[i][v]; x > b && !math.IsInf(lm.from[i][t], 1) {
				b = x
			}
			if !through {
				continue
			}
			if x := lm.to[i][v] - lm.to[i][t]; x > b && !math.IsInf(lm.to[i][v], 1) {
				b = x
			}
		}
		if b < best {
			best = b
		}
	}
	return best
}

// components labels the nodes joined by edges role r may use, in at least
// one direction, for profile p (union-find).
func (g *Graph) components(p Profile, r geo.Role) []int32 {
	parent := make([]int32, len(g.Nodes))
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		if !e.mask.has(r) || (math.IsInf(e.cost[p][0], 1) && math.IsInf(e.cost[p][1], 1)) {
			continue
		}
		if a, b := find(e.From), find(e.To); a != b {
			parent[a] = b
		}
	}
	for i := range parent {
		parent[i] = find(int32(i))
	}
	return parent
}

// apart reports whether no source shares a component with any goal: then
// no route exists, and no search is needed.
func (lm *landmarks) apart(sources, goals []seed) bool {
	for _, s := range sources {
		for _, t := range goals {
			if lm.comp[s.node] == lm.comp[t.node] {
				return false
			}
		}
	}
	return true
}
