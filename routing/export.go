package routing

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
)

// Exported vertex ids. Node n is vertex n+1. A terminal node (a room's
// point, an amenity), which routes end at or start from but never pass
// through, is two vertices: n+1 that edges only enter, and N+n+1 (N the
// number of nodes) that edges only leave. So the exported graph, read by
// any shortest-path tool, allows exactly the routes this router allows.

// VertexIn returns the exported vertex id of node n as a route's end.
func (g *Graph) VertexIn(n int32) int64 { return int64(n) + 1 }

// VertexOut returns the exported vertex id of node n as a route's start.
func (g *Graph) VertexOut(n int32) int64 {
	if g.Nodes[n].terminal {
		return int64(len(g.Nodes)) + int64(n) + 1
	}
	return int64(n) + 1
}

// vertexNode maps an exported vertex id back to its node, and says whether
// the vertex may start and end a route.
func (g *Graph) vertexNode(id int64) (n int32, canStart, canEnd, ok bool) {
	N := int64(len(g.Nodes))
	switch {
	case id >= 1 && id <= N:
		n = int32(id - 1)
		return n, !g.Nodes[n].terminal, true, true
	case id > N && id <= 2*N && g.Nodes[id-N-1].terminal:
		return int32(id - N - 1), true, false, true
	}
	return 0, false, false, false
}

// exportRow is one row of the edge table.
type exportRow struct {
	id, source, target int64
	cost, reverse      float64 // -1 where forbidden
	edge               *Edge
	back               bool // the row runs the edge To -> From
}

func costOrNone(c float64) float64 {
	if math.IsInf(c, 1) {
		return -1
	}
	return c
}

// rows lists the edge table for profile p and role r: every edge the role
// may use in at least one direction.
func (g *Graph) rows(p Profile, r geo.Role, fn func(exportRow)) {
	M := int64(len(g.Edges))
	for i := range g.Edges {
		e := &g.Edges[i]
		if !e.mask.has(r) {
			continue
		}
		fwd, bwd := costOrNone(e.cost[p][0]), costOrNone(e.cost[p][1])
		if fwd < 0 && bwd < 0 {
			continue
		}
		from, to := g.Nodes[e.From].terminal, g.Nodes[e.To].terminal
		id := int64(i) + 1
		switch {
		case !from && !to:
			fn(exportRow{id, g.VertexOut(e.From), g.VertexIn(e.To), fwd, bwd, e, false})
		default:
			// One end is terminal: one row into it, one row out of it.
			if fwd >= 0 {
				fn(exportRow{id, g.VertexOut(e.From), g.VertexIn(e.To), fwd, -1, e, false})
			}
			if bwd >= 0 {
				fn(exportRow{M + id, g.VertexOut(e.To), g.VertexIn(e.From), bwd, -1, e, true})
			}
		}
	}
}

func formatCost(c float64) string { return strconv.FormatFloat(c, 'g', -1, 64) }

// WriteCSV writes the graph as profile p and role r route on it, as the edge
// table pgRouting reads: id,source,target,cost,reverse_cost,x1,y1,x2,y2, costs
// in seconds (-1 where a direction is forbidden) printed exactly, x and y
// longitude and latitude.
func (g *Graph) WriteCSV(out io.Writer, p Profile, r geo.Role) error {
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "id,source,target,cost,reverse_cost,x1,y1,x2,y2")
	g.rows(p, r, func(row exportRow) {
		a, b := g.rowEnds(row)
		fmt.Fprintf(w, "%d,%d,%d,%s,%s,%s,%s,%s,%s\n", row.id, row.source, row.target,
			formatCost(row.cost), formatCost(row.reverse),
			formatCost(a[0]), formatCost(a[1]), formatCost(b[0]), formatCost(b[1]))
	})
	return w.Flush()
}

func (g *Graph) rowEnds(row exportRow) (a, b [2]float64) {
	x, y := g.Nodes[row.edge.From].Point, g.Nodes[row.edge.To].Point
	if row.back {
		x, y = y, x
	}
	return g.lonLat(x), g.lonLat(y)
}

// WriteGeoJSON writes the same edge table as a GeoJSON FeatureCollection of
// LineStrings, for looking at the graph on a map.
func (g *Graph) WriteGeoJSON(out io.Writer, p Profile, r geo.Role) error {
	w := bufio.NewWriter(out)
	fmt.Fprint(w, `{"type":"FeatureCollection","features":[`)
	first := true
	var err error
	g.rows(p, r, func(row exportRow) {
		if err != nil {
			return
		}
		var coords [][2]float64
		for _, pt := range g.points(hop{row.edge, row.back}) {
			coords = append(coords, g.lonLat(pt))
		}
		f := map[string]any{
			"type":     "Feature",
			"id":       row.id,
			"geometry": map[string]any{"type": "LineString", "coordinates": coords},
			"properties": map[string]any{
				"source": row.source, "target": row.target, "cost": row.cost, "reverse_cost": row.reverse,
				"kind": kindName(row.edge.Kind), "ordinal": g.Nodes[row.edge.From].Ordinal,
			},
		}
		var b []byte
		if b, err = json.Marshal(f); err != nil {
			return
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.WriteByte('\n')
		w.Write(b)
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n]}")
	return w.Flush()
}

func kindName(k EdgeKind) string {
	switch k {
	case EdgeIndoor:
		return "indoor"
	case EdgeOutdoor:
		return "outdoor"
	}
	return viaName(k)
}

// VertexCost returns the least cost, in seconds, from one exported vertex to
// another for profile p and role r, by the same search as Route; ok is
// false when the target cannot be reached (or an id is not a vertex).
func (g *Graph) VertexCost(p Profile, r geo.Role, source, target int64) (float64, bool) {
	s, canStart, _, ok1 := g.vertexNode(source)
	t, _, canEnd, ok2 := g.vertexNode(target)
	if !ok1 || !ok2 {
		return 0, false
	}
	if source == target {
		return 0, true
	}
	if !canStart || !canEnd {
		return 0, false
	}
	sources := []seed{{node: s}}
	if s == t {
		// A room's point back to itself: out through a door and in again.
		sources = nil
		for i := g.off[s]; i < g.off[s+1]; i++ {
			hf := &g.adj[i]
			if hf.mask.has(r) && !math.IsInf(hf.cost[p], 1) {
				sources = append(sources, seed{node: hf.to, cost: hf.cost[p]})
			}
		}
	}
	sr := g.getSearch()
	defer g.pool().Put(sr)
	res, ok := g.astar(sr, p, r, sources, []seed{{node: t}})
	return res.cost, ok
}
