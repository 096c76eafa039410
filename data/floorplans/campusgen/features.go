package campusgen

import "fmt"

// Ids of the features, from stable names.
func unitID(u *unit) string         { return newID("unit:%s", u.ref) }
func levelID(l *level) string       { return newID("level:%s", l.key()) }
func buildingID(b *building) string { return newID("building:%s", b.ref) }

var (
	addressID = newID("address")
	venueID   = newID("venue")
)

// only is a LABELS object with an English label only.
func only(en string) object { return object{{"en", en}} }

// encode writes every file of the archive.
func (c *campus) encode() (map[string][]byte, error) {
	cols := map[string]*collection{}
	col := func(t string) *collection {
		if cols[t] == nil {
			cols[t] = &collection{featureType: t}
		}
		return cols[t]
	}
	col("address").add(addressID, nil, object{
		{"address", "No. 1 Du Xue Road, Nansha District"},
		{"unit", nil},
		{"locality", "Guangzhou"},
		{"province", "CN-GD"},
		{"country", "CN"},
		{"postal_code", "511453"},
		{"postal_code_ext", nil},
		{"postal_code_vanity", nil},
	})
	col("venue").add(venueID, rectJSON(site), object{
		{"category", "university"},
		{"restriction", nil},
		{"name", lbl("HKUST (Guangzhou)", "香港科技大学（广州）")},
		{"alt_name", only("HKUST(GZ)")},
		{"hours", nil},
		{"phone", nil},
		{"website", "https://www.hkust-gz.edu.cn"},
		{"display_point", pointJSON(toE7(site.centre()))},
		{"address_id", addressID},
	})
	for _, b := range c.buildings {
		c.encodeBuilding(b, col)
	}
	if err := c.relationships(col("relationship")); err != nil {
		return nil, err
	}
	c.encodeOutdoors(col)

	files := map[string][]byte{}
	for _, t := range []string{"address", "venue", "building", "footprint", "level", "unit", "opening", "amenity", "relationship", "beacon", "path", "gate", "reader"} {
		b, err := col(t).bytes()
		if err != nil {
			return nil, err
		}
		files[t+".geojson"] = b
	}
	var err error
	if files["manifest.json"], err = manifestJSON(); err != nil {
		return nil, err
	}
	if files["policy.json"], err = policyJSON(); err != nil {
		return nil, err
	}
	if files["access.json"], err = accessJSON(); err != nil {
		return nil, err
	}
	if files["booking.json"], err = bookingJSON(); err != nil {
		return nil, err
	}
	return files, nil
}

// encodeBuilding writes a building, its footprint, levels, units, openings,
// amenities and beacons.
func (c *campus) encodeBuilding(b *building, col func(string) *collection) {
	bid := buildingID(b)
	col("building").add(bid, nil, object{
		{"category", b.category},
		{"restriction", nil},
		{"name", &b.name},
		{"alt_name", only(b.ref)},
		{"display_point", pointJSON(toE7(b.outline.centre()))},
		{"address_id", addressID},
	})
	footprint := "ground"
	if b.under {
		footprint = "subterranean"
	}
	col("footprint").add(newID("footprint:%s", b.ref), rectJSON(b.outline), object{
		{"category", footprint},
		{"name", nil},
		{"building_ids", []string{bid}},
	})
	for _, l := range b.levels {
		lid := levelID(l)
		category, short := "unspecified", l.floor+"F"
		name := lbl(fmt.Sprintf("%s %s/F", b.ref, l.floor), fmt.Sprintf("%s %s楼", b.ref, l.floor))
		if l.ordinal < 0 {
			category, short = "parking", l.floor
			name = lbl(fmt.Sprintf("%s %s", b.ref, l.floor), fmt.Sprintf("%s 地下%s层", b.ref, l.floor[1:]))
		}
		col("level").add(lid, rectJSON(b.outline), object{
			{"category", category},
			{"restriction", nil},
			{"outdoor", false},
			{"ordinal", l.ordinal},
			{"name", name},
			{"short_name", only(short)},
			{"display_point", pointJSON(toE7(b.outline.centre()))},
			{"address_id", nil},
			{"building_ids", []string{bid}},
		})
		for _, u := range l.units {
			var restriction any
			if u.restriction != "" {
				restriction = u.restriction
			}
			p := object{
				{"category", u.category},
				{"restriction", restriction},
				{"accessibility", nil},
				{"name", u.name},
				{"alt_name", only(u.ref)},
				{"level_id", lid},
				{"display_point", pointJSON(toE7(u.r.centre()))},
			}
			if u.capacity > 0 {
				p = append(p, field{"capacity", u.capacity}, field{"area_m2", oneDecimal(rectArea(u.r))})
			}
			col("unit").add(unitID(u), rectJSON(u.r), p)
		}
		for i, o := range l.doors {
			a, e := o.ends()
			var d, access any
			if o.door != nil {
				d = object{{"type", o.door.kind}, {"automatic", o.door.automatic}, {"material", o.door.material}}
			}
			if o.badge {
				access = []string{"badgereader"}
			}
			col("opening").add(newID("opening:%s:%d", l.key(), i), lineJSON([]e7{a, e}), object{
				{"category", o.category},
				{"accessibility", nil},
				{"access_control", access},
				{"door", d},
				{"name", nil},
				{"alt_name", nil},
				{"display_point", pointJSON(toE7(o.mid))},
				{"level_id", lid},
			})
		}
		for i, t := range l.things {
			n := amenityNames[t.category]
			if t.name != nil {
				n = *t.name
			}
			col("amenity").add(newID("amenity:%s:%d", l.key(), i), pointJSON(toE7(t.at)), object{
				{"category", t.category},
				{"accessibility", nil},
				{"name", &n},
				{"alt_name", nil},
				{"hours", nil},
				{"phone", nil},
				{"website", nil},
				{"unit_ids", []string{unitID(t.in)}},
				{"address_id", nil},
				{"correlation_id", nil},
			})
		}
		major := 1000 + 10*c.index(b) + l.ordinal + 1
		for i, p := range l.beacons {
			beacon(col("beacon"), p, major, i+1, lid, 0)
		}
	}
}

// index returns the position of building b in the campus.
func (c *campus) index(b *building) int {
	for i, o := range c.buildings {
		if o == b {
			return i
		}
	}
	return -1
}

// beacon writes a beacon at p; an empty level means outdoors, at ordinal.
func beacon(col *collection, p pt, major, minor int, levelID string, ordinal int) {
	props := object{
		{"uuid", beaconUUID},
		{"major", major},
		{"minor", minor},
		{"measured_power", measuredPower(major, minor)},
	}
	if levelID != "" {
		props = append(props, field{"level_id", levelID})
	} else {
		props = append(props, field{"level_id", nil}, field{"ordinal", ordinal})
	}
	col.add(newID("beacon:%d:%d", major, minor), pointJSON(toE7(p)), props)
}

// encodeOutdoors writes the gates, the paths and the outdoor beacons.
func (c *campus) encodeOutdoors(col func(string) *collection) {
	for _, g := range c.gates {
		col("gate").add(newID("gate:%d", g.n), pointJSON(toE7(g.at)), object{
			{"name", lbl(fmt.Sprintf("Gate %d", g.n), fmt.Sprintf("%d号门", g.n))},
			{"alt_name", only(fmt.Sprintf("G%d", g.n))},
			{"category", g.category},
		})
	}
	for i, p := range c.paths {
		cs := make([]e7, len(p.pts))
		for j, q := range p.pts {
			cs[j] = toE7(q)
		}
		col("path").add(newID("path:%d", i), lineJSON(cs), object{
			{"category", p.category},
			{"covered", p.covered},
			{"from_ordinal", p.from},
			{"to_ordinal", p.to},
			{"name", p.name},
		})
	}
	for i, b := range c.outdoor {
		beacon(col("beacon"), b.at, outdoorMajor, i+1, "", b.ordinal)
	}
	for _, r := range c.readers {
		var lid any
		if r.lvl != nil {
			lid = levelID(r.lvl)
		}
		name := r.name
		col("reader").add(newID("reader:%s", r.key), pointJSON(toE7(r.at)), object{
			{"kind", r.kind},
			{"guards", r.guards},
			{"level_id", lid},
			{"name", &name},
		})
	}
}
