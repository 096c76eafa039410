package booking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai wherever the server runs

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
)

// RulesFile is the booking rules' file in an archive (geo keeps it as
// read, Venue.Booking; data/floorplans/FORMAT.md documents it).
const RulesFile = geo.BookingFile

// Kind is a kind of bookable space and its rules: who may book it, when,
// in what steps, how far ahead, for how long, with whose approval.
type Kind struct {
	Type string // "meeting", "court"...: a space's type in the API
	Name geo.Labels
	// Roles may book directly; none: only through another service
	// (counselling: a counsellor's slots).
	Roles []geo.Role
	Hours []services.Hours // none: always
	// SlotMin: starts and ends fall on multiples of it from midnight.
	SlotMin int
	// AheadDays: a booking starts at most this many days after today.
	AheadDays int
	// LongestMin is the longest booking, in minutes.
	LongestMin int
	// Approver is the duty that approves its bookings; "" for none: then
	// a booking is confirmed at once, else pending until approved.
	Approver auth.Duty
	// Checkin: a booking is checked into from CheckinBefore before its
	// start to CheckinAfter after, or released as a no-show.
	Checkin bool
	// CancelBeforeMin: a booking is cancelled or moved no later than
	// this many minutes before it starts.
	CancelBeforeMin int
	// AcceptRules: a booking says it accepts Rules.
	AcceptRules bool
	Rules       geo.Labels
	// LabMembers: only the approved members of the space's lab book it.
	LabMembers bool
	Locked     []Locked // by start
}

// Locked is a period a kind's spaces cannot be booked in (exams).
type Locked struct {
	From, To time.Time
	Reason   geo.Labels
}

// Allows reports whether role r may book spaces of the kind.
func (k *Kind) Allows(r geo.Role) bool { return slices.Contains(k.Roles, r) }

// Slot is the kind's slot as a duration.
func (k *Kind) Slot() time.Duration { return time.Duration(k.SlotMin) * time.Minute }

// Space is a bookable space: a room or court (a unit of the venue), or a
// piece of a lab's equipment standing in one.
type Space struct {
	ID   string // the unit's id, or the equipment's
	Ref  string // "C3-607", "NFF-E03"
	Name geo.Labels
	Kind *Kind
	// Unit is the room; for equipment, the room it stands in.
	Unit *geo.Unit
	// Lab is the lab whose rooms hold it (equipment, lab rooms); nil
	// otherwise.
	Lab       *Lab
	Equipment bool
	Capacity  int     // people; 0 unknown
	AreaM2    float64 // 0 unknown or equipment
}

// Level is the space's level.
func (s *Space) Level() *geo.Level { return s.Unit.Level }

// Building is the space's building, nil for none.
func (s *Space) Building() *geo.Building { return s.Unit.Level.Building() }

// Lab is a laboratory that lends its equipment (NICE, NFF): its rooms and
// the people it has approved (kept in the store).
type Lab struct {
	ID        string // "NICE"
	Name      geo.Labels
	Email     string
	Units     []*geo.Unit
	Equipment []*Space
}

// Catalogue is booking.json read against a venue: the kinds, the spaces
// they make bookable and the labs.
type Catalogue struct {
	zone   *time.Location
	kinds  []*Kind
	spaces []*Space // by reference
	byID   map[string]*Space
	labs   []*Lab
	byLab  map[string]*Lab
}

// Zone is the time zone of the rules' hours and days.
func (c *Catalogue) Zone() *time.Location { return c.zone }

// Kinds are the kinds of space, in file order.
func (c *Catalogue) Kinds() []*Kind { return c.kinds }

// Kind is the kind of type t.
func (c *Catalogue) Kind(t string) (*Kind, bool) {
	for _, k := range c.kinds {
		if k.Type == t {
			return k, true
		}
	}
	return nil, false
}

// Spaces are every bookable space, by reference.
func (c *Catalogue) Spaces() []*Space { return c.spaces }

// Space is the space with id (a unit's or a piece of equipment's).
func (c *Catalogue) Space(id string) (*Space, bool) {
	s, ok := c.byID[id]
	return s, ok
}

// Labs are the labs, in file order.
func (c *Catalogue) Labs() []*Lab { return c.labs }

// Lab is the lab with id ("NICE"), any case.
func (c *Catalogue) Lab(id string) (*Lab, bool) {
	l, ok := c.byLab[strings.ToUpper(id)]
	return l, ok
}

// RulesError is what is wrong with booking.json: where (a kind's index
// and type, a field) and why.
type RulesError struct {
	Where  string // "kinds[2] (court).slot_min"
	Reason string
}

func (e *RulesError) Error() string {
	if e.Where == "" {
		return RulesFile + ": " + e.Reason
	}
	return RulesFile + ": " + e.Where + ": " + e.Reason
}

type rulesJSON struct {
	Version   int             `json:"version"`
	TimeZone  string          `json:"time_zone"`
	Kinds     []kindJSON      `json:"kinds"`
	Labs      []labJSON       `json:"labs"`
	Equipment []equipmentJSON `json:"equipment"`
}

type kindJSON struct {
	Type            string               `json:"type"`
	Name            geo.Labels           `json:"name"`
	Units           *selectJSON          `json:"units"`
	Roles           []string             `json:"roles"`
	Hours           []services.HoursJSON `json:"hours"`
	SlotMin         int                  `json:"slot_min"`
	AheadDays       int                  `json:"ahead_days"`
	LongestMin      int                  `json:"longest_min"`
	Approver        string               `json:"approver"`
	Checkin         bool                 `json:"checkin"`
	CancelBeforeMin int                  `json:"cancel_before_min"`
	AcceptRules     bool                 `json:"accept_rules"`
	Rules           geo.Labels           `json:"rules"`
	LabMembers      bool                 `json:"lab_members"`
	Locked          []lockedJSON         `json:"locked"`
}

type selectJSON struct {
	Categories []string `json:"categories"`
	Buildings  []string `json:"buildings"`
	Refs       []string `json:"refs"`
}

type lockedJSON struct {
	From   string     `json:"from"`
	To     string     `json:"to"`
	Reason geo.Labels `json:"reason"`
}

type labJSON struct {
	ID    string     `json:"id"`
	Name  geo.Labels `json:"name"`
	Email string     `json:"email"`
	Units []string   `json:"units"`
}

type equipmentJSON struct {
	ID       string     `json:"id"`
	Ref      string     `json:"ref"`
	Name     geo.Labels `json:"name"`
	Type     string     `json:"type"`
	Lab      string     `json:"lab"`
	Unit     string     `json:"unit"`
	Capacity int        `json:"capacity"`
}

// DefaultRules are the rules of an archive without booking.json: its
// meeting rooms, classrooms, discussion rooms and fields of play, for
// staff and students, 08:00-22:00, in half hours, up to four hours, up
// to two weeks ahead, checked into.
const DefaultRules = `{"version": 1, "time_zone": "Asia/Shanghai", "kinds": [
 {"type": "meeting", "name": {"en": "Meeting room", "zh-Hans": "会议室"}, "units": {"categories": ["conferenceroom"]}},
 {"type": "classroom", "name": {"en": "Classroom", "zh-Hans": "教室"}, "units": {"categories": ["classroom"]}},
 {"type": "discussion", "name": {"en": "Discussion room", "zh-Hans": "讨论室"}, "units": {"categories": ["huddleroom"]}},
 {"type": "court", "name": {"en": "Court", "zh-Hans": "场地"}, "units": {"categories": ["fieldofplay"]}}]}`

// defaults fill what a kind leaves out.
var defaultKind = kindJSON{
	Roles:      []string{"staff", "student"},
	Hours:      []services.HoursJSON{{From: "08:00", To: "22:00"}},
	SlotMin:    30,
	AheadDays:  14,
	LongestMin: 240,
	Checkin:    true,
}

// ParseRules reads booking.json (data; nil: DefaultRules) against v.
// Anything wrong is a *RulesError naming the kind and the field.
func ParseRules(v *geo.Venue, data []byte) (*Catalogue, error) {
	if data == nil {
		data = []byte(DefaultRules)
	}
	var rj rulesJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	// Absent fields take the defaults; a kind's fields are decoded over
	// a copy of them.
	var raw struct {
		Version   int               `json:"version"`
		TimeZone  string            `json:"time_zone"`
		Kinds     []json.RawMessage `json:"kinds"`
		Labs      []labJSON         `json:"labs"`
		Equipment []equipmentJSON   `json:"equipment"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, &RulesError{Reason: services.JSONReason(data, err)}
	}
	rj.Version, rj.TimeZone, rj.Labs, rj.Equipment = raw.Version, raw.TimeZone, raw.Labs, raw.Equipment
	for i, m := range raw.Kinds {
		k := defaultKind
		k.Roles, k.Hours = slices.Clone(k.Roles), slices.Clone(k.Hours)
		d := json.NewDecoder(bytes.NewReader(m))
		d.DisallowUnknownFields()
		if err := d.Decode(&k); err != nil {
			return nil, &RulesError{Where: fmt.Sprintf("kinds[%d]", i), Reason: services.JSONReason(m, err)}
		}
		rj.Kinds = append(rj.Kinds, k)
	}
	return build(v, &rj)
}

func build(v *geo.Venue, rj *rulesJSON) (*Catalogue, error) {
	c := &Catalogue{byID: map[string]*Space{}, byLab: map[string]*Lab{}}
	if rj.Version != 1 {
		return nil, &RulesError{Where: "version", Reason: fmt.Sprintf("version %d is not 1", rj.Version)}
	}
	zone := rj.TimeZone
	if zone == "" {
		zone = "Asia/Shanghai"
	}
	z, err := time.LoadLocation(zone)
	if err != nil {
		return nil, &RulesError{Where: "time_zone", Reason: fmt.Sprintf("%q is not a time zone", rj.TimeZone)}
	}
	c.zone = z

	buildings := map[string]*geo.Building{}
	for _, b := range v.Buildings {
		buildings[b.Ref], buildings[b.ID] = b, b
	}
	units := map[string]*geo.Unit{}
	for _, u := range v.Units {
		if u.Ref != "" {
			units[u.Ref] = u
		}
		units[u.ID] = u
	}

	kinds := map[string]*Kind{}
	selects := make([]*selectJSON, len(rj.Kinds))
	for i, kj := range rj.Kinds {
		k, err := parseKind(i, kj, z, buildings, units)
		if err != nil {
			return nil, err
		}
		if kinds[k.Type] != nil {
			return nil, &RulesError{Where: fmt.Sprintf("kinds[%d] (%s).type", i, k.Type), Reason: fmt.Sprintf("%q is used twice", k.Type)}
		}
		kinds[k.Type] = k
		c.kinds = append(c.kinds, k)
		selects[i] = kj.Units
	}

	for i, lj := range rj.Labs {
		where := fmt.Sprintf("labs[%d]", i)
		id := strings.ToUpper(strings.TrimSpace(lj.ID))
		switch {
		case id == "" || strings.ContainsAny(id, " /"):
			return nil, &RulesError{Where: where + ".id", Reason: fmt.Sprintf("%q is not a lab's id (a word: NICE)", lj.ID)}
		case c.byLab[id] != nil:
			return nil, &RulesError{Where: where + ".id", Reason: fmt.Sprintf("%q is used twice", lj.ID)}
		case len(lj.Units) == 0:
			return nil, &RulesError{Where: where + ".units", Reason: "a lab has at least one room"}
		}
		l := &Lab{ID: id, Name: lj.Name, Email: lj.Email}
		for j, ref := range lj.Units {
			u := units[ref]
			if u == nil {
				return nil, &RulesError{Where: fmt.Sprintf("%s.units[%d]", where, j), Reason: fmt.Sprintf("the archive has no unit %q", ref)}
			}
			l.Units = append(l.Units, u)
		}
		c.labs = append(c.labs, l)
		c.byLab[id] = l
	}
	labOf := func(u *geo.Unit) *Lab {
		for _, l := range c.labs {
			if slices.Contains(l.Units, u) {
				return l
			}
		}
		return nil
	}

	// Units: each to the first kind that selects it.
	for _, u := range v.Units {
		if u.Level == nil {
			continue
		}
		for i, k := range c.kinds {
			if s := selects[i]; s != nil && picks(s, u) {
				sp := &Space{ID: u.ID, Ref: u.Ref, Name: u.Name, Kind: k, Unit: u, Lab: labOf(u), Capacity: u.Capacity, AreaM2: u.AreaM2}
				c.add(sp)
				break
			}
		}
	}

	refs := map[string]bool{}
	for _, s := range c.spaces {
		refs[s.Ref] = true
	}
	for i, ej := range rj.Equipment {
		where := fmt.Sprintf("equipment[%d]", i)
		if ej.Ref != "" {
			where += " (" + ej.Ref + ")"
		}
		k := kinds[ej.Type]
		l := c.byLab[strings.ToUpper(ej.Lab)]
		u := units[ej.Unit]
		switch {
		case ej.ID == "":
			return nil, &RulesError{Where: where + ".id", Reason: "missing"}
		case c.byID[ej.ID] != nil:
			return nil, &RulesError{Where: where + ".id", Reason: fmt.Sprintf("%q is used twice", ej.ID)}
		case ej.Ref == "" || refs[ej.Ref]:
			return nil, &RulesError{Where: where + ".ref", Reason: "missing or used twice"}
		case len(ej.Name) == 0:
			return nil, &RulesError{Where: where + ".name", Reason: "missing"}
		case k == nil:
			return nil, &RulesError{Where: where + ".type", Reason: fmt.Sprintf("%q is not a kind's type", ej.Type)}
		case l == nil:
			return nil, &RulesError{Where: where + ".lab", Reason: fmt.Sprintf("%q is not a lab", ej.Lab)}
		case u == nil:
			return nil, &RulesError{Where: where + ".unit", Reason: fmt.Sprintf("the archive has no unit %q", ej.Unit)}
		case !slices.Contains(l.Units, u):
			return nil, &RulesError{Where: where + ".unit", Reason: fmt.Sprintf("%s is not one of %s's rooms", ej.Unit, l.ID)}
		case ej.Capacity < 0:
			return nil, &RulesError{Where: where + ".capacity", Reason: "is negative"}
		}
		sp := &Space{ID: ej.ID, Ref: ej.Ref, Name: ej.Name, Kind: k, Unit: u, Lab: l, Equipment: true, Capacity: ej.Capacity}
		refs[ej.Ref] = true
		c.add(sp)
		l.Equipment = append(l.Equipment, sp)
	}
	sort.SliceStable(c.spaces, func(i, j int) bool { return c.spaces[i].Ref < c.spaces[j].Ref })
	return c, nil
}

func (c *Catalogue) add(s *Space) {
	c.spaces = append(c.spaces, s)
	c.byID[s.ID] = s
}

// picks reports whether the selector picks unit u: every list given
// names it.
func picks(s *selectJSON, u *geo.Unit) bool {
	if len(s.Categories) > 0 && !slices.Contains(s.Categories, u.Category) {
		return false
	}
	if len(s.Buildings) > 0 {
		b := u.Level.Building()
		if b == nil || !(slices.Contains(s.Buildings, b.Ref) || slices.Contains(s.Buildings, b.ID)) {
			return false
		}
	}
	if len(s.Refs) > 0 && !slices.Contains(s.Refs, u.Ref) && !slices.Contains(s.Refs, u.ID) {
		return false
	}
	return true
}

func parseKind(i int, kj kindJSON, z *time.Location, buildings map[string]*geo.Building, units map[string]*geo.Unit) (*Kind, error) {
	where := fmt.Sprintf("kinds[%d]", i)
	if kj.Type != "" {
		where += " (" + kj.Type + ")"
	}
	fail := func(field, format string, a ...any) error {
		return &RulesError{Where: where + "." + field, Reason: fmt.Sprintf(format, a...)}
	}
	k := &Kind{Type: kj.Type, Name: kj.Name, SlotMin: kj.SlotMin, AheadDays: kj.AheadDays, LongestMin: kj.LongestMin,
		Checkin: kj.Checkin, CancelBeforeMin: kj.CancelBeforeMin, AcceptRules: kj.AcceptRules, Rules: kj.Rules, LabMembers: kj.LabMembers}
	switch {
	case kj.Type == "" || strings.ContainsAny(kj.Type, " /,"):
		return nil, fail("type", "%q is not a word", kj.Type)
	case len(kj.Name) == 0:
		return nil, fail("name", "missing")
	case kj.SlotMin < 5 || kj.SlotMin > 1440 || 1440%kj.SlotMin != 0:
		return nil, fail("slot_min", "%d does not divide a day into slots of at least 5 minutes", kj.SlotMin)
	case kj.LongestMin < kj.SlotMin || kj.LongestMin%kj.SlotMin != 0 || kj.LongestMin > 7*1440:
		return nil, fail("longest_min", "%d is not a multiple of slot_min (%d) up to a week", kj.LongestMin, kj.SlotMin)
	case kj.AheadDays < 0 || kj.AheadDays > 366:
		return nil, fail("ahead_days", "%d is not 0-366", kj.AheadDays)
	case kj.CancelBeforeMin < 0 || kj.CancelBeforeMin > 30*1440:
		return nil, fail("cancel_before_min", "%d is not 0-43200", kj.CancelBeforeMin)
	case kj.AcceptRules && len(kj.Rules) == 0:
		return nil, fail("rules", "accept_rules asks people to accept rules: give their text")
	}
	if s := kj.Units; s != nil {
		if len(s.Categories)+len(s.Buildings)+len(s.Refs) == 0 {
			return nil, fail("units", "selects every unit: name categories, buildings or refs")
		}
		for j, b := range s.Buildings {
			if buildings[b] == nil {
				return nil, fail(fmt.Sprintf("units.buildings[%d]", j), "the archive has no building %q", b)
			}
		}
		for j, r := range s.Refs {
			if units[r] == nil {
				return nil, fail(fmt.Sprintf("units.refs[%d]", j), "the archive has no unit %q", r)
			}
		}
	}
	for j, r := range kj.Roles {
		role, err := geo.ParseRole(r)
		if err != nil {
			return nil, fail(fmt.Sprintf("roles[%d]", j), "%q is not a role (staff, student, family, visitor, tourist)", r)
		}
		k.Roles = append(k.Roles, role)
	}
	for j, hj := range kj.Hours {
		h, field, reason := services.ParseHours(hj)
		if field != "" {
			return nil, fail(fmt.Sprintf("hours[%d].%s", j, field), "%s", reason)
		}
		if h.From%kj.SlotMin != 0 || h.To%kj.SlotMin != 0 {
			return nil, fail(fmt.Sprintf("hours[%d]", j), "%s-%s does not fall on slots of %d minutes", hj.From, hj.To, kj.SlotMin)
		}
		k.Hours = append(k.Hours, h)
	}
	if kj.Approver != "" {
		d, err := auth.ParseDuty(kj.Approver)
		if err != nil {
			return nil, fail("approver", "%q is not a duty", kj.Approver)
		}
		k.Approver = d
	}
	for j, lj := range kj.Locked {
		from, err1 := time.Parse(time.RFC3339, lj.From)
		to, err2 := time.Parse(time.RFC3339, lj.To)
		switch {
		case err1 != nil:
			return nil, fail(fmt.Sprintf("locked[%d].from", j), "%q is not an RFC 3339 time", lj.From)
		case err2 != nil:
			return nil, fail(fmt.Sprintf("locked[%d].to", j), "%q is not an RFC 3339 time", lj.To)
		case !from.Before(to):
			return nil, fail(fmt.Sprintf("locked[%d].to", j), "%s is not after %s", lj.To, lj.From)
		}
		k.Locked = append(k.Locked, Locked{From: from.In(z), To: to.In(z), Reason: lj.Reason})
	}
	sort.Slice(k.Locked, func(a, b int) bool { return k.Locked[a].From.Before(k.Locked[b].From) })
	return k, nil
}
