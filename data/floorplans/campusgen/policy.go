package campusgen

import "encoding/json"

// The roles of the visibility policy, in the order policy.json lists them.
var roles = []string{"staff", "student", "family", "visitor", "tourist"}

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
		for _, r := range roles {
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
		{"roles", roles},
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
var extensions = []string{
	"imdf:extension:campusnav:beacon#1.0.0",
	"imdf:extension:campusnav:path#1.0.0",
	"imdf:extension:campusnav:gate#1.0.0",
	"imdf:extension:campusnav:unit-booking#1.0.0",
	"imdf:extension:campusnav:policy#1.0.0",
}

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
