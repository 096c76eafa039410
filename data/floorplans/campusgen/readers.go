package campusgen

import (
	"fmt"
	"math"
	"slices"
)

// Card readers (the reader extension, reader.geojson). What the campus
// card opens, pays or logs in at, each standing for (guarding) one feature:
//
//   - gate: two pedestrian turnstiles at each pedestrian gate (Gates 2
//     and 5, where visitors walk in too), 1 m inside the boundary, 1.5 m
//     either side of the gate's point;
//   - barrier: a car barrier 3 m inside each vehicle or mixed gate (1, 3,
//     4), and 2 m inside each of the car park's vehicle entrances (its
//     automobile openings);
//   - door: a reader beside every building entrance (every opening on a
//     level's outer wall but the car park's vehicle ones), and beside every
//     door IMDF marks access_control badgereader (below), on the side
//     people come from;
//   - elevator: one reader per lift car, in the car's unit on the ground
//     floor (ordinal 0), guarding that unit: the car is one, whichever
//     floor it stands at;
//   - lock: a smart lock on the door of every office and every residence
//     bedroom, guarding the room;
//   - printer: on every printer (amenity copymachine), guarding it;
//   - library: a gate at the door of each library room;
//   - pos: a payment terminal at every till (amenity cashier).
//
// Doors with a badge reader (access_control ["badgereader"]) are those no
// public role walks through anyway, so that no route changes: the doors
// of rooms restricted to employees (server rooms, stores, the sports
// hall's equipment store), and of the laboratories in buildings the
// policy closes to the public.

// reader is a card reader before encoding.
type reader struct {
	key    string // stable name: its id is made from it
	kind   string
	at     pt
	lvl    *level // nil outdoors
	guards string // the id of the feature it stands for
	name   labels
}

// Reader offsets from what they stand at, in metres.
const (
	readerOff    = 0.3 // off the wall, on the side people come from
	readerBeside = 0.25
	turnstileIn  = 1.0
	turnstileGap = 1.5 // either side of a gate's point
	barrierIn    = 3.0 // inside a gate
	rampIn       = 2.0 // inside a car park vehicle entrance
)

// markBadgeDoors gives the doors of restricted rooms and of the
// laboratories of buildings closed to the public a badge reader.
func (c *campus) markBadgeDoors() {
	closed := map[string]bool{}
	for _, a := range areas {
		if a.public == "none" && a.members == "full" {
			for _, ref := range a.buildings {
				closed[ref] = true
			}
		}
	}
	for _, b := range c.buildings {
		for _, l := range b.levels {
			for _, o := range l.doors {
				if u := o.room; o.from != nil && (u.restriction != "" || (u.category == "laboratory" && closed[b.ref])) {
					o.badge = true
				}
			}
		}
	}
}

// onOutline returns the unit vector from the outline of r inwards at p, and
// whether p lies on that outline.
func onOutline(r rect, p pt) (pt, bool) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
	switch {
	case near(p.x, r.x0):
		return pt{1, 0}, true
	case near(p.x, r.x1):
		return pt{-1, 0}, true
	case near(p.y, r.y0):
		return pt{0, 1}, true
	case near(p.y, r.y1):
		return pt{0, -1}, true
	}
	return pt{}, false
}

// add returns p moved d metres along v.
func (p pt) add(v pt, d float64) pt { return pt{p.x + v.x*d, p.y + v.y*d} }

// along returns the unit vector along door o's wall.
func (o *opening) along() pt {
	if o.vertical {
		return pt{0, 1}
	}
	return pt{1, 0}
}

// beside returns where the reader of door o goes: beside it, readerOff
// into the side in (a unit vector).
func (o *opening) beside(in pt) pt {
	return o.mid.add(in, readerOff).add(o.along(), o.half+readerBeside)
}

// placeReaders places every reader of the campus, in the order
// reader.geojson lists them: the gates' outdoors, then building by
// building, floor by floor.
func (c *campus) placeReaders() error {
	for _, g := range c.gates {
		in, _ := onOutline(site, g.at)
		id := newID("gate:%d", g.n)
		name := labels{fmt.Sprintf("Gate %d", g.n), fmt.Sprintf("%d号门", g.n)}
		if g.category == "pedestrian" {
			side := pt{in.y, in.x} // along the boundary
			for i, s := range []float64{-1, 1} {
				c.readers = append(c.readers, &reader{key: fmt.Sprintf("gate:%d:%d", g.n, i+1), kind: "gate", guards: id,
					at:   g.at.add(in, turnstileIn).add(side, s*turnstileGap),
					name: labels{fmt.Sprintf("%s turnstile %d", name.en, i+1), fmt.Sprintf("%s闸机 %d", name.zh, i+1)}})
			}
			continue
		}
		c.readers = append(c.readers, &reader{key: fmt.Sprintf("barrier:gate:%d", g.n), kind: "barrier", guards: id,
			at: g.at.add(in, barrierIn), name: labels{name.en + " barrier", name.zh + "道闸"}})
	}
	for _, b := range c.buildings {
		if err := c.buildingReaders(b); err != nil {
			return err
		}
	}
	return nil
}

// buildingReaders places the readers of building b.
func (c *campus) buildingReaders(b *building) error {
	entrances := 0
	for _, l := range b.levels {
		printers, tills := 0, map[*unit]int{}
		add := func(key, kind string, at pt, guards string, name labels) {
			c.readers = append(c.readers, &reader{key: key, kind: kind, at: at, lvl: l, guards: guards, name: name})
		}
		for i, o := range l.doors {
			oid := newID("opening:%s:%d", l.key(), i)
			key := fmt.Sprintf("%s:%d", l.key(), i)
			u := o.room
			if in, entrance := onOutline(b.outline, o.mid); entrance {
				if o.category == "automobile" {
					add("barrier:"+key, "barrier", o.mid.add(in, rampIn), oid, c.rampName(b, o.mid))
					continue
				}
				entrances++
				add("door:"+key, "door", o.beside(in), oid,
					labels{fmt.Sprintf("%s entrance reader %d", b.ref, entrances), fmt.Sprintf("%s 入口读卡器 %d", b.ref, entrances)})
				continue
			}
			if o.from == nil {
				return errorf("%s: door %d of %s is on no outer wall and joins no corridor", l.key(), i, u.ref)
			}
			toward := inward(o, o.from.r)
			switch {
			case o.badge:
				add("door:"+key, "door", o.beside(toward), oid, labels{u.ref + " door reader", u.ref + " 门禁读卡器"})
			case u.category == "library":
				add("library:"+key, "library", o.beside(toward), unitID(u),
					labels{fmt.Sprintf("Library gate %s %s/F", b.ref, l.floor), fmt.Sprintf("图书馆闸机 %s %s楼", b.ref, l.floor)})
			case u.category == "office" || u.bedroom:
				add("lock:"+u.ref, "lock", o.mid.add(toward, readerOff), unitID(u), labels{"Lock " + u.ref, u.ref + " 门锁"})
			}
		}
		for i, t := range l.things {
			aid := newID("amenity:%s:%d", l.key(), i)
			key := fmt.Sprintf("%s:%d", l.key(), i)
			switch t.category {
			case "copymachine":
				printers++
				add("printer:"+key, "printer", t.at, aid, labels{fmt.Sprintf("%s %s/F printer reader %d", b.ref, l.floor, printers),
					fmt.Sprintf("%s %s楼打印机读卡器 %d", b.ref, l.floor, printers)})
			case "cashier":
				tills[t.in]++
				add("pos:"+key, "pos", t.at, aid, labels{fmt.Sprintf("%s POS %d", t.in.name.en, tills[t.in]), fmt.Sprintf("%s POS 机 %d", t.in.name.zh, tills[t.in])})
			}
		}
		if l.ordinal == 0 {
			for _, s := range b.shafts {
				if s.category != "elevator" {
					continue
				}
				i := slices.IndexFunc(s.units, func(u *unit) bool { return u.lvl == l })
				if i < 0 {
					return errorf("%s %s does not stop on the ground floor", b.ref, s.name)
				}
				u := s.units[i]
				add("elevator:"+b.ref+":"+s.name, "elevator", u.r.centre(), unitID(u),
					labels{fmt.Sprintf("%s %s reader", b.ref, s.name), fmt.Sprintf("%s %s读卡器", b.ref, u.name.zh)})
			}
		}
	}
	return nil
}

// rampName names the barrier of the car park's vehicle entrance at p.
func (c *campus) rampName(b *building, p pt) labels {
	if e, ok := c.entrances[b.ref+"/out"]; ok && same(e.at, p) {
		return labels{b.name.en + " exit barrier", b.name.zh + "出口道闸"}
	}
	return labels{b.name.en + " entrance barrier", b.name.zh + "入口道闸"}
}
