package access_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/access"
)

// FuzzParsePolicy: any access.json is read or refused with a
// *PolicyError naming where; never a panic.
func FuzzParsePolicy(f *testing.F) {
	v, _ := loadCampus(f)
	real, err := os.ReadFile("../../data/floorplans/hkust-gz/access.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(real))
	for _, s := range []string{
		`{"version":1}`, `{"version":2}`, `{"version":1,"time_zone":"Mars/Olympus"}`,
		`{"version":1,"travel":{"foot_factor":0}}`, `{"version":1,"rules":[{"name":"x","kinds":["door"],"roles":["staff"],"hours":[{"from":"25:00","to":"26:00"}]}]}`,
		`{"version":1,"rules":[{"name":"x","kinds":["elevator"],"roles":["student"],"floors":[0,1,2]}]}`,
		`{"version":1,"rules":[{"name":"x","kinds":["door"],"roles":["visitor"]}]}`,
		`{"version":1,"rules":[{"name":"x","kinds":["door"],"buildings":["Z9"],"roles":["staff"]}]}`,
		`{"version":1,"rules":[{"name":"x","kinds":["gate"],"roles":["staff"],"hours":[{"days":["funday"],"from":"08:00","to":"24:00"}]}]}`,
		`{"version":1,"surprise":true}`, `{"version":1,"rules":[{"name":"a","kinds":["gate"],"roles":["staff"]},{"name":"a","kinds":["gate"],"roles":["staff"]}]}`,
		strings.Repeat("[", 1000), "\n\n{\"version\": \"one\"}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		p, err := access.ParsePolicy([]byte(data), v)
		var pe *access.PolicyError
		switch {
		case err == nil && p == nil:
			t.Fatal("no policy and no error")
		case err != nil && !errors.As(err, &pe):
			t.Fatalf("%v is not a *PolicyError", err)
		case err != nil && !strings.HasPrefix(err.Error(), "access.json: "):
			t.Fatalf("%q does not name the file", err)
		}
	})
}

func TestPolicyErrors(t *testing.T) {
	v, _ := loadCampus(t)
	cases := map[string]string{
		`{"version":1,"rules":[{"name":"Night","kinds":["door"],"roles":["staff"],"hours":[{"from":"22:00","to":"06:00"}]}]}`: `access.json: rules[0] (Night).hours[0].to: 06:00 is not after 22:00`,
		`{"version":1,"rules":[{"name":"x","kinds":["door"],"buildings":["Z9"],"roles":["staff"]}]}`:                          `access.json: rules[0] (x).buildings: "Z9" is no building of the venue`,
		"{\n\"version\": 1,\n\"rules\": 5}": "access.json: line 3: ",
		`{"version":1,"rules":[{"name":"x","kinds":["door"],"roles":["staff"],"floors":"all"}]}`: `access.json: rules[0] (x).floors: only a rule for lifts (elevator) names floors`,
	}
	for in, want := range cases {
		_, err := access.ParsePolicy([]byte(in), v)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s", in, err, want)
		}
	}
}
