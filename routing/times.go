package routing

import (
	"math"

	"github.com/campusnav/engine/geo"
)

// Spot is a position joined to the graph for one view and profile, to
// time walks from and to it many times over (Times).
type Spot struct {
	seeds []seed
}

// SpotOf joins pos to the graph as the viewer w may walk with profile p;
// false where nothing w may walk to is near it on its level.
func (g *Graph) SpotOf(w geo.View, pos geo.Position, p Profile) (Spot, bool) {
	sn, ok := g.snap(w, g.Venue.Projection.ToLocal(pos.Lon, pos.Lat), pos.Ordinal, p)
	if !ok || len(sn.seeds) == 0 {
		return Spot{}, false
	}
	return Spot{seeds: sn.seeds}, true
}

// Times is the fastest time, in seconds, from one spot to each of the
// spots to (of the same view and profile), for role r with profile p: one
// search for all of them, by the edges' times alone (no penalty steers
// it, so it is the least time, where a route is the least cost). A spot
// not reached, or the zero Spot, is +Inf.
func (g *Graph) Times(from Spot, to []Spot, p Profile, r geo.Role) []float64 {
	out := make([]float64, len(to))
	for i := range out {
		out[i] = math.Inf(1)
	}
	if len(from.seeds) == 0 {
		return out
	}
	speed := p.speed()
	sources := make([]pqItem, len(from.seeds))
	for i, s := range from.seeds {
		sources[i] = pqItem{s.length / speed, s.node}
	}
	d := g.dijkstra(sources, r, func(hf *half) float64 {
		if math.IsInf(hf.cost[p], 1) {
			return math.Inf(1)
		}
		e := &g.Edges[hf.edge]
		if hf.back {
			return e.time[p][1]
		}
		return e.time[p][0]
	})
	for i, sp := range to {
		for _, s := range sp.seeds {
			if t := d[s.node] + s.length/speed; t < out[i] {
				out[i] = t
			}
		}
	}
	return out
}

// Alike is the role that walks the graph exactly as r does (the first of
// the venue's roles using the same edges): times of one hold for the other.
func (g *Graph) Alike(r geo.Role) geo.Role {
	if g.alt == nil || int(r) >= len(g.alt.classOf) {
		return r
	}
	for _, o := range g.Venue.AllRoles() {
		if g.alt.classOf[o] == g.alt.classOf[r] {
			return o
		}
	}
	return r
}
