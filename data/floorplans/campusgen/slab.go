package campusgen

import (
	"math"
	"strconv"
)

// slab is a building with a long double-loaded corridor: the teaching
// buildings and the residences. Its plan, in metres from its south-west
// corner: a south row of rooms, the corridor from the west wall to the east
// wall, a north row with a stair at each end and the core (two lifts,
// restrooms, a passage, a server room and a store) in the middle. The
// ground floor has the lobby in the middle of the south row, across from the
// core, with the main entrance in its south wall; both corridor ends are
// exits.
type slab struct {
	ref    string
	name   labels
	at     pt // south-west corner
	length float64
	south  float64 // depth of the south row
	hall   float64 // width of the corridor
	north  float64 // depth of the north row
	floors int
	room   float64 // width of an office or a bedroom
	dorm   bool    // a residence: bedrooms, no teaching rooms
	toB1   bool    // Lift 1, Lift 2 and Stair A go down to the car park
	bank   bool    // the lobby has an ATM
}

// Sizes of the stairs and the core, in metres.
const (
	stairWidth = 4.4
	liftWidth  = 2.8
	liftDepth  = 3.5
	passage    = 2.4
	coreWidth  = 4*liftWidth + passage // lifts, passage, server room and store
)

// plan holds the lines of a slab's plan, relative to its south-west corner.
type plan struct {
	s                    *slab
	hallS, hallN, top    float64 // the corridor's walls and the north wall
	core, lobbyW, lobbyE float64 // west wall of the core; walls of the lobby
}

func (s *slab) plan() plan {
	return plan{
		s:      s,
		hallS:  s.south,
		hallN:  s.south + s.hall,
		top:    s.south + s.hall + s.north,
		core:   s.length/2 - coreWidth/2,
		lobbyW: s.length/2 - width[lobby]/2,
		lobbyE: s.length/2 + width[lobby]/2,
	}
}

// r returns the rectangle at plan coordinates on the site.
func (p plan) r(x0, y0, x1, y1 float64) rect { return rect{x0, y0, x1, y1}.shift(p.s.at) }

// outline is the building's outline on the site.
func (p plan) outline() rect { return p.r(0, 0, p.s.length, p.top) }

// stairs returns the rectangles of Stair A and Stair B.
func (p plan) stairs() (a, b rect) {
	return p.r(0, p.hallN, stairWidth, p.top), p.r(p.s.length-stairWidth, p.hallN, p.s.length, p.top)
}

// lifts returns the rectangles of Lift 1 and Lift 2.
func (p plan) lifts() (a, b rect) {
	x, y := p.core, p.hallN
	return p.r(x, y, x+liftWidth, y+liftDepth), p.r(x+liftWidth, y, x+2*liftWidth, y+liftDepth)
}

// slab builds the building of s: every floor, its shafts and its entrances.
func (c *campus) slab(s *slab) error {
	p := s.plan()
	b := &building{ref: s.ref, name: s.name, category: "unspecified", outline: p.outline()}
	c.addBuilding(b)
	b.shafts = []*shaft{
		{category: "stairs", name: "Stair A"}, {category: "stairs", name: "Stair B"},
		{category: "elevator", name: "Lift 1"}, {category: "elevator", name: "Lift 2"},
	}
	for f := 1; f <= s.floors; f++ {
		if err := c.slabFloor(b, p, f); err != nil {
			return err
		}
	}
	return nil
}

// slabFloor builds floor f (1 is the ground floor) of a slab.
func (c *campus) slabFloor(b *building, p plan, f int) error {
	s := p.s
	l := &level{b: b, ordinal: f - 1, floor: strconv.Itoa(f)}
	b.levels = append(b.levels, l)
	hall := l.add("walkway", p.r(0, p.hallS, s.length, p.hallN), nil)
	hall.beacons = alongAxis

	// The south row, west to east: rooms, the lobby or what is above it,
	// rooms; then the north row: Stair A, rooms, the core, rooms, Stair B.
	westRooms, middleRooms, eastRooms := c.southProgram(s, f)
	if err := c.row(l, p, hall, 0, p.lobbyW, 0, p.hallS, westRooms); err != nil {
		return err
	}
	middle, err := stretch(p.lobbyW, p.lobbyE, middleRooms)
	if err != nil {
		return err
	}
	lobbyUnit, err := c.rooms(l, p, hall, middle, 0, p.hallS)
	if err != nil {
		return err
	}
	if lobbyUnit.category != "lobby" {
		lobbyUnit = nil
	}
	if err := c.row(l, p, hall, p.lobbyE, s.length, 0, p.hallS, eastRooms); err != nil {
		return err
	}
	sa, sb := p.stairs()
	stairA := l.add("stairs", sa, lbl("Stair A", "A楼梯"))
	if err := c.row(l, p, hall, stairWidth, p.core, p.hallN, p.top, c.northProgram(s, f, 0)); err != nil {
		return err
	}
	lift1, lift2, err := c.core(l, p, hall)
	if err != nil {
		return err
	}
	if err := c.row(l, p, hall, p.core+coreWidth, s.length-stairWidth, p.hallN, p.top, c.northProgram(s, f, 1)); err != nil {
		return err
	}
	stairB := l.add("stairs", sb, lbl("Stair B", "B楼梯"))
	for _, u := range []*unit{stairA, stairB} {
		if err := connect(u, hall, "pedestrian", doorWidth, metalDoor); err != nil {
			return err
		}
	}
	for i, u := range []*unit{stairA, stairB, lift1, lift2} {
		b.shafts[i].units = append(b.shafts[i].units, u)
	}

	if f == 1 {
		c.entrance(b, "main", exit(lobbyUnit, south, math.NaN(), "pedestrian.principal", mainWidth, glassDoor), south)
		c.entrance(b, "west", exit(hall, west, math.NaN(), "pedestrian", exitWidth, glassDoor), west)
		c.entrance(b, "east", exit(hall, east, math.NaN(), "emergencyexit", exitWidth, metalDoor), east)
	}
	c.slabAmenities(l, p, f, hall, lobbyUnit)
	return l.numberUnits()
}

// layout is rooms west to east and the walls between them.
type layout struct {
	kinds []kind
	walls []float64 // one more than kinds: the first is the west end, the last the east end
}

// row adds the rooms between x0 and x1 and y0 and y1 of the plan: the
// fixed ones among as many offices (bedrooms in a residence) as fit, each
// with a door on the corridor.
func (c *campus) row(l *level, p plan, hall *unit, x0, x1, y0, y1 float64, fixed []kind) error {
	filler := office
	if p.s.dorm {
		filler = bedroom
	}
	lay, err := fill(x0, x1, fixed, filler, p.s.room)
	if err != nil {
		return err
	}
	_, err = c.rooms(l, p, hall, lay, y0, y1)
	return err
}

// rooms adds the rooms of a layout between y0 and y1 of the plan, each with
// a door on the corridor, and returns the last.
func (c *campus) rooms(l *level, p plan, hall *unit, lay layout, y0, y1 float64) (*unit, error) {
	var u *unit
	for i, k := range lay.kinds {
		u = c.room(l, k, p.r(lay.walls[i], y0, lay.walls[i+1], y1))
		d := woodDoor
		if k == lobby {
			d = glassDoor
		}
		if err := connect(u, hall, "pedestrian", doorWidth, d); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// stretch lays out only the given rooms between x0 and x1, all stretched
// alike to fill the span.
func stretch(x0, x1 float64, kinds []kind) (layout, error) {
	var total float64
	for _, k := range kinds {
		total += width[k]
	}
	if total == 0 {
		return layout{}, errorf("nothing to lay out between %.1f and %.1f", x0, x1)
	}
	walls := []float64{x0}
	var at float64
	for _, k := range kinds {
		at += width[k]
		walls = append(walls, x0+at*(x1-x0)/total)
	}
	walls[len(walls)-1] = x1
	return layout{kinds, walls}, nil
}

// core adds the core of a floor: Lift 1 and Lift 2 on the corridor with a
// restroom behind them, the passage to the restrooms, and a server room and
// a store on the corridor with the other restroom behind them. Residences
// have a common room and a laundry behind, a pantry and a store in front.
func (c *campus) core(l *level, p plan, hall *unit) (lift1, lift2 *unit, err error) {
	x, y, top := p.core, p.hallN, p.top
	dorm := p.s.dorm
	la, lb := p.lifts()
	lift1 = l.add("elevator", la, lbl("Lift 1", "1号电梯"))
	lift2 = l.add("elevator", lb, lbl("Lift 2", "2号电梯"))
	backW := l.add("restroom.male", p.r(x, y+liftDepth, x+2*liftWidth, top), lbl("Men's Restroom", "男洗手间"))
	if dorm {
		backW.category, backW.name = "lounge", lbl("Common Room", "公共活动室")
	}
	xp := x + 2*liftWidth
	pass := l.add("walkway", p.r(xp, y, xp+passage, top), nil)
	pass.beacons = alongAxis
	xs := xp + passage
	front1 := l.add("serverroom", p.r(xs, y, xs+liftWidth, y+liftDepth), lbl("Server Room", "服务器机房"))
	front2 := l.add("storage", p.r(xs+liftWidth, y, xs+2*liftWidth, y+liftDepth), lbl("Store Room", "储物室"))
	backE := l.add("restroom.female", p.r(xs, y+liftDepth, xs+2*liftWidth, top), lbl("Women's Restroom", "女洗手间"))
	front1.restriction, front2.restriction = "employeesonly", "employeesonly"
	if dorm {
		front1.category, front1.name, front1.restriction = "kitchen", lbl("Pantry", "茶水间"), ""
		backE.category, backE.name = "room", lbl("Laundry Room", "洗衣房")
	}
	for _, d := range []struct {
		a, b *unit
		door *door
	}{
		{lift1, hall, liftDoor}, {lift2, hall, liftDoor}, {pass, hall, woodDoor},
		{front1, hall, metalDoor}, {front2, hall, metalDoor},
		{backW, pass, woodDoor}, {backE, pass, woodDoor},
	} {
		if err := connect(d.a, d.b, "pedestrian", doorWidth, d.door); err != nil {
			return nil, nil, err
		}
	}
	return lift1, lift2, nil
}

// southProgram returns the rooms, besides offices or bedrooms, of the south
// row of floor f west of the lobby, in its place, and east of it. Floors of
// a building differ, and so do buildings.
func (c *campus) southProgram(s *slab, f int) (westOf, middle, eastOf []kind) {
	if s.dorm {
		if f == 1 {
			return nil, []kind{lobby}, []kind{warden}
		}
		return nil, []kind{bedroom, bedroom, bedroom}, nil
	}
	if f == 1 {
		return []kind{lecture, classroom}, []kind{lobby}, []kind{classroom, discussion, meeting}
	}
	switch (f + len(s.ref) + int(s.ref[len(s.ref)-1])) % 3 {
	case 0:
		return []kind{classroom, discussion}, []kind{meeting, discussion}, []kind{lab, meeting}
	case 1:
		return []kind{lab, meeting}, []kind{classroom}, []kind{discussion, classroom}
	}
	return []kind{classroom, discussion}, []kind{lab}, []kind{meeting, lab, discussion}
}

// northProgram returns the rooms, besides offices or bedrooms, of the north
// row west (half 0) or east (half 1) of the core.
func (c *campus) northProgram(s *slab, f, half int) []kind {
	if s.dorm {
		return nil
	}
	if half == 0 {
		if f%2 == 0 {
			return []kind{meeting}
		}
		return []kind{discussion}
	}
	return []kind{discussion}
}
