package routing

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// Nearest returns the k amenities of a category (or of any of its kinds:
// "restroom" covers "restroom.male"...) the viewer may see with the
// shortest walking time from a position, for profile p: a Dijkstra search
// from where the position joins the graph, stopped when k are settled.
// Distances are walked metres; durations, walking seconds. A position
// farther than geo.MaxOutsideM outside the venue is a *geo.FarError.
func (g *Graph) Nearest(w geo.View, category string, at geo.Position, k int, p Profile, lang string) ([]geo.Nearby, error) {
	out := []geo.Nearby{}
	if err := g.Venue.CheckNear(at.Lon, at.Lat); err != nil {
		return nil, err
	}
	if k <= 0 {
		return out, nil
	}
	pt := g.Venue.Projection.ToLocal(at.Lon, at.Lat)
	sn, ok := g.snap(w, pt, at.Ordinal, p)
	if !ok {
		return nil, noRoute("nothing you may walk to on this level near this position", "该位置附近的这一层没有你可以步行到达的地方")
	}
	r := w.Role()
	s := g.getSearch()
	defer g.pool().Put(s)
	speed := p.speed()
	for _, sd := range sn.seeds {
		c := sd.length / speed
		if !s.reached(sd.node) || c < s.dist[sd.node] {
			s.stamp[sd.node], s.dist[sd.node], s.via[sd.node] = s.gen, c, -1
			s.open.push(pqItem{c, sd.node})
		}
	}
	seedLen := map[int32]float64{}
	for _, sd := range sn.seeds {
		seedLen[sd.node] = sd.length
	}
	for s.open.Len() > 0 && len(out) < k {
		it := s.open.pop()
		n := it.node
		if s.closed[n] == s.gen {
			continue
		}
		s.closed[n] = s.gen
		nd := &g.Nodes[n]
		if a, ok := nd.Feature.(*geo.Amenity); ok && geo.InCategory(a.Category, category) && w.Sees(a) {
			out = append(out, g.nearby(w, s, a, n, p, seedLen, lang))
		}
		if nd.terminal && s.via[n] >= 0 {
			continue
		}
		d := s.dist[n]
		for i := g.off[n]; i < g.off[n+1]; i++ {
			hf := &g.adj[i]
			c := hf.cost[p]
			if math.IsInf(c, 1) || !hf.mask.has(r) {
				continue
			}
			if t := hf.to; !s.reached(t) || d+c < s.dist[t] {
				s.stamp[t], s.dist[t], s.via[t] = s.gen, d+c, i
				s.open.push(pqItem{d + c, t})
			}
		}
	}
	return out, nil
}

// nearby describes an amenity reached by the search: the metres and seconds
// walked to it.
func (g *Graph) nearby(w geo.View, s *search, a *geo.Amenity, n int32, p Profile, seedLen map[int32]float64, lang string) geo.Nearby {
	hops := g.path(s, n)
	start := n
	if len(hops) > 0 {
		start = hops[0].edge.From
		if hops[0].back {
			start = hops[0].edge.To
		}
	}
	length := seedLen[start]
	secs := length / p.speed()
	for _, h := range hops {
		dir := 0
		if h.back {
			dir = 1
		}
		length += h.edge.Length
		secs += h.edge.time[p][dir]
	}
	res := geo.Nearby{
		ID: a.ID, Name: a.Name.In(lang), Category: a.Category, Ordinal: a.Ordinal,
		DistanceM: round1(length), DurationS: round1(secs),
	}
	if res.Name == "" {
		res.Name = geo.CategoryLabel(a.Category, lang)
	}
	w.Describe(&res, a, lang)
	if pt, ok := a.Geometry.(orb.Point); ok {
		res.Lon, res.Lat = pt[0], pt[1]
	}
	return res
}
