package access

import (
	"slices"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Grant lets one person through more than the policy does, for a time:
// an office's occupant, a dormitory room's residents, a lab's members, a
// visitor's pass. Its target is a reader (that reader), a unit (its lock,
// and its building's doors and lift to its floor and the ground floor),
// a level (the building's doors and the lift to it and the ground floor)
// or a building (its doors and every floor of its lifts).
type Grant struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"person"`
	Target    string    `json:"target"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	GrantedBy int64     `json:"granted_by"`
	Created   time.Time `json:"created"`
}

// MaxGrantsPerPerson bounds what admins can pile on one person (a
// reader reads them all at each decision).
const MaxGrantsPerPerson = 200

// judgement is what the policy and the grants say of one person at one
// reader at one time.
type judgement struct {
	reason string // ReasonOK, ReasonNotPermitted or ReasonOutsideHours
	floors []int  // lifts: the floors the person may ride to, ascending
}

// judge says whether role (with grants) may use reader rd at t (local
// time is the policy's), for a lift to floor (nil: any it may reach).
// grants are read only when the rules alone do not open rd, or rd is a
// lift (whose floors grants add to).
func (p *Policy) judge(v *geo.Venue, rd *geo.Reader, role auth.Role, grants func() ([]Grant, error), t time.Time, floor *int) (judgement, error) {
	local := t.In(p.Zone)
	permitted, closed := false, false
	floors := map[int]bool{}
	for _, i := range p.byReader[rd.ID] {
		r := &p.Rules[i]
		if !slices.Contains(r.Roles, role) {
			continue
		}
		if len(r.Hours) > 0 && !slices.ContainsFunc(r.Hours, func(h Hours) bool { return h.Open(local) }) {
			closed = true
			continue
		}
		permitted = true
		if rd.Kind == geo.ReaderElevator {
			r.addFloors(v, rd, role, floors)
		}
	}
	if (!permitted || rd.Kind == geo.ReaderElevator) && grants != nil {
		gs, err := grants()
		if err != nil {
			return judgement{}, err
		}
		for _, g := range gs {
			if t.Before(g.From) || !t.Before(g.To) {
				continue
			}
			if grantFloors(v, rd, g.Target, floors) {
				permitted = true
			}
		}
	}
	if !permitted {
		if closed {
			return judgement{reason: ReasonOutsideHours}, nil
		}
		return judgement{reason: ReasonNotPermitted}, nil
	}
	if rd.Kind != geo.ReaderElevator {
		return judgement{reason: ReasonOK}, nil
	}
	j := judgement{reason: ReasonOK}
	for f := range floors {
		j.floors = append(j.floors, f)
	}
	slices.Sort(j.floors)
	if len(j.floors) == 0 || (floor != nil && !slices.Contains(j.floors, *floor)) {
		j.reason = ReasonNotPermitted
	}
	return j, nil
}

// addFloors adds the floors rule r opens at lift rd for role.
func (r *Rule) addFloors(v *geo.Venue, rd *geo.Reader, role auth.Role, floors map[int]bool) {
	b := rd.Building
	switch {
	case r.Floors == floorsList:
		for _, o := range r.FloorsList {
			floors[o] = true
		}
	case b == nil:
	case r.Floors == FloorsAll:
		for _, l := range b.Levels {
			floors[l.Ordinal] = true
		}
	default: // seen
		for _, l := range v.View(auth.GeoRole(role)).Levels(b) {
			floors[l.Ordinal] = true
		}
	}
}

// grantFloors reports whether a grant of target opens reader rd, adding
// the floors it opens when rd is a lift.
func grantFloors(v *geo.Venue, rd *geo.Reader, target string, floors map[int]bool) bool {
	if target == rd.ID {
		if rd.Building != nil {
			for _, l := range rd.Building.Levels {
				floors[l.Ordinal] = true
			}
		}
		return true
	}
	f, ok := v.Feature(target)
	if !ok {
		return false
	}
	building := func(b *geo.Building, levels ...*geo.Level) bool {
		if b == nil || rd.Building != b || (rd.Kind != geo.ReaderDoor && rd.Kind != geo.ReaderElevator) {
			return false
		}
		if len(levels) == 0 {
			levels = b.Levels
		} else {
			floors[0] = true
		}
		for _, l := range levels {
			floors[l.Ordinal] = true
		}
		return true
	}
	switch f := f.(type) {
	case *geo.Unit:
		if rd.Guards == geo.Feature(f) {
			return true
		}
		if f.Level != nil {
			return building(f.Level.Building(), f.Level)
		}
	case *geo.Level:
		return building(f.Building(), f)
	case *geo.Building:
		return building(f)
	}
	return false
}
