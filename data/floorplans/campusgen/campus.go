package campusgen

import "fmt"

// The site plan, in metres east and north of the anchor (113.4780 E,
// 22.8950 N):
//
//   - C1..C7 are parallel slabs 122-130 m long, west ends on x = 0, 48 m
//     apart from C1 (y 0) to C7 (y 288); a covered walkway runs north-south
//     along x = -20, west of them.
//   - The car park CP lies under C3, C4 and C5 (x -6..136, y 80.5..224.5),
//     its ramps on its east wall, its pedestrian exits on its west and south
//     walls.
//   - W stands west of the walkway, E east of the car park's access road,
//     the sports hall SH north of E, and the residences D1..D5 in a row to
//     the north.
//   - The campus boundary is x -170..320, y -60..420; Gates 1 and 2 are on
//     its south side, Gate 3 east, Gate 4 north, Gate 5 west.
var (
	site = rect{-170, -60, 320, 420}

	academic = []slab{
		cBlock(1, 126, 10.5, 8, 3.8),
		cBlock(2, 122, 11, 7, 3.6),
		cBlock(3, 130, 11.5, 8, 3.6),
		cBlock(4, 130, 11.5, 8, 3.6),
		cBlock(5, 130, 11.5, 8, 3.6),
		cBlock(6, 126, 11, 7, 3.8),
		cBlock(7, 122, 12, 6, 4.0),
		{ref: "E", name: labels{"East Academic Building", "东教学楼"}, at: pt{190, 130}, length: 90, south: 9.5, hall: 3, north: 9.5, floors: 5, room: 3.6},
		{ref: "W", name: labels{"West Academic Building", "西教学楼"}, at: pt{-136, 150}, length: 90, south: 9.5, hall: 3, north: 9.5, floors: 5, room: 3.6, bank: true},
	}
	residences = []slab{residence(1, 8), residence(2, 7), residence(3, 8), residence(4, 6), residence(5, 8)}
)

// cBlock is academic building Cn: length m long, rows deep metres deep on
// either side of a 3 m corridor, with floors floors and offices office
// metres wide.
func cBlock(n int, length, deep float64, floors int, office float64) slab {
	return slab{
		ref:    fmt.Sprint("C", n),
		name:   labels{fmt.Sprintf("Academic Building C%d", n), fmt.Sprintf("C%d教学楼", n)},
		at:     pt{0, float64(48 * (n - 1))},
		length: length, south: deep, hall: 3, north: deep,
		floors: floors, room: office,
		toB1: n >= 3 && n <= 5,
		bank: n == 3 || n == 5,
	}
}

// residence is student residence Dn, with floors floors.
func residence(n, floors int) slab {
	return slab{
		ref:    fmt.Sprint("D", n),
		name:   labels{fmt.Sprintf("Student Residence D%d", n), fmt.Sprintf("D%d学生宿舍", n)},
		at:     pt{-160 + 96*float64(n-1), 360},
		length: 80, south: 7.25, hall: 2.5, north: 7.25,
		floors: floors, room: 3.4, dorm: true,
	}
}

// campus is the generator's state: what has been built so far.
type campus struct {
	buildings    []*building
	byRef        map[string]*building // for look-ups only; never ranged over
	entrances    map[string]entrance  // "C3/main"; for look-ups only
	entranceKeys []string             // the keys of entrances, in the order made
	lectures     int                  // lecture theatres named so far
	labs         int                  // laboratories named so far
	paths        []*path
	gates        []*gate
	outdoor      []outdoorBeacon
	readers      []*reader
}

// entrance is an opening on a level's outer wall, which an outdoor path
// reaches.
type entrance struct {
	at      pt  // the opening's middle
	out     pt  // unit vector pointing outdoors
	ordinal int // the level's ordinal
}

func (c *campus) addBuilding(b *building) {
	c.buildings = append(c.buildings, b)
	c.byRef[b.ref] = b
}

// entrance records an opening on side s of building b's outer wall.
func (c *campus) entrance(b *building, name string, at pt, s side) {
	out := [...]pt{south: {0, -1}, north: {0, 1}, west: {-1, 0}, east: {1, 0}}[s]
	ordinal := 0
	if b.under {
		ordinal = -1
	}
	key := b.ref + "/" + name
	c.entrances[key] = entrance{at: at, out: out, ordinal: ordinal}
	c.entranceKeys = append(c.entranceKeys, key)
}

// build lays out the whole campus.
func build() (*campus, error) {
	c := &campus{byRef: map[string]*building{}, entrances: map[string]entrance{}}
	for i := range academic {
		if err := c.slab(&academic[i]); err != nil {
			return nil, err
		}
	}
	if err := c.sportsHall(); err != nil {
		return nil, err
	}
	for i := range residences {
		if err := c.slab(&residences[i]); err != nil {
			return nil, err
		}
	}
	if err := c.carPark(); err != nil {
		return nil, err
	}
	if err := c.outdoors(); err != nil {
		return nil, err
	}
	if err := c.placeServices(); err != nil {
		return nil, err
	}
	if err := c.placeBookings(); err != nil {
		return nil, err
	}
	c.markBadgeDoors()
	if err := c.placeReaders(); err != nil {
		return nil, err
	}
	c.placeBeacons()
	return c, nil
}
