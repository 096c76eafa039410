package access

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai wherever the server runs

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
)

// PolicyFile is the access policy's file, beside the archive's policy.json.
const PolicyFile = "access.json"

// Policy is access.json read against a venue: for each reader, the rules
// that may open it, and how fast a card may travel between readers.
// Grants (per person, in the store) add to it; nothing else does.
type Policy struct {
	Zone   *time.Location
	Travel Travel
	Rules  []Rule
	// byReader lists, per reader id, the indexes of the rules naming it.
	byReader map[string][]int
}

// Travel says when two uses of one card are too close for one person:
// less time between them than the walk (the routing graph's fastest
// profile, the holder's role) divided by FootFactor (VehicleFactor when
// either reader is a car barrier), less Slack.
type Travel struct {
	FootFactor    float64       `json:"foot_factor"`
	VehicleFactor float64       `json:"vehicle_factor"`
	Slack         time.Duration `json:"-"`
}

// Rule is one rule of access.json: the roles it lets through the
// readers of its kinds (in its buildings), in its hours.
type Rule struct {
	Name      string
	Kinds     []string
	Buildings []*geo.Building // none: any, outdoors included
	Roles     []auth.Role
	Hours     []Hours // none: always
	// Floors, for lifts: FloorsSeen (the floors of the building the
	// role may see inside), FloorsAll, or the ordinals listed.
	Floors     string
	FloorsList []int
}

// Floors values of a rule.
const (
	FloorsSeen = "seen"
	FloorsAll  = "all"
	floorsList = "list"
)

// Hours are opening hours on some days (services.Hours).
type Hours = services.Hours

type policyJSON struct {
	Version  int         `json:"version"`
	TimeZone string      `json:"time_zone"`
	Travel   *travelJSON `json:"travel"`
	Rules    []ruleJSON  `json:"rules"`
}

type travelJSON struct {
	FootFactor    float64 `json:"foot_factor"`
	VehicleFactor float64 `json:"vehicle_factor"`
	SlackS        float64 `json:"slack_s"`
}

type ruleJSON struct {
	Name      string          `json:"name"`
	Kinds     []string        `json:"kinds"`
	Buildings []string        `json:"buildings"`
	Roles     []string        `json:"roles"`
	Hours     []services.HoursJSON     `json:"hours"`
	Floors    json.RawMessage `json:"floors"`
}

// DefaultTravel is the travel rule of a policy that states none: a
// person runs or cycles at most 3 times as fast as the routing graph's
// walk, drives at most 8 times, and clocks may differ by 10 s.
var DefaultTravel = Travel{FootFactor: 3, VehicleFactor: 8, Slack: 10 * time.Second}

var readerKinds = []string{geo.ReaderGate, geo.ReaderBarrier, geo.ReaderDoor, geo.ReaderElevator,
	geo.ReaderLock, geo.ReaderPrinter, geo.ReaderLibrary, geo.ReaderPOS}

// PolicyError is what is wrong with access.json: where (a rule's index
// and name, a field) and why.
type PolicyError struct {
	Where  string // "rules[3] (Students, teaching buildings).hours[0].from"
	Reason string
}

func (e *PolicyError) Error() string {
	if e.Where == "" {
		return PolicyFile + ": " + e.Reason
	}
	return PolicyFile + ": " + e.Where + ": " + e.Reason
}

// ParsePolicy reads access.json (data) against v. No data is an empty
// policy: nothing opens but by grants. Anything wrong is a *PolicyError
// naming the rule and the field.
func ParsePolicy(data []byte, v *geo.Venue) (*Policy, error) {
	p := &Policy{Travel: DefaultTravel, byReader: map[string][]int{}}
	p.Zone, _ = time.LoadLocation("Asia/Shanghai")
	if data == nil {
		return p, nil
	}
	var pj policyJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pj); err != nil {
		return nil, &PolicyError{Reason: services.JSONReason(data, err)}
	}
	if pj.Version != 1 {
		return nil, &PolicyError{Where: "version", Reason: fmt.Sprintf("version %d is not 1", pj.Version)}
	}
	if pj.TimeZone != "" {
		z, err := time.LoadLocation(pj.TimeZone)
		if err != nil {
			return nil, &PolicyError{Where: "time_zone", Reason: fmt.Sprintf("%q is not a time zone", pj.TimeZone)}
		}
		p.Zone = z
	}
	if t := pj.Travel; t != nil {
		if !(t.FootFactor >= 1 && t.FootFactor <= 100) {
			return nil, &PolicyError{Where: "travel.foot_factor", Reason: "must be 1-100"}
		}
		if !(t.VehicleFactor >= t.FootFactor && t.VehicleFactor <= 100) {
			return nil, &PolicyError{Where: "travel.vehicle_factor", Reason: "must be at least foot_factor and at most 100"}
		}
		if !(t.SlackS >= 0 && t.SlackS <= 3600) {
			return nil, &PolicyError{Where: "travel.slack_s", Reason: "must be 0-3600 seconds"}
		}
		p.Travel = Travel{FootFactor: t.FootFactor, VehicleFactor: t.VehicleFactor, Slack: time.Duration(t.SlackS * float64(time.Second))}
	}
	refs := map[string]*geo.Building{}
	for _, b := range v.Buildings {
		refs[b.ID] = b
		if b.Ref != "" {
			refs[b.Ref] = b
		}
	}
	names := map[string]int{}
	for i, rj := range pj.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		if rj.Name != "" {
			where += " (" + rj.Name + ")"
		}
		fail := func(field, format string, args ...any) error {
			return &PolicyError{Where: where + "." + field, Reason: fmt.Sprintf(format, args...)}
		}
		r := Rule{Name: strings.TrimSpace(rj.Name)}
		if r.Name == "" {
			return nil, fail("name", "a rule needs a name")
		}
		if j, dup := names[r.Name]; dup {
			return nil, fail("name", "rules[%d] has the same name", j)
		}
		names[r.Name] = i
		if len(rj.Kinds) == 0 {
			return nil, fail("kinds", "a rule needs at least one reader kind (%s)", strings.Join(readerKinds, ", "))
		}
		for _, k := range rj.Kinds {
			if !slices.Contains(readerKinds, k) {
				return nil, fail("kinds", "%q is not a reader kind (%s)", k, strings.Join(readerKinds, ", "))
			}
		}
		r.Kinds = rj.Kinds
		for _, ref := range rj.Buildings {
			b, ok := refs[ref]
			if !ok {
				return nil, fail("buildings", "%q is no building of the venue", ref)
			}
			r.Buildings = append(r.Buildings, b)
		}
		if len(rj.Roles) == 0 {
			return nil, fail("roles", "a rule needs at least one role (staff, student, family)")
		}
		for _, s := range rj.Roles {
			role := auth.Role(s)
			if !HasCard(role) {
				return nil, fail("roles", "%q is not a card holder's role (staff, student, family)", s)
			}
			r.Roles = append(r.Roles, role)
		}
		for j, hj := range rj.Hours {
			h, field, reason := services.ParseHours(hj)
			if field != "" {
				return nil, fail(fmt.Sprintf("hours[%d].%s", j, field), "%s", reason)
			}
			r.Hours = append(r.Hours, h)
		}
		r.Floors = FloorsSeen
		if len(rj.Floors) > 0 && string(rj.Floors) != "null" {
			if !slices.Contains(r.Kinds, geo.ReaderElevator) {
				return nil, fail("floors", "only a rule for lifts (elevator) names floors")
			}
			var s string
			var list []int
			switch {
			case json.Unmarshal(rj.Floors, &s) == nil && (s == FloorsSeen || s == FloorsAll):
				r.Floors = s
			case json.Unmarshal(rj.Floors, &list) == nil && len(list) > 0:
				r.Floors, r.FloorsList = floorsList, list
			default:
				return nil, fail("floors", "%s is not \"seen\", \"all\" or a list of ordinals", rj.Floors)
			}
		}
		p.Rules = append(p.Rules, r)
	}
	for _, rd := range v.Readers {
		for i, r := range p.Rules {
			if r.names(rd) {
				p.byReader[rd.ID] = append(p.byReader[rd.ID], i)
			}
		}
	}
	return p, nil
}

// names reports whether r is about reader rd (its kind and building). A
// door rule is about a building's entrances: the badge readers inside
// (server rooms, labs) open only by grants.
func (r *Rule) names(rd *geo.Reader) bool {
	if !slices.Contains(r.Kinds, rd.Kind) || rd.Kind == geo.ReaderDoor && !rd.AtEntrance() {
		return false
	}
	return len(r.Buildings) == 0 || slices.Contains(r.Buildings, rd.Building)
}

