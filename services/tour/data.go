package tour

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services"
)

// File is the name of the tours' data, in errors about it.
const File = "tours.json"

// campusTours is the campus's tours: tours.json beside this file.
//
// The form of the data (campusd's --tours file takes the same):
//
//	{"version": 1, "time_zone": "Asia/Shanghai", "tours": [{
//	  "id": "campus-highlights",           // a-z0-9 words joined by -, at most 40: part of its slots' ids
//	  "name": {"en": ..., "zh-Hans": ...}, // both required, as is "description"
//	  "description": {"en": ..., "zh-Hans": ...},
//	  "duration_min": 75,                  // 15 to 480
//	  "capacity": 30,                      // people a slot takes, 1 to MaxCapacity
//	  "schedule": [{"days": ["sat", "sun"], "times": ["10:00", "14:30"]}], // slots' starts, Asia/Shanghai; no days: every day
//	  "stops": [{"place": "G2", "note": {"en": ..., "zh-Hans": ...}}, ...]  // 2 to MaxStops; a reference or an id
//	}]}
//
// Unknown members are errors (a typo would silently drop a setting). A
// stop is a gate, a building (seen from outside: the route goes to its
// entrance), or a room or amenity a tourist may see (inside C3 to C6);
// the first is a gate, where the group meets.
//
//go:embed tours.json
var campusTours []byte

// Langs are the languages a tour is told in: its stops' names and its
// route's instructions.
var Langs = []string{"en", "zh"}

// Tour is one tour as the data gives it, checked against the venue.
type Tour struct {
	ID          string
	Name        geo.Labels
	Description geo.Labels
	Duration    time.Duration
	Capacity    int
	// Times are the slots' start times, minutes after midnight in
	// Asia/Shanghai, by weekday (time.Weekday), ascending.
	Times [7][]int
	Stops []Stop

	// views are the stops as a tourist sees them, and the route through
	// them, by language: found once, at start-up.
	stops  map[string][]StopView
	routes map[string]*routing.Route
}

// Stop is a place a tour stops at: a feature a tourist may see (a gate,
// a building from outside, a room or amenity of a building they may
// enter), and what the guide says there.
type Stop struct {
	Place string // as the data names it: a reference or an id
	ID    string // the feature's id
	Note  geo.Labels
}

// StopView is a stop as the API answers it, names in one language.
type StopView struct {
	Place    string  `json:"place"` // the feature's id
	Kind     string  `json:"kind"`  // gate, building, unit or amenity
	Ref      *string `json:"ref"`
	Name     string  `json:"name"`
	Note     string  `json:"note"`
	Building *string `json:"building"` // the building's id; null outdoors
	Level    *string `json:"level"`    // the level's id; null outdoors
	Ordinal  int     `json:"ordinal"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
}

// DataError is what is wrong with the tours' data: the file, the tour
// (its id, or its index when it has none), the stop (from 1; 0 for
// none) and the field at fault.
type DataError struct {
	File   string
	Tour   string
	Stop   int
	Place  string
	Field  string
	Reason string
}

func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString(e.File + ": ")
	if e.Tour != "" {
		fmt.Fprintf(&b, "tour %s: ", e.Tour)
	}
	if e.Stop > 0 {
		fmt.Fprintf(&b, "stop %d (%q): ", e.Stop, e.Place)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	return b.String() + e.Reason
}

// The data as written.
type (
	dataJSON struct {
		Version  int        `json:"version"`
		TimeZone string     `json:"time_zone"`
		Tours    []tourJSON `json:"tours"`
	}
	tourJSON struct {
		ID          string         `json:"id"`
		Name        geo.Labels     `json:"name"`
		Description geo.Labels     `json:"description"`
		DurationMin int            `json:"duration_min"`
		Capacity    int            `json:"capacity"`
		Schedule    []scheduleJSON `json:"schedule"`
		Stops       []stopJSON     `json:"stops"`
	}
	scheduleJSON struct {
		Days  []string `json:"days"`
		Times []string `json:"times"`
	}
	stopJSON struct {
		Place string     `json:"place"`
		Note  geo.Labels `json:"note"`
	}
)

// tourID is what a tour's id may be: it is part of its slots' ids.
var tourID = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// maxTourID bounds a tour's id, in bytes.
const maxTourID = 40

// stopKinds are the kinds of feature a stop may be.
var stopKinds = []string{geo.KindGate, geo.KindBuilding, geo.KindUnit, geo.KindAmenity}

// Parse reads tours' data (file names it in errors) against venue v and
// its graph g: every stop a place a tourist may see, the first a gate
// (where the group meets), and a route through them, as a tourist walks
// the campus. Every error found is returned, joined.
func Parse(v *geo.Venue, g *routing.Graph, data []byte, file string) ([]*Tour, error) {
	var d dataJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, &DataError{File: file, Reason: fmt.Sprintf("not the JSON expected: %v", err)}
	}
	if d.Version != 1 {
		return nil, &DataError{File: file, Field: "version", Reason: fmt.Sprintf("%d is not a version this program reads (1)", d.Version)}
	}
	if d.TimeZone != "" && d.TimeZone != "Asia/Shanghai" {
		return nil, &DataError{File: file, Field: "time_zone", Reason: fmt.Sprintf("%q: tours are scheduled in Asia/Shanghai", d.TimeZone)}
	}
	if len(d.Tours) > MaxTours {
		return nil, &DataError{File: file, Field: "tours", Reason: fmt.Sprintf("%d tours, more than %d", len(d.Tours), MaxTours)}
	}
	var errs []error
	var tours []*Tour
	seen := map[string]bool{}
	for i, tj := range d.Tours {
		name := tj.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		fail := func(stop int, place, field, format string, args ...any) {
			errs = append(errs, &DataError{File: file, Tour: name, Stop: stop, Place: place, Field: field, Reason: fmt.Sprintf(format, args...)})
		}
		t, ok := parseTour(v, tj, fail)
		switch {
		case seen[tj.ID]:
			fail(0, "", "id", "a second tour of this id")
		case ok:
			if err := t.route(v, g); err != nil {
				fail(0, "", "stops", "no route through the stops as a tourist walks: %v", err)
			} else {
				tours = append(tours, t)
			}
		}
		seen[tj.ID] = true
	}
	return tours, errors.Join(errs...)
}

// parseTour checks one tour, telling fail what is wrong.
func parseTour(v *geo.Venue, tj tourJSON, fail func(stop int, place, field, format string, args ...any)) (*Tour, bool) {
	ok := true
	bad := func(stop int, place, field, format string, args ...any) {
		ok = false
		fail(stop, place, field, format, args...)
	}
	if len(tj.ID) > maxTourID || !tourID.MatchString(tj.ID) {
		bad(0, "", "id", "%q is not a tour id (lower-case letters and digits in words joined by -, at most %d)", tj.ID, maxTourID)
	}
	for _, f := range []struct {
		name string
		l    geo.Labels
	}{{"name", tj.Name}, {"description", tj.Description}} {
		for _, lang := range []string{"en", "zh-Hans"} {
			if strings.TrimSpace(f.l[lang]) == "" {
				bad(0, "", f.name, "no %s text", lang)
			}
		}
		for k, s := range f.l {
			if en, _ := services.TextProblem(k + s); en != "" {
				bad(0, "", f.name, "%s", en)
			}
		}
	}
	if tj.DurationMin < 15 || tj.DurationMin > 8*60 {
		bad(0, "", "duration_min", "%d is not 15 to 480 minutes", tj.DurationMin)
	}
	if tj.Capacity < 1 || tj.Capacity > MaxCapacity {
		bad(0, "", "capacity", "%d is not 1 to %d people", tj.Capacity, MaxCapacity)
	}
	t := &Tour{ID: tj.ID, Name: tj.Name, Description: tj.Description, Duration: time.Duration(tj.DurationMin) * time.Minute, Capacity: tj.Capacity}
	if len(tj.Schedule) == 0 {
		bad(0, "", "schedule", "no slots: give days and times")
	}
	for _, sj := range tj.Schedule {
		h, field, reason := services.ParseHours(services.HoursJSON{Days: sj.Days, From: "00:00", To: "24:00"})
		if field != "" {
			bad(0, "", "schedule.days", "%s", reason)
			continue
		}
		if len(sj.Times) == 0 {
			bad(0, "", "schedule.times", "no times")
		}
		for _, s := range sj.Times {
			m, ok := clock(s)
			if !ok {
				bad(0, "", "schedule.times", "%q is not a time of day, HH:MM", s)
				continue
			}
			for d, on := range h.Days {
				if !on {
					continue
				}
				if slices.Contains(t.Times[d], m) {
					bad(0, "", "schedule.times", "%s is given twice on %s", s, time.Weekday(d))
					continue
				}
				t.Times[d] = append(t.Times[d], m)
			}
		}
	}
	for d := range t.Times {
		slices.Sort(t.Times[d])
	}
	if n := len(tj.Stops); n < 2 || n > MaxStops {
		bad(0, "", "stops", "%d stops: a tour has 2 to %d", n, MaxStops)
	}
	w := v.View(geo.Tourist)
	for i, sj := range tj.Stops {
		r, found := lookup(w, sj.Place)
		switch {
		case !found:
			bad(i+1, sj.Place, "place", "no place of this reference or id that a tourist may see")
			continue
		case !slices.Contains(stopKinds, r.Kind):
			bad(i+1, sj.Place, "place", "a %s is not a place to stop at (want a gate, a building, a room or an amenity)", r.Kind)
			continue
		case i == 0 && r.Kind != geo.KindGate:
			bad(i+1, sj.Place, "place", "a tour starts at a campus gate, where its group meets")
		case i > 0 && r.ID == t.Stops[len(t.Stops)-1].ID:
			bad(i+1, sj.Place, "place", "the same place as the stop before")
		}
		for k, s := range sj.Note {
			if en, _ := services.TextProblem(k + s); en != "" {
				bad(i+1, sj.Place, "note", "%s", en)
			}
		}
		t.Stops = append(t.Stops, Stop{Place: sj.Place, ID: r.ID, Note: sj.Note})
	}
	return t, ok
}

// lookup is the place a tourist's view w names by reference or id.
func lookup(w geo.View, place string) (geo.SearchResult, bool) {
	if place == "" {
		return geo.SearchResult{}, false
	}
	if rs, byRef := w.Named(place, "en"); byRef && len(rs) == 1 {
		return rs[0], true
	}
	return w.Result(place, "en")
}

// clock reads "HH:MM" as minutes after midnight.
func clock(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, false
	}
	return h*60 + m, true
}

// route finds, for each language, the stops as a tourist sees them and
// the walk through them as a tourist may walk.
func (t *Tour) route(v *geo.Venue, g *routing.Graph) error {
	w := v.View(geo.Tourist)
	t.stops, t.routes = map[string][]StopView{}, map[string]*routing.Route{}
	ids := make([]string, len(t.Stops))
	for i, s := range t.Stops {
		ids[i] = s.ID
	}
	for _, lang := range Langs {
		rt, err := g.Route(w, routing.Request{From: ids[0], To: ids[len(ids)-1], Via: ids[1 : len(ids)-1], Profile: routing.Walk, Lang: lang})
		if err != nil {
			return err
		}
		t.routes[lang] = rt
		for _, s := range t.Stops {
			r, _ := w.Result(s.ID, lang)
			sv := StopView{Place: r.ID, Kind: r.Kind, Ref: r.Ref, Name: r.Name, Note: s.Note.In(lang), Building: r.Building,
				Level: r.Level, Ordinal: r.Ordinal, Lon: r.Lon, Lat: r.Lat}
			t.stops[lang] = append(t.stops[lang], sv)
		}
	}
	return nil
}

// Route is the walk through the tour's stops, as a tourist walks it, its
// instructions in lang ("en" or "zh").
func (t *Tour) Route(lang string) *routing.Route { return t.routes[langOf(lang)] }

// StopsIn are the tour's stops, names in lang.
func (t *Tour) StopsIn(lang string) []StopView { return t.stops[langOf(lang)] }

// langOf is "zh" for Chinese, else "en".
func langOf(lang string) string {
	if isChinese(lang) {
		return "zh"
	}
	return "en"
}
