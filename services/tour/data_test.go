package tour

import (
	"strings"
	"testing"
	"time"
)

// tourData is tours' data of one tour: its fields as JSON members, and
// its stops as places.
func tourData(fields string, stops ...string) string {
	var ss []string
	for _, s := range stops {
		ss = append(ss, `{"place":"`+s+`","note":{"en":"here","zh-Hans":"这里"}}`)
	}
	return `{"version":1,"tours":[{"id":"t1","name":{"en":"T","zh-Hans":"游"},"description":{"en":"D","zh-Hans":"述"},` +
		`"duration_min":60,"capacity":10,"schedule":[{"days":["sat"],"times":["10:00"]}]` + fields +
		`,"stops":[` + strings.Join(ss, ",") + `]}]}`
}

// TestDataErrors: what is wrong with the data is an error naming the
// file, the tour and the stop.
func TestDataErrors(t *testing.T) {
	v, g := campus(t)
	for _, c := range []struct {
		name, data string
		want       []string
	}{
		{"unknown place", tourData("", "G2", "C3-999", "G5"), []string{`my.json: tour t1: stop 2 ("C3-999"): place: no place`}},
		{"hidden from tourists", tourData("", "G2", "C1-111", "G5"), []string{`tour t1: stop 2 ("C1-111"): place: no place of this reference or id that a tourist may see`}},
		{"a dormitory room", tourData("", "G2", "D1-133"), []string{`stop 2 ("D1-133")`}},
		{"not from a gate", tourData("", "C3-112", "G5"), []string{`stop 1 ("C3-112"): place: a tour starts at a campus gate`}},
		{"the same place twice", tourData("", "G2", "C3-112", "C3-112"), []string{`stop 3 ("C3-112"): place: the same place as the stop before`}},
		{"one stop", tourData("", "G2"), []string{"tour t1: stops: 1 stops"}},
		{"a level", tourData("", "G2", "C3"), nil}, // a building: fine
		{"capacity", strings.Replace(tourData("", "G2", "G5"), `"capacity":10`, `"capacity":0`, 1), []string{"tour t1: capacity: 0 is not 1 to 200"}},
		{"duration", strings.Replace(tourData("", "G2", "G5"), `"duration_min":60`, `"duration_min":5`, 1), []string{"duration_min: 5"}},
		{"id", strings.Replace(tourData("", "G2", "G5"), `"id":"t1"`, `"id":"Tour One"`, 1), []string{`tour Tour One: id: "Tour One" is not a tour id`}},
		{"no id", strings.Replace(tourData("", "G2", "G5"), `"id":"t1"`, `"id":""`, 1), []string{`tour #1: id:`}},
		{"no Chinese name", strings.Replace(tourData("", "G2", "G5"), `"zh-Hans":"游"`, `"zh-Hans":" "`, 1), []string{"tour t1: name: no zh-Hans text"}},
		{"a day", strings.Replace(tourData("", "G2", "G5"), `"sat"`, `"someday"`, 1), []string{`schedule.days: "someday" is not a day`}},
		{"a time", strings.Replace(tourData("", "G2", "G5"), `"10:00"`, `"25:00"`, 1), []string{`schedule.times: "25:00" is not a time of day`}},
		{"a time twice", strings.Replace(tourData("", "G2", "G5"), `"10:00"`, `"10:00","10:00"`, 1), []string{"10:00 is given twice on Saturday"}},
		{"no schedule", strings.Replace(tourData("", "G2", "G5"), `"schedule":[{"days":["sat"],"times":["10:00"]}]`, `"schedule":[]`, 1), []string{"schedule: no slots"}},
		{"unknown field", tourData(`,"price_fen":100`, "G2", "G5"), []string{`my.json: not the JSON expected: json: unknown field "price_fen"`}},
		{"version", strings.Replace(tourData("", "G2", "G5"), `"version":1`, `"version":2`, 1), []string{"my.json: version: 2"}},
		{"zone", strings.Replace(tourData("", "G2", "G5"), `"version":1`, `"version":1,"time_zone":"UTC"`, 1), []string{"time_zone"}},
		{"NUL in a note", strings.Replace(tourData("", "G2", "G5"), `"here"`, `"he\u0000re"`, 1), []string{`stop 1 ("G2"): note: contains a NUL`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tours, err := Parse(v, g, []byte(c.data), "my.json")
			if c.want == nil {
				if err != nil || len(tours) != 1 {
					t.Fatalf("%v, %d tours", err, len(tours))
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, %d tours", len(tours))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\nwant %q in it", err, w)
				}
			}
		})
	}
	// Two tours of one id; every error is told, not only the first.
	two := strings.Replace(tourData("", "G2", "G5"), `]}]}`, `]},`+strings.TrimPrefix(strings.TrimSuffix(tourData("", "C3-112", "G5"), "]}"), `{"version":1,"tours":[`)+`]}`, 1)
	_, err := Parse(v, g, []byte(two), "my.json")
	if err == nil || !strings.Contains(err.Error(), "tour t1: id: a second tour of this id") || !strings.Contains(err.Error(), "a tour starts at a campus gate") {
		t.Errorf("two tours of one id: %v", err)
	}
}

// TestSlotIDs: a slot's id names its tour, day and time in Shanghai, and
// reads back only when its tour's schedule has it.
func TestSlotIDs(t *testing.T) {
	v, g := campus(t)
	s, err := New(v, g, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sat := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC) // Saturday 10:00 in Shanghai
	id := SlotID("campus-highlights", sat)
	if id != "campus-highlights-20261205-1000" {
		t.Fatalf("SlotID: %s", id)
	}
	tr, start, ok := s.slot(id)
	if !ok || tr.ID != "campus-highlights" || !start.Equal(sat) {
		t.Fatalf("slot %s: %v %v %v", id, tr, start, ok)
	}
	for _, bad := range []string{"campus-highlights-20261205-1100", "campus-highlights-20261204-1000", "campus-walk-20261205-1000",
		"nope-20261205-1000", "campus-highlights-2026125-1000", "campus-highlights-20261205-10:00", "20261205-1000", "", "-", "campus-highlights-20261305-1000",
		"campus-highlights-20261205-1000-", "campus-highlights--20261205-1000"} {
		if _, _, ok := s.slot(bad); ok {
			t.Errorf("slot %q read as one", bad)
		}
	}
	// A week of slots: Wednesday's one and the weekend's four.
	from := midnight(time.Date(2026, 12, 7, 0, 0, 0, 0, shanghai))
	slots := tr.slots(from, from.AddDate(0, 0, 6))
	var ids []string
	for _, sl := range slots {
		ids = append(ids, sl.ID[len(tr.ID)+1:])
		if sl.End.Sub(sl.Start) != 75*time.Minute || sl.Capacity != 30 {
			t.Errorf("slot %+v", sl)
		}
	}
	if got := strings.Join(ids, " "); got != "20261209-1500 20261212-1000 20261212-1430 20261213-1000 20261213-1430" {
		t.Errorf("the week's slots: %s", got)
	}
}
