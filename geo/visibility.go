package geo

import "strings"

// applyPolicy reads the policy (or takes the default one) and marks every
// feature with the roles that may see it. A policy file that cannot be read
// fails closed: every role then sees outdoors only.
func (ld *loader) applyPolicy() {
	v := ld.v
	switch {
	case ld.policy != nil:
		p, err := ParsePolicy(ld.policy)
		if err != nil {
			ld.ps.errorf(PolicyFile, "", RulePolicy, "%v; every role sees outdoors only until it is fixed", err)
			p = &Policy{Public: allRoles} // Default: AccessNone for every role
		}
		v.Policy = p
	default:
		v.Policy = DefaultPolicy()
	}
	pol := v.Policy
	for _, a := range pol.Areas {
		for _, name := range a.Buildings {
			found := false
			for _, b := range v.Buildings {
				if name == b.ID || (b.Ref != "" && strings.EqualFold(name, b.Ref)) {
					found = true
				}
			}
			if !found {
				ld.ps.warnf(PolicyFile, "", RulePolicy, "area %q names building %q, which the archive does not have", a.Name, name)
			}
		}
	}

	// Outdoors: every role.
	v.mask = allRoles
	for _, b := range v.Buildings {
		b.mask = allRoles
		acc := pol.accessFor(b)
		copy(b.access[:], acc[:])
		for _, r := range Roles {
			if b.Restricted && pol.Public.has(r) {
				b.access[r] = AccessNone
			}
		}
	}
	ld.addGuests()
	for _, f := range v.Footprints {
		f.mask = allRoles
	}
	for _, p := range v.Paths {
		p.mask = allRoles
	}
	for _, g := range v.Gates {
		g.mask = allRoles
	}

	// Indoors: the building's access for the role, then IMDF restriction.
	roles := v.AllRoles()
	for _, l := range v.Levels {
		for _, r := range roles {
			if levelAccess(pol, l, r) > AccessNone && !(l.Restricted && pol.Public.has(r)) {
				l.mask |= 1 << r
			}
		}
	}
	for _, u := range v.Units {
		for _, r := range roles {
			if u.Level.mask.has(r) && levelAccess(pol, u.Level, r) == AccessFull && !(u.Restricted && pol.Public.has(r)) {
				u.mask |= 1 << r
			}
		}
	}
	for _, o := range v.Openings {
		for _, r := range roles {
			if !o.Level.mask.has(r) {
				continue
			}
			switch levelAccess(pol, o.Level, r) {
			case AccessFull:
				// A door to a hidden room would say the room exists.
				seen := true
				for _, u := range o.Units {
					seen = seen && u.mask.has(r)
				}
				if seen {
					o.mask |= 1 << r
				}
			case AccessEntrances:
				if o.Entrance {
					o.mask |= 1 << r
				}
			}
		}
	}
	for _, a := range v.Amenities {
		m := allRoles
		for _, u := range a.Units {
			m &= u.mask
		}
		a.mask = m
	}
	for _, rel := range v.Relationships {
		m := allRoles
		for _, f := range append([]Feature{rel.Origin, rel.Destination}, rel.Intermediary...) {
			m &= f.Common().mask
		}
		rel.mask = m
	}
	for _, b := range v.Beacons {
		if b.Level == nil {
			b.mask = allRoles
			continue
		}
		for _, r := range roles {
			if b.Level.mask.has(r) && levelAccess(pol, b.Level, r) == AccessFull {
				b.mask |= 1 << r
			}
		}
	}
	for _, rd := range v.Readers {
		rd.mask = readerMask(rd)
	}
}

// levelAccess is the most a role may see of a level: the best access it has
// to any of the level's buildings (the policy's default for a level of no
// building).
func levelAccess(pol *Policy, l *Level, r Role) Access {
	if len(l.Buildings) == 0 {
		if r.Guest() {
			r = Visitor
		}
		return pol.Default[r]
	}
	best := AccessNone
	for _, b := range l.Buildings {
		if b.access[r] > best {
			best = b.access[r]
		}
	}
	return best
}

// Access returns how much of building b's inside role r may see.
func (b *Building) Access(r Role) Access {
	if r >= MaxRoles {
		return AccessNone
	}
	return b.access[r]
}

// VisibleTo reports whether role r may see feature f.
func VisibleTo(f Feature, r Role) bool {
	return r < MaxRoles && f.Common().mask.has(r)
}
