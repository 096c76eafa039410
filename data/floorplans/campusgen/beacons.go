package campusgen

import "math"

// Beacons: one campus iBeacon proximity UUID; the major number says where
// a beacon is (1 outdoors; 1000 + 10 × the building's index + the level's
// ordinal + 1 indoors) and the minor numbers the beacons of that place.
const (
	beaconUUID    = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"
	beaconSpacing = 9.5 // at most this far apart along a corridor or across a room
	outdoorMajor  = 1
	// wallInset is how far from a corridor's wall its beacons hang, metres.
	wallInset = 0.3
)

// outdoorBeacon is a beacon outside every building.
type outdoorBeacon struct {
	at      pt
	ordinal int
}

// placeBeacons puts the beacons of every level: along corridors and
// aisles, on their two walls in turn (as installers mount them, and so that
// the rooms on either side sound different), on a grid in large rooms.
func (c *campus) placeBeacons() {
	for _, b := range c.buildings {
		for _, l := range b.levels {
			for _, u := range l.units {
				l.beacons = append(l.beacons, unitBeacons(u)...)
			}
		}
	}
}

// unitBeacons returns where the beacons of a unit go.
func unitBeacons(u *unit) []pt {
	r := u.r
	switch u.beacons {
	case alongAxis:
		c := r.centre()
		side := 0
		if r.w() >= r.h() {
			off := math.Max(0, r.h()/2-wallInset)
			return spread(r.x0, r.x1, func(x float64) pt { side++; return pt{x, c.y + off*float64(2*(side%2)-1)} })
		}
		off := math.Max(0, r.w()/2-wallInset)
		return spread(r.y0, r.y1, func(y float64) pt { side++; return pt{c.x + off*float64(2*(side%2)-1), y} })
	case gridBeacons:
		var out []pt
		for _, y := range spread(r.y0, r.y1, func(y float64) pt { return pt{0, y} }) {
			out = append(out, spread(r.x0, r.x1, func(x float64) pt { return pt{x, y.y} })...)
		}
		return out
	}
	return nil
}

// spread returns the middles of the fewest equal parts of [lo, hi] no
// longer than beaconSpacing, mapped by at.
func spread(lo, hi float64, at func(float64) pt) []pt {
	n := max(1, int(math.Ceil((hi-lo)/beaconSpacing)))
	out := make([]pt, n)
	for i := range out {
		out[i] = at(lo + (float64(i)+0.5)*(hi-lo)/float64(n))
	}
	return out
}

// measuredPower is a beacon's calibrated power at 1 m: -56 to -62 dBm,
// varying from beacon to beacon.
func measuredPower(major, minor int) int {
	return -56 - (major+3*minor)%7
}
