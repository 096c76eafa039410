package sim

import (
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Stop is one stop of a trip: a reader the person shows a credential at,
// or the room the trip ends in.
type Stop struct {
	Reader *geo.Reader // nil: a room with no reader, where the trip ends
	Floor  *int        // at a lift: the floor asked for
	// Leg is the time from the previous stop (or from the trip's start)
	// at the plan's pace.
	Leg time.Duration
	// Gap is the least time since the answer to the card's previous use
	// (the previous reader of the plan; for the first, the one the
	// driver was told of): Campus.Gap. 0 for rooms.
	Gap time.Duration
}

// Trip is one trip: its stops in order, and what it was for.
type Trip struct {
	Purpose string // arrive, leave, office, room, class, printer, library, till, sport
	Stops   []Stop
}

// Day is a person's trips, in order; one begins at each class change.
// It begins off campus and, of two trips or more, ends off campus too, so
// it may be lived again (Repeats): Again is then the Gap of its first
// use after its last.
type Day struct {
	Trips   []Trip
	Repeats bool
	Again   time.Duration
}

// First is the day's first use of a reader; nil if it has none.
func (d *Day) First() *Stop {
	for i := range d.Trips {
		for j := range d.Trips[i].Stops {
			if d.Trips[i].Stops[j].Reader != nil {
				return &d.Trips[i].Stops[j]
			}
		}
	}
	return nil
}

// The purposes of trips.
const (
	PurposeArrive  = "arrive"
	PurposeLeave   = "leave"
	PurposeOffice  = "office"
	PurposeRoom    = "room"
	PurposeClass   = "class"
	PurposePrinter = "printer"
	PurposeLibrary = "library"
	PurposeTill    = "till"
	PurposeLeisure = "leisure"
)

// leaveShare is the chance a person on campus goes home at a class
// change (and comes back at the next).
const leaveShare = 0.15

// planner plans one person's day.
type planner struct {
	c        *Campus
	p        Person
	rng      *rand.Rand
	pace     float64
	onCampus bool
	at       spot
	last     *geo.Reader // the card's previous reader in the plan
}

// Plan is person p's day of trips trips at pace (1: walking; more is
// capped at MaxPace): from off campus, and, of two trips or more, the
// last one home (one fewer if they went home the trip before). last is the reader the card was used at last (from an
// earlier day), or nil. The same seed plans the same day.
func (c *Campus) Plan(p Person, last *geo.Reader, trips int, pace float64, seed uint64) Day {
	pl := &planner{c: c, p: p, rng: rand.New(rand.NewPCG(seed, uint64(p.N)<<1|1)), pace: pace, last: last}
	var d Day
	for i := range trips {
		switch {
		case i == 0 || i < trips-1:
			d.Trips = append(d.Trips, pl.next())
		case pl.onCampus:
			d.Trips = append(d.Trips, pl.leave())
		}
	}
	if first := d.First(); first != nil && !pl.onCampus {
		d.Repeats, d.Again = true, c.Gap(pl.last, first.Reader, p.Role)
	}
	return d
}

// next plans the next trip from where the person is.
func (pl *planner) next() Trip {
	if !pl.onCampus {
		return pl.arrive()
	}
	if pl.rng.Float64() < leaveShare {
		return pl.leave()
	}
	for range 8 {
		purpose, dest, ok := pl.destination()
		if !ok {
			continue
		}
		if stops, ok := pl.path(pl.at, dest, false); ok {
			return pl.commit(Trip{Purpose: purpose, Stops: stops}, dest)
		}
	}
	return Trip{Purpose: PurposeLeisure} // stays where they are
}

// commit moves the person to where the trip ends and fills in the gaps.
func (pl *planner) commit(t Trip, end spot) Trip {
	for i := range t.Stops {
		if r := t.Stops[i].Reader; r != nil {
			t.Stops[i].Gap = pl.c.Gap(pl.last, r, pl.p.Role)
			pl.last = r
		}
	}
	pl.at = end
	return t
}

// arrive is coming onto campus: through a turnstile at a pedestrian gate,
// or by car through a gate's barrier and the car park's, then on foot to
// a first destination.
func (pl *planner) arrive() Trip {
	for range 8 {
		purpose, dest, ok := pl.destination()
		if !ok {
			continue
		}
		var stops []Stop
		var from spot
		if pl.p.ByCar {
			gb := readerSpot(pick(pl.rng, pl.c.gateBarriers))
			pb := readerSpot(pl.nearest(pl.c.parkBarriers, gb))
			stops = []Stop{{Reader: gb.reader}, {Reader: pb.reader, Leg: pl.c.leg(gb, pb, pl.p.Role, pl.pace, true)}}
			from = pb
		} else {
			from = readerSpot(pl.nearest(pl.c.turnstiles, dest))
			stops = []Stop{{Reader: from.reader}}
		}
		rest, ok := pl.path(from, dest, true)
		if !ok {
			continue
		}
		pl.onCampus = true
		return pl.commit(Trip{Purpose: PurposeArrive + ":" + purpose, Stops: append(stops, rest...)}, dest)
	}
	// Nowhere to go: in through a turnstile and no further.
	g := readerSpot(pick(pl.rng, pl.c.turnstiles))
	pl.onCampus = true
	return pl.commit(Trip{Purpose: PurposeArrive, Stops: []Stop{{Reader: g.reader}}}, g)
}

// leave is going home: out through the nearest turnstile, or on foot to
// the car park (its door reader) and out by car through its barrier and
// a gate's.
func (pl *planner) leave() Trip {
	pl.onCampus = false
	if pl.p.ByCar {
		var stops []Stop
		from := pl.at
		if doors := pl.c.entrances[pl.c.carPark]; len(doors) > 0 {
			d := readerSpot(pl.nearest(doors, from))
			stops = append(stops, Stop{Reader: d.reader, Leg: pl.c.leg(from, d, pl.p.Role, pl.pace, false)})
			from = d
		}
		pb := readerSpot(pl.nearest(pl.c.parkBarriers, from))
		gb := readerSpot(pl.nearest(pl.c.gateBarriers, pb))
		stops = append(stops, Stop{Reader: pb.reader, Leg: pl.c.leg(from, pb, pl.p.Role, pl.pace, false)},
			Stop{Reader: gb.reader, Leg: pl.c.leg(pb, gb, pl.p.Role, pl.pace, true)})
		return pl.commit(Trip{Purpose: PurposeLeave, Stops: stops}, gb)
	}
	g := readerSpot(pl.nearest(pl.c.turnstiles, pl.at))
	return pl.commit(Trip{Purpose: PurposeLeave, Stops: []Stop{{Reader: g.reader, Leg: pl.c.leg(pl.at, g, pl.p.Role, pl.pace, false)}}}, g)
}

// destination picks where the person goes next, by role.
func (pl *planner) destination() (string, spot, bool) {
	c, p, r := pl.c, pl.p, pl.rng.Float64()
	type choice struct {
		purpose string
		weight  float64
	}
	var choices []choice
	switch p.Role {
	case auth.Staff:
		choices = []choice{{PurposeOffice, 0.35}, {PurposeClass, 0.25}, {PurposePrinter, 0.15}, {PurposeTill, 0.15}, {PurposeLibrary, 0.1}}
	case auth.Student:
		choices = []choice{{PurposeClass, 0.4}, {PurposeLibrary, 0.15}, {PurposePrinter, 0.15}, {PurposeTill, 0.15}, {PurposeRoom, 0.15}}
	default:
		choices = []choice{{PurposeLeisure, 1}}
	}
	purpose := choices[len(choices)-1].purpose
	for _, ch := range choices {
		if r < ch.weight {
			purpose = ch.purpose
			break
		}
		r -= ch.weight
	}
	var s spot
	switch purpose {
	case PurposeOffice, PurposeRoom:
		u := p.Office
		if purpose == PurposeRoom {
			u = p.Room
		}
		if u == nil {
			return "", s, false
		}
		s = c.unitSpot(u)
	case PurposeClass, PurposeLeisure:
		rooms := c.rooms[p.Role]
		if len(rooms) == 0 {
			return "", s, false
		}
		s = c.unitSpot(pick(pl.rng, rooms))
	case PurposePrinter, PurposeLibrary, PurposeTill:
		rs := map[string][]*geo.Reader{PurposePrinter: c.printers, PurposeLibrary: c.library, PurposeTill: c.tills}[purpose]
		if len(rs) == 0 {
			return "", s, false
		}
		s = readerSpot(pick(pl.rng, rs))
	}
	if s.place == pl.at.place {
		return "", s, false
	}
	return purpose, s, true
}

// path is the stops from one spot to another: the building's entrance
// reader when the destination is in another building, the lift's reader
// (with the floor) when the way up or down is by lift, the room's lock
// when it is the person's own, the destination. ok is false when the
// policy or the person's grants would not let them through.
func (pl *planner) path(from, dest spot, car bool) ([]Stop, bool) {
	c, role := pl.c, pl.p.Role
	grants := pl.p.Grants()
	var stops []Stop
	at := from
	if dest.building != nil && dest.building != from.building {
		if doors := c.entrances[dest.building]; len(doors) > 0 {
			e := pl.entrance(doors, at, dest)
			if e == nil || !c.permits(role, grants, e, nil) {
				return nil, false
			}
			es := readerSpot(e)
			stops = append(stops, Stop{Reader: e, Leg: c.leg(at, es, role, pl.pace, false)})
			at = es
		}
	}
	if dest.building != nil && dest.ordinal != at.ordinal && len(c.lifts[dest.building]) > 0 {
		var l *geo.Reader
		switch r := c.routeSpots(at, dest, role); {
		case r.ok && r.lift:
			l = c.liftAt(dest.building, r.liftFrom, r.liftAt)
		case !r.ok:
			// No route the role may see (inside a dormitory): the lift
			// nearest on this floor.
			l = c.liftAt(dest.building, at.ordinal, at.pt)
		}
		if l != nil {
			floor := dest.ordinal
			if !c.permits(role, grants, l, &floor) {
				return nil, false
			}
			ls := readerSpot(l)
			stops = append(stops, Stop{Reader: l, Floor: &floor, Leg: c.leg(at, ls, role, pl.pace, false)})
			at = ls
		}
	}
	switch {
	case dest.reader != nil:
		if !c.permits(role, grants, dest.reader, nil) {
			return nil, false
		}
		stops = append(stops, Stop{Reader: dest.reader, Leg: c.leg(at, dest, role, pl.pace, false)})
	case dest.unit != nil && c.locks[dest.unit] != nil:
		lock := c.locks[dest.unit]
		if !c.permits(role, grants, lock, nil) {
			return nil, false
		}
		stops = append(stops, Stop{Reader: lock, Leg: c.leg(at, readerSpot(lock), role, pl.pace, false)})
	default:
		stops = append(stops, Stop{Leg: c.leg(at, dest, role, pl.pace, false)})
	}
	return stops, true
}

// entrance is the door reader of doors (one building's entrances) the
// person passes going from one spot to another: the one with the
// shortest straight way through it that the person may pass.
func (pl *planner) entrance(doors []*geo.Reader, from, to spot) *geo.Reader {
	var best *geo.Reader
	bestD := 0.0
	for _, d := range doors {
		if !pl.c.permits(pl.p.Role, pl.p.Grants(), d, nil) {
			continue
		}
		s := readerSpot(d)
		if dd := distance(from, s) + distance(s, to); best == nil || dd < bestD {
			best, bestD = d, dd
		}
	}
	return best
}

// liftAt is the reader of the lift boarded on floor ordinal of building
// b near pt (local metres): the nearest lift reader on that floor; nil
// when none is on it.
func (c *Campus) liftAt(b *geo.Building, ordinal int, pt orb.Point) *geo.Reader {
	var best *geo.Reader
	bestD := 0.0
	for _, l := range c.lifts[b] {
		if l.Ordinal != ordinal {
			continue
		}
		if d := distance(readerSpot(l), spot{pt: pt, ordinal: ordinal}); best == nil || d < bestD {
			best, bestD = l, d
		}
	}
	return best
}

// nearest is the reader of rs nearest to s in a straight line.
func (pl *planner) nearest(rs []*geo.Reader, s spot) *geo.Reader {
	var best *geo.Reader
	bestD := 0.0
	for _, r := range rs {
		if d := distance(readerSpot(r), s); best == nil || d < bestD {
			best, bestD = r, d
		}
	}
	return best
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }
