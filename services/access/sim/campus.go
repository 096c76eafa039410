// Package sim plans a simulated day of campus life at the card readers:
// people of a stated mix of roles, some occupying an office or living in
// a dormitory room, who arrive at a campus gate (or drive in through a
// barrier and park), walk along the routing graph's routes to buildings,
// rooms, printers, the library and the tills, and leave again; and, on
// the way, the readers they present their card at (a building's door, a
// lift with the floor asked for, their own room's lock), each no sooner
// than an honest walker could reach it. It owns the plan only: it keeps
// nothing and speaks no HTTP (`campus readers simulate` sends the plan's
// uses to a server and counts the answers).
//
// # Honest walkers and impossible travel
//
// The server freezes a card used at two readers closer in time than the
// walk between them (services/access: the routing graph's walk profile,
// for the holder's role, divided by access.json's travel.foot_factor, or
// vehicle_factor when either reader is a car barrier, less
// travel.slack_s). The plan keeps every person clear of it: each use
// carries Gap, the walk between the card's previous reader and this one
// reckoned exactly as the server does (the same route between the same
// points, or the straight line at walking speed where that is longer or
// there is no route), divided by Margin times the factor, and no slack
// taken off; the driver sends no use sooner than Gap after the answer to
// the previous one. Legs between stops go at the pace asked for (1: a
// walk, 1.4 m/s), never faster than Margin times the travel factor.
package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
)

// ErrNoReaders is a venue without the card readers the plan needs.
var ErrNoReaders = errors.New("sim: the venue has no card readers to simulate (reader.geojson)")

// Campus is what the planner knows of a venue: its readers by what they
// stand for, the rooms people go to, the access policy and the walking
// times between places. It is safe for concurrent use.
type Campus struct {
	v      *geo.Venue
	g      *routing.Graph
	policy *access.Policy

	turnstiles   []*geo.Reader // kind gate: pedestrian turnstiles
	gateBarriers []*geo.Reader // car barriers at the campus's gates
	parkBarriers []*geo.Reader // car barriers at the car park's entrances
	entrances    map[*geo.Building][]*geo.Reader
	lifts        map[*geo.Building][]*geo.Reader
	locks        map[*geo.Unit]*geo.Reader
	printers     []*geo.Reader
	library      []*geo.Reader
	tills        []*geo.Reader
	carPark      *geo.Building // the building the car park barriers guard; nil: none

	offices    []*geo.Unit // offices with a lock: staff occupy them
	residences []*geo.Unit // other rooms with a lock: dormitory rooms
	rooms      map[auth.Role][]*geo.Unit

	routes *routeCache
}

// roomCategories are the rooms without a lock a role goes to (IMDF unit
// categories).
var roomCategories = map[auth.Role][]string{
	auth.Staff:   {"classroom", "conferenceroom", "huddleroom", "lounge", "foodservice"},
	auth.Student: {"classroom", "huddleroom", "lounge", "foodservice", "library", "fieldofplay", "fitnessroom"},
	auth.Family:  {"fieldofplay", "fitnessroom", "recreation", "lounge", "foodservice"},
}

// Roles are the card holders' roles the planner knows, in the order of
// Mix.
var Roles = []auth.Role{auth.Staff, auth.Student, auth.Family}

// NewCampus indexes a venue's readers and rooms, with its routing graph
// (the one the server judges travel by: routing.Build of the same
// archive) and its access policy.
func NewCampus(v *geo.Venue, g *routing.Graph, p *access.Policy) (*Campus, error) {
	if len(v.Readers) == 0 {
		return nil, ErrNoReaders
	}
	c := &Campus{v: v, g: g, policy: p,
		entrances: map[*geo.Building][]*geo.Reader{}, lifts: map[*geo.Building][]*geo.Reader{},
		locks: map[*geo.Unit]*geo.Reader{}, rooms: map[auth.Role][]*geo.Unit{}, routes: newRouteCache()}
	for _, r := range v.Readers {
		if _, ok := r.Geometry.(orb.Point); !ok {
			continue
		}
		switch r.Kind {
		case geo.ReaderGate:
			c.turnstiles = append(c.turnstiles, r)
		case geo.ReaderBarrier:
			if _, atGate := r.Guards.(*geo.Gate); atGate {
				c.gateBarriers = append(c.gateBarriers, r)
			} else if r.Building != nil {
				c.parkBarriers = append(c.parkBarriers, r)
				c.carPark = r.Building
			}
		case geo.ReaderDoor:
			if atEntrance(r) && r.Building != nil {
				c.entrances[r.Building] = append(c.entrances[r.Building], r)
			}
		case geo.ReaderElevator:
			if r.Building != nil {
				c.lifts[r.Building] = append(c.lifts[r.Building], r)
			}
		case geo.ReaderLock:
			if u, ok := r.Guards.(*geo.Unit); ok && u.Level != nil {
				c.locks[u] = r
				if u.Category == "office" {
					c.offices = append(c.offices, u)
				} else {
					c.residences = append(c.residences, u)
				}
			}
		case geo.ReaderPrinter:
			c.printers = append(c.printers, r)
		case geo.ReaderLibrary:
			c.library = append(c.library, r)
		case geo.ReaderPOS:
			c.tills = append(c.tills, r)
		}
	}
	if len(c.turnstiles) == 0 {
		return nil, fmt.Errorf("%w: no turnstile (kind gate) to enter by", ErrNoReaders)
	}
	for _, role := range Roles {
		w := v.View(auth.GeoRole(role))
		for _, u := range v.Units {
			if u.Level == nil || c.locks[u] != nil || !w.Sees(u) || !slices.Contains(roomCategories[role], u.Category) {
				continue
			}
			c.rooms[role] = append(c.rooms[role], u)
		}
	}
	return c, nil
}

// atEntrance reports whether r guards an opening on its level's outer
// wall: a building's entrance.
func atEntrance(r *geo.Reader) bool {
	o, ok := r.Guards.(*geo.Opening)
	return ok && o.Entrance
}

// Readers are the readers the plan may use for people with these grants
// (their rooms' locks), and those a copier may show a code at: every
// reader but the locks of other rooms. The driver gives each a token.
func (c *Campus) Readers(people []Person) []*geo.Reader {
	mine := map[*geo.Reader]bool{}
	for _, p := range people {
		for _, u := range p.Grants() {
			if r := c.locks[u]; r != nil {
				mine[r] = true
			}
		}
	}
	var out []*geo.Reader
	for _, r := range c.v.Readers {
		if r.Kind != geo.ReaderLock || mine[r] {
			out = append(out, r)
		}
	}
	return out
}

// CopierReaders are where a copier shows a code it copied: the gates and
// the buildings' entrances.
func (c *Campus) CopierReaders() []*geo.Reader {
	out := slices.Clone(c.turnstiles)
	for _, r := range c.v.Readers {
		if r.Kind == geo.ReaderDoor && atEntrance(r) {
			out = append(out, r)
		}
	}
	return out
}

// Venue is the venue planned in.
func (c *Campus) Venue() *geo.Venue { return c.v }

// Travel is the policy's travel rule.
func (c *Campus) Travel() access.Travel { return c.policy.Travel }

// permits reports whether the policy (ignoring its hours) or a grant of
// one of rooms lets role through reader rd, to floor at a lift.
func (c *Campus) permits(role auth.Role, rooms []*geo.Unit, rd *geo.Reader, floor *int) bool {
	for i := range c.policy.Rules {
		r := &c.policy.Rules[i]
		if !slices.Contains(r.Kinds, rd.Kind) || !slices.Contains(r.Roles, role) {
			continue
		}
		if rd.Kind == geo.ReaderDoor && !atEntrance(rd) { // a door rule names entrances only
			continue
		}
		if len(r.Buildings) > 0 && !slices.Contains(r.Buildings, rd.Building) {
			continue
		}
		if rd.Kind == geo.ReaderElevator && floor != nil && !c.ruleFloor(r, role, rd, *floor) {
			continue
		}
		return true
	}
	for _, u := range rooms {
		if rd.Guards == geo.Feature(u) {
			return true
		}
		b := u.Level.Building()
		if b == nil || rd.Building != b {
			continue
		}
		switch rd.Kind {
		case geo.ReaderDoor:
			return true
		case geo.ReaderElevator:
			if floor == nil || *floor == u.Level.Ordinal || *floor == 0 {
				return true
			}
		}
	}
	return false
}

// ruleFloor reports whether rule r opens floor at lift rd for role.
func (c *Campus) ruleFloor(r *access.Rule, role auth.Role, rd *geo.Reader, floor int) bool {
	switch r.Floors {
	case access.FloorsAll:
		return rd.Building != nil && slices.ContainsFunc(rd.Building.Levels, func(l *geo.Level) bool { return l.Ordinal == floor })
	case access.FloorsSeen:
		if rd.Building == nil {
			return false
		}
		return slices.ContainsFunc(c.v.View(auth.GeoRole(role)).Levels(rd.Building), func(l *geo.Level) bool { return l.Ordinal == floor })
	}
	return slices.Contains(r.FloorsList, floor)
}
