package campusgen

// relationships writes the vertical links: for every lift one elevator
// relationship from its lowest to its highest floor through the floors
// between, and for every stair one stairs relationship per pair of
// adjacent floors.
func (c *campus) relationships(col *collection) error {
	for _, b := range c.buildings {
		for _, s := range b.shafts {
			us := s.units
			if len(us) < 2 {
				return errorf("%s %s serves %d floor(s)", b.ref, s.name, len(us))
			}
			if s.category == "elevator" {
				var mid []object
				for _, u := range us[1 : len(us)-1] {
					mid = append(mid, ref(unitID(u), "unit"))
				}
				col.add(newID("relationship:%s:%s", b.ref, s.name), nil, link("elevator", us[0], mid, us[len(us)-1]))
				continue
			}
			for i := 1; i < len(us); i++ {
				col.add(newID("relationship:%s:%s:%s", b.ref, s.name, us[i-1].lvl.floor), nil, link("stairs", us[i-1], nil, us[i]))
			}
		}
	}
	return nil
}

// link is the properties of a relationship from unit a to unit b through
// the units of mid.
func link(category string, a *unit, mid []object, b *unit) object {
	var between any
	if len(mid) > 0 {
		between = mid
	}
	return object{
		{"category", category},
		{"direction", "undirected"},
		{"origin", ref(unitID(a), "unit")},
		{"intermediary", between},
		{"destination", ref(unitID(b), "unit")},
		{"hours", nil},
	}
}
