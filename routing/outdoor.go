package routing

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/campusnav/engine/geo"
)

// Outdoor linking distances, metres.
const (
	// snapOutdoor is how far an entrance or gate may be from the path
	// network and still be joined to it by a straight link.
	snapOutdoor = 30.0
	// freeWalk is how far apart entrances may be joined by a straight
	// outdoor link in an archive without a path network.
	freeWalk = 1000.0
)

type vkey struct {
	x, y int64 // centimetres
	ord  int
}

func keyOf(p orb.Point, ord int) vkey {
	return vkey{int64(math.Round(p[0] * 100)), int64(math.Round(p[1] * 100)), ord}
}

// segment is one straight piece of an outdoor path before it becomes edges.
type segment struct {
	a, b       orb.Point
	ordA, ordB int
	path       *geo.Path
	splits     []split // where entrances and gates join it
}

type split struct {
	t    float64
	node int32
}

// addOutdoor adds the outdoor path network, the gates, and joins the
// building entrances to them.
func (b *builder) addOutdoor() {
	at := map[vkey]int32{}
	var attach []int32 // entrances and gates to join to the network
	for _, o := range b.v.Openings {
		if n, ok := b.g.byFeature[o.ID]; ok && o.Entrance {
			at[keyOf(b.g.Nodes[n].Point, o.Level.Ordinal)] = n
			attach = append(attach, n)
		}
	}
	for _, gt := range b.v.Gates {
		n := b.node(Node{Kind: NodeGate, Point: gt.Local.(orb.Point), Feature: gt})
		at[keyOf(b.g.Nodes[n].Point, 0)] = n
		attach = append(attach, n)
	}
	var segs []*segment
	for _, p := range b.v.Paths {
		ls := p.Local.(orb.LineString)
		for i := 0; i+1 < len(ls); i++ {
			oa, ob := p.FromOrdinal, p.FromOrdinal
			if i+1 == len(ls)-1 {
				ob = p.ToOrdinal
			}
			segs = append(segs, &segment{a: ls[i], b: ls[i+1], ordA: oa, ordB: ob, path: p})
		}
	}
	vertex := func(p orb.Point, ord int) int32 {
		k := keyOf(p, ord)
		if n, ok := at[k]; ok {
			return n
		}
		n := b.node(Node{Kind: NodeOutdoor, Point: p, Ordinal: ord})
		at[k] = n
		return n
	}
	onNetwork := map[int32]bool{}
	for _, s := range segs {
		for _, k := range []vkey{keyOf(s.a, s.ordA), keyOf(s.b, s.ordB)} {
			if n, ok := at[k]; ok {
				onNetwork[n] = true
			}
		}
	}
	if len(segs) == 0 {
		b.freeOutdoor(attach)
		return
	}
	// Entrances and gates off the network: a straight link to the nearest
	// point of a path on their ordinal.
	for _, n := range attach {
		if onNetwork[n] {
			continue
		}
		nd := b.g.Nodes[n]
		best, bestD, bestT := -1, snapOutdoor, 0.0
		for i, s := range segs {
			if s.ordA != nd.Ordinal || s.ordB != nd.Ordinal {
				continue
			}
			t, d := project(s.a, s.b, nd.Point)
			if d < bestD {
				best, bestD, bestT = i, d, t
			}
		}
		if best < 0 {
			continue
		}
		s := segs[best]
		q := orb.Point{s.a[0] + bestT*(s.b[0]-s.a[0]), s.a[1] + bestT*(s.b[1]-s.a[1])}
		qn := vertex(q, nd.Ordinal)
		s.splits = append(s.splits, split{bestT, qn})
		b.outdoorEdge(n, qn, nil)
	}
	for _, s := range segs {
		sort.Slice(s.splits, func(i, j int) bool { return s.splits[i].t < s.splits[j].t })
		prev := vertex(s.a, s.ordA)
		for _, sp := range s.splits {
			b.outdoorEdge(prev, sp.node, s.path)
			prev = sp.node
		}
		b.outdoorEdge(prev, vertex(s.b, s.ordB), s.path)
	}
}

// outdoorEdge joins two outdoor nodes; path is nil for a link.
func (b *builder) outdoorEdge(x, y int32, p *geo.Path) {
	a, c := b.g.Nodes[x], b.g.Nodes[y]
	e := Edge{
		From: x, To: y, Kind: EdgeOutdoor, Path: p, mask: allRoles,
		Length:  math.Hypot(planar.Distance(a.Point, c.Point), FloorHeight*float64(c.Ordinal-a.Ordinal)),
		Penalty: b.penaltyOf(x) + b.penaltyOf(y),
	}
	if p != nil {
		e.Covered = p.Covered
		e.Steps = p.Category == "steps"
	}
	b.edge(e)
}

// freeOutdoor joins entrances and gates by straight outdoor links, for an
// archive without a path network: people walk across open ground.
func (b *builder) freeOutdoor(attach []int32) {
	for i, x := range attach {
		for _, y := range attach[i+1:] {
			a, c := b.g.Nodes[x], b.g.Nodes[y]
			if a.Ordinal == c.Ordinal && planar.Distance(a.Point, c.Point) <= freeWalk {
				b.outdoorEdge(x, y, nil)
			}
		}
	}
}

// project returns where p projects on segment a-b (as a fraction, clamped)
// and its distance from it.
func project(a, b, p orb.Point) (t, d float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	q := orb.Point{a[0] + t*dx, a[1] + t*dy}
	return t, planar.Distance(p, q)
}
