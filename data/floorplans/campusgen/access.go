package campusgen

// access.json: who may pass which card reader, when (data/floorplans/FORMAT.md
// says what each field means and why the hours are what they are). Card
// holders are staff, students and family; visitors' passes are grants, not
// rules. Readers no rule names (the residences' doors and lifts, every
// smart lock, the badge-reader doors inside buildings) open only by
// per-person grants.

// hours is one opening window of a rule.
type hours struct {
	days     []string
	from, to string // "HH:MM", 24 h; to may be "24:00"
}

var (
	weekdays = []string{"mon", "tue", "wed", "thu", "fri"}
	weekend  = []string{"sat", "sun"}
	everyDay = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	members  = []string{"staff", "student", "family"}
	cardPay  = []string{"staff", "student"} // printing, the library, paying (seeds §2.5-2.7)

	// teachingHours are the teaching buildings' opening hours for
	// students; hallHours the sports hall's; libraryHours the library's
	// (booking.json's kinds keep them too: a room booked is a room one
	// can get into).
	teachingHours = []hours{{weekdays, "07:00", "23:00"}, {weekend, "08:00", "22:00"}}
	hallHours     = []hours{{everyDay, "07:00", "22:00"}}
	libraryHours  = []hours{{weekdays, "08:00", "23:00"}, {weekend, "09:00", "22:00"}}
)

// rule is one rule of access.json.
type rule struct {
	name      string
	kinds     []string
	buildings []string // nil: any building, outdoors too
	roles     []string
	hours     []hours // nil: always
	floors    string  // elevator rules: "seen" or "all"
}

// teaching lists the teaching and office buildings: every academic slab.
func teaching() []string {
	var out []string
	for _, s := range academic {
		out = append(out, s.ref)
	}
	return out
}

// accessRules are the rules, from the seeds: card holders pass the gates
// and the barriers; teaching buildings open to staff at any time, to
// students in their opening hours, to family by day; the sports hall in
// its hours, the car park at any time; the library, printers and tills to
// staff and students.
func accessRules() []rule {
	return []rule{
		{name: "Campus gates", kinds: []string{"gate"}, roles: members},
		{name: "Car barriers", kinds: []string{"barrier"}, roles: members},
		{name: "Teaching buildings: staff", kinds: []string{"door", "elevator"}, buildings: teaching(), roles: []string{"staff"}, floors: "all"},
		{name: "Teaching buildings: students", kinds: []string{"door", "elevator"}, buildings: teaching(), roles: []string{"student"}, hours: teachingHours, floors: "seen"},
		{name: "Teaching buildings: family", kinds: []string{"door", "elevator"}, buildings: teaching(), roles: []string{"family"},
			hours: []hours{{everyDay, "08:00", "20:00"}}, floors: "seen"},
		{name: "Sports hall", kinds: []string{"door", "elevator"}, buildings: []string{"SH"}, roles: members,
			hours: hallHours, floors: "seen"},
		{name: "Car park", kinds: []string{"door"}, buildings: []string{"CP"}, roles: members},
		{name: "Library", kinds: []string{"library"}, roles: cardPay, hours: libraryHours},
		{name: "Printers", kinds: []string{"printer"}, roles: cardPay},
		{name: "Tills", kinds: []string{"pos"}, roles: cardPay},
	}
}

// hoursJSON writes opening windows as access.json and booking.json have them.
func hoursJSON(hs []hours) []object {
	var out []object
	for _, h := range hs {
		out = append(out, object{{"days", h.days}, {"from", h.from}, {"to", h.to}})
	}
	return out
}

// accessJSON returns access.json.
func accessJSON() ([]byte, error) {
	var list []object
	for _, r := range accessRules() {
		o := object{{"name", r.name}, {"kinds", r.kinds}}
		if r.buildings != nil {
			o = append(o, field{"buildings", r.buildings})
		}
		o = append(o, field{"roles", r.roles})
		if r.hours != nil {
			o = append(o, field{"hours", hoursJSON(r.hours)})
		}
		if r.floors != "" {
			o = append(o, field{"floors", r.floors})
		}
		list = append(list, o)
	}
	return indent(object{
		{"version", 1},
		{"time_zone", "Asia/Shanghai"},
		{"travel", object{{"foot_factor", 3}, {"vehicle_factor", 8}, {"slack_s", 10}}},
		{"rules", list},
	})
}
