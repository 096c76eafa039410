package campusgen

import (
	"math"
)

// Doors by where they are.
var (
	woodDoor  = &door{kind: "swinging", material: "wood"}
	metalDoor = &door{kind: "swinging", material: "metal"}
	liftDoor  = &door{kind: "sliding", material: "metal", automatic: true}
	glassDoor = &door{kind: "sliding", material: "glass", automatic: true}
)

// Widths of openings, in metres.
const (
	doorWidth     = 1.0 // every inside door
	mainWidth     = 2.0 // a building's main entrance
	exitWidth     = 1.6 // an exit at a corridor end, a car park pedestrian exit
	aisleWidth    = 5.0 // between two car park aisles
	vehicleWidth  = 6.0 // a car park ramp
	minWallMargin = 0.3 // a door keeps this far from the ends of its wall
)

// sharedWall returns the wall two touching rectangles share: its middle, its
// length and whether it runs north-south.
func sharedWall(a, b rect) (mid pt, length float64, vertical, ok bool) {
	switch {
	case a.x1 == b.x0 || a.x0 == b.x1:
		x := a.x1
		if a.x0 == b.x1 {
			x = a.x0
		}
		lo, hi := math.Max(a.y0, b.y0), math.Min(a.y1, b.y1)
		return pt{x, (lo + hi) / 2}, hi - lo, true, hi > lo
	case a.y1 == b.y0 || a.y0 == b.y1:
		y := a.y1
		if a.y0 == b.y1 {
			y = a.y0
		}
		lo, hi := math.Max(a.x0, b.x0), math.Min(a.x1, b.x1)
		return pt{(lo + hi) / 2, y}, hi - lo, false, hi > lo
	}
	return pt{}, 0, false, false
}

// connect puts a door of the given category and width in the middle of the
// wall that units a and b share.
func connect(a, b *unit, category string, width float64, d *door) error {
	if a == nil || b == nil {
		return errorf("a door needs a unit on either side")
	}
	mid, length, vertical, ok := sharedWall(a.r, b.r)
	if !ok || length < width+2*minWallMargin {
		return errorf("%s: no wall of %.1f m between %s %v and %s %v", a.lvl.key(), width, a.category, a.r, b.category, b.r)
	}
	a.lvl.doors = append(a.lvl.doors, &opening{category: category, mid: mid, vertical: vertical, half: width / 2, door: d, room: a, from: b})
	return nil
}

// side of a rectangle.
type side int

const (
	south side = iota
	north
	west
	east
)

// wall returns the middle of a side of r and whether it runs north-south.
func (r rect) wall(s side) (mid pt, vertical bool) {
	c := r.centre()
	switch s {
	case south:
		return pt{c.x, r.y0}, false
	case north:
		return pt{c.x, r.y1}, false
	case west:
		return pt{r.x0, c.y}, true
	}
	return pt{r.x1, c.y}, true
}

// exit puts an opening on side s of unit u, which must be the outer wall of
// its level, centred at coordinate at along the wall (NaN: the middle). It
// returns the opening's middle, where outdoor paths end.
func exit(u *unit, s side, at float64, category string, width float64, d *door) pt {
	mid, vertical := u.r.wall(s)
	if !math.IsNaN(at) {
		if vertical {
			mid.y = at
		} else {
			mid.x = at
		}
	}
	u.lvl.doors = append(u.lvl.doors, &opening{category: category, mid: mid, vertical: vertical, half: width / 2, door: d, room: u})
	return mid
}

// ends returns the opening's two points as written, symmetric about its
// middle so that the middle of the written points is exactly the written
// middle (the point an outdoor path ends at).
func (o *opening) ends() (a, b e7) {
	m := toE7(o.mid)
	step := toE7(pt{o.mid.x + o.half, o.mid.y + o.half})
	h := step.lat - m.lat
	if !o.vertical {
		h = step.lon - m.lon
	}
	for k := int64(0); k < 50; k++ {
		a, b = m, m
		if o.vertical {
			a.lat, b.lat = m.lat-h-k, m.lat+h+k
		} else {
			a.lon, b.lon = m.lon-h-k, m.lon+h+k
		}
		if exactMiddle(a, b, m) {
			return a, b
		}
	}
	return a, b
}

// exactMiddle reports whether a reader computing the middle of a and b in
// floating point gets m exactly.
func exactMiddle(a, b, m e7) bool {
	ax, ay := a.float()
	bx, by := b.float()
	mx, my := m.float()
	return (ax+bx)/2 == mx && (ay+by)/2 == my && ax+(bx-ax)/2 == mx && ay+(by-ay)/2 == my
}
