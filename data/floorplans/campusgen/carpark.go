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
	pitch      = 48.0 // between the buildings above
)

var shutter = &door{kind: "shutter", material: "metal", automatic: true}

// strip is an east-west band of the car park: a row of bays or an aisle.
type strip struct {
	y0, y1 float64
	aisle  bool
	up     bool // a row whose aisle is north of it (else south)
}

// above is a building whose lifts and Stair A come down to the car park.
type above struct {
	s     *slab
	hallN float64 // the north wall of its corridor: the front of its lifts
}

// strips returns the bands of the car park, south to north: a row, an
// aisle and a row, once south of the first building, then under each
// building one with its aisle under the corridor (the lobbies open on it),
// one under the north rooms, and between buildings one more.
func strips(blocks []above) []strip {
	module := []strip{{0, rowDepth, false, true}, {rowDepth, rowDepth + aisleDepth, true, false}, {rowDepth + aisleDepth, 2*rowDepth + aisleDepth, false, false}}
	var out []strip
	band := func(y float64) {
		for _, s := range module {
			out = append(out, strip{y + s.y0, y + s.y1, s.aisle, s.up})
		}
	}
	band(blocks[0].hallN - 30)
	for i, b := range blocks {
		band(b.hallN - 14)
		band(b.hallN + 2)
		if i < len(blocks)-1 {
			band(b.hallN + 18)
		}
	}
	return out
}

// carParkRooms are the rectangles, under one building, of its pedestrian
// lobby, its lift lobby, its Stair A and its two lifts.
type carParkRooms struct {
	ped, liftLobby, stair, lift1, lift2 rect
}

func roomsUnder(b above) carParkRooms {
	p := b.s.plan()
	stair, _ := p.stairs()
	l1, l2 := p.lifts()
	return carParkRooms{
		ped:       rect{parkWest, b.hallN - 9, stair.x1, b.hallN},
		liftLobby: rect{l1.x0 - 2, b.hallN - 3, l2.x1 + 2, b.hallN},
		stair:     stair, lift1: l1, lift2: l2,
	}
}

func (c *campus) carPark() error {
	var blocks []above
	eastWall := 0.0 // the east end of the buildings: the east aisle's west wall
	for i := range academic {
		s := &academic[i]
		if !s.toB1 {
			continue
		}
		b := above{s, s.at.y + s.south + s.hall}
		if n := len(blocks); n > 0 && (b.hallN-blocks[n-1].hallN != pitch || s.south != blocks[0].s.south || s.at.x != 0) {
			return errorf("the car park needs the buildings above it %.0f m apart and alike; %s is not", pitch, s.ref)
		}
		blocks = append(blocks, b)
		eastWall = math.Max(eastWall, s.at.x+s.length)
	}
	if len(blocks) == 0 {
		return errorf("no building goes down to the car park")
	}
	bands := strips(blocks)
	bottom, top := bands[0].y0, bands[len(bands)-1].y1
	b := &building{ref: "CP", name: labels{"Underground Car Park", "地下停车场"}, category: "parking",
		outline: rect{parkWest, bottom, eastWall + aisleDepth, top}, under: true}
	c.addBuilding(b)
	l := &level{b: b, ordinal: -1, floor: "B1"}
	b.levels = []*level{l}

	// The rows and aisles, less what the lobbies and shafts take (and the
	// corner west of each stair).
	southLobby := rect{24, bottom, 36, bottom + rowDepth}
	taken := []rect{southLobby}
	for _, bl := range blocks {
		r := roomsUnder(bl)
		taken = append(taken, r.ped, r.liftLobby, rect{r.lift1.x0, r.lift1.y0, r.lift2.x1, r.lift2.y1},
			rect{parkWest, r.stair.y0, r.stair.x1, r.stair.y1})
	}
	var aisles []*unit
	type row struct {
		u  *unit
		up bool
	}
	var rows []row
	for _, s := range bands {
		var cut [][2]float64
		for _, t := range taken {
			if t.y0 < s.y1 && t.y1 > s.y0 {
				cut = append(cut, [2]float64{t.x0, t.x1})
			}
		}
		for _, piece := range subtract(parkWest, eastWall, cut) {
			if piece[1]-piece[0] < minPiece {
				continue
			}
			r := rect{piece[0], s.y0, piece[1], s.y1}
			if s.aisle {
				n := len(aisles) + 1
				u := l.add("road", r, lbl(fmt.Sprintf("Aisle %d", n), fmt.Sprintf("%d号车道", n)))
				u.beacons = alongAxis
				aisles = append(aisles, u)
				continue
			}
			n := len(rows) + 1
			rows = append(rows, row{l.add("parking", r, lbl(fmt.Sprintf("Parking P%02d", n), fmt.Sprintf("P%02d停车区", n))), s.up})
		}
	}
	eastAisle := l.add("road", rect{eastWall, bottom, eastWall + aisleDepth, top}, lbl("East Aisle", "东车道"))
	eastAisle.beacons = alongAxis

	// The lobbies, whose doors open on an aisle, and the shafts.
	lobbyUnit := func(r rect, name *labels) *unit {
		u := l.add("lobby", r, name)
		u.beacons = gridBeacons
		return u
	}
	lobbies := []*unit{lobbyUnit(southLobby, lbl("South Pedestrian Lobby", "南人行大堂"))}
	c.entrance(b, "south", exit(lobbies[0], south, math.NaN(), "pedestrian", exitWidth, glassDoor), south)
	for i, bl := range blocks {
		ref, r := bl.s.ref, roomsUnder(bl)
		ped := lobbyUnit(r.ped, lbl(ref+" Pedestrian Lobby", ref+"人行大堂"))
		ll := lobbyUnit(r.liftLobby, lbl(ref+" Lift Lobby", ref+"电梯厅"))
		lobbies = append(lobbies, ped, ll)
		stair := l.add("stairs", r.stair, lbl(ref+" Stair A", ref+" A楼梯"))
		lift1 := l.add("elevator", r.lift1, lbl(ref+" Lift 1", ref+" 1号电梯"))
		lift2 := l.add("elevator", r.lift2, lbl(ref+" Lift 2", ref+" 2号电梯"))
		for _, d := range []struct {
			a, b *unit
			door *door
		}{{stair, ped, metalDoor}, {lift1, ll, liftDoor}, {lift2, ll, liftDoor}} {
			if err := connect(d.a, d.b, "pedestrian", doorWidth, d.door); err != nil {
				return err
			}
		}
		// The building's Stair A, Lift 1 and Lift 2 start here.
		shafts := c.byRef[ref].shafts
		for _, s := range []struct {
			i int
			u *unit
		}{{0, stair}, {2, lift1}, {3, lift2}} {
			shafts[s.i].units = append([]*unit{s.u}, shafts[s.i].units...)
		}
		c.entrance(b, ref, exit(ped, west, bl.hallN-6, "pedestrian", exitWidth, glassDoor), west)
		c.carParkAmenities(ped, ll, i)
	}

	// Doors: every row and lobby on its aisle, every aisle on the east
	// aisle, the ramps on the east aisle's outer wall.
	for _, rw := range rows {
		y := rw.u.r.y0
		if rw.up {
			y = rw.u.r.y1
		}
		if err := connect(rw.u, aisleAlong(aisles, rw.u.r, y), "pedestrian", doorWidth, nil); err != nil {
			return err
		}
	}
	for _, u := range lobbies {
		if err := connect(u, aisleBeside(aisles, u.r), "pedestrian", 2*doorWidth, nil); err != nil {
			return err
		}
	}
	for _, a := range aisles {
		if err := connect(a, eastAisle, "automobile", aisleWidth, nil); err != nil {
			return err
		}
	}
	for i, name := range []string{"in", "out"} {
		y := blocks[i].hallN + 10 // the middle of the aisle under the north rooms
		c.entrance(b, name, exit(eastAisle, east, y, "automobile", vehicleWidth, shutter), east)
	}
	return l.numberUnits()
}

// aisleAlong returns the aisle whose south or north wall is at y and
// shares room for a door with r, or nil.
func aisleAlong(aisles []*unit, r rect, y float64) *unit {
	for _, a := range aisles {
		if _, length, _, ok := sharedWall(r, a.r); ok && (a.r.y0 == y || a.r.y1 == y) && length >= doorWidth+2*minWallMargin {
			return a
		}
	}
	return nil
}

// aisleBeside returns an aisle with which r shares a wall wide enough for a
// lobby's door, or nil.
func aisleBeside(aisles []*unit, r rect) *unit {
	for _, a := range aisles {
		if _, length, _, ok := sharedWall(r, a.r); ok && length >= 2*doorWidth+2*minWallMargin {
			return a
		}
	}
	return nil
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
