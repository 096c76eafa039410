package routing

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/campusnav/engine/geo"
)

// Unit categories people walk through rather than into.
var walkable = map[string]bool{
	"walkway": true, "walkway.island": true, "lobby": true, "footbridge": true, "unenclosedarea": true,
	"road": true, "parking": true, "ramp": true, "platform": true, "waitingroom": true, "movingwalkway": true,
	"elevator": true, "stairs": true, "escalator": true, "steps": true, "terrace": true,
}

// Unit categories nobody walks in at all.
var solid = map[string]bool{
	"opentobelow": true, "brick": true, "column": true, "concrete": true, "drywall": true,
	"glass": true, "structure": true, "wood": true, "vegetation": true,
}

// denseLimit is the number of ports (doors, points) of a unit beyond which
// its inside is not joined port to port, to keep the graph sparse.
const denseLimit = 40

// builder accumulates the graph.
type builder struct {
	g        *Graph
	v        *geo.Venue
	public   roleMask
	unitPort map[*geo.Unit][]int32 // the doors, point and amenities of a unit
}

// Build makes the navigation graph of venue v.
func Build(v *geo.Venue) *Graph {
	b := &builder{
		g:        &Graph{Venue: v, byFeature: map[string]int32{}, entrances: map[*geo.Building][]int32{}},
		v:        v,
		unitPort: map[*geo.Unit][]int32{},
	}
	// About three nodes and edges a unit: room point, door, spine.
	b.g.Nodes = make([]Node, 0, 3*len(v.Units)+len(v.Openings))
	b.g.Edges = make([]Edge, 0, 4*len(v.Units)+len(v.Openings))
	for _, r := range v.AllRoles() {
		if v.Policy.IsPublic(r) {
			b.public |= 1 << r
		}
	}
	b.addDoors()
	b.addUnitsAndAmenities()
	for _, u := range v.Units {
		b.connectUnit(u)
	}
	b.addVertical()
	b.addOutdoor()
	b.g.finish()
	b.g.index = newNodeIndex(b.g)
	b.g.initLandmarks()
	return b.g
}

func maskOf(f geo.Feature) roleMask {
	var m roleMask
	for r := range geo.Role(geo.MaxRoles) {
		if geo.VisibleTo(f, r) {
			m |= 1 << r
		}
	}
	return m
}

func (b *builder) node(n Node) int32 {
	b.g.Nodes = append(b.g.Nodes, n)
	id := int32(len(b.g.Nodes) - 1)
	if n.Feature != nil {
		b.g.byFeature[n.Feature.Common().ID] = id
	}
	return id
}

func (b *builder) edge(e Edge) {
	if e.From == e.To {
		return
	}
	b.g.Edges = append(b.g.Edges, e)
}

// doorPenalty is the cost of passing a door of this category on foot.
func doorPenalty(category string) float64 {
	switch category {
	case "automobile", "bicycle":
		return DoorPenaltyVehicle
	case "service":
		return DoorPenaltyService
	case "emergencyexit":
		return DoorPenaltyEmergency
	}
	return 0
}

// hasAccessControl reports whether an opening is locked to the public (an
// IMDF access_control such as a badge reader).
func hasAccessControl(o *geo.Opening) bool {
	var props struct {
		AccessControl []string `json:"access_control"`
	}
	if err := jsonUnmarshal(o.Properties, &props); err != nil {
		return false
	}
	return len(props.AccessControl) > 0
}

func (b *builder) addDoors() {
	for _, o := range b.v.Openings {
		if len(o.Units) == 0 && !o.Entrance {
			continue
		}
		ls, _ := o.Local.(orb.LineString)
		n := b.node(Node{Kind: NodeDoor, Point: geo.Midpoint(ls), Ordinal: o.Level.Ordinal, Level: o.Level, Feature: o})
		if o.Entrance {
			if bl := o.Level.Building(); bl != nil {
				b.g.entrances[bl] = append(b.g.entrances[bl], n)
			}
		}
		for _, u := range o.Units {
			b.unitPort[u] = append(b.unitPort[u], n)
		}
	}
}

func (b *builder) addUnitsAndAmenities() {
	for _, u := range b.v.Units {
		if solid[u.Category] {
			continue
		}
		pt := b.v.Projection.ToLocal(u.Display[0], u.Display[1])
		if !geo.Contains(u.Local, pt) {
			pt = geo.InteriorPoint(u.Local)
		}
		n := b.node(Node{Kind: NodeUnit, Point: pt, Ordinal: u.Level.Ordinal, Level: u.Level, Unit: u, Feature: u, terminal: !walkable[u.Category]})
		b.unitPort[u] = append(b.unitPort[u], n)
	}
	for _, a := range b.v.Amenities {
		pt := a.Local.(orb.Point)
		var in *geo.Unit
		for _, u := range a.Units {
			if geo.Contains(u.Local, pt) && !solid[u.Category] {
				in = u
				break
			}
		}
		if in == nil {
			// Outside its unit (bad data): route to the unit instead.
			continue
		}
		n := b.node(Node{Kind: NodeAmenity, Point: pt, Ordinal: a.Ordinal, Level: a.Level, Unit: in, Feature: a, terminal: true})
		b.unitPort[in] = append(b.unitPort[in], n)
	}
}

// portMask is who may use a node standing for a feature, as a port of unit u.
func (b *builder) portMask(n int32) roleMask {
	nd := &b.g.Nodes[n]
	switch f := nd.Feature.(type) {
	case *geo.Opening:
		m := maskOf(f)
		if f.Entrance {
			// An entrance is seen from outside; inside, the unit decides.
			m = allRoles
		}
		if hasAccessControl(f) {
			m &^= b.public
		}
		return m
	case nil:
		return allRoles
	default:
		return maskOf(f)
	}
}

func (b *builder) penaltyOf(n int32) float64 {
	if o, ok := b.g.Nodes[n].Feature.(*geo.Opening); ok {
		return doorPenalty(o.Category) / 2 // half on the way in, half on the way out
	}
	return 0
}

// connectUnit joins the ports of a unit by paths inside it.
func (b *builder) connectUnit(u *geo.Unit) {
	ports := b.unitPort[u]
	if len(ports) < 2 || solid[u.Category] {
		return
	}
	um := maskOf(u)
	if c, dir, half, _, ok := corridorAxis(u.Local); ok && walkable[u.Category] && len(ports) > 6 {
		b.spine(u, um, ports, c, dir, half)
		return
	}
	corners := reflexCorners(u.Local)
	if len(ports)+len(corners) > denseLimit {
		b.visibility(u, um, ports, corners)
		return
	}
	b.portToPort(u, um, ports, corners)
}

// indoorEdge adds an edge between two nodes inside unit u.
func (b *builder) indoorEdge(u *geo.Unit, um roleMask, from, to int32, via []orb.Point, extra float64) {
	a, c := b.g.Nodes[from].Point, b.g.Nodes[to].Point
	length := 0.0
	prev := a
	for _, p := range via {
		length += planar.Distance(prev, p)
		prev = p
	}
	length += planar.Distance(prev, c)
	b.edge(Edge{
		From: from, To: to, Kind: EdgeIndoor, Length: length, Via: via, Unit: u,
		Penalty: b.penaltyOf(from) + b.penaltyOf(to) + extra,
		mask:    um & b.portMask(from) & b.portMask(to),
	})
}

// spine joins the ports of a corridor through its centre line: each port to
// the foot of its perpendicular, the feet to each other in order.
func (b *builder) spine(u *geo.Unit, um roleMask, ports []int32, c, dir orb.Point, half float64) {
	type foot struct {
		t    float64
		port int32
	}
	margin := math.Min(0.5, half)
	feet := make([]foot, 0, len(ports))
	for _, p := range ports {
		pt := b.g.Nodes[p].Point
		t := (pt[0]-c[0])*dir[0] + (pt[1]-c[1])*dir[1]
		feet = append(feet, foot{math.Max(-half+margin, math.Min(half-margin, t)), p})
	}
	sort.Slice(feet, func(i, j int) bool {
		return feet[i].t < feet[j].t || (feet[i].t == feet[j].t && feet[i].port < feet[j].port)
	})
	last, lastT := int32(-1), 0.0
	for _, f := range feet {
		sp := last
		if last < 0 || f.t-lastT > 0.05 {
			pt := orb.Point{c[0] + dir[0]*f.t, c[1] + dir[1]*f.t}
			sp = b.node(Node{Kind: NodeSpine, Point: pt, Ordinal: u.Level.Ordinal, Level: u.Level, Unit: u})
			if last >= 0 {
				b.indoorEdge(u, um, last, sp, nil, 0)
			}
			last, lastT = sp, f.t
		}
		b.indoorEdge(u, um, f.port, sp, nil, 0)
	}
}

// visibility joins every pair of ports and corners that see each other; the
// corners become nodes. For large open areas.
func (b *builder) visibility(u *geo.Unit, um roleMask, ports []int32, corners []orb.Point) {
	all := append([]int32(nil), ports...)
	for _, c := range corners {
		all = append(all, b.node(Node{Kind: NodeCorner, Point: c, Ordinal: u.Level.Ordinal, Level: u.Level, Unit: u}))
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if b.crossable(u, all[i], all[j]) && segmentInside(u.Local, b.g.Nodes[all[i]].Point, b.g.Nodes[all[j]].Point) {
				b.indoorEdge(u, um, all[i], all[j], nil, b.passPenalty(u, all[i], all[j]))
			}
		}
	}
}

// crossable reports whether an edge may join two ports directly: terminal
// ports (a room's point, an amenity) join doors, not each other.
func (b *builder) crossable(u *geo.Unit, x, y int32) bool {
	return !(b.g.Nodes[x].terminal && b.g.Nodes[y].terminal)
}

// passPenalty is the cost of crossing room u from door to door.
func (b *builder) passPenalty(u *geo.Unit, x, y int32) float64 {
	if walkable[u.Category] {
		return 0
	}
	if b.g.Nodes[x].Kind == NodeDoor && b.g.Nodes[y].Kind == NodeDoor {
		return PassThrough
	}
	return 0
}

// portToPort joins every pair of ports by the shortest path inside the unit,
// bending at its reflex corners: exact shortest paths in a polygon.
func (b *builder) portToPort(u *geo.Unit, um roleMask, ports []int32, corners []orb.Point) {
	pts := make([]orb.Point, 0, len(ports)+len(corners))
	for _, p := range ports {
		pts = append(pts, b.g.Nodes[p].Point)
	}
	pts = append(pts, corners...)
	n := len(pts)
	// Local visibility graph.
	see := make([][]float64, n)
	for i := range see {
		see[i] = make([]float64, n)
		for j := range see[i] {
			see[i][j] = math.Inf(1)
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if segmentInside(u.Local, pts[i], pts[j]) {
				d := planar.Distance(pts[i], pts[j])
				see[i][j], see[j][i] = d, d
			}
		}
	}
	// From each port, Dijkstra over the local graph (ports are few: O(n^2)
	// each); terminal ports are not passed through.
	for s := range ports {
		dist := make([]float64, n)
		prev := make([]int, n)
		done := make([]bool, n)
		for i := range dist {
			dist[i], prev[i] = math.Inf(1), -1
		}
		dist[s] = 0
		for {
			k := -1
			for i := 0; i < n; i++ {
				if !done[i] && (k < 0 || dist[i] < dist[k]) {
					k = i
				}
			}
			if k < 0 || math.IsInf(dist[k], 1) {
				break
			}
			done[k] = true
			if k != s && k < len(ports) {
				continue // a path ends at a port; it goes on from there as another edge
			}
			for j := 0; j < n; j++ {
				if d := dist[k] + see[k][j]; d < dist[j] {
					dist[j], prev[j] = d, k
				}
			}
		}
		for t := s + 1; t < len(ports); t++ {
			if math.IsInf(dist[t], 1) || !b.crossable(u, ports[s], ports[t]) {
				continue
			}
			var via []orb.Point
			for k := prev[t]; k != s && k >= 0; k = prev[k] {
				via = append([]orb.Point{pts[k]}, via...)
			}
			b.indoorEdge(u, um, ports[s], ports[t], via, b.passPenalty(u, ports[s], ports[t]))
		}
	}
}
