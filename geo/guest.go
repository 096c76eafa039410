package geo

// Guest roles: a visitor with a reason to be inside one building (an
// approved visit, for its window) sees the campus as a visitor does, and
// inside that building as if the policy gave visitors its full access:
// what IMDF restriction hides from public roles stays hidden, and a
// building no role sees inside (a dormitory) has no guest role. A guest
// role is a role like the others, so search, locate, tiles, routes and
// positions answer it without a second path through the code; there is
// one for each building that some role sees more of than visitors do,
// up to MaxRoles in all.

// addGuests makes the guest roles, after the base roles' access to
// every building is set.
func (ld *loader) addGuests() {
	v := ld.v
	pol := v.Policy
	for _, b := range v.Buildings {
		best := AccessNone
		for _, r := range Roles {
			if !pol.Public.has(r) && b.access[r] > best {
				best = b.access[r]
			}
		}
		if b.Restricted || best <= b.access[Visitor] {
			continue
		}
		if int(numRoles)+len(v.guests) >= MaxRoles {
			ld.ps.warnf(PolicyFile, b.ID, RulePolicy, "more than %d buildings visitors see less of than others: visits to building %q show nothing more inside",
				MaxRoles-numRoles, b.ID)
			continue
		}
		g := numRoles + Role(len(v.guests))
		v.guests = append(v.guests, b)
		pol.Public |= 1 << g
		for _, o := range v.Buildings {
			o.access[g] = o.access[Visitor]
		}
		b.access[g] = best
	}
}

// AllRoles lists the roles of the venue: Roles, then its guest roles.
func (v *Venue) AllRoles() []Role {
	out := append([]Role(nil), Roles...)
	for i := range v.guests {
		out = append(out, numRoles+Role(i))
	}
	return out
}

// GuestRole is the role of a visitor who may also see inside building
// id (its IMDF id or its reference, "C1"); false for a building with no
// guest role: one visitors see all of already, or nobody sees inside.
func (v *Venue) GuestRole(id string) (Role, bool) {
	for i, b := range v.guests {
		if b.ID == id || (b.Ref != "" && b.Ref == id) {
			return numRoles + Role(i), true
		}
	}
	return 0, false
}

// GuestOf is the building a guest role may see inside; nil for another
// role.
func (v *Venue) GuestOf(r Role) *Building {
	if i := int(r - numRoles); r.Guest() && i < len(v.guests) {
		return v.guests[i]
	}
	return nil
}
