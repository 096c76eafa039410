package campusgen

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// accessFile is access.json as FORMAT.md describes it; unknown fields are
// an error.
type accessFile struct {
	Version  int    `json:"version"`
	TimeZone string `json:"time_zone"`
	Travel   struct {
		FootFactor    float64 `json:"foot_factor"`
		VehicleFactor float64 `json:"vehicle_factor"`
		SlackS        float64 `json:"slack_s"`
	} `json:"travel"`
	Rules []struct {
		Name      string   `json:"name"`
		Kinds     []string `json:"kinds"`
		Buildings []string `json:"buildings"`
		Roles     []string `json:"roles"`
		Hours     []struct {
			Days []string `json:"days"`
			From string   `json:"from"`
			To   string   `json:"to"`
		} `json:"hours"`
		Floors json.RawMessage `json:"floors"`
	} `json:"rules"`
}

func readAccess(t *testing.T) accessFile {
	t.Helper()
	var af accessFile
	dec := json.NewDecoder(bytes.NewReader(files(t)["access.json"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&af); err != nil {
		t.Fatalf("access.json: %v", err)
	}
	return af
}

var hhmm = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)

// TestAccessSchema checks access.json against every rule of FORMAT.md.
func TestAccessSchema(t *testing.T) {
	a := archive(t)
	af := readAccess(t)
	if af.Version != 1 || af.TimeZone != "Asia/Shanghai" {
		t.Errorf("version %d, time_zone %q", af.Version, af.TimeZone)
	}
	if af.Travel.FootFactor < 1 || af.Travel.VehicleFactor < af.Travel.FootFactor || af.Travel.SlackS < 0 {
		t.Errorf("travel %+v", af.Travel)
	}
	refs := map[string]bool{}
	for _, b := range a.byType["building"] {
		refs[b.ref()] = true
		refs[b.ID] = true
	}
	days := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	names := map[string]bool{}
	for i, r := range af.Rules {
		where := r.Name
		if r.Name == "" {
			t.Errorf("rules[%d] has no name", i)
		}
		if names[r.Name] {
			t.Errorf("rule %q: name used twice", r.Name)
		}
		names[r.Name] = true
		if len(r.Kinds) == 0 || len(r.Roles) == 0 {
			t.Errorf("rule %q: kinds %v, roles %v: neither may be empty", where, r.Kinds, r.Roles)
		}
		for _, k := range r.Kinds {
			if _, ok := readerGuards[k]; !ok {
				t.Errorf("rule %q: kind %q", where, k)
			}
		}
		for _, b := range r.Buildings {
			if !refs[b] {
				t.Errorf("rule %q: building %q is not in building.geojson", where, b)
			}
		}
		for _, role := range r.Roles {
			if !slices.Contains(members, role) {
				t.Errorf("rule %q: role %q (card holders are %v)", where, role, members)
			}
		}
		for _, h := range r.Hours {
			for _, d := range h.Days {
				if !slices.Contains(days, d) {
					t.Errorf("rule %q: day %q", where, d)
				}
			}
			if len(h.Days) == 0 || !hhmm.MatchString(h.From) || !(hhmm.MatchString(h.To) || h.To == "24:00") || h.From >= h.To {
				t.Errorf("rule %q: hours %+v", where, h)
			}
		}
		if r.Floors != nil {
			var word string
			var list []int
			if !slices.Contains(r.Kinds, "elevator") {
				t.Errorf("rule %q: floors without an elevator kind", where)
			}
			if json.Unmarshal(r.Floors, &word) == nil {
				if word != "seen" && word != "all" {
					t.Errorf("rule %q: floors %q", where, word)
				}
			} else if json.Unmarshal(r.Floors, &list) != nil {
				t.Errorf("rule %q: floors %s is neither a word nor ordinals", where, r.Floors)
			}
		}
	}
}

// TestAccessCoversTheCampus checks what the rules say: card holders pass the
// gates and barriers; staff every building door, lift, library gate,
// printer and till; nothing of the residences and no lock by rule; family
// neither printers, library nor tills.
func TestAccessCoversTheCampus(t *testing.T) {
	a := archive(t)
	af := readAccess(t)
	allowed := func(r *feature, role string) bool {
		p := r.Properties
		building := ""
		if p.LevelID != nil {
			building = buildingOf(a, *p.LevelID)
		}
		for _, rule := range af.Rules {
			if !slices.Contains(rule.Kinds, p.Kind) || !slices.Contains(rule.Roles, role) {
				continue
			}
			if rule.Buildings != nil && !slices.Contains(rule.Buildings, building) {
				continue
			}
			if p.Kind == "door" && !entranceDoor(a, a.byID[p.Guards]) {
				continue // FORMAT.md: a door rule names the entrances' readers
			}
			return true
		}
		return false
	}
	for _, r := range a.byType["reader"] {
		p := r.Properties
		building := ""
		if p.LevelID != nil {
			building = buildingOf(a, *p.LevelID)
		}
		dorm := strings.HasPrefix(building, "D")
		inside := p.Kind == "door" && !entranceDoor(a, a.byID[p.Guards])
		staff := !dorm && p.Kind != "lock" && !inside
		if got := allowed(r, "staff"); got != staff {
			t.Errorf("%s reader %s (%s): staff allowed %v, want %v", p.Kind, r.ID, p.Name["en"], got, staff)
		}
		if (p.Kind == "gate" || p.Kind == "barrier") && !(allowed(r, "student") && allowed(r, "family")) {
			t.Errorf("%s: card holders do not pass", p.Name["en"])
		}
		switch p.Kind {
		case "printer", "library", "pos":
			if allowed(r, "family") || !allowed(r, "student") {
				t.Errorf("%s: for staff and students only", p.Name["en"])
			}
		}
	}
}

// entranceDoor reports whether opening o lies on its level's outer wall.
func entranceDoor(a *parsed, o *feature) bool {
	if o == nil || o.FeatureType != "opening" {
		return false
	}
	return boundaryDist(a.byID[o.level()].ring, midpoint(o.line)) <= onWall
}
