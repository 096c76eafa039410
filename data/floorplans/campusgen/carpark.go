package campusgen

import (
	"fmt"
	"math"
)

// The underground car park CP: one level, B1 (ordinal -1), under C3, C4
// and C5. Aisles run east-west, six metres wide, with a five-metre row of
// bays on either side; an aisle along the east wall joins them and has the
// two ramps. Under each of the three buildings its Lift 1, Lift 2 and Stair
// A come down to B1, into a lift lobby and a pedestrian lobby on an aisle;
// each pedestrian lobby has an exit to steps on the west wall, and a
// pedestrian lobby on the south wall opens on a step-free ramp.
const (
	parkWest   = -6.0 // the car park's west wall
	rowDepth   = 5.0  // a row of bays
	aisleDepth = 6.0  // an aisle
	minPiece   = 2.5  // a shorter piece of a row is left out
)

var shutter = &door{kind: "shutter", material: "metal", automatic: true}

// strip is an east-west band of the car park: a row of bays or an aisle.
type strip struct {
	y0, y1 float64
	aisle  bool
	up     bool // a row whose aisle is north of it (else south)
}

func (c *campus) carPark() error {
	var blocks []*slab
	for i := range academic {
		if academic[i].toB1 {
			blocks = append(blocks, &academic[i])
		}
	}
	if len(blocks) == 0 {
		return fmt.Errorf("campusgen: no building goes down to the car park")
	}
	var hallN []float64 // the north wall of each one's corridor: its lifts' front
	eastWall := 0.0 // the east end of the buildings: the east aisle's west wall
	for i, s := range blocks {
		hallN = append(hallN, s.at.y+s.south+s.hall)
		eastWall = math.Max(eastWall, s.at.x+s.length)
		if i > 0 && (hallN[i]-hallN[i-1] != 48 || s.south != blocks[0].south || s.at.x != 0) {
			return fmt.Errorf("campusgen: the car park needs its buildings 48 m apart and alike; %s is not", s.ref)
		}
	}

	// The bands, south to north: one module south of the first building,
	// then under each building an aisle on the corridor (lobbies on it)
	// and one under the north rooms, and between buildings one more.
	var strips []strip
	band := func(y float64, ss ...strip) {
		for _, s := range ss {
			strips = append(strips, strip{y + s.y0, y + s.y1, s.aisle, s.up})
		}
	}
	module := []strip{{0, 5, false, true}, {5, 11, true, false}, {11, 16, false, false}}
	band(hallN[0]-30, module...)
	for i, c := range hallN {
		band(c-14, module...)
		band(c+2, module...)
		if i < len(hallN)-1 {
			band(c+18, module...)
		}
	}
	bottom, top := strips[0].y0, strips[len(strips)-1].y1
	outline := rect{parkWest, bottom, eastWall + aisleDepth, top}
	b := &building{ref: "CP", name: labels{"Underground Car Park", "地下停车场"}, category: "parking", outline: outline, under: true}
	c.addBuilding(b)
	l := &level{b: b, ordinal: -1, floor: "B1"}
	b.levels = []*level{l}

	// What is carved out of the rows and aisles, and the units that fill it.
	type carve struct {
		keep rect // the band of x it takes from strips it overlaps
		u    *unit
	}
	var carves []carve
	southLobby := rect{24, bottom, 36, bottom + rowDepth}
	carves = append(carves, carve{keep: southLobby})
	for i, s := range blocks {
		p := s.plan()
		c0 := hallN[i]
		stair, _ := p.stairs()
		l1, l2 := p.lifts()
		lifts := rect{l1.x0, l1.y0, l2.x1, l2.y1}
		ped := rect{parkWest, c0 - 9, stair.x1, c0}
		liftLobby := rect{lifts.x0 - 2, c0 - 3, lifts.x1 + 2, c0}
		carves = append(carves,
			carve{keep: ped}, carve{keep: liftLobby}, carve{keep: lifts},
			carve{keep: rect{parkWest, stair.y0, stair.x1, stair.y1}})
	}

	aisles := 0
	var rows []*unit // each row, with the strip it came from
	var rowStrips []strip
	var aisleUnits []*unit
	for _, s := range strips {
		var cut [][2]float64
		for _, cv := range carves {
			if cv.keep.y0 < s.y1 && cv.keep.y1 > s.y0 {
				cut = append(cut, [2]float64{cv.keep.x0, cv.keep.x1})
			}
		}
		for _, piece := range subtract(parkWest, eastWall, cut) {
			if piece[1]-piece[0] < minPiece {
				continue
			}
			r := rect{piece[0], s.y0, piece[1], s.y1}
			if s.aisle {
				aisles++
				u := l.add("road", r, lbl(fmt.Sprintf("Aisle %d", aisles), fmt.Sprintf("%d号车道", aisles)))
				u.beacons = alongAxis
				aisleUnits = append(aisleUnits, u)
				continue
			}
			n := len(rows) + 1
			rows = append(rows, l.add("parking", r, lbl(fmt.Sprintf("Parking P%02d", n), fmt.Sprintf("P%02d停车区", n))))
			rowStrips = append(rowStrips, s)
		}
	}
	eastAisle := l.add("road", rect{eastWall, bottom, eastWall + aisleDepth, top}, lbl("East Aisle", "东车道"))
	eastAisle.beacons = alongAxis

	// The lobbies and the shafts.
	lobbyUnit := func(r rect, name *labels) *unit {
		u := l.add("lobby", r, name)
		u.beacons = gridBeacons
		return u
	}
	sl := lobbyUnit(southLobby, lbl("South Pedestrian Lobby", "南人行大堂"))
	var links []*unit // each unit that must open on an aisle
	links = append(links, sl)
	for i, s := range blocks {
		p := s.plan()
		c0 := hallN[i]
		ref := s.ref
		stairR, _ := p.stairs()
		l1, l2 := p.lifts()
		ped := lobbyUnit(rect{parkWest, c0 - 9, stairR.x1, c0}, lbl(ref+" Pedestrian Lobby", ref+"人行大堂"))
		ll := lobbyUnit(rect{l1.x0 - 2, c0 - 3, l2.x1 + 2, c0}, lbl(ref+" Lift Lobby", ref+"电梯厅"))
		stair := l.add("stairs", stairR, lbl(ref+" Stair A", ref+" A楼梯"))
		lift1 := l.add("elevator", l1, lbl(ref+" Lift 1", ref+" 1号电梯"))
		lift2 := l.add("elevator", l2, lbl(ref+" Lift 2", ref+" 2号电梯"))
		links = append(links, ped, ll)
		if err := connect(stair, ped, "pedestrian", doorWidth, metalDoor); err != nil {
			return err
		}
		for _, u := range []*unit{lift1, lift2} {
			if err := connect(u, ll, "pedestrian", doorWidth, liftDoor); err != nil {
				return err
			}
		}
		bb := c.byRef[ref]
		for j, u := range []*unit{stair, nil, lift1, lift2} {
			if u != nil {
				bb.shafts[j].units = append([]*unit{u}, bb.shafts[j].units...)
			}
		}
		c.entrance(b, ref, exit(ped, west, c0-6, "pedestrian", exitWidth, glassDoor), west)
		c.carParkAmenities(ped, ll, i)
	}
	c.entrance(b, "south", exit(sl, south, math.NaN(), "pedestrian", exitWidth, glassDoor), south)

	// Doors: every row and lobby on its aisle, every aisle on the east aisle.
	aisleAt := func(y float64) *unit {
		for _, a := range aisleUnits {
			if a.r.y0 == y || a.r.y1 == y {
				return a
			}
		}
		return nil
	}
	for i, r := range rows {
		y := r.r.y0
		if rowStrips[i].up {
			y = r.r.y1
		}
		a := aisleAt(y)
		if a == nil {
			return fmt.Errorf("campusgen: row %v has no aisle", r.r)
		}
		if err := connect(r, a, "pedestrian", doorWidth, nil); err != nil {
			return err
		}
	}
	for _, u := range links {
		var on *unit
		for _, a := range aisleUnits {
			if _, length, _, ok := sharedWall(u.r, a.r); ok && length >= 2*doorWidth {
				on = a
				break
			}
		}
		if on == nil {
			return fmt.Errorf("campusgen: %s is on no aisle", u.name.en)
		}
		if err := connect(u, on, "pedestrian", 2*doorWidth, nil); err != nil {
			return err
		}
	}
	for _, a := range aisleUnits {
		if err := connect(a, eastAisle, "automobile", aisleWidth, nil); err != nil {
			return err
		}
	}
	for i, name := range []string{"in", "out"} {
		y := hallN[i] + 10 // the middle of the aisle under the north rooms
		c.entrance(b, name, exit(eastAisle, east, y, "automobile", vehicleWidth, shutter), east)
	}
	return l.numberUnits()
}

// subtract returns the pieces of [lo, hi] outside every interval of cut,
// west to east.
func subtract(lo, hi float64, cut [][2]float64) [][2]float64 {
	pieces := [][2]float64{{lo, hi}}
	for _, c := range cut {
		var next [][2]float64
		for _, p := range pieces {
			if c[1] <= p[0] || c[0] >= p[1] {
				next = append(next, p)
				continue
			}
			if c[0] > p[0] {
				next = append(next, [2]float64{p[0], c[0]})
			}
			if c[1] < p[1] {
				next = append(next, [2]float64{c[1], p[1]})
			}
		}
		pieces = next
	}
	return pieces
}
