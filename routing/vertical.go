package routing

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/campusnav/engine/geo"
)

// verticalKinds maps relationship and unit categories to edge kinds.
var verticalKinds = map[string]EdgeKind{
	"elevator": EdgeElevator, "stairs": EdgeStairs, "escalator": EdgeEscalator, "ramp": EdgeRamp,
}

// addVertical links levels: from the IMDF relationships, and by inference
// for elevator, stairs and escalator units that no relationship links.
func (b *builder) addVertical() {
	linked := map[*geo.Unit]bool{}
	for _, r := range b.v.Relationships {
		kind, ok := verticalKinds[r.Category]
		if !ok {
			continue
		}
		ends := append(append([]geo.Feature{r.Origin}, r.Intermediary...), r.Destination)
		var nodes []int32
		for _, f := range ends {
			n, ok := b.g.byFeature[f.Common().ID]
			if !ok {
				continue
			}
			nodes = append(nodes, n)
			if u, ok := f.(*geo.Unit); ok {
				linked[u] = true
			}
		}
		b.link(kind, nodes, r, r.Direction == "directed")
	}
	b.infer(linked)
}

// link joins the stops of one vertical link. An elevator joins every pair of
// its stops (one wait per ride); stairs, escalators and ramps join each stop
// to the next.
func (b *builder) link(kind EdgeKind, nodes []int32, r *geo.Relationship, directed bool) {
	pair := func(x, y int32) {
		nx, ny := &b.g.Nodes[x], &b.g.Nodes[y]
		if nx.Ordinal == ny.Ordinal {
			return
		}
		// Whoever sees both stops may ride between them, even if the shaft
		// goes on to floors they may not see (the lifts of C3 stop at B1).
		m := allRoles
		for _, n := range []*Node{nx, ny} {
			if n.Feature != nil {
				m &= maskOf(n.Feature)
			}
		}
		length := planar.Distance(nx.Point, ny.Point)
		if kind == EdgeRamp {
			length = math.Hypot(length, FloorHeight*float64(ny.Ordinal-nx.Ordinal))
		}
		b.edge(Edge{From: x, To: y, Kind: kind, Length: length, Relation: r, Directed: directed, mask: m})
	}
	if kind == EdgeElevator {
		for i := range nodes {
			for j := i + 1; j < len(nodes); j++ {
				pair(nodes[i], nodes[j])
			}
		}
		return
	}
	for i := 0; i+1 < len(nodes); i++ {
		pair(nodes[i], nodes[i+1])
	}
}

// infer links stacked elevator, stairs and escalator units of one building
// that no relationship links: units of the same category on successive
// floors whose outlines overlap by half of the smaller one.
func (b *builder) infer(linked map[*geo.Unit]bool) {
	type key struct {
		b   *geo.Building
		cat string
	}
	groups := map[key][]*geo.Unit{}
	var keys []key
	for _, u := range b.v.Units {
		if _, ok := verticalKinds[u.Category]; !ok || linked[u] || u.Category == "ramp" {
			continue
		}
		k := key{u.Level.Building(), u.Category}
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], u)
	}
	for _, k := range keys {
		us := groups[k]
		sort.SliceStable(us, func(i, j int) bool { return us[i].Level.Ordinal < us[j].Level.Ordinal })
		used := map[*geo.Unit]bool{}
		for i, u := range us {
			if used[u] {
				continue
			}
			// Follow the shaft up: the unit above that overlaps this one.
			shaft := []*geo.Unit{u}
			cur := u
			for j := i + 1; j < len(us); j++ {
				w := us[j]
				if used[w] || w.Level.Ordinal != cur.Level.Ordinal+1 || !stacked(cur, w) {
					continue
				}
				shaft = append(shaft, w)
				used[w] = true
				cur = w
			}
			if len(shaft) < 2 {
				continue
			}
			var nodes []int32
			for _, s := range shaft {
				nodes = append(nodes, b.g.byFeature[s.ID])
			}
			b.link(verticalKinds[k.cat], nodes, nil, false)
		}
	}
}

// stacked reports whether two units overlap by at least half the box of the
// smaller: one shaft on two floors.
func stacked(a, c *geo.Unit) bool {
	ba, bc := a.Local.Bound(), c.Local.Bound()
	w := math.Min(ba.Max[0], bc.Max[0]) - math.Max(ba.Min[0], bc.Min[0])
	h := math.Min(ba.Max[1], bc.Max[1]) - math.Max(ba.Min[1], bc.Min[1])
	if w <= 0 || h <= 0 {
		return false
	}
	return w*h >= 0.5*math.Min(boxArea(ba), boxArea(bc))
}

func boxArea(b orb.Bound) float64 { return (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) }
