package routing

import (
	"errors"
	"math"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// ErrNoRoute is returned (wrapped in a *NoRouteError) when no way joins the
// places for the profile and role.
var ErrNoRoute = errors.New("routing: no route")

// NoRouteError says why there is no route.
type NoRouteError struct {
	Reason string // in English

	reasonZh string
}

// noRoute makes a NoRouteError with its reason in English and Chinese.
func noRoute(en, zh string) *NoRouteError { return &NoRouteError{Reason: en, reasonZh: zh} }

func (e *NoRouteError) Error() string { return "routing: no route: " + e.Reason }
func (e *NoRouteError) Unwrap() error { return ErrNoRoute }

// DetailIn says why in lang ("en" or "zh").
func (e *NoRouteError) DetailIn(lang string) string {
	if geo.IsChinese(lang) && e.reasonZh != "" {
		return "无可用路线：" + e.reasonZh
	}
	return "no route: " + e.Reason
}

// Request asks for a route. From, To and Via are places as Resolve reads
// them.
type Request struct {
	From, To string
	Via      []string
	Profile  Profile
	Lang     string // "en" or "zh"
}

// Route is the answer: the way, its length and time, where it changes
// level, what to do along it, and its geometry per level.
type Route struct {
	DistanceM    float64           `json:"distance_m"`
	DurationS    float64           `json:"duration_s"`
	LevelChanges []LevelChange     `json:"level_changes"`
	Instructions []Instruction     `json:"instructions"`
	Geometry     FeatureCollection `json:"geometry"`

	// Cost is what the route minimised, seconds: its time plus the
	// penalties of its profile.
	Cost float64 `json:"-"`
}

// LevelChange is a change of floor along a route.
type LevelChange struct {
	FromOrdinal int        `json:"from_ordinal"`
	ToOrdinal   int        `json:"to_ordinal"`
	Via         string     `json:"via"` // elevator, stairs, escalator or ramp
	At          [2]float64 `json:"at"`  // lon, lat
}

// Instruction is one step of the turn-by-turn directions.
type Instruction struct {
	Type      string  `json:"type"` // depart, turn, enter, exit, elevator, stairs, escalator, ramp, gate, via, arrive
	Text      string  `json:"text"`
	DistanceM float64 `json:"distance_m"` // the walk after this instruction, to the next
	Level     *string `json:"level"`      // level id, null outdoors
	Ordinal   int     `json:"ordinal"`
}

// FeatureCollection is the route's geometry: one LineString per stretch on
// one level (or outdoors).
type FeatureCollection struct {
	Type     string        `json:"type"`
	Features []LineFeature `json:"features"`
}

// LineFeature is one stretch of a route.
type LineFeature struct {
	Type       string         `json:"type"`
	Geometry   LineString     `json:"geometry"`
	Properties LineProperties `json:"properties"`
}

// LineString is a GeoJSON LineString.
type LineString struct {
	Type        string       `json:"type"`
	Coordinates [][2]float64 `json:"coordinates"`
}

// LineProperties are exactly the level id (null outdoors) and ordinal (0
// outdoors) of a stretch.
type LineProperties struct {
	Level   *string `json:"level"`
	Ordinal int     `json:"ordinal"`
}

// piece is one straight-or-bent stretch of a route in the order walked.
type piece struct {
	pts     []orb.Point
	kind    EdgeKind
	level   *geo.Level // nil outdoors
	ordFrom int
	ordTo   int
	length  float64
	time    float64
	cost    float64
	from    *Node // the node it starts at; nil for the walk from a place to the graph
	to      *Node
	unit    *geo.Unit
	steps   bool // outdoor steps
}

// via names how a piece that changes level does it.
func (pc piece) via() string {
	if pc.kind == EdgeOutdoor && pc.steps {
		return "stairs"
	}
	return viaName(pc.kind)
}

// Route finds the least-cost route for the viewer and profile. An error
// resolving a place comes wrapped in an *EndError naming its end.
func (g *Graph) Route(w geo.View, req Request) (*Route, error) {
	names := append(append([]string{req.From}, req.Via...), req.To)
	places := make([]*Place, len(names))
	for i, s := range names {
		pl, err := g.resolve(w, s, req.Profile, req.Lang)
		if err != nil {
			end := "via"
			switch i {
			case 0:
				end = "from"
			case len(names) - 1:
				end = "to"
			}
			return nil, &EndError{End: end, Err: err}
		}
		places[i] = pl
	}
	var pieces []piece
	var stops []int // where in pieces each via is reached
	var total float64
	sources := places[0].seeds
	for i := 1; i < len(places); i++ {
		goals := places[i].seeds
		s := g.getSearch()
		res, ok := g.astar(s, req.Profile, w.Role(), sources, goals)
		if !ok {
			g.pool().Put(s)
			return nil, g.whyNoRoute(w, req, places[i-1], places[i], sources, goals)
		}
		goal := goals[res.goal]
		hops := g.path(s, goal.node)
		start := goal.node
		if len(hops) > 0 {
			start = hops[0].edge.From
			if hops[0].back {
				start = hops[0].edge.To
			}
		}
		g.pool().Put(s)
		// The walk from the place to the graph, then the edges, then the
		// walk from the graph to the next place.
		pieces = append(pieces, g.placePiece(places[i-1], start, req.Profile, false)...)
		for _, h := range hops {
			pieces = append(pieces, g.hopPiece(h, req.Profile))
		}
		pieces = append(pieces, g.placePiece(places[i], goal.node, req.Profile, true)...)
		total += res.cost
		if i < len(places)-1 {
			stops = append(stops, len(pieces))
			sources = places[i].leaveFrom(goal)
		}
	}
	rt := g.answer(w, places, pieces, stops, req.Lang)
	rt.Cost = total
	return rt, nil
}

// leaveFrom is where a route goes on from a stop it reached at seed at: a
// building from the entrance it came to, a point from where it stands
// (back along its own seeds), anything else from its node.
func (pl *Place) leaveFrom(at seed) []seed {
	if pl.Kind == PlacePoint {
		return pl.seeds
	}
	return []seed{{node: at.node}}
}

// placePiece is the straight walk between a place's own point and the node
// where it joins the graph (none when the place is that node). A building
// is where its entrance is: none either.
func (g *Graph) placePiece(pl *Place, n int32, p Profile, toPlace bool) []piece {
	nd := &g.Nodes[n]
	if pl.Kind == geo.KindBuilding {
		return nil
	}
	l := dist(pl.Point, nd.Point)
	if l < 1e-9 {
		return nil
	}
	pts := []orb.Point{pl.Point, nd.Point}
	if toPlace {
		pts = []orb.Point{nd.Point, pl.Point}
	}
	kind := EdgeIndoor
	if nd.Level == nil {
		kind = EdgeOutdoor
	}
	t := l / p.speed()
	return []piece{{pts: pts, kind: kind, level: pl.Level, ordFrom: nd.Ordinal, ordTo: nd.Ordinal, length: l, time: t, cost: t}}
}

func (g *Graph) hopPiece(h hop, p Profile) piece {
	e := h.edge
	dir := 0
	from, to := &g.Nodes[e.From], &g.Nodes[e.To]
	if h.back {
		dir = 1
		from, to = to, from
	}
	pc := piece{pts: g.points(h), kind: e.Kind, ordFrom: from.Ordinal, ordTo: to.Ordinal, length: e.Length,
		time: e.time[p][dir], cost: e.cost[p][dir], from: from, to: to, unit: e.Unit, steps: e.Steps}
	if e.Kind == EdgeIndoor && e.Unit != nil {
		pc.level = e.Unit.Level
	}
	if e.Kind.vertical() {
		pc.level = to.Level
	}
	return pc
}

// whyNoRoute explains a failed search without saying anything about what
// the role may not see.
func (g *Graph) whyNoRoute(w geo.View, req Request, from, to *Place, sources, goals []seed) error {
	if req.Profile != Walk {
		s := g.getSearch()
		_, ok := g.astar(s, Walk, w.Role(), sources, goals)
		g.pool().Put(s)
		if ok && req.Profile == Wheelchair {
			if from.Ordinal != to.Ordinal {
				return noRoute("no step-free way between these floors (only stairs, steps or escalators join them)",
					"这两层之间没有无台阶的通道（只有楼梯、台阶或扶梯相连）")
			}
			return noRoute("no step-free way between these places (only stairs, steps or escalators join them)",
				"这两处之间没有无台阶的通道（只有楼梯、台阶或扶梯相连）")
		}
	}
	return noRoute("no way between these places that you may use", "这两处之间没有你可以通行的路线")
}

func (g *Graph) lonLat(p orb.Point) [2]float64 {
	lon, lat := g.Venue.Projection.ToLonLat(p)
	return [2]float64{round7(lon), round7(lat)}
}

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// answer assembles the route from its pieces; stops says where in pieces
// each via place is reached.
func (g *Graph) answer(w geo.View, places []*Place, pieces []piece, stops []int, lang string) *Route {
	rt := &Route{LevelChanges: []LevelChange{}, Geometry: FeatureCollection{Type: "FeatureCollection", Features: []LineFeature{}}}
	for _, pc := range pieces {
		rt.DistanceM += pc.length
		rt.DurationS += pc.time
	}
	rt.DistanceM, rt.DurationS = round1(rt.DistanceM), round1(rt.DurationS)

	// Geometry: a new line wherever the level changes.
	var cur *LineFeature
	for _, pc := range pieces {
		if pc.kind.vertical() || pc.ordFrom != pc.ordTo {
			cur = nil
			continue
		}
		props := LineProperties{}
		if pc.kind != EdgeOutdoor && pc.level != nil {
			props = LineProperties{Level: &pc.level.ID, Ordinal: pc.level.Ordinal}
		}
		if cur == nil || !sameProps(cur.Properties, props) {
			rt.Geometry.Features = append(rt.Geometry.Features, LineFeature{Type: "Feature",
				Geometry: LineString{Type: "LineString"}, Properties: props})
			cur = &rt.Geometry.Features[len(rt.Geometry.Features)-1]
			cur.Geometry.Coordinates = append(cur.Geometry.Coordinates, g.lonLat(pc.pts[0]))
		}
		for _, p := range pc.pts[1:] {
			c := g.lonLat(p)
			if last := cur.Geometry.Coordinates[len(cur.Geometry.Coordinates)-1]; last != c {
				cur.Geometry.Coordinates = append(cur.Geometry.Coordinates, c)
			}
		}
	}
	// A line of one point (a stop on a level between two vertical links) is no line.
	kept := rt.Geometry.Features[:0]
	for _, f := range rt.Geometry.Features {
		if len(f.Geometry.Coordinates) >= 2 {
			kept = append(kept, f)
		}
	}
	rt.Geometry.Features = kept

	// Level changes: runs of vertical hops of one kind, and ramps outdoors.
	for i := 0; i < len(pieces); i++ {
		pc := pieces[i]
		if !pc.kind.vertical() && pc.ordFrom == pc.ordTo {
			continue
		}
		j := i
		for j+1 < len(pieces) && pieces[j+1].kind == pc.kind && (pieces[j+1].kind.vertical() || pieces[j+1].ordFrom != pieces[j+1].ordTo) {
			j++
		}
		rt.LevelChanges = append(rt.LevelChanges, LevelChange{
			FromOrdinal: pc.ordFrom, ToOrdinal: pieces[j].ordTo, Via: pc.via(), At: g.lonLat(pc.pts[0]),
		})
		i = j
	}
	rt.Instructions = g.instructions(w, places, pieces, stops, lang)
	return rt
}

func sameProps(a, b LineProperties) bool {
	if a.Ordinal != b.Ordinal || (a.Level == nil) != (b.Level == nil) {
		return false
	}
	return a.Level == nil || *a.Level == *b.Level
}

func viaName(k EdgeKind) string {
	switch k {
	case EdgeElevator:
		return "elevator"
	case EdgeStairs:
		return "stairs"
	case EdgeEscalator:
		return "escalator"
	}
	return "ramp"
}
