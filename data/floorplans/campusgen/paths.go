package campusgen

import (
	"math"
	"slices"
)

// path is a piece of the outdoor path network.
type path struct {
	category string // footway, steps, ramp, driveway
	covered  bool
	from, to int // ordinals at the first and last point
	name     *labels
	pts      []pt
}

// gate is a campus gate on the boundary.
type gate struct {
	n        int
	category string // pedestrian, vehicle, mixed
	at       pt
}

// Where the outdoor network runs, in metres.
const (
	walkX      = -20.0 // the covered walkway west of the C blocks
	frontGap   = 10.0  // a building's front walk is this far south of it
	sideGap    = 8.0   // a C block's east path is this far east of it
	dormAvenue = 350.0 // the avenue south of the residences
	dormGap    = 4.0   // a residence's side paths are this far from it
	roadX      = 170.0 // the road from Gate 1 to the car park
	gateWalkX  = 142.0 // Gate 1's footway, east of C1's east path
)

// outdoors lays out the gates, the path network and the outdoor beacons.
func (c *campus) outdoors() error {
	var ways []*path
	way := func(category string, name *labels, pts ...pt) *path {
		w := &path{category: category, name: name, pts: pts}
		ways = append(ways, w)
		return w
	}
	foot := func(pts ...pt) *path { return way("footway", nil, pts...) }
	var missing []string
	at := func(key string) pt {
		e, ok := c.entrances[key]
		if !ok {
			missing = append(missing, key)
		}
		return e.at
	}
	hallFront := c.byRef["SH"].outline.y0 - frontGap // the sports hall's front walk

	c.gates = []*gate{
		{1, "vehicle", pt{roadX, site.y0}},
		{2, "pedestrian", pt{40, site.y0}},
		{3, "vehicle", pt{site.x1, at("CP/out").y}},
		{4, "mixed", pt{120, site.y1}},
		{5, "pedestrian", pt{site.x0, 225}},
	}
	g := func(n int) pt { return c.gates[n-1].at }

	// The C blocks: a front walk south of each, the covered walkway to the
	// west exits, a path round the east end.
	var lastHall float64
	var cEast float64
	for i := range academic {
		s := &academic[i]
		if s.ref[0] != 'C' {
			continue
		}
		front := s.at.y - frontGap
		ex := s.at.x + s.length + sideGap
		hall := s.at.y + s.south + s.hall/2
		end := ex
		if s.ref == "C1" {
			end = gateWalkX
		}
		foot(pt{walkX, front}, pt{end, front})
		main := at(s.ref + "/main")
		foot(main, pt{main.x, front})
		foot(at(s.ref+"/west"), pt{walkX, hall}).covered = true
		foot(at(s.ref+"/east"), pt{ex, hall}, pt{ex, front})
		lastHall = hall
		if s.toB1 {
			cEast = ex // C3, C4 and C5 end alike
		}
	}
	first := academic[0].at.y - frontGap
	walk := way("footway", lbl("Covered Walkway", "风雨连廊"), pt{walkX, first}, pt{walkX, lastHall})
	walk.covered = true
	way("footway", lbl("Covered Walkway", "风雨连廊"), pt{walkX, lastHall}, pt{walkX, dormAvenue})

	// The car park: steps down to the exits on its west wall, a step-free
	// ramp to the one on its south wall, the car ramps on its east wall.
	for i := range academic {
		if s := &academic[i]; s.toB1 {
			e := at("CP/" + s.ref)
			st := way("steps", lbl(s.ref+" Car Park Steps", s.ref+"停车场台阶"), pt{walkX, e.y}, e)
			st.to = -1
		}
	}
	sx := at("CP/south")
	ramp := way("ramp", lbl("Car Park Ramp", "停车场无障碍坡道"), pt{walkX, sx.y - 3.5}, pt{sx.x, sx.y - 3.5}, sx)
	ramp.to = -1
	in, out := at("CP/in"), at("CP/out")
	way("driveway", lbl("East Road", "东路"), g(1), pt{roadX, in.y})
	way("driveway", lbl("Car Park Entrance Ramp", "停车场入口坡道"), pt{roadX, in.y}, in).to = -1
	way("driveway", lbl("East Road", "东路"), g(3), pt{roadX, out.y})
	way("driveway", lbl("Car Park Exit Ramp", "停车场出口坡道"), pt{roadX, out.y}, out).to = -1

	// The gates' footways.
	foot(g(1), pt{g(1).x - 10, g(1).y + 10}, pt{gateWalkX, g(1).y + 10}, pt{gateWalkX, first})
	way("footway", lbl("Gate 2 Avenue", "2号门大道"), g(2), pt{g(2).x, first})
	foot(g(3), pt{g(3).x - 10, g(3).y + 9.5}, pt{g(3).x - 10, hallFront})
	foot(g(4), pt{g(4).x, dormAvenue})
	foot(g(5), pt{walkX, g(5).y})

	// W, west of the walkway: its front walk and both exits lead to it.
	{
		s := &academic[slices.IndexFunc(academic, func(s slab) bool { return s.ref == "W" })]
		front, hall, x0 := s.at.y-frontGap, s.at.y+s.south+s.hall/2, s.at.x-10
		main := at("W/main")
		foot(main, pt{main.x, front})
		foot(pt{x0, front}, pt{walkX, front})
		foot(at("W/west"), pt{x0, hall}, pt{x0, front})
		foot(at("W/east"), pt{walkX, hall})
	}

	// E, east of the road: a walk round it, and from its west exit to the
	// C blocks' east paths (north of the car park's entrance ramp).
	{
		s := &academic[slices.IndexFunc(academic, func(s slab) bool { return s.ref == "E" })]
		front, hall := s.at.y-frontGap+2, s.at.y+s.south+s.hall/2
		x0, x1 := s.at.x-10, s.at.x+s.length+10
		main := at("E/main")
		foot(main, pt{main.x, front})
		foot(pt{x0, front}, pt{x1, front})
		foot(at("E/west"), pt{x0, hall}, pt{cEast, hall})
		foot(pt{x0, front}, pt{x0, hall})
		foot(at("E/east"), pt{x1, hall}, pt{x1, front})
	}

	// The sports hall, whose front walk starts on C5's east path.
	{
		r := c.byRef["SH"].outline
		hall := r.y0 + stripDepth + (hallWalkN-stripDepth)/2
		main := at("SH/main")
		foot(pt{cEast, hallFront}, pt{g(3).x - 10, hallFront})
		foot(main, pt{main.x, hallFront})
		foot(at("SH/west"), pt{r.x0 - 10, hall}, pt{r.x0 - 10, hallFront})
		foot(at("SH/east"), pt{r.x1 + 10, hall}, pt{r.x1 + 10, hallFront})
	}

	// The residences, along the avenue.
	west, east := math.Inf(1), math.Inf(-1)
	for i := range residences {
		s := &residences[i]
		hall := s.at.y + s.south + s.hall/2
		x0, x1 := s.at.x-dormGap, s.at.x+s.length+dormGap
		west, east = math.Min(west, x0), math.Max(east, x1)
		main := at(s.ref + "/main")
		foot(main, pt{main.x, dormAvenue})
		foot(at(s.ref+"/west"), pt{x0, hall}, pt{x0, dormAvenue})
		foot(at(s.ref+"/east"), pt{x1, hall}, pt{x1, dormAvenue})
	}
	way("footway", lbl("Residence Avenue", "宿舍大道"), pt{west, dormAvenue}, pt{east, dormAvenue})

	if len(missing) > 0 {
		return errorf("no entrance %v", missing)
	}
	paths, err := node(ways)
	if err != nil {
		return err
	}
	c.paths = paths
	c.outdoorBeacons()
	return nil
}

// same reports whether two points are the same (to a micrometre).
func same(a, b pt) bool { return math.Abs(a.x-b.x) < 1e-6 && math.Abs(a.y-b.y) < 1e-6 }

// onSegment reports whether p lies strictly inside segment ab.
func onSegment(p, a, b pt) bool {
	if same(p, a) || same(p, b) {
		return false
	}
	cross := (b.x-a.x)*(p.y-a.y) - (b.y-a.y)*(p.x-a.x)
	if math.Abs(cross) > 1e-6 {
		return false
	}
	dot := (p.x-a.x)*(b.x-a.x) + (p.y-a.y)*(b.y-a.y)
	return dot > 0 && dot < (b.x-a.x)*(b.x-a.x)+(b.y-a.y)*(b.y-a.y)
}

// node joins the ways where the end of one lies on another, and splits
// every way at each point where it meets another, so that paths meet only
// at their ends.
func node(ways []*path) ([]*path, error) {
	var nodes []pt
	for _, w := range ways {
		for _, p := range []pt{w.pts[0], w.pts[len(w.pts)-1]} {
			if !slices.ContainsFunc(nodes, func(q pt) bool { return same(p, q) }) {
				nodes = append(nodes, p)
			}
		}
	}
	isNode := func(p pt) bool { return slices.ContainsFunc(nodes, func(q pt) bool { return same(p, q) }) }
	var out []*path
	for _, w := range ways {
		pts := []pt{w.pts[0]}
		for i := 1; i < len(w.pts); i++ {
			a, b := w.pts[i-1], w.pts[i]
			var inside []pt
			for _, n := range nodes {
				if onSegment(n, a, b) {
					inside = append(inside, n)
				}
			}
			slices.SortFunc(inside, func(p, q pt) int {
				dp, dq := math.Hypot(p.x-a.x, p.y-a.y), math.Hypot(q.x-a.x, q.y-a.y)
				switch {
				case dp < dq:
					return -1
				case dp > dq:
					return 1
				}
				return 0
			})
			pts = append(pts, inside...)
			pts = append(pts, b)
		}
		start := 0
		for i := 1; i < len(pts); i++ {
			if i < len(pts)-1 && !isNode(pts[i]) {
				continue
			}
			piece := *w
			piece.pts = slices.Clone(pts[start : i+1])
			if (start > 0 || i < len(pts)-1) && w.from != w.to {
				return nil, errorf("the %s from %v changes level and meets another path on its way", w.category, w.pts[0])
			}
			out = append(out, &piece)
			start = i
		}
	}
	return out, nil
}

// length returns the length of a polyline in metres.
func length(pts []pt) float64 {
	var d float64
	for i := 1; i < len(pts); i++ {
		d += math.Hypot(pts[i].x-pts[i-1].x, pts[i].y-pts[i-1].y)
	}
	return d
}

// pointAt returns the point at distance d along a polyline.
func pointAt(pts []pt, d float64) pt {
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		seg := math.Hypot(b.x-a.x, b.y-a.y)
		if d <= seg || i == len(pts)-1 {
			t := math.Min(1, d/seg)
			return pt{a.x + t*(b.x-a.x), a.y + t*(b.y-a.y)}
		}
		d -= seg
	}
	return pts[len(pts)-1]
}

// outdoorBeacons puts a beacon about every 10 m along every footpath, steps
// and ramp, and one two metres outside every entrance.
func (c *campus) outdoorBeacons() {
	for _, p := range c.paths {
		if p.category == "driveway" {
			continue
		}
		d := length(p.pts)
		n := max(1, int(math.Ceil(d/10)))
		for i := range n {
			t := (float64(i) + 0.5) / float64(n)
			ordinal := p.from
			if t > 0.5 {
				ordinal = p.to
			}
			c.outdoor = append(c.outdoor, outdoorBeacon{pointAt(p.pts, t*d), ordinal})
		}
	}
	for _, key := range c.entranceKeys {
		e := c.entrances[key]
		c.outdoor = append(c.outdoor, outdoorBeacon{pt{e.at.x + 2*e.out.x, e.at.y + 2*e.out.y}, e.ordinal})
	}
}
