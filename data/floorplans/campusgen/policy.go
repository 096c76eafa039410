package campusgen

import (
	"encoding/json"

	"github.com/campusnav/engine/geo"
)

// roleNames are the roles of the visibility policy, in the order policy.json lists them.
func roleNames() []string {
	var out []string
	for _, r := range geo.Roles {
		out = append(out, r.String())
	}
	return out
}

// area is one row of the visibility table of docs FEATURES.md: the
// buildings it names and what the public roles (visitor, tourist) and the
// members (staff, student, family) see inside them.
type area struct {
	name            string
	buildings       []string
	members, public string
}

var areas = []area{
	{"indoor C1, C2", []string{"C1", "C2"}, "full", "none"},
	{"indoor C3, C4, C5, C6", []string{"C3", "C4", "C5", "C6"}, "full", "full"},
	{"indoor C7, E, W, sports hall", []string{"C7", "E", "W", "SH"}, "full", "none"},
	{"underground parking", []string{"CP"}, "full", "entrances"},
	{"dormitory area", []string{"D1", "D2", "D3", "D4", "D5"}, "none", "none"},
}

// policyJSON returns policy.json: the visibility table.
func policyJSON() ([]byte, error) {
	var list []object
	for _, a := range areas {
		access := object{}
		for _, r := range roleNames() {
			v := a.members
			if r == "visitor" || r == "tourist" {
				v = a.public
			}
			access = append(access, field{r, v})
		}
		list = append(list, object{{"name", a.name}, {"buildings", a.buildings}, {"access", access}})
	}
	return indent(object{
		{"version", 1},
		{"roles", roleNames()},
		{"public_roles", []string{"visitor", "tourist"}},
		{"default", "full"},
		{"areas", list},
	})
}

// Manifest values.
const (
	imdfVersion = "1.0.0"
	created     = "2026-11-01T00:00:00Z"
	generatedBy = "campusgen"
)

// extensions are the campusnav extensions the archive uses.
var extensions = []string{geo.ExtBeacon, geo.ExtPath, geo.ExtGate, geo.ExtUnitBooking, geo.ExtPolicy, geo.ExtReader, geo.ExtAccess, geo.ExtBooking}

// manifestJSON returns manifest.json.
func manifestJSON() ([]byte, error) {
	return indent(object{
		{"version", imdfVersion},
		{"created", created},
		{"generated_by", generatedBy},
		{"language", "en"},
		{"extensions", extensions},
	})
}

// indent writes v as indented JSON ending in a newline.
func indent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
