package routing

import (
	"math"
	"sync"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// NodeKind says what a vertex of the graph stands for.
type NodeKind uint8

const (
	NodeDoor    NodeKind = iota // an opening: a door, or a building entrance
	NodeUnit                    // a unit's point: where a route to a room ends
	NodeAmenity                 // an amenity's point
	NodeSpine                   // a point on a corridor's centre line
	NodeCorner                  // a point just inside a corner of a unit, to walk around it
	NodeOutdoor                 // a vertex of the outdoor path network
	NodeGate                    // a campus gate
)

// Node is a vertex of the graph.
type Node struct {
	Kind    NodeKind
	Point   orb.Point   // local metres
	Ordinal int         // the level's ordinal; outdoors, the path's
	Level   *geo.Level  // nil outdoors
	Unit    *geo.Unit   // the unit a point, spine, corner or amenity node is in
	Feature geo.Feature // the opening, unit, amenity or gate it stands for; nil otherwise

	// terminal nodes (a room's point, an amenity) end or start routes but
	// are never passed through: crossing a room is door to door.
	terminal bool
}

// EdgeKind says how an edge is travelled.
type EdgeKind uint8

const (
	EdgeIndoor    EdgeKind = iota // walking inside one unit
	EdgeOutdoor                   // an outdoor path, or a link from a door or gate to one
	EdgeStairs                    // between levels
	EdgeElevator                  // between levels
	EdgeEscalator                 // between levels, usually one way
	EdgeRamp                      // between levels, step-free
)

func (k EdgeKind) vertical() bool { return k >= EdgeStairs }

// Edge is an edge of the graph, travelled From -> To, and back unless it is
// directed.
type Edge struct {
	From, To int32
	Kind     EdgeKind
	Length   float64     // metres walked (3-D where the ordinal changes outdoors)
	Via      []orb.Point // points between From and To, local metres; nil for a straight edge
	Unit     *geo.Unit   // indoor: the unit crossed
	Path     *geo.Path   // outdoor: the path it is part of, nil for a link
	Relation *geo.Relationship
	Covered  bool // outdoor, under a roof
	Steps    bool // outdoor steps
	Directed bool
	Penalty  float64 // seconds added to the cost, not to the time (doors not meant for walking, crossing a room)

	mask roleMask
	// time and cost per profile, [0] From->To, [1] To->From; +Inf where forbidden
	time [numProfiles][2]float64
	cost [numProfiles][2]float64
}

// Floors returns the ordinal change From -> To.
func (g *Graph) Floors(e *Edge) int { return g.Nodes[e.To].Ordinal - g.Nodes[e.From].Ordinal }

// half is one direction of an edge in a node's adjacency.
type half struct {
	to   int32
	edge int32
	back bool // travels the edge To -> From
	mask roleMask
	cost [numProfiles]float64
}

// roleMask is a set of geo roles (guest roles too), one bit each.
type roleMask uint32

const allRoles roleMask = 1<<geo.MaxRoles - 1

func (m roleMask) has(r geo.Role) bool { return m&(1<<r) != 0 }

// Graph is the navigation graph of one venue. It is immutable after Build
// and safe for concurrent routing.
type Graph struct {
	Venue *geo.Venue
	Nodes []Node
	Edges []Edge

	off []int32 // adjacency of node n: adj[off[n]:off[n+1]]
	adj []half

	byFeature map[string]int32 // opening, unit, amenity and gate ids to their node
	entrances map[*geo.Building][]int32
	nodeMask  []roleMask // the roles with a usable edge at each node
	index     *nodeIndex

	poolOnce sync.Once
	searches *sync.Pool
	alt      *altTables
}

// NodeOf returns the node standing for a feature (an opening, unit, amenity
// or gate), hidden or not.
func (g *Graph) NodeOf(id string) (int32, bool) {
	n, ok := g.byFeature[id]
	return n, ok
}

// Entrances returns the entrance doors of building b.
func (g *Graph) Entrances(b *geo.Building) []int32 { return g.entrances[b] }

// computeCosts fills an edge's time and cost for every profile and direction.
func computeCosts(g *Graph, e *Edge) {
	a, b := g.Nodes[e.From], g.Nodes[e.To]
	floors := b.Ordinal - a.Ordinal
	for _, p := range Profiles {
		for dir := 0; dir < 2; dir++ {
			up := floors > 0
			if dir == 1 {
				up = floors < 0
			}
			t := e.Length / p.speed()
			n := math.Abs(float64(floors))
			allowed := !(dir == 1 && e.Directed)
			switch e.Kind {
			case EdgeStairs:
				allowed = allowed && p != Wheelchair
				if up {
					t += StairsUp * n
				} else {
					t += StairsDown * n
				}
			case EdgeElevator:
				t += ElevatorWait + ElevatorFloor*n
			case EdgeEscalator:
				allowed = allowed && p != Wheelchair
				t += EscalatorFloor * n
			case EdgeRamp:
				t += RampFloor * n
			case EdgeOutdoor:
				if e.Steps {
					allowed = allowed && p != Wheelchair
					t *= StepsFactor
				}
			}
			c := t
			if p == Sheltered && e.Kind == EdgeOutdoor && !e.Covered {
				c *= ShelterFactor
			}
			c += e.Penalty
			if !allowed {
				t, c = math.Inf(1), math.Inf(1)
			}
			e.time[p][dir], e.cost[p][dir] = t, c
		}
	}
}

// finish computes costs and the adjacency arrays.
func (g *Graph) finish() {
	deg := make([]int32, len(g.Nodes)+1)
	for i := range g.Edges {
		e := &g.Edges[i]
		computeCosts(g, e)
		deg[e.From+1]++
		deg[e.To+1]++
	}
	for i := 1; i < len(deg); i++ {
		deg[i] += deg[i-1]
	}
	g.off = deg
	g.adj = make([]half, deg[len(deg)-1])
	fill := append([]int32(nil), deg[:len(deg)-1]...)
	for i := range g.Edges {
		e := &g.Edges[i]
		var fwd, bwd [numProfiles]float64
		for _, p := range Profiles {
			fwd[p], bwd[p] = e.cost[p][0], e.cost[p][1]
		}
		g.adj[fill[e.From]] = half{to: e.To, edge: int32(i), mask: e.mask, cost: fwd}
		fill[e.From]++
		g.adj[fill[e.To]] = half{to: e.From, edge: int32(i), back: true, mask: e.mask, cost: bwd}
		fill[e.To]++
	}
	g.nodeMask = make([]roleMask, len(g.Nodes))
	for i := range g.Edges {
		e := &g.Edges[i]
		g.nodeMask[e.From] |= e.mask
		g.nodeMask[e.To] |= e.mask
	}
}

// Cost returns the cost, in seconds, of travelling edge e forwards (From ->
// To) or backwards for profile p; +Inf where that direction is forbidden.
func (e *Edge) Cost(p Profile, backwards bool) float64 {
	if backwards {
		return e.cost[p][1]
	}
	return e.cost[p][0]
}

// Usable reports whether role r may use edge e.
func (e *Edge) Usable(r geo.Role) bool { return e.mask.has(r) }
