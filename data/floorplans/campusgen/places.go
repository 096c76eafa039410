package campusgen

import "fmt"

// The places the card is used at and people ask for (the seeds name them:
// the library with its 2/F service desk, the canteens, a café, a
// convenience store, the one-stop service hall on C1's east side, 1/F,
// the IT service desk). They are rooms the slabs already have, renamed
// and recategorised, never new geometry: the walls, the doors, the
// beacons and every route stay as they were.

// place is a room given another use.
type place struct {
	ref      string // the room, as numberUnits named it
	was      string // its category before: a check that the layout did not move
	category string // IMDF unit category
	name     labels
	tills    int // tills (IMDF amenity cashier), each with a POS terminal
}

var places = []place{
	{"C1-114", "classroom", "room", labels{"One-Stop Service Hall", "一站式服务大厅"}, 0},
	{"C2-112", "office", "office", labels{"IT Service Desk", "IT 服务台"}, 0},
	{"C4-113", "office", "foodservice", labels{"Café", "咖啡厅"}, 1},
	{"C5-113", "office", "room", labels{"Convenience Store", "便利店"}, 1},
	{"C7-104", "classroom", "foodservice", labels{"North Canteen", "北区食堂"}, 3},
	{"E-103", "classroom", "foodservice", labels{"East Canteen", "东区食堂"}, 3},
	{"W-103", "classroom", "library", labels{"Library", "图书馆"}, 0},
	{"W-204", "classroom", "library", labels{"Library Reading Room", "图书馆阅览室"}, 0},
}

// libraryDesk is the room of the library's service desk (the seeds: "the
// 2nd floor Ask Us Desk", 图书馆 2 楼服务前台).
const libraryDesk = "W-204"

// unitByRef returns the unit with reference ref, or nil.
func (c *campus) unitByRef(ref string) *unit {
	for _, b := range c.buildings {
		for _, l := range b.levels {
			for _, u := range l.units {
				if u.ref == ref {
					return u
				}
			}
		}
	}
	return nil
}

// placeServices gives the rooms of places their use, their tills and the
// library its desk.
func (c *campus) placeServices() error {
	for _, p := range places {
		u := c.unitByRef(p.ref)
		if u == nil || u.category != p.was {
			return errorf("place %s (%s): no %s %s", p.name.en, p.name.zh, p.was, p.ref)
		}
		name := p.name
		u.category, u.name, u.capacity = p.category, &name, 0
		r := u.r
		door := doorOf(u)
		if door == nil {
			return errorf("place %s: %s has no door", p.name.en, p.ref)
		}
		// The tills stand in a row 2 m in from the wall with the door,
		// 3 m apart, centred on the room.
		in := inward(door, r)
		for i := range p.tills {
			along := (float64(i) - float64(p.tills-1)/2) * 3
			at := pt{door.mid.x + in.x*2, door.mid.y + in.y*2}
			if in.x == 0 {
				at.x = r.centre().x + along
			} else {
				at.y = r.centre().y + along
			}
			n := lbl(fmt.Sprintf("%s Till %d", p.name.en, i+1), fmt.Sprintf("%s%d号收银台", p.name.zh, i+1))
			if p.tills == 1 {
				n = lbl(p.name.en+" Till", p.name.zh+"收银台")
			}
			u.lvl.things = append(u.lvl.things, &amenity{category: "cashier", at: at, in: u, name: n})
		}
		if p.ref == libraryDesk {
			u.lvl.things = append(u.lvl.things, &amenity{category: "information", at: inset(r, 2, 2), in: u,
				name: lbl("Library Ask Us Desk", "图书馆服务前台")})
		}
	}
	return nil
}

// doorOf returns the first door that opens unit u, or nil.
func doorOf(u *unit) *opening {
	for _, o := range u.lvl.doors {
		if o.room == u {
			return o
		}
	}
	return nil
}

// inward returns the unit vector from door o's wall into rectangle r.
func inward(o *opening, r rect) pt {
	c := r.centre()
	if o.vertical {
		if c.x > o.mid.x {
			return pt{1, 0}
		}
		return pt{-1, 0}
	}
	if c.y > o.mid.y {
		return pt{0, 1}
	}
	return pt{0, -1}
}
